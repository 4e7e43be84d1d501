"""``make run`` stays honest: the embedded default (SQLite, eager Celery,
console email, sandbox payments, no variables at all) migrates, seeds the
demo city and serves its pages in Russian from a real ``runserver``."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PAGES = ["/", "/info/tariffs/", "/info/offices/", "/accounts/login/"]
START_TIMEOUT = 60  # seconds for runserver to start answering

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No DATABASE_URL / REDIS_URL / EMAIL_URL from the test run: only a
    SQLite file in a temporary directory instead of ``var/``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def wait_until_answering(server: subprocess.Popen, url: str, log: Path) -> None:
    """Poll until the server answers; fail early if it died. Bounded."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers (even an error status is an answer)
        except OSError:
            pass
        try:
            server.wait(timeout=0.2)  # doubles as the pause between attempts
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"runserver exited with {server.returncode}:\n{log.read_text()}")
    pytest.fail(f"runserver did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


def assert_ledger_guard(path: Path) -> None:
    """The embedded SQLite database has the ledger's triggers too: migrations
    that rebuild ``billing_ledgerentry`` on SQLite must not drop them."""
    with sqlite3.connect(path) as db:
        triggers = {
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'billing_ledgerentry'"
            )
        }
        assert {"billing_ledger_no_update", "billing_ledger_no_delete_closed"} <= triggers
        entry = db.execute("SELECT id, amount FROM billing_ledgerentry ORDER BY id LIMIT 1").fetchone()
        if entry is not None:  # seeded: an edit is refused by the database itself
            try:
                db.execute("UPDATE billing_ledgerentry SET amount = amount + 1 WHERE id = ?", [entry[0]])
            except sqlite3.IntegrityError:
                pass
            else:
                pytest.fail("the embedded database let a ledger entry be edited")
            db.rollback()


def test_embedded_default_serves_the_portal_in_russian(tmp_path):
    env = clean_env(tmp_path)
    manage(env, "migrate", "--noinput")
    commands = manage(env, "help", "--commands").stdout.split()
    if "seed_demo" in commands:
        seeded = manage(env, "seed_demo", "--if-empty", "--accounts", "5", "--months", "3")
        assert "1000000001" in seeded.stdout  # the demo logins are printed

    assert_ledger_guard(tmp_path / "db.sqlite3")

    port = free_port()
    log = tmp_path / "runserver.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(server, base + "/health/", log)

        status, body = fetch(base + "/health/")
        assert status == 200, body
        assert json.loads(body)["checks"]["database"] == "ok"
        assert "broker" not in json.loads(body)["checks"]  # eager Celery: no broker to check

        for page in PAGES:
            status, body = fetch(base + page)
            assert status == 200, f"{page}: {status}\n{body[:2000]}"
            assert 'lang="ru"' in body, page
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_a_migrate_puts_back_ledger_triggers_a_sqlite_table_rebuild_dropped(tmp_path):
    env = clean_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v", "0")
    db_path = tmp_path / "db.sqlite3"
    with sqlite3.connect(db_path) as db:  # what a rebuilding migration does to them
        db.execute("DROP TRIGGER billing_ledger_no_update")
        db.execute("DROP TRIGGER billing_ledger_no_delete_closed")
    manage(env, "migrate", "--noinput", "-v", "0")
    assert_ledger_guard(db_path)
