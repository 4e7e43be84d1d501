"""Benchmark of ``import_city`` against PostgreSQL COPY of the same rows.

    .venv/bin/python bench/import_city.py --accounts 50000 [--skip-run]

Writes a synthetic city (``bench/make_city.py``, seed 1) to ``var/bench-city-N``,
drops and re-creates the database ``eirc_bench_city`` on the server of
``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432), migrates
it and loads the city with ``city_import`` (the command's service). Then, in
the same run, the baseline: the rows the import wrote (accounts, account
services, meters, readings, ledger entries, statements) copied out and COPYed
into tables of the same shape (``LIKE … INCLUDING ALL``: same columns,
indexes and checks, and the same deferred foreign keys; also without them). Prints the ratio import/COPY and the peak RSS of
the import, then ``billing_check``, one ``billing_run`` for 12.2025 over the
imported city (its time), and the staff search for «Б. Морская 14» (median
of 20, through the admin's own search function).
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time

from common import ROOT, reset_database, rss_mib, setup_django

DB = "eirc_bench_city"
TABLES = (
    "accounts_personalaccount",
    "billing_accountservice",
    "meters_meter",
    "meters_reading",
    "billing_ledgerentry",
    "billing_statement",
)


def baseline(*, foreign_keys: bool) -> tuple[float, int]:
    """COPY the imported rows into same-shaped tables (columns, indexes,
    checks; with ``foreign_keys`` also the same deferred foreign keys, checked
    before the clock stops, as the import pays them); (seconds, rows)."""
    from django.db import connection, transaction

    elapsed, total = 0.0, 0
    with transaction.atomic(), connection.cursor() as c:
        cur = c.cursor
        for table in TABLES:
            clone = f"bench_{table}"
            cur.execute(f"DROP TABLE IF EXISTS {clone}")
            cur.execute(f"CREATE TABLE {clone} (LIKE {table} INCLUDING ALL)")
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'",
                [table],
            )
            for name, definition in cur.fetchall() if foreign_keys else ():
                cur.execute(f"ALTER TABLE {clone} ADD CONSTRAINT bench_{name} {definition}")
            with tempfile.TemporaryFile("w+b") as buf:  # on disk: the baseline's memory stays flat too
                cur.copy_expert(f"COPY {table} TO STDOUT", buf)
                buf.seek(0)
                total += sum(block.count(b"\n") for block in iter(lambda b=buf: b.read(1 << 20), b""))
                buf.seek(0)
                t = time.perf_counter()
                cur.copy_expert(f"COPY {clone} FROM STDIN", buf)
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks the import pays at commit
                elapsed += time.perf_counter() - t
        for table in TABLES:
            cur.execute(f"DROP TABLE bench_{table}")
    return elapsed, total


def search_ms(term: str, runs: int = 20) -> tuple[float, int]:
    from accounts.models import PersonalAccount
    from accounts.search import accounts_search

    times, found = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        rows = list(accounts_search(PersonalAccount.objects.order_by("number"), term)[:50])
        times.append((time.perf_counter() - t) * 1000)
        found = len(rows)
    return statistics.median(times), found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=50000)
    ap.add_argument("--chunk", type=int, default=20000)
    ap.add_argument("--skip-run", action="store_true", help="no billing_run (it takes longest)")
    ap.add_argument(
        "--short", action="store_true", help="no second import of the same files, no billing_check after the run"
    )
    args = ap.parse_args()
    n = args.accounts
    city = ROOT / "var" / f"bench-city-{n}"
    if not (city / "balances.csv").exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_city.py"), "--accounts", str(n), "--out", str(city)],
                       check=True)  # fmt: skip
    reset_database(DB)
    setup_django(DB)
    from django.core.management import call_command
    from django.db import connection

    from billing.exchange.loader import city_import
    from billing.exchange.stage import FileSet

    rss_before = rss_mib()
    t = time.perf_counter()
    report = city_import(
        files=FileSet(directory=city),
        chunk_size=args.chunk,
        progress=lambda title, d, tot: print(f"\r{title}: {d}/{tot}   ", end="", file=sys.stderr),
    )
    import_s = time.perf_counter() - t
    rss_import = rss_mib()
    print(file=sys.stderr)
    assert not report.refused, report.errors[:5]
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    copy_s, rows = baseline(foreign_keys=True)
    plain_s, _rows = baseline(foreign_keys=False)
    print(f"accounts:            {n}")
    print(f"rows written:        {rows} (accounts, services, meters, readings, ledger, statements)")
    print(f"import_city:         {import_s:.1f} s ({rows / import_s:,.0f} rows/s), created {report.total('created')}")
    print(f"COPY baseline:       {copy_s:.1f} s ({rows / copy_s:,.0f} rows/s) into same-shaped tables with their FKs")
    print(f"ratio import/COPY:   {import_s / copy_s:.2f}")
    print(f"COPY without FKs:    {plain_s:.1f} s; ratio {import_s / plain_s:.2f}")
    print(f"peak RSS:            {rss_import:.0f} MiB (before the import {rss_before:.0f} MiB)")
    t = time.perf_counter()
    call_command("billing_check", stdout=io.StringIO())
    print(f"billing_check:       green ({time.perf_counter() - t:.1f} s)")
    ms, found = search_ms("Б. Морская 14")
    print(f"search «Б. Морская 14»: {ms:.1f} ms median of 20, {found} accounts found")
    ms, found = search_ms("Соловьёв")
    print(f"search «Соловьёв»:      {ms:.1f} ms median of 20 (first page, {found} shown)")
    t = time.perf_counter()
    out = io.StringIO()
    if not args.short:
        call_command("import_city", str(city), stdout=out, stderr=io.StringIO())
        print(f"second import:       {time.perf_counter() - t:.1f} s — {out.getvalue().splitlines()[-2]}")
    if not args.skip_run:
        import datetime as dt

        from billing.services import billing_run

        t = time.perf_counter()
        run = billing_run(period=dt.date(2025, 12, 1), chunk_size=1000)
        run_s = time.perf_counter() - t
        print(f"billing_run 12.2025: {run_s:.1f} s ({n / run_s:,.0f} accounts/s), {run.lines} lines")
        t = time.perf_counter()
        if not args.short:
            call_command("billing_check", stdout=io.StringIO())
            print(f"billing_check:       green after the run ({time.perf_counter() - t:.1f} s)")
    print(f"peak RSS at the end: {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
