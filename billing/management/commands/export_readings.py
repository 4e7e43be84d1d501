"""python manage.py export_readings --period YYYY-MM [--out DIR] — the
period's readings, one file per provider (docs/exchange.md)."""

import getpass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billing.exchange.export import readings_export
from eirc.periods import parse_period


class Command(BaseCommand):
    help = "Выгрузить показания за период: по файлу на поставщика, с контрольной строкой."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM или ММ.ГГГГ")
        parser.add_argument("--out", default=None, help="каталог (по умолчанию var/exports)")

    def handle(self, *args, period, out, **options):
        try:
            month = parse_period(period)
        except ValueError as exc:
            raise CommandError(f"Период в формате YYYY-MM, получено «{period}».") from exc
        target = Path(out) if out else Path(settings.VAR_DIR) / "exports"
        for w in readings_export(month=month, out=target, actor=getpass.getuser()):
            self.stdout.write(f"{w.path}: строк {w.rows}, SHA-256 {w.sha256}")
