"""python manage.py export_payments --date DD.MM.YYYY [--out DIR] — the
day's payments, one file per provider (docs/exchange.md)."""

import datetime as dt
import getpass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from eirc.money import format_rub
from payments.exchange_export import payments_export


def parse_day(text: str) -> dt.date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Дата в формате ДД.ММ.ГГГГ, получено «{text}».")


class Command(BaseCommand):
    help = "Выгрузить платежи за день: по файлу на поставщика, с контрольной строкой."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="ДД.ММ.ГГГГ")
        parser.add_argument("--out", default=None, help="каталог (по умолчанию var/exports)")

    def handle(self, *args, date, out, **options):
        day = parse_day(date)
        target = Path(out) if out else Path(settings.VAR_DIR) / "exports"
        result = payments_export(day=day, out=target, actor=getpass.getuser())
        for w in result.files:
            self.stdout.write(f"{w.path}: строк {w.rows}, SHA-256 {w.sha256}")
        if result.unallocated:
            total = sum(amount for _pk, amount in result.unallocated)
            self.stderr.write(
                f"Не распределено по поставщикам (нет начислений по счёту): {len(result.unallocated)} "
                f"платежей на {format_rub(total)}: " + ", ".join(pk for pk, _a in result.unallocated)
            )
