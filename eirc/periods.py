"""Periods (months) and the dates that hang on them, in Europe/Simferopol.

A period is stored as the date of its first day. The payment due date and
the receipt issue day follow dated rules (DOMAIN: the 10th until the period
of February 2026, the 15th from the period of March 2026): the rules are data
(``billing.PaymentTermRule``) with the values below as the built-in default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

TZ = ZoneInfo("Europe/Simferopol")


@dataclass(frozen=True)
class TermRule:
    """For periods from ``applies_from`` on: due on ``due_day`` of the next month,
    receipt issued by ``issue_day`` of the next month."""

    applies_from: dt.date
    due_day: int
    issue_day: int


DEFAULT_TERM_RULES: tuple[TermRule, ...] = (
    TermRule(dt.date(2000, 1, 1), due_day=10, issue_day=1),
    TermRule(dt.date(2026, 3, 1), due_day=15, issue_day=5),
)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(period: dt.date, n: int) -> dt.date:
    idx = period.year * 12 + (period.month - 1) + n
    return dt.date(idx // 12, idx % 12 + 1, 1)


def next_period(period: dt.date) -> dt.date:
    return add_months(period, 1)


def prev_period(period: dt.date) -> dt.date:
    return add_months(period, -1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from period ``start`` to period ``end`` (end - start)."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def parse_period(text: str) -> dt.date:
    """ "YYYY-MM" or "MM.YYYY" -> first day of the month. Raises ValueError."""
    text = text.strip()
    if "." in text:
        mm, yyyy = text.split(".")
    else:
        yyyy, mm = text.split("-")[:2]
    return dt.date(int(yyyy), int(mm), 1)


def period_label(period: dt.date) -> str:
    """ "03.2026" — the form used on receipts and in the QR code."""
    return f"{period.month:02d}.{period.year}"


MONTHS_NOMINATIVE = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


def period_title(period: dt.date) -> str:
    """ "март 2026"."""
    return f"{MONTHS_NOMINATIVE[period.month - 1]} {period.year}"


def _rule_for(period: dt.date, rules) -> TermRule:
    chosen = None
    for rule in sorted(rules, key=lambda r: r.applies_from):
        if rule.applies_from <= period:
            chosen = rule
    if chosen is None:
        raise ValueError(f"no payment term rule covers {period}")
    return chosen


def due_date(period: dt.date, rules=DEFAULT_TERM_RULES) -> dt.date:
    """The last day to pay for ``period`` without becoming overdue."""
    rule = _rule_for(period, rules)
    nxt = next_period(period)
    return nxt.replace(day=rule.due_day)


def issue_date(period: dt.date, rules=DEFAULT_TERM_RULES) -> dt.date:
    rule = _rule_for(period, rules)
    return next_period(period).replace(day=rule.issue_day)


def today() -> dt.date:
    """Today in Europe/Simferopol (the server may run in UTC)."""
    return timezone.now().astimezone(TZ).date()


def current_period() -> dt.date:
    return month_start(today())
