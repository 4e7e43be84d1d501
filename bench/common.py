"""Helpers of the benches: a fresh database on the bench server, Django set
up on it, peak memory."""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_database(db: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{BASE_URL}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {db}")
    conn.close()


def setup_django(db: str, *, migrate: bool = True) -> None:
    """Django on ``db``, migrated unless ``migrate`` is false."""
    os.environ["DATABASE_URL"] = f"{BASE_URL}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eirc.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if migrate:
        call_command("migrate", verbosity=0)
