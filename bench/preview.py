"""Benchmark of the readings preview (issue 19) against rendering the
readings form alone.

    .venv/bin/python bench/preview.py --rounds 60

Creates (drops and re-creates) the database ``eirc_bench_preview`` on the
Postgres server of ``BENCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432), migrates it and seeds the demo city
(``seed_demo``: 20 accounts, 12 months of history, through the real billing
engine), then gives the demo resident's account 9 services (the demo gives at
most 8: a fixed-fee service is added). In one process, through Django's test
client (URLconf, middleware, session, the resident's login, templates):

- the baseline: GET /cabinet/readings/ — the readings form alone;
- the preview: POST /cabinet/readings/calc.json with a value for every meter
  (validation by meters' rules + the billing run's dry run + the panel).

The two alternate (ABAB…) after a warm-up. Prints the median and the 90th
percentile of each in ms, the ratio preview/form, and whether the preview's
median is under the 150 ms goal. The settings are the embedded defaults
(DEBUG on: Django keeps a per-request query log, the same cost on both sides;
DEBUG off would need HTTPS and a host name for the test client).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from common import reset_database, setup_django

DB = "eirc_bench_preview"
GOAL_MS = 150


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    os.environ["DEMO_LOGINS_ALLOWED"] = "true"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    reset_database(DB)
    setup_django(DB)
    from django.core.management import call_command

    call_command("seed_demo", accounts=args.accounts, months=args.months, stdout=open(os.devnull, "w"))  # noqa: SIM115
    from django.test import Client

    from accounts.models import AccountLink, User
    from billing.models import AccountService, Provider, Service, Tariff
    from eirc import periods
    from meters.selectors import meter_rows

    resident = User.objects.get(username="resident")
    account = AccountLink.objects.get(user=resident).account
    have = set(AccountService.objects.filter(account=account).values_list("service_id", flat=True))
    for svc in Service.objects.exclude(pk__in=have).order_by("pk"):
        if len(have) >= 9:
            break
        AccountService.objects.create(account=account, service=svc, started_on=account.opened_on)
        have.add(svc.pk)
    if len(have) < 9:
        svc = Service.objects.create(
            code="bench_fixed",
            name="Домофон",
            provider=Provider.objects.first(),
            method=Service.Method.FIXED,
            unit="мес.",
        )
        Tariff.objects.create(service=svc, valid_from=account.opened_on, rate="45.0000")
        AccountService.objects.create(account=account, service=svc, started_on=account.opened_on)
        have.add(svc.pk)
    rows = meter_rows(account=account, today=periods.today())
    values = {}
    for row in rows:
        for zone in row.zones:
            if not row.expired and zone.last is not None:
                values[zone.field_name] = f"{zone.last.value + 4:.3f}".replace(".", ",")
    client = Client()
    client.force_login(resident)

    def form():
        response = client.get("/cabinet/readings/")
        assert response.status_code == 200

    def preview():
        response = client.post("/cabinet/readings/calc.json", values)
        assert response.status_code == 200 and "total" in response.json(), response.content[:300]

    for _ in range(5):
        form()
        preview()
    times = {"form": [], "preview": []}
    for _ in range(args.rounds):
        for name, fn in (("form", form), ("preview", preview)):
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    meters = sum(len(r.zones) for r in rows)
    print(f"account {account.number}: {len(have)} services, {len(rows)} meters, {meters} values typed")
    for name, ts in times.items():
        ts.sort()
        print(f"{name:8} median {statistics.median(ts):7.1f} ms   p90 {ts[int(len(ts) * 0.9)]:7.1f} ms")
    ratio = statistics.median(times["preview"]) / statistics.median(times["form"])
    median = statistics.median(times["preview"])
    print(f"ratio preview/form: {ratio:.2f}")
    print(f"preview median {median:.1f} ms: {'under' if median < GOAL_MS else 'OVER'} the {GOAL_MS} ms goal")


if __name__ == "__main__":
    main()
