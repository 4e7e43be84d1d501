"""The worker starts from a virtual environment built from requirements.txt
alone (no test or lint tool in it): every task module imports there and a
Celery worker reaches «ready» on Redis. requirements-dev.txt once hid that
kombu's Redis transport needs ``packaging``: the worker died on import and
every request that queued a task answered 500.

The venv is the one ``make prod-smoke`` uses (scripts/prod_smoke/prodvenv.py,
cached under var/prod-venv/ by the hash of requirements.txt)."""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

BASE = Path(__file__).resolve().parents[2]
IMPORT_EVERY_TASK_MODULE = """
import importlib, pathlib, django
django.setup()
from eirc.celery import app
import kombu.transport.redis
modules = sorted(p.parent.name + ".tasks" for p in pathlib.Path(".").glob("*/tasks.py"))
for name in modules:
    importlib.import_module(name)
print(" ".join(modules))
print(" ".join(sorted(n for n in app.tasks if not n.startswith("celery."))))
"""


def production_venv() -> Path:
    spec = importlib.util.spec_from_file_location("prodvenv", BASE / "scripts" / "prod_smoke" / "prodvenv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ensure(BASE, log=lambda message: None)[0]


def production_env(tmp_path: Path) -> dict[str, str]:
    """deploy/eirc.env with this test run's services and a real secret."""
    env = {}
    for line in (BASE / "deploy" / "eirc.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    db = settings.DATABASES["default"]
    env.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        YOOKASSA_SHOP_ID="123456",
        YOOKASSA_SECRET_KEY="test_secret",
        EMAIL_URL="smtp://127.0.0.1:25",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=str(tmp_path),
        LANG="C.UTF-8",
        DJANGO_SETTINGS_MODULE="eirc.settings",
    )
    assert not [name for name, value in env.items() if "CHANGE-ME" in value]
    return env


def pins(text: str) -> set[str]:
    return {
        line.strip().lower().replace("_", "-")
        for line in text.splitlines()
        if line.strip() and not line.startswith(("#", "-"))
    }


def test_every_package_of_that_venv_is_pinned_in_requirements_txt_and_nothing_else_is_there():
    """What pip pulls in on its own (brotli and zopfli, for fonttools) is
    pinned too, and nothing of requirements-dev.txt is installed."""
    venv = production_venv()
    frozen = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert pins(frozen) == pins((BASE / "requirements.txt").read_text())


def test_every_task_module_imports_in_a_venv_built_from_requirements_txt_alone(tmp_path):
    venv = production_venv()

    result = subprocess.run(
        [venv / "bin" / "python", "-c", IMPORT_EVERY_TASK_MODULE],
        cwd=BASE,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules, tasks = result.stdout.splitlines()[-2:]
    assert set(modules.split()) == {f"{p.parent.name}.tasks" for p in BASE.glob("*/tasks.py")}
    assert {"eirc.tasks.send_email", "eirc.tasks.outbox_sweep", "documents.tasks.receipts_render_chunk_task"} <= set(
        tasks.split()
    )


def test_a_celery_worker_starts_from_that_venv(tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (a real broker)")
    venv = production_venv()
    queue = f"prod-venv-test-{os.getpid()}"  # consumes nothing of anyone else's
    worker = subprocess.Popen(
        [venv / "bin" / "celery", "-A", "eirc", "worker", "-l", "INFO", "-n", f"{queue}@%h", "-Q", queue]
        + ["--concurrency", "1", "--without-mingle", "--without-gossip"],
        cwd=BASE,
        env=production_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 90
        for line in worker.stdout:  # ends when the worker exits
            lines.append(line)
            if " ready." in line or time.monotonic() > deadline:
                break
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    output = "".join(lines)
    assert " ready." in output, output[-3000:]
    assert "eirc.tasks.send_email" in output  # the task list it printed at start
