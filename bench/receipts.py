"""Benchmark of receipt (ЕПД) rendering against WeasyPrint alone.

    .venv/bin/python bench/receipts.py --accounts 6 --receipts 30

Creates (drops and re-creates) the database ``eirc_bench_receipts`` on the
Postgres server of ``BENCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432), migrates it and seeds the demo city
(``seed_demo``: the real billing engine). Then, in the same process:

- the real path: ``receipt_data`` (queries) + the template (with the QR
  codes) + WeasyPrint, for N receipts over the demo accounts and months;
- the baseline: WeasyPrint rendering the same, already built HTML.

The two alternate, one receipt each (ABAB…). Prints ms per receipt for
both and their ratio (goal ≤ 1.2), then the batch
throughput of ``receipt_render`` (the service: data, hash, render, storage,
register) in 1 and 2 worker processes, and what 250 000 accounts take.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
DB = "eirc_bench_receipts"
CITY = 250_000


def _setup_env():
    os.environ["DATABASE_URL"] = f"{BASE_URL}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eirc.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["PRIVATE_MEDIA_ROOT"] = os.environ.get("BENCH_PRIVATE_ROOT", tempfile.mkdtemp(prefix="bench-receipts-"))
    os.environ.setdefault("EMAIL_URL", "consolemail://")
    import django

    django.setup()


def _create_db(accounts: int, months: int):
    host = BASE_URL.rsplit("@", 1)[-1]
    hostname, _, port = host.partition(":")
    user = BASE_URL.split("//", 1)[1].split("@", 1)[0]
    common = ["-h", hostname, "-p", port or "5432", "-U", user]
    subprocess.run(["dropdb", *common, "--if-exists", DB], check=True)
    subprocess.run(["createdb", *common, DB], check=True)
    env = {**os.environ, "DATABASE_URL": f"{BASE_URL}/{DB}"}
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [py, "manage.py", "seed_demo", "--accounts", str(accounts), "--months", str(months)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _pairs():
    from billing.models import Statement

    return list(
        Statement.objects.filter(period__status="closed")
        .order_by("period__month", "account_id")
        .values_list("account_id", "period_id")
    )


def _worker(pairs, out):
    _setup_env()
    from django.db import connection

    from accounts.models import PersonalAccount
    from documents import services
    from eirc.models import Period

    connection.close()
    accounts = {a.pk: a for a in PersonalAccount.objects.all()}
    periods = {p.pk: p for p in Period.objects.all()}
    services.receipt_render(account=accounts[pairs[0][0]], period=periods[pairs[0][1]], force=True)  # warm-up
    t0 = time.perf_counter()
    for acc, per in pairs:
        services.receipt_render(account=accounts[acc], period=periods[per], force=True)
    out.put((len(pairs), time.perf_counter() - t0))


def _throughput(pairs, procs: int) -> float:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    parts = [pairs[i::procs] for i in range(procs)]
    workers = [ctx.Process(target=_worker, args=(p, out)) for p in parts]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    results = [out.get() for _ in workers]
    for w in workers:
        w.join()
    wall = max(r[1] for r in results)
    del t0
    return sum(r[0] for r in results) / wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=6)
    parser.add_argument("--months", type=int, default=4)
    parser.add_argument("--receipts", type=int, default=30, help="receipts per measurement")
    parser.add_argument("--skip-setup", action="store_true")
    args = parser.parse_args()
    if not args.skip_setup:
        _create_db(args.accounts, args.months)
    _setup_env()
    from django.utils import timezone

    from accounts.models import PersonalAccount
    from documents import renderers
    from documents.receipt_data import receipt_data
    from eirc.models import Period

    pairs = _pairs()
    pairs = (pairs * (args.receipts // max(len(pairs), 1) + 1))[: args.receipts]
    accounts = {a.pk: a for a in PersonalAccount.objects.all()}
    periods = {p.pk: p for p in Period.objects.all()}
    now = timezone.now()
    # Warm-up: fonts, stylesheet, templates.
    d = receipt_data(account=accounts[pairs[0][0]], period=periods[pairs[0][1]])
    renderers.html_to_pdf(renderers.receipt_html(d, code="WARMUP2345", issued_at=now))

    # A and B alternate (ABAB…), so a noisy neighbour on the shared machine
    # slows both sides alike instead of one block of runs.
    real, base = [], []
    for i, (acc, per) in enumerate(pairs):
        code = f"BENCH{i:05d}"
        t0 = time.perf_counter()
        data = receipt_data(account=accounts[acc], period=periods[per])
        html = renderers.receipt_html(data, code=code, issued_at=now)
        renderers.html_to_pdf(html)
        real.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        renderers.html_to_pdf(html)
        base.append(time.perf_counter() - t0)
    ms_real, ms_base = statistics.mean(real) * 1000, statistics.mean(base) * 1000
    print(f"receipts: {len(pairs)} over {len(accounts)} accounts")
    print(
        f"real path (data + template + QR + WeasyPrint): {ms_real:7.1f} ms/receipt (median {statistics.median(real) * 1000:.1f})"
    )
    print(
        f"baseline (WeasyPrint on the built HTML):       {ms_base:7.1f} ms/receipt (median {statistics.median(base) * 1000:.1f})"
    )
    print(f"ratio real/baseline: {ms_real / ms_base:.2f} (goal <= 1.20)")

    one = _throughput(pairs, 1)
    two = _throughput(pairs, 2)
    print(
        f"batch (receipt_render: data, hash, PDF, storage, register): 1 process {one:.1f}/s, 2 processes {two:.1f}/s (x{two / one:.2f})"
    )
    per_core = two / 2
    hours = CITY / per_core / 3600
    print(
        f"{CITY} accounts: {hours:.1f} core-hours; in an 8-hour night that is {hours / 8:.1f} worker cores "
        f"({CITY / two / 3600:.1f} h on this 2-core machine)"
    )


if __name__ == "__main__":
    main()
