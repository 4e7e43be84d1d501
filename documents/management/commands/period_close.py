"""python manage.py period_close --period YYYY-MM: close the period (billing),
then issue its receipts (documents)."""

from django.core.management.base import BaseCommand, CommandError

from documents.services import period_close_and_issue
from eirc.errors import DomainError
from eirc.periods import parse_period, period_label


class Command(BaseCommand):
    help = "Закрыть период (начисления за него больше не пересчитываются) и выпустить его квитанции."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")

    def handle(self, *args, period, **options):
        try:
            month = parse_period(period)
        except ValueError as exc:
            raise CommandError(f"Период в формате YYYY-MM, получено «{period}».") from exc
        try:
            period_close_and_issue(period=month)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Период {period_label(month)} закрыт; выпуск квитанций запущен.")
