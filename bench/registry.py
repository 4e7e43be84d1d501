"""Benchmark of the bank-registry import against PostgreSQL COPY.

    .venv/bin/python bench/registry.py --rows 100000

Creates (drops and re-creates) the database ``eirc_bench_registry`` on the
Postgres server of ``BENCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432), migrates it and generates accounts
(four for every five registry lines, so some pay twice), half of them with
debts in three periods, and a registry file of ``--rows`` lines dated
03.2026 (one line in ten names its period). Then a fresh process (so the
peak memory is the import's, not the generator's) imports the file with
``registry_import``, the service behind ``import_payments``, and after each
of its chunks COPYs the payment and ledger rows that chunk wrote into tables
of the same shape with the same foreign keys (checked before the clock
stops): import and COPY alternate, chunk by chunk. Prints rows/s, the ratio
import/COPY (goal ≤ 5 at 100 000 rows) and the peak RSS (flat from 10 000
to 100 000 rows).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("bench_billing", ROOT / "bench" / "billing.py")
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

DB = "eirc_bench_registry"
FIRST = 6000000000
MONTHS = ("2025-12-01", "2026-01-01", "2026-02-01")
TABLES = ("payments_payment", "billing_ledgerentry")


def generate(rows: int, path: Path, chunk: int = 10000) -> None:
    """Accounts and their debts by COPY (in chunks, memory flat), the
    registry file line by line."""
    from django.db import connection, transaction

    from eirc.models import Period

    rnd = random.Random(42)
    accounts = max(1, rows * 4 // 5)
    pids = [Period.objects.create(month=m).pk for m in (*MONTHS, "2026-03-01")]
    with connection.cursor() as c:
        cur = c.cursor
        for start in range(0, accounts, chunk):
            size = min(chunk, accounts - start)
            with transaction.atomic():
                ids = common.copy_accounts(cur, FIRST + start, size, rnd)
                common.copy_ledger(
                    cur,
                    (
                        (a, pid, "charge", f"{rnd.randint(500, 5000)}.{rnd.randint(0, 99):02d}", m, "")
                        for a in ids
                        if a % 2
                        for pid, m in zip(pids, MONTHS, strict=False)
                    ),
                )
        cur.execute("ANALYZE")
    with path.open("w", encoding="utf-8") as f:
        f.write("date;time;transaction_id;account;amount;period\n")
        for i in range(rows):
            number = FIRST + rnd.randrange(accounts)
            period = "02.2026" if i % 10 == 0 else ""
            f.write(f"{rnd.randint(1, 28):02d}.03.2026;{rnd.randint(8, 19)}:{rnd.randint(0, 59):02d};")
            f.write(f"BENCH-{i:07d};{number};{rnd.randint(100, 9000)},{rnd.randint(0, 99):02d};{period}\n")


def measure(path: Path, chunk: int) -> None:
    """Import the file; after each chunk, COPY what it wrote into the clones."""
    from django.conf import settings
    from django.db import connection, transaction

    from payments.registry import registry_import

    settings.DEBUG = False  # as in production: with DEBUG on Django keeps every query's SQL in memory
    rss_before = common.rss_mib()
    content = path.read_bytes()
    with connection.cursor() as c:
        for table in TABLES:
            common.clone_table(c.cursor, table, foreign_keys=True)
    state = {"last_entry": 0, "copy": 0.0, "aside": 0.0, "rows": 0}

    def copy_chunk(done, total):
        """The baseline for the rows of the chunk just committed (out of the import's time)."""
        t_aside = time.perf_counter()
        with connection.cursor() as c, transaction.atomic():
            cur = c.cursor
            last = state["last_entry"]
            cur.execute("SELECT max(id) FROM billing_ledgerentry")
            state["last_entry"] = cur.fetchone()[0]
            for table, where in (
                ("payments_payment", f"id IN (SELECT payment_id FROM billing_ledgerentry WHERE id > {last})"),
                ("billing_ledgerentry", f"id > {last}"),
            ):
                buf = io.StringIO()
                cur.copy_expert(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT", buf)
                state["rows"] += buf.getvalue().count("\n")
                buf.seek(0)
                t = time.perf_counter()
                cur.copy_expert(f"COPY bench_{table} FROM STDIN", buf)
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                state["copy"] += time.perf_counter() - t
        print(f"\r{done}/{total}", end="", file=sys.stderr)
        state["aside"] += time.perf_counter() - t_aside

    with connection.cursor() as c:  # the generator's last entry: only the import's rows are copied
        c.execute("SELECT max(id) FROM billing_ledgerentry")
        state["last_entry"] = c.fetchone()[0] or 0
    t = time.perf_counter()
    report = registry_import(content=content, filename=path.name, chunk_size=chunk, progress=copy_chunk)
    run_s = time.perf_counter() - t - state["aside"]
    print(file=sys.stderr)
    assert report.ok and report.applied == report.rows, report.errors[:5]
    rows, copy_s = state["rows"], state["copy"]
    print(f"registry lines:    {report.rows} ({report.applied} payments)")
    print(f"rows written:      {rows} (payments + ledger entries; statements besides)")
    print(f"import:            {run_s:.2f} s  ({report.rows / run_s:,.0f} lines/s)")
    print(f"COPY baseline:     {copy_s:.2f} s  ({rows / copy_s:,.0f} rows/s) into identical tables with their FKs")
    print(f"ratio import/COPY: {run_s / copy_s:.1f} (goal <= 5)")
    print(f"peak RSS:          {common.rss_mib():.0f} MiB (before the import {rss_before:.0f} MiB)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--measure", metavar="FILE", help=argparse.SUPPRESS)  # the second process
    args = ap.parse_args()
    if args.measure:
        common.setup_django(DB, migrate=False)
        measure(Path(args.measure), args.chunk)
        return
    common.reset_database(DB)
    common.setup_django(DB)
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
        path = Path(tmp) / "registry.csv"
        t = time.perf_counter()
        generate(args.rows, path)
        print(f"generated {args.rows} lines in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        subprocess.run(
            [sys.executable, __file__, "--measure", str(path), "--chunk", str(args.chunk)], check=True, cwd=ROOT
        )


if __name__ == "__main__":
    main()
