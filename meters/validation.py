"""Checks of one reading against its meter and its history (no writes).

Rules (DOMAIN "Meter readings"), in the order they are checked:

1. The meter is in service and its verification has not expired.
2. The zone is one of the meter's zones.
3. The value is a number: digits, optionally a comma or a dot and at most
   three decimals ("123", "123,4", "123.456"); nothing else.
4. It fits the counter: the whole part has at most ``meter.digits`` digits
   (the value is below ``meter.capacity`` = 10 ** digits).
5. It is not below the previous current reading of the meter and zone
   (equal is fine: zero consumption), unless the counter rolled over.
   **Rollover rule**: a smaller value is a rollover when the consumption
   through zero, ``capacity − previous + value``, is at most
   ``ROLLOVER_SHARE`` (10 %) of the capacity — the counter was near its end
   and the new value is small. Anything else is refused as "below the
   previous reading". A replaced meter starts its own history from its
   install reading, so a replacement never looks like a decrease.
6. It is not above a later current reading (imports can bring older dates).
7. An implausible jump needs confirmation: the consumption per month since
   the previous reading is more than ``IMPLAUSIBLE_FACTOR`` (5) times the
   account's own average monthly consumption for this meter and zone over
   the last 12 months. Without such history (fewer than two readings a month
   or more apart, or a zero average) there is no jump check.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from eirc.errors import DomainError
from eirc.periods import add_months, months_between
from meters.models import Meter, Reading, Zone

READING_RE = re.compile(r"^\d{1,12}(?:[.,]\d{1,3})?$")
ROLLOVER_SHARE = Decimal("0.1")
AVERAGE_MONTHS = 12


def fmt(value: Decimal | None) -> str:
    """123.400 → "123,4" (as residents write it)."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def zone_title(zone: str) -> str:
    return str(Zone(zone).label) if zone in Zone.values else zone


def parse_value(raw: str) -> Decimal:
    text = (raw or "").strip().replace("\u00a0", "")
    if not READING_RE.match(text):
        raise DomainError(
            "Введите число: только цифры, дробная часть — через запятую или точку, "
            "не больше трёх знаков после запятой (например, 123,456).",
            code="format",
        )
    return Decimal(text.replace(",", "."))


def delta(meter: Meter, previous: Decimal, value: Decimal) -> tuple[Decimal, bool] | None:
    """Consumption from ``previous`` to ``value`` and whether it is a
    rollover; None when ``value`` is below ``previous`` and not a rollover."""
    if value >= previous:
        return value - previous, False
    through_zero = Decimal(meter.capacity) - previous + value
    if through_zero <= Decimal(meter.capacity) * ROLLOVER_SHARE:
        return through_zero, True
    return None


def average_monthly(meter: Meter, zone: str, *, before: dt.date) -> Decimal | None:
    """The meter's own average monthly consumption for a zone over the
    ``AVERAGE_MONTHS`` periods before ``before``; None without history."""
    since = add_months(before, -AVERAGE_MONTHS)
    rows = list(
        Reading.objects.filter(
            meter=meter, zone=zone, status=Reading.Status.CURRENT, period__month__lt=before, period__month__gte=since
        )
        .select_related("period")
        .order_by("period__month")
    )
    if len(rows) < 2:
        return None
    months = months_between(rows[0].period.month, rows[-1].period.month)
    if months < 1:
        return None
    total = Decimal(0)
    for a, b in zip(rows, rows[1:], strict=False):
        step = delta(meter, a.value, b.value)
        if step is None:  # history itself inconsistent: no basis for a judgement
            return None
        total += step[0]
    return total / months


@dataclass
class Plan:
    """What accepting one value would do."""

    meter: Meter
    zone: str
    value: Decimal
    period: dt.date
    previous: Reading | None
    existing: Reading | None  # the current reading of this period, if any
    consumption: Decimal | None
    rollover: bool
    action: str  # "create" | "replace" | "same"


def current_reading(meter: Meter, zone: str, period: dt.date) -> Reading | None:
    return (
        Reading.objects.filter(meter=meter, zone=zone, period__month=period, status=Reading.Status.CURRENT)
        .select_related("period")
        .first()
    )


def previous_reading(meter: Meter, zone: str, period: dt.date) -> Reading | None:
    return (
        Reading.objects.filter(meter=meter, zone=zone, period__month__lt=period, status=Reading.Status.CURRENT)
        .select_related("period")
        .order_by("-period__month")
        .first()
    )


def check(
    meter: Meter,
    zone: str,
    raw: str,
    *,
    period: dt.date,
    today: dt.date,
    source: str,
    confirm_jump: bool,
    check_verification: bool = True,
) -> Plan:
    """Validate one value; return the plan or raise DomainError (code
    ``removed``, ``verification``, ``zone``, ``format``, ``capacity``,
    ``below``, ``above_next``, ``jump``)."""
    if meter.status != Meter.Status.ACTIVE:
        raise DomainError("Счётчик снят с учёта: показания по нему не принимаются.", code="removed")
    if check_verification and meter.verification_due < today:
        raise DomainError(
            f"Срок поверки счётчика истёк {meter.verification_due:%d.%m.%Y}: показания по нему не принимаются. "
            f"Закажите поверку или замену счётчика и передайте акт в ЕИРЦ (офис или горячая линия "
            f"{settings.EIRC['HOTLINE']}). До этого начисление идёт по среднему, затем по нормативу.",
            code="verification",
        )
    if zone not in meter.zone_list:
        raise DomainError("У этого счётчика нет такой тарифной зоны.", code="zone")
    value = parse_value(raw)
    if value >= meter.capacity:
        raise DomainError(
            f"Счётчик показывает не больше {meter.digits} цифр до запятой: проверьте показание "
            f"(лишние цифры или красные цифры после запятой).",
            code="capacity",
        )
    existing = current_reading(meter, zone, period)
    previous = previous_reading(meter, zone, period)
    consumption, rollover = None, False
    if previous is not None:
        step = delta(meter, previous.value, value)
        if step is None:
            raise DomainError(
                f"Показание {fmt(value)} меньше предыдущего ({fmt(previous.value)} "
                f"от {previous.taken_on:%d.%m.%Y}). Проверьте цифры; если счётчик заменён, "
                f"сообщите в ЕИРЦ — оператор внесёт замену.",
                code="below",
            )
        consumption, rollover = step
    later = (
        Reading.objects.filter(meter=meter, zone=zone, period__month__gt=period, status=Reading.Status.CURRENT)
        .order_by("period__month")
        .first()
    )
    if later is not None and value > later.value and delta(meter, value, later.value) is None:
        raise DomainError(
            f"Показание {fmt(value)} больше более позднего ({fmt(later.value)} от {later.taken_on:%d.%m.%Y}).",
            code="above_next",
        )
    if consumption is not None and consumption > 0 and not confirm_jump:
        avg = average_monthly(meter, zone, before=period)
        months = max(months_between(previous.period.month, period), 1)
        factor = Decimal(settings.BILLING["IMPLAUSIBLE_FACTOR"])
        if avg and consumption / months > factor * avg:
            unit = meter.service.unit
            raise DomainError(
                f"Расход {fmt(consumption)} {unit} больше чем в {factor} раз превышает ваш средний "
                f"({fmt(avg.quantize(Decimal('0.001')))} {unit} в месяц). Если показание верное, "
                f"отметьте «Подтверждаю показания» и отправьте ещё раз.",
                code="jump",
            )
    if existing is None:
        action = "create"
    elif existing.value == value and existing.source == source:
        action = "same"
    else:
        action = "replace"
    return Plan(meter, zone, value, period, previous, existing, consumption, rollover, action)
