"""python manage.py billing_run --period YYYY-MM [--chunk N]"""

import sys

from django.core.management.base import BaseCommand, CommandError

from billing.services import billing_run
from eirc.errors import DomainError
from eirc.money import format_amount
from eirc.periods import parse_period, period_label


class Command(BaseCommand):
    help = "Рассчитать начисления за период (месячный расчёт)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--chunk", type=int, default=500, help="лицевых счетов в одной транзакции")

    def handle(self, *args, period, chunk, **options):
        try:
            month = parse_period(period)
        except ValueError as exc:
            raise CommandError(f"Период в формате YYYY-MM, получено «{period}».") from exc

        def progress(done, total):
            pct = 100 * done // total if total else 100
            sys.stderr.write(f"\rлицевых счетов: {done} из {total} ({pct}%)")
            sys.stderr.flush()

        try:
            report = billing_run(period=month, chunk_size=chunk, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        sys.stderr.write("\n")
        out = self.stdout
        out.write(f"Период: {period_label(month)}{' (продолжение прерванного расчёта)' if report.resumed else ''}")
        out.write(f"Лицевых счетов: {report.accounts}")
        out.write(f"Строк начислений: {report.lines}")
        labels = {
            "charge": "начислено",
            "benefit": "льготы",
            "recalculation": "перерасчёты",
            "penalty": "пени",
        }
        for kind, label in labels.items():
            out.write(f"  {label}: {format_amount(report.totals.get(kind, 0))}")
        out.write(f"Время: {report.duration:.1f} с")
        if report.warnings:
            out.write(f"Предупреждения ({len(report.warnings)}):")
            for w in report.warnings:
                out.write(f"  {w}")
