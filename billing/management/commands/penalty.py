"""python manage.py penalty --amount 10000.00 --due 2026-03-15 --on 2026-07-13 [--paid-on DATE]"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from billing.penalties import penalty_for, penalty_rules
from eirc.money import format_rub


def _date(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Дата в формате YYYY-MM-DD, получено «{text}».") from exc


class Command(BaseCommand):
    help = "Рассчитать пени на сумму долга (тот же расчёт, что в месячном расчёте)."

    def add_arguments(self, parser):
        parser.add_argument("--amount", required=True)
        parser.add_argument("--due", required=True, help="срок оплаты, YYYY-MM-DD")
        parser.add_argument("--on", required=True, help="дата расчёта или оплаты, YYYY-MM-DD")
        parser.add_argument("--paid-on", dest="paid_on", help="дата оплаты, если долг оплачен")

    def handle(self, *args, amount, due, on, paid_on=None, **options):
        try:
            value = Decimal(amount)
        except InvalidOperation as exc:
            raise CommandError(f"Сумма — число, получено «{amount}».") from exc
        result = penalty_for(
            amount=value,
            due=_date(due),
            on=_date(on),
            paid_on=_date(paid_on) if paid_on else None,
            rules=penalty_rules(),
        )
        out = self.stdout
        out.write(f"Долг {format_rub(value)}, срок оплаты {result.due:%d.%m.%Y}, расчёт на {result.on:%d.%m.%Y}")
        if result.key_rate is not None:
            out.write(f"Ключевая ставка на дату оплаты/расчёта: {result.key_rate}%")
        if not result.lines:
            out.write("Пени нет (не более 30 дней просрочки, мораторий или нет ставки).")
        for ln in result.lines:
            out.write(
                f"{ln.start:%d.%m.%Y}–{ln.end:%d.%m.%Y}: {ln.days} дн. × {ln.fraction} × {ln.rate}% = {format_rub(ln.amount)}"
            )
        out.write(f"Итого пени: {format_rub(result.total)}")
