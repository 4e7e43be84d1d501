"""Template filters for the house formats: money "1 234,56 ₽", periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template

from eirc import money, periods

register = template.Library()


@register.filter
def rub(value):
    """Decimal → "1 234,56 ₽"."""
    if value in (None, ""):
        return ""
    return money.format_rub(Decimal(value))


@register.filter
def amount(value):
    """Decimal → "1 234,56"."""
    if value in (None, ""):
        return ""
    return money.format_amount(Decimal(value))


@register.filter
def period(value):
    """Period date → "март 2026"."""
    if isinstance(value, dt.date):
        return periods.period_title(value)
    month = getattr(value, "month", None)
    return periods.period_title(month) if isinstance(month, dt.date) else ""


@register.filter
def qty(value):
    """A volume or reading without trailing zeros, comma decimal: "12,5"."""
    if value in (None, ""):
        return ""
    d = Decimal(value).normalize()
    text = f"{d:f}"
    return text.replace(".", ",")
