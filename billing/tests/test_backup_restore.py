"""The backup routine of docs/operations.md works: the demo city on
PostgreSQL, dumped with pg_dump (custom format) and restored with pg_restore
into a new database, is the same ledger there: billing_check finds no
difference, the counts match, and the ledger's guard triggers came along."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

BASE = Path(__file__).resolve().parents[2]
COUNTED = ("billing_ledgerentry", "billing_statement", "payments_payment", "meters_reading", "accounts_user")


@pytest.fixture
def server():
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("the backup routine is PostgreSQL's")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("needs pg_dump and pg_restore (Debian: postgresql-client)")
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    names = [f"eirc_backup_{kind}_{os.getpid()}" for kind in ("source", "restored")]
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{names[0]}"')
    yield params, names, admin
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def pg_env(params: dict) -> dict[str, str]:
    env = {**os.environ, "PGHOST": str(params["host"]), "PGPORT": str(params["port"]), "PGUSER": params["user"]}
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    return env


def manage(params: dict, name: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    auth = params["user"] + (f":{params['password']}" if params.get("password") else "")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DATABASE_URL": f"postgres://{auth}@{params['host']}:{params['port']}/{name}",
        "DEMO_LOGINS_ALLOWED": "true",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def counts(params: dict, name: str) -> dict[str, int]:
    connection = psycopg2.connect(dbname=name, **params)
    try:
        with connection.cursor() as cursor:
            found = {}
            for table in COUNTED:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - table names are constants
                found[table] = cursor.fetchone()[0]
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'billing_ledgerentry'::regclass")
            found["ledger triggers"] = sorted(name for (name,) in cursor.fetchall() if name.startswith("billing_"))
            return found
    finally:
        connection.close()


def test_the_demo_city_dumped_and_restored_into_a_new_database_passes_billing_check(server, tmp_path):
    params, (source, restored), admin = server
    manage(params, source, tmp_path, "migrate", "--noinput", "-v", "0")
    manage(params, source, tmp_path, "seed_demo", "--accounts", "8", "--months", "4")

    dump = tmp_path / "eirc.dump"
    env = pg_env(params)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), source], env=env, check=True)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dump)], env=env, check=True
    )

    checked = manage(params, restored, tmp_path, "billing_check")
    assert "Расхождений нет" in checked.stdout
    before, after = counts(params, source), counts(params, restored)
    assert after == before
    assert after["billing_ledgerentry"] > 0
    # The guard, and the bumps of the cabinet cache's data version (accounts/versioning.py).
    assert after["ledger triggers"] == [
        "billing_ledger_no_delete_closed",
        "billing_ledger_no_update",
        "billing_ledgerentry_version_del",
        "billing_ledgerentry_version_ins",
        "billing_ledgerentry_version_upd",
    ]
