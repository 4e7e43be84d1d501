"""The files of deploy/ say what docs/deploy.md says (make prod-smoke runs
them for real): the env template passes the deploy check once its secrets are
filled in and refuses to start before; the units run 2 gunicorn workers, a
worker and one beat; nginx forwards the scheme and the client's address and
limits bodies."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
DEPLOY = BASE / "deploy"


def template() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "eirc.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def manage(tmp_path, env: dict, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text()
    return shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M)[1])


def test_the_env_template_with_its_secrets_filled_in_passes_the_deploy_check(tmp_path):
    env = {**template(), "SECRET_KEY": secrets.token_urlsafe(64)}
    env.update({k: str(tmp_path / k.lower()) for k in ("STATIC_ROOT", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT")})
    result = manage(tmp_path, env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_env_template_as_shipped_refuses_to_start(tmp_path):
    result = manage(tmp_path, template(), "check")
    assert result.returncode != 0
    assert "SECRET_KEY is weak" in result.stderr


def test_every_variable_of_the_env_template_is_documented_in_env_example():
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", (BASE / ".env.example").read_text(), re.M))
    assert set(template()) - documented == set()
    assert template()["TRUSTED_PROXIES"] == "127.0.0.1,::1"  # nginx on the same machine


def test_the_units_run_two_gunicorn_workers_a_celery_worker_and_a_beat_from_the_venv():
    web, worker, beat = (exec_start(f"eirc-{n}.service") for n in ("web", "worker", "beat"))
    assert web[:2] == ["/srv/eirc/venv/bin/gunicorn", "eirc.wsgi:application"]
    assert web[web.index("--workers") + 1] == "2" and web[web.index("--bind") + 1] == "127.0.0.1:8000"
    assert worker[:4] == ["/srv/eirc/venv/bin/celery", "-A", "eirc", "worker"]
    assert beat[:4] == ["/srv/eirc/venv/bin/celery", "-A", "eirc", "beat"]
    assert sorted(p.name for p in (DEPLOY / "systemd").glob("*beat*")) == ["eirc-beat.service"]
    for unit in ("eirc-web.service", "eirc-worker.service", "eirc-beat.service"):
        assert "EnvironmentFile=/etc/eirc/eirc.env" in (DEPLOY / "systemd" / unit).read_text()


def test_nginx_ends_tls_forwards_scheme_and_address_limits_bodies_and_serves_static_files():
    site = (DEPLOY / "nginx" / "eirc.conf").read_text()
    assert "listen 443 ssl" in site and "return 301 https://$host$request_uri;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert re.search(r"location = /payments/yookassa/webhook/ \{\s*client_max_body_size 64k;", site)
    assert "client_max_body_size 10m;" in site
    assert "alias /srv/eirc/static/;" in site
    assert "private" not in re.sub(r"#.*", "", site)  # receipts are only ever served by Django
