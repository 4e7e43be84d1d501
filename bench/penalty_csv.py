"""Benchmark of ``manage.py penalty --csv`` (the batch mode for auditors).

    .venv/bin/python bench/penalty_csv.py [--rows 10000]

Migrates a throw-away SQLite database in a temporary directory (the shipped
key rates, cap and moratoria), writes ``--rows`` seeded rows ``amount,due,
paid`` (debts due 2016–2026, paid up to three years later, 5 % unpaid), then
times, in this process: the baseline — reading the file and writing one
output row per input row with the csv module, no computation — and the
command through ``call_command``; and, as a separate process, the whole
``manage.py penalty --csv`` including Python and Django start-up. Prints the
seconds, rows/s and the ratio command/baseline.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_rows(path: Path, rows: int) -> None:
    rnd = random.Random(11)
    with path.open("w", encoding="utf-8") as f:
        f.write("amount,due,paid\n")
        for _ in range(rows):
            due = dt.date(2016, 1, 1) + dt.timedelta(days=rnd.randint(0, 4017))
            paid = "" if rnd.random() < 0.05 else (due + dt.timedelta(days=rnd.randint(0, 1100))).isoformat()
            f.write(f"{rnd.randint(1, 100_000_000) / 100:.2f},{due.isoformat()},{paid}\n")


def baseline(path: Path) -> float:
    t0 = time.perf_counter()
    out = io.StringIO()
    with path.open(encoding="utf-8", newline="") as f:
        writer = csv.writer(out, lineterminator="\n")
        for row in csv.reader(f):
            writer.writerow([*row, "", "", "", "", ""])
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DJANGO_SETTINGS_MODULE": "eirc.settings",
        }
        env.pop("REDIS_URL", None)
        os.environ.update(env)
        os.environ.pop("REDIS_URL", None)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        source, target = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        write_rows(source, args.rows)
        base = baseline(source)
        t0 = time.perf_counter()
        call_command("penalty", "--csv", str(source), "--out", str(target), "--on", "2026-07-01", stderr=io.StringIO())
        command = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "penalty", "--csv", str(source), "--out", str(target)],
            check=True,
            env=env,
            cwd=ROOT,
            capture_output=True,
        )
        whole = time.perf_counter() - t0
        with target.open(encoding="utf-8") as f:
            written = sum(1 for _ in f) - 1
    assert written == args.rows, (written, args.rows)
    print(f"rows: {args.rows}")
    print(f"baseline (csv read + write, no computation): {base:.3f} s")
    print(f"penalty --csv in process: {command:.3f} s ({args.rows / command:,.0f} rows/s), ratio {command / base:.1f}×")
    print(f"manage.py penalty --csv, whole process with start-up: {whole:.3f} s")


if __name__ == "__main__":
    main()
