"""Benchmark of the monthly billing run against PostgreSQL COPY.

    .venv/bin/python bench/billing.py --accounts 10000

Creates (drops and re-creates) the database ``eirc_bench`` on the Postgres
server of ``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432),
migrates it, generates N accounts with 9 services each (3 meters with 7
months of readings, ~10 % missing this month; area, per-resident and fixed
services; a benefit for 10 %; debts with payments for 30 %), runs
``billing_run`` for 03.2026 and, in the same process, the baseline: COPY of
the same rows the run wrote (charges, ledger entries, statements) into
identical tables. Prints accounts/s, the ratio run/COPY and peak memory.
"""

from __future__ import annotations

import argparse
import io
import sys
import time

from common import BASE_URL, ROOT, reset_database, rss_mib, setup_django  # noqa: F401 (registry.py and load.py use them through this module)

DB = "eirc_bench"


def copy_rows(cur, table, cols, rows):
    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN", buf)


def copy_accounts(cur, first_number: int, size: int, rnd) -> list[int]:
    """``size`` accounts numbered from ``first_number``; their ids."""
    cur.execute(
        "SELECT nextval(pg_get_serial_sequence('accounts_personalaccount','id')) FROM generate_series(1,%s)", [size]
    )
    ids = [r[0] for r in cur.fetchall()]
    columns = ["id", "number", "els", "gis_document_id", "owner_last_name", "owner_first_name", "owner_middle_name"]
    columns += ["street", "house", "flat", "postcode", "city", "area", "residents", "status", "opened_on", "created_at"]
    copy_rows(
        cur,
        "accounts_personalaccount",
        columns,
        (
            (a, f"{first_number + i:010d}", "", "", "Иванов", "", "", "ул. Тестовая", str(i % 90 + 1))
            + (str(i % 120 + 1), "", "г. Севастополь", f"{rnd.randint(300, 900) / 10:.2f}", rnd.randint(1, 4))
            + ("open", "2020-01-01", "2026-01-01 00:00:00+00")
            for i, a in enumerate(ids)
        ),
    )
    return ids


def copy_ledger(cur, rows) -> None:
    """Ledger entries given as (account, period, kind, amount, occurred_on, description)."""
    copy_rows(
        cur,
        "billing_ledgerentry",
        ["account_id", "period_id", "kind", "amount", "occurred_on", "description", "details", "created_at"],
        ((*row, "{}", "2026-01-01 00:00:00+00") for row in rows),
    )


def generate(n: int, chunk: int = 10000):
    """Reference data through the ORM, the bulk through COPY (in chunks, so
    memory stays flat)."""
    import datetime as dt
    import random
    from decimal import Decimal as D

    from django.db import connection, transaction

    from billing.models import BenefitCategory, Provider, Service, Tariff
    from eirc.models import Period
    from eirc.periods import add_months

    rnd = random.Random(42)
    march = dt.date(2026, 3, 1)
    months = [add_months(march, -i) for i in range(6, -1, -1)]  # 09.2025 .. 03.2026
    with transaction.atomic():
        prov = Provider.objects.create(
            name="ГУП «Бенчмарк»",
            short_name="Бенчмарк",
            inn="9200000001",
            kpp="920401001",
            bank_name="РНКБ",
            bik="043510607",
            settlement_account="40702810000000000001",
            corr_account="30101810335100000607",
        )
        specs = [
            ("elec", Service.Method.METER, "day,night", None, [("day", "6.1200"), ("night", "3.0100")]),
            ("cold", Service.Method.METER, "single", "3.5000", [("single", "52.3000")]),
            ("hot", Service.Method.METER, "single", "2.8000", [("single", "220.1000")]),
            ("heat", Service.Method.AREA, "single", None, [("single", "31.4000")]),
            ("maint", Service.Method.AREA, "single", None, [("single", "25.5000")]),
            ("capital", Service.Method.AREA, "single", None, [("single", "9.8000")]),
            ("waste", Service.Method.PER_RESIDENT, "single", None, [("single", "120.0000")]),
            ("gas", Service.Method.PER_RESIDENT, "single", "10.0000", [("single", "7.2000")]),
            ("intercom", Service.Method.FIXED, "single", None, [("single", "60.0000")]),
        ]
        svcs = {}
        for pos, (code, method, zones, norm, tariffs) in enumerate(specs):
            s = Service.objects.create(
                code=code,
                name=code,
                provider=prov,
                method=method,
                unit="ед.",
                zones=zones,
                norm=D(norm) if norm else None,
                no_meter_factor=D("1.5"),
                # the run splits each period's debt by statute: exercise it
                penalty_rule=Service.PenaltyRule.CH14_1 if code == "capital" else Service.PenaltyRule.CH14,
                position=pos,
            )
            svcs[code] = s
            for zone, rate in tariffs:
                Tariff.objects.create(service=s, zone=zone, valid_from=dt.date(2025, 7, 1), rate=D(rate))
        cat = BenefitCategory.objects.create(name="Ветеран труда", code="veteran", percent=D("50.00"))
        cat.services.add(svcs["maint"], svcs["heat"])
        pids = {m: Period.objects.create(month=m).pk for m in [*months]}
    with connection.cursor() as c:
        cur = c.cursor
        for start in range(0, n, chunk):
            size = min(chunk, n - start)
            with transaction.atomic():
                acc_ids = copy_accounts(cur, 5000000000 + start, size, rnd)
                copy_rows(
                    cur,
                    "billing_accountservice",
                    ["account_id", "service_id", "started_on"],
                    ((a, s.pk, "2020-01-01") for a in acc_ids for s in svcs.values()),
                )
                copy_rows(
                    cur,
                    "billing_benefit",
                    ["account_id", "category_id", "valid_from", "document"],
                    ((a, cat.pk, "2024-01-01", "") for a in acc_ids if a % 10 == 0),
                )
                meter_specs = [("elec", "day,night"), ("cold", "single"), ("hot", "single")]
                cur.execute(
                    "SELECT nextval(pg_get_serial_sequence('meters_meter','id')) FROM generate_series(1,%s)",
                    [size * len(meter_specs)],
                )
                meter_ids = iter([r[0] for r in cur.fetchall()])
                meters, readings = [], []
                for a in acc_ids:
                    for code, zones in meter_specs:
                        mid = next(meter_ids)
                        meters.append(
                            (mid, a, svcs[code].pk, f"B{mid:010d}", "", zones, 5, "2021-01-15", "2029-01-15", "active")
                        )
                        skip_march = rnd.random() < 0.1
                        for zone in zones.split(","):
                            value = D(rnd.randint(0, 5000))
                            for m in months:
                                if m == march and skip_march:
                                    continue
                                readings.append(
                                    (
                                        mid,
                                        zone,
                                        pids[m],
                                        f"{value:.3f}",
                                        m.replace(day=22),
                                        "resident",
                                        "current",
                                        "2026-01-01 00:00:00+00",
                                    )
                                )
                                value += D(rnd.randint(50, 3000)) / 10
                copy_rows(
                    cur,
                    "meters_meter",
                    [
                        "id",
                        "account_id",
                        "service_id",
                        "serial",
                        "model_name",
                        "zones",
                        "digits",
                        "installed_on",
                        "verification_due",
                        "status",
                    ],
                    meters,
                )
                copy_rows(
                    cur,
                    "meters_reading",
                    ["meter_id", "zone", "period_id", "value", "taken_on", "source", "status", "created_at"],
                    readings,
                )
                # debts: an opening balance in 11.2025 for 30 %, a third of them partly paid in 01.2026;
                # and an unpaid capital-repair charge of 12.2025 (ЖК РФ ст. 155 ч. 14.1: the run splits
                # the period's debt by statute)
                ledger, payments, capital = [], [], []
                for a in acc_ids:
                    if rnd.random() < 0.3:
                        debt = D(rnd.randint(1000, 30000))
                        ledger.append((a, pids[dt.date(2025, 11, 1)], "opening", f"{debt:.2f}", "2025-11-30", ""))
                        capital.append(
                            (a, pids[dt.date(2025, 12, 1)], "charge", "500.00", "2025-12-31", "", svcs["capital"].pk)
                        )
                        if rnd.random() < 0.33:
                            payments.append((a, f"{debt / 2:.2f}"))
                copy_ledger(cur, ledger)
                copy_rows(
                    cur,
                    "billing_ledgerentry",
                    [
                        "account_id",
                        "period_id",
                        "kind",
                        "amount",
                        "occurred_on",
                        "description",
                        "service_id",
                        "details",
                        "created_at",
                    ],
                    ((*row, "{}", "2026-01-01 00:00:00+00") for row in capital),
                )
                post_payments(payments, pids[dt.date(2026, 1, 1)])
        cur.execute("ANALYZE")
    return march


def post_payments(payments, period_id):
    """Succeeded payments through the ledger service itself (exactly once)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from billing.ledger import ledger_post_payment
    from payments.models import Payment

    paid_at = timezone.make_aware(dt.datetime(2026, 1, 12, 12, 0))
    for account_id, amount in payments:
        p = Payment.objects.create(
            account_id=account_id, amount=Decimal(amount), status=Payment.Status.SUCCEEDED, paid_at=paid_at
        )
        ledger_post_payment(payment=p)


def clone_table(cur, table: str, *, foreign_keys: bool) -> str:
    """An empty ``bench_<table>`` with the same columns and indexes (and,
    with ``foreign_keys``, the same deferred foreign keys Django makes)."""
    clone = f"bench_{table}"
    cur.execute(f"DROP TABLE IF EXISTS {clone}")
    cur.execute(f"CREATE TABLE {clone} (LIKE {table} INCLUDING ALL)")
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    for name, definition in cur.fetchall() if foreign_keys else ():
        cur.execute(f"ALTER TABLE {clone} ADD CONSTRAINT bench_{name} {definition}")
    return clone


def baseline(march, *, foreign_keys: bool) -> tuple[float, int]:
    """COPY the rows the run wrote into identical tables (same columns and
    indexes; with ``foreign_keys`` also the same deferred foreign keys, checked
    before the clock stops); returns (seconds, rows). The clones are dropped."""
    from django.db import connection

    from eirc.models import Period

    pid = Period.objects.get(month=march).pk
    total_rows = 0
    elapsed = 0.0
    with connection.cursor() as c:
        cur = c.cursor
        for table in ("billing_charge", "billing_ledgerentry", "billing_statement"):
            clone = clone_table(cur, table, foreign_keys=foreign_keys)
            buf = io.StringIO()
            cur.copy_expert(f"COPY (SELECT * FROM {table} WHERE period_id = {pid}) TO STDOUT", buf)
            total_rows += buf.getvalue().count("\n")
            buf.seek(0)
            t = time.perf_counter()
            cur.copy_expert(f"COPY {clone} FROM STDIN", buf)
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks the run pays at commit
            elapsed += time.perf_counter() - t
        for table in ("billing_charge", "billing_ledgerentry", "billing_statement"):
            cur.execute(f"DROP TABLE bench_{table}")
    return elapsed, total_rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=10000)
    ap.add_argument("--chunk", type=int, default=1000)
    args = ap.parse_args()
    n = args.accounts
    reset_database(DB)
    setup_django(DB)
    t = time.perf_counter()
    march = generate(n)
    print(f"generated {n} accounts in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    from django.db import transaction

    from billing.services import billing_run

    rss_before = rss_mib()
    t = time.perf_counter()
    report = billing_run(
        period=march,
        chunk_size=args.chunk,
        progress=lambda d, tot: print(f"\r{d}/{tot}", end="", file=sys.stderr),
    )
    run_s = time.perf_counter() - t
    print(file=sys.stderr)
    rss_after = rss_mib()
    with transaction.atomic():
        copy_s, rows = baseline(march, foreign_keys=True)
    with transaction.atomic():
        plain_s, _ = baseline(march, foreign_keys=False)
    print(f"accounts:          {n}")
    print(f"output rows:       {rows} (charges + ledger entries + statements)")
    print(f"billing run:       {run_s:.2f} s  ({n / run_s:,.0f} accounts/s, {rows / run_s:,.0f} rows/s)")
    print(f"COPY baseline:     {copy_s:.2f} s  ({rows / copy_s:,.0f} rows/s) into identical tables with their FKs")
    print(f"ratio run/COPY:    {run_s / copy_s:.1f}")
    print(f"COPY without FKs:  {plain_s:.2f} s  ({rows / plain_s:,.0f} rows/s); ratio {run_s / plain_s:.1f}")
    print(f"peak RSS:          {rss_after:.0f} MiB (before the run {rss_before:.0f} MiB)")
    print(f"warnings:          {len(report.warnings)}; penalty total {report.totals.get('penalty', 0)}")


if __name__ == "__main__":
    main()
