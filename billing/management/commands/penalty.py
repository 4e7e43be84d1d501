"""The penalty on a debt, the way the monthly run computes it.

One debt::

    manage.py penalty --amount 10000.00 --due 2026-03-15 --paid-on 2026-07-13
    manage.py penalty --amount 10000.00 --due 2026-03-15 --on 2026-07-13   # unpaid on 13.07.2026
    manage.py penalty --amount 1000.00 --due 2026-04-15 --paid-on 2026-05-30 --capital-repair   # ч. 14.1

Many (auditors, staff): rows ``amount,due,paid`` in, one result row per input
row out (see :mod:`billing.penalties.batch`); an empty ``paid`` is computed
as unpaid on ``--on`` (default: today); the batch follows ч. 14 only::

    manage.py penalty --csv IN.csv [--out OUT.csv] [--on 2026-07-13]

A debt that cannot be computed (no key rate for the payment or calculation
day, a ч. 14 debt due before 01.01.2016) is refused: a non-zero exit with the
reason for one debt, the reason in the ``refusal`` column in a batch.
"""

import datetime as dt
import time
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from billing.penalties import RULE_14, RULE_14_1, PenaltyRefused, PenaltyResult, penalty_for, penalty_rules
from billing.penalties.batch import RowError, parse_date, penalty_csv
from eirc import periods
from eirc.money import format_rub


def _date(text):
    try:
        return parse_date(text)
    except RowError as exc:
        raise CommandError(f"Дата в формате YYYY-MM-DD, получено «{text}».") from exc


class Command(BaseCommand):
    help = (
        "Рассчитать пени на сумму долга (тот же расчёт, что в месячном расчёте): одну сумму "
        "(--amount --due --paid-on | --on) или файл CSV со строками amount,due,paid (--csv)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--amount", help="сумма долга, например 10000.00")
        parser.add_argument("--due", help="срок оплаты, YYYY-MM-DD")
        parser.add_argument("--on", help="дата расчёта, YYYY-MM-DD (по умолчанию — дата оплаты или сегодня)")
        parser.add_argument("--paid-on", "--paid", dest="paid_on", help="дата оплаты, если долг оплачен")
        parser.add_argument("--csv", dest="csv_in", help="файл CSV: amount,due,paid (пустой paid — не оплачен)")
        parser.add_argument("--out", help="куда записать результат CSV (по умолчанию — stdout)")
        parser.add_argument(
            "--capital-repair",
            action="store_true",
            help="взнос на капитальный ремонт: ЖК РФ ст. 155 ч. 14.1 (1/300 со следующего дня после срока)",
        )

    def handle(self, *args, amount=None, due=None, on=None, paid_on=None, csv_in=None, out=None, **options):
        rule = RULE_14_1 if options.get("capital_repair") else RULE_14
        if csv_in:
            if amount or due or paid_on or rule != RULE_14:
                raise CommandError("--csv не сочетается с --amount, --due, --paid-on, --capital-repair.")
            return self._batch(csv_in, out, _date(on) if on else periods.today())
        if not amount or not due:
            raise CommandError("Нужны --amount и --due (и --paid-on или --on) или --csv ФАЙЛ.")
        try:
            value = Decimal(amount)
        except InvalidOperation as exc:
            raise CommandError(f"Сумма — число, получено «{amount}».") from exc
        paid = _date(paid_on) if paid_on else None
        calc_day = _date(on) if on else (paid or periods.today())
        try:
            result = penalty_for(
                amount=value, due=_date(due), on=calc_day, paid_on=paid, rules=penalty_rules(), rule=rule
            )
        except PenaltyRefused as exc:
            raise CommandError(exc.message) from exc
        self._print(result)

    def _print(self, result: PenaltyResult) -> None:
        out = self.stdout
        status = (
            f"оплачен {result.paid_on:%d.%m.%Y}"
            if result.paid_on and result.paid_on <= result.on
            else f"не оплачен на {result.on:%d.%m.%Y}"
        )
        statute = (
            "ЖК РФ ст. 155 ч. 14.1 (взнос на капитальный ремонт)" if result.rule == RULE_14_1 else "ЖК РФ ст. 155 ч. 14"
        )
        out.write(f"Долг {format_rub(result.amount)}, срок оплаты {result.due:%d.%m.%Y}, {status}; {statute}")
        rate = result.rate
        if rate is not None:
            text = f"Ставка на всю просрочку: {rate.rate}% — ключевая ставка на {rate.day:%d.%m.%Y} ({rate.key_rate}%)"
            if rate.capped:
                text += f", но не более {rate.cap}% ({rate.cap_basis})"
            out.write(text)
        if result.moratorium_days:
            out.write(f"Дней моратория (пени не начисляются): {result.moratorium_days}")
        if not result.lines:
            free = "просрочки нет" if result.rule == RULE_14_1 else "просрочка не более 30 дней"
            out.write(f"Пени нет: {free} или все её дни пришлись на мораторий.")
        else:
            out.write(f"Дней по 1/300: {result.days_300}, по 1/130: {result.days_130}")
        for ln in result.lines:
            out.write(
                f"{ln.start:%d.%m.%Y}–{ln.end:%d.%m.%Y}: {ln.days} дн. × {ln.fraction} × {ln.rate}% = {format_rub(ln.amount)}"
            )
        out.write(f"Итого пени: {format_rub(result.total)}")

    def _batch(self, path: str, out_path: str | None, on: dt.date) -> None:
        started = time.monotonic()
        rules = penalty_rules()
        try:
            source = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"Не удалось открыть «{path}»: {exc.strerror}.") from exc
        with source:
            if out_path:
                with open(out_path, "w", encoding="utf-8", newline="") as target:
                    summary = penalty_csv(source=source, out=target, rules=rules, on=on)
            else:
                summary = penalty_csv(source=source, out=self.stdout, rules=rules, on=on)
        self.stderr.write(
            f"Строк: {summary.rows}, отказов: {summary.refused}, {time.monotonic() - started:.2f} с"
            + (f" → {out_path}" if out_path else "")
        )
