"""The helpers of ``make test`` say clearly what is wrong."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_services(database_url: str, redis_url: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    return subprocess.run(
        [str(BASE_DIR / "scripts" / "check-services")], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_service_check_says_what_to_start_when_postgres_and_redis_are_down():
    db_port, redis_port = closed_port(), closed_port()
    result = check_services(
        f"postgres://postgres@127.0.0.1:{db_port}/eirc", f"redis://:s3cret-pass@127.0.0.1:{redis_port}/3"
    )
    assert result.returncode == 1
    assert f"PostgreSQL is not answering at 127.0.0.1:{db_port}" in result.stderr
    assert f"Redis is not answering at 127.0.0.1:{redis_port}" in result.stderr
    assert "services-start" in result.stderr
    assert "s3cret-pass" not in result.stderr  # a URL's password is never printed


def test_service_check_refuses_a_sqlite_database_for_the_test_suite():
    result = check_services("sqlite:////tmp/x.sqlite3", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    assert result.returncode == 1
    assert "not PostgreSQL" in result.stderr


def test_service_check_passes_against_the_servers_of_this_test_run(settings):
    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("postgresql"):
        pytest.skip("the suite runs on PostgreSQL (make test); this run does not")
    credentials = quote(database["USER"], safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    url = f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/postgres"
    result = check_services(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    assert result.returncode == 0, result.stderr


def env_example(*, active_only: bool = False) -> dict[str, str]:
    """Assignments of ``.env.example``, with commented-out ``#NAME=value``
    lines unless ``active_only``."""
    values = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$" if active_only else r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def test_every_variable_the_settings_read_is_documented_in_env_example():
    settings_source = (BASE_DIR / "eirc" / "settings.py").read_text()
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_source))
    assert len(read) > 20  # the pattern still finds the variables
    assert read - set(env_example()) == set()


def test_env_example_with_a_secret_key_passes_the_deploy_check(tmp_path):
    active = env_example(active_only=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        **active,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_env_example_refuses_to_start_until_a_secret_key_is_set(tmp_path):
    active = env_example(active_only=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **active}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
