"""A charge explained in plain Russian, from the numbers the billing engine
stored with it (``Charge.details``). Pure: no queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings

from billing.models import Charge
from billing.penalties import RULE_14, RULE_14_1
from eirc import periods
from eirc.money import format_rub

# --- the explanation of a charge -----------------------------------------------------


def _dec(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _group(whole: str) -> str:
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return "\xa0".join(groups)


def fmt_number(value, places: int | None = None) -> str:
    """A Decimal in Russian notation: "1 234,5" (trailing zeros trimmed) or,
    with ``places``, exactly that many decimals: "123,000"."""
    d = _dec(value)
    if d is None:
        return ""
    if places is not None:
        text = f"{abs(d.quantize(Decimal(1).scaleb(-places))):.{places}f}"
    else:
        text = f"{abs(d.normalize()):f}"
    whole, _, frac = text.partition(".")
    return ("-" if d < 0 else "") + _group(whole) + ("," + frac if frac else "")


def fmt_rate(value) -> str:
    """A tariff: at least two decimals, at most four: "45,67", "4,1234"."""
    d = _dec(value)
    if d is None:
        return ""
    text = f"{abs(d.quantize(Decimal('0.0001'))):.4f}"
    whole, frac = text.split(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return ("-" if d < 0 else "") + _group(whole) + "," + frac


def _get(details: dict, *keys, default=None):
    """The first present key of ``details`` (the engine's names and aliases;
    a dotted key reads a nested dict)."""
    for key in keys:
        node = details
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                node = None
                break
        if node not in (None, ""):
            return node
    return default


ZONE_NAMES = {"day": "день", "night": "ночь", "peak": "пик", "half_peak": "полупик", "single": ""}
REASONS = {
    "no_reading": "показания не переданы",
    "verification_expired": "поверка истекла",
    "no_meter": "прибор учёта не установлен",
    "average_exhausted": "показания не передавались более 3 месяцев",
    "meter_removed": "прибор учёта снят",
}


def _ordinal(n: int) -> str:
    return f"{n}-й"


def _period_name(value) -> str:
    if isinstance(value, dt.date):
        return periods.period_title(value)
    if isinstance(value, str) and value:
        try:
            return periods.period_title(
                dt.date.fromisoformat(value[:10]) if len(value) >= 10 else periods.parse_period(value)
            )
        except ValueError:
            return value
    return ""


def _months_word(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "месяц"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "месяца"
    return "месяцев"


def explain_charge(charge: Charge, *, recalculations=()) -> list[str]:
    """The charge's computation in plain Russian, one sentence a line.

    Reads ``charge.basis`` and ``charge.details`` (a dict written by the
    billing run); any missing key is left out of the sentence rather than
    failing. Known keys (those of ``billing.engine`` first, then aliases):
    ``meter.serial``, ``readings`` (list of {zone, serial, prev, curr}),
    ``zones`` (list of {zone, quantity, rate, amount}), ``previous``/
    ``current``, ``average_months``, ``estimate_seq``, ``estimate_max``
    (default ``BILLING["AVERAGE_MAX_PERIODS"]``),
    ``reason``, ``norm``, ``residents``, ``factor``, ``area``,
    ``benefit_category``/``benefit.category``, ``benefit_percent``/
    ``benefit.percent``, ``recalculations`` (list of {reason, amount,
    for_period}). Pure apart from the related service and period.
    """
    d = charge.details if isinstance(charge.details, dict) else {}
    unit = charge.service.unit or ""
    qty = f"{fmt_number(charge.quantity, 3)} {unit}".strip()
    rate = _dec(charge.rate) if charge.rate is not None else _dec(_get(d, "rate", "tariff"))
    rate_text = f"тариф {fmt_rate(rate)} ₽ за {unit}" if rate is not None and unit else ""
    if rate is not None and not unit:
        rate_text = f"тариф {fmt_rate(rate)} ₽"
    charged = f"начислено {format_rub(charge.amount)}"
    month = periods.period_title(charge.period.month)
    lines: list[str] = []
    basis = charge.basis

    if basis == Charge.Basis.METER:
        readings = [r for r in (_get(d, "readings", default=[]) or []) if isinstance(r, dict)]
        by_zone = {str(r.get("zone", "")): r for r in readings}
        zones = (
            [z for z in (_get(d, "zones", default=[]) or []) if isinstance(z, dict)]
            if isinstance(_get(d, "zones"), list)
            else []
        )
        serial = _get(d, "meter_serial", "meter.serial", "serial") or next(
            (r.get("serial") for r in readings if r.get("serial")), None
        )
        meter = f"счётчика № {serial}" if serial else "счётчика"

        def prev_curr(row: dict) -> tuple:
            r = by_zone.get(str(row.get("zone", "")), {})
            prev = next((x.get(k) for x in (row, r) for k in ("previous", "prev") if x.get(k) is not None), None)
            cur = next((x.get(k) for x in (row, r) for k in ("current", "curr") if x.get(k) is not None), None)
            return prev, cur

        if len(zones) > 1:
            lines.append(f"Объём {qty} по показаниям {meter}.")
            for z in zones:
                zname = ZONE_NAMES.get(str(z.get("zone", "")), str(z.get("zone", "")))
                prev, cur = prev_curr(z)
                parts = []
                if prev is not None and cur is not None:
                    parts.append(f"{fmt_number(cur, 3)} − {fmt_number(prev, 3)}")
                if z.get("quantity") is not None:
                    parts.append(f"{fmt_number(z['quantity'], 3)} {unit}".strip())
                if z.get("rate") is not None:
                    parts.append(
                        f"тариф {fmt_rate(z['rate'])} ₽ за {unit}" if unit else f"тариф {fmt_rate(z['rate'])} ₽"
                    )
                if _dec(z.get("amount")) is not None:
                    parts.append(f"начислено {format_rub(_dec(z['amount']))}")
                label = f"Зона «{zname}»" if zname else "Зона"
                lines.append(f"{label}: " + "; ".join(parts) + ".")
            lines.append(f"Всего {charged}.")
        else:
            prev = _get(d, "previous", "prev", "reading_previous")
            cur = _get(d, "current", "curr", "reading_current")
            if (prev is None or cur is None) and (zones or readings):
                prev, cur = prev_curr(zones[0] if zones else readings[0])
            head = f"Объём {qty} по показаниям {meter}"
            if prev is not None and cur is not None:
                head += f": {fmt_number(cur, 3)} − {fmt_number(prev, 3)}"
            lines.append("; ".join(p for p in (head, rate_text, charged) if p) + ".")

    elif basis == Charge.Basis.AVERAGE:
        reason = _get(d, "reason")
        months = _get(d, "average_months", "months", "history_months")
        nth = _get(d, "estimate_seq", "estimate_number", "average_period", "nth")
        max_n = _get(d, "estimate_max", "max_periods", "average_max_periods") or settings.BILLING.get(
            "AVERAGE_MAX_PERIODS", 3
        )
        if reason == "verification_expired":
            first = "Срок поверки счётчика истёк — начислено по среднему потреблению"
        elif reason in REASONS and reason != "no_reading":
            first = f"{REASONS[reason].capitalize()} — начислено по среднему потреблению"
        else:
            first = f"Показания за {month} не переданы — начислено по среднему потреблению"
        if months:
            first += f" за {months} {_months_word(int(months))}"
        if nth and max_n:
            first += f" ({_ordinal(int(nth))} месяц из {max_n} возможных)"
        elif nth:
            first += f" ({_ordinal(int(nth))} месяц по среднему)"
        lines.append(first + ".")
        avg = _get(d, "average")
        tail = [f"Объём {qty}"]
        if avg is not None and _dec(avg) != _dec(charge.quantity):
            tail[0] += f" (среднее {fmt_number(avg, 3)} {unit})".rstrip()
        lines.append("; ".join(p for p in (*tail, rate_text, charged) if p) + ".")

    elif basis == Charge.Basis.NORM:
        norm = _get(d, "norm")
        residents = _get(d, "residents")
        factor = _dec(_get(d, "factor", "raising_factor", "no_meter_factor"))
        reason = _get(d, "reason")
        parts = []
        if norm is not None:
            parts.append(f"{fmt_number(norm)} {unit}".strip())
        if residents is not None:
            parts.append(f"{residents} чел.")
        if factor is not None and factor != 1:
            why = REASONS.get(reason, "") if reason else ""
            parts.append(f"{fmt_number(factor)} (повышающий коэффициент{', ' + why if why else ''})")
        text = "По нормативу"
        if parts:
            text += ": " + " × ".join(parts) + f" = {qty}"
        else:
            text += f": {qty}"
        if reason and (factor is None or factor == 1) and reason in REASONS:
            text += f" ({REASONS[reason]})"
        lines.append("; ".join(p for p in (text, rate_text, charged) if p) + ".")

    elif basis == Charge.Basis.AREA:
        area = _get(d, "area")
        area_text = f"Площадь {fmt_number(area if area is not None else charge.quantity)} м²"
        rate_m2 = f"тариф {fmt_rate(rate)} ₽ за м²" if rate is not None else ""
        lines.append("; ".join(p for p in (area_text, rate_m2, charged) if p) + ".")

    elif basis == Charge.Basis.PER_RESIDENT:
        residents = _get(d, "residents")
        norm = _get(d, "norm")
        if norm is not None and residents is not None:
            text = f"По числу проживающих: {fmt_number(norm)} {unit} × {residents} чел. = {qty}".replace("  ", " ")
        else:
            count = residents if residents is not None else fmt_number(charge.quantity)
            text = f"По числу проживающих: {count} чел."
        per = f"тариф {fmt_rate(rate)} ₽ за {unit or 'чел.'}" if rate is not None else ""
        lines.append("; ".join(p for p in (text, per, charged) if p) + ".")

    elif basis == Charge.Basis.FIXED:
        lines.append(f"Фиксированная сумма в месяц: {charged}.")

    else:  # pragma: no cover - a basis added later
        lines.append("; ".join(p for p in (f"Объём {qty}", rate_text, charged) if p) + ".")

    if charge.benefit:
        category = _get(d, "benefit_category", "benefit.category", "benefit.name")
        percent = _get(d, "benefit_percent", "benefit.percent")
        text = "Льгота"
        if category:
            text += f" «{category}»"
        if percent is not None:
            text += f" — {fmt_number(percent)} %"
        lines.append(f"{text}: −{format_rub(charge.benefit)}.")

    if charge.recalculation:
        reasons = []
        for r in recalculations:
            line = f"{'+' if r.amount > 0 else '−'}{format_rub(abs(r.amount))}, причина: {r.reason}"
            if r.for_period_id:
                line += f" (за {periods.period_title(r.for_period.month)})"
            reasons.append(line)
        if not reasons:
            for r in _get(d, "recalculations", default=[]) or []:
                if isinstance(r, dict):
                    amt = _dec(r.get("amount"))
                    line = f"{'+' if amt and amt > 0 else '−'}{format_rub(abs(amt))}" if amt is not None else ""
                    if r.get("reason"):
                        line += (", причина: " if line else "причина: ") + str(r["reason"])
                    if r.get("for_period"):
                        line += f" (за {_period_name(r['for_period'])})"
                    reasons.append(line)
        if not reasons and _get(d, "recalculation_reason"):
            reasons.append(f"причина: {_get(d, 'recalculation_reason')}")
        sign = "+" if charge.recalculation > 0 else "−"
        text = f"Перерасчёт: {sign}{format_rub(abs(charge.recalculation))}"
        if reasons:
            text += " (" + "; ".join(reasons) + ")"
        lines.append(text + ".")

    lines.append(f"Итого по услуге за {month}: {format_rub(charge.total)}.")
    return lines


# --- the explanation of a penalty line --------------------------------------------------


def _day(value) -> str:
    try:
        return f"{dt.date.fromisoformat(str(value)[:10]):%d.%m.%Y}"
    except ValueError:
        return ""


# The statute and the part of a period's debt a delay belongs to
# (``parts[].rule``, billing.penalties.RULE_14 / RULE_14_1). Lines stored
# before the split have no rule and read as before.
STATUTE_PARTS = {
    RULE_14: "По ЖК РФ ст. 155 ч. 14 (начисления, кроме взносов на капитальный ремонт)",
    RULE_14_1: "По ЖК РФ ст. 155 ч. 14.1 (взносы на капитальный ремонт)",
}


def explain_delay(part: dict) -> str:
    """One delay: a debt (or the part of it paid on one day) and its penalty;
    led by the statute and the part of the period's debt it is for when the
    line names its ``rule``."""
    amount, due = _dec(part.get("amount")), _day(part.get("due"))
    paid_on, rate_day = _day(part.get("paid_on")), _day(part.get("rate_day"))
    head = f"Долг {format_rub(amount)}" if amount is not None else "Долг"
    statute = STATUTE_PARTS.get(str(part.get("rule", "")))
    if statute:
        head = f"{statute}: {head[0].lower()}{head[1:]}"
    if due:
        head += f" со сроком оплаты {due}"
    head += f", оплачен {paid_on}" if paid_on else (f", не оплачен на {rate_day}" if rate_day else "")
    rate, key = _dec(part.get("rate")), _dec(part.get("key_rate"))
    ranges = [r for r in part.get("ranges", []) or [] if isinstance(r, dict)]
    if rate is None and ranges:
        rate = _dec(ranges[0].get("rate"))
    text = head
    if rate is not None:
        text += f": ставка {fmt_number(rate)} % на все дни просрочки"
        if key is not None and rate_day:
            day_word = "оплаты" if paid_on else "расчёта"
            why = f"ключевая ставка на день {day_word} {rate_day} — {fmt_number(key)} %"
            if key != rate:
                why += f", не более {fmt_number(rate)} %"
            text += f" ({why})"
    days_300, days_130 = part.get("days_300"), part.get("days_130")
    if days_300 is None:
        days_300 = sum(int(r.get("days", 0)) for r in ranges if r.get("fraction") == "1/300")
        days_130 = sum(int(r.get("days", 0)) for r in ranges if r.get("fraction") == "1/130")
    counted = [f"{n} дн. × {f}" for n, f in ((days_300, "1/300"), (days_130, "1/130")) if n]
    penalty = _dec(part.get("penalty"))
    if penalty is None and ranges:
        penalty = sum((_dec(r.get("amount")) or Decimal(0) for r in ranges), Decimal("0.00"))
    if counted and penalty is not None:
        text += "; " + " + ".join(counted) + f" = {format_rub(penalty)}"
    return text + "."


def explain_penalty(*, amount: Decimal, details: dict) -> list[str]:
    """A penalty ledger line (``LedgerEntry`` of kind ``penalty``) in plain
    Russian, one sentence a line, from the ``details`` the billing run stored:
    what has accrued on the debt period by the calculation day, one line per
    delay (its one rate and why, the days at 1/300 and 1/130, its penalty),
    what earlier months charged, and so this month's ``amount``. The lines
    add up: the delays' penalties sum to the accrued total, and accrued −
    charged before = ``amount``. Pure; missing keys are left out."""
    d = details if isinstance(details, dict) else {}
    period = d.get("for_period") or ""
    accrued, before = _dec(d.get("accrued")), _dec(d.get("charged_before"))
    lines = [explain_delay(p) for p in d.get("parts", []) or [] if isinstance(p, dict)]
    sign = "+" if amount >= 0 else "−"
    total = f"Пени за {period}" if period else "Пени"
    if accrued is not None and before is not None:
        total += f": всего {format_rub(accrued)}, начислено раньше {format_rub(before)}"
    lines.append(f"{total}; в этом месяце {sign}{format_rub(abs(amount))}.")
    return lines
