"""``make run`` stays honest: the embedded default (SQLite, eager Celery,
console email, sandbox payments, no variables at all) migrates, seeds the
demo city and serves its pages in Russian from a real ``runserver``."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _form_post(opener, url: str, fields: dict) -> tuple[int, dict]:
    """GET the form (its CSRF token), POST ``fields``; (status, headers) without following a redirect."""
    with opener.open(url, timeout=30) as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode()).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def test_embedded_mode_on_another_port_builds_its_links_on_that_port(tmp_path):
    """``PORT=8080 make run`` without SITE_URL: the sandbox gateway sends the
    resident back to the port actually served, not to :8000 (issue 13)."""
    env = {**clean_env(tmp_path), "CAPTCHA_TEST_MODE": "true"}
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo", "--if-empty", "--accounts", "2", "--months", "2")
    port = free_port()
    env["PORT"] = str(port)  # what `make run` passes on; SITE_URL is not set
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
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        login = {"username": "1000000001", "password": "demo-resident-2026", "captcha_0": "x", "captcha_1": "PASSED"}
        status, _headers = _form_post(opener, base + "/accounts/login/", login)
        assert status == 302, log.read_text()[-3000:]
        with opener.open(base + "/payments/pay/", timeout=30) as response:
            form_token = re.search(r'name="form_token" value="([^"]+)"', response.read().decode()).group(1)
        pay = {"amount": "100,00", "email": "resident@example.ru", "form_token": form_token}
        status, headers = _form_post(opener, base + "/payments/pay/", pay)
        assert status == 302, log.read_text()[-3000:]
        assert headers["Location"].startswith(f"{base}/payments/sandbox/"), headers["Location"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_make_run_hands_its_port_to_the_settings():
    """`PORT=8080 make run` runs every manage.py with PORT=8080 in its
    environment, which is what the settings read when SITE_URL is unset."""
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8080"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=False
    )
    runserver = [line for line in result.stdout.splitlines() if "runserver" in line]
    assert runserver and "PORT=8080" in runserver[0] and "127.0.0.1:8080" in runserver[0], result.stdout
