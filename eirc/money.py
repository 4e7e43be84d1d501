"""Money: exact Decimals, one rounding rule, one formatting rule.

Every amount in the project passes through :func:`round_money` when a line is
produced (ROUND_HALF_UP to kopecks) and through :func:`format_rub` when it is
shown ("1 234,56 ₽", the thousands separated by a no-break space).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

KOPECK = Decimal("0.01")
TARIFF_QUANT = Decimal("0.0001")
READING_QUANT = Decimal("0.001")
NBSP = "\xa0"
ZERO = Decimal("0.00")


def round_money(value: Decimal | int | str | Fraction) -> Decimal:
    """Round to kopecks, half up. Refuses floats: they are never money. A
    ``Fraction`` (an exact quotient such as ``x / 130``) is rounded exactly, so
    a true half kopeck is never lost to a truncated decimal expansion."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if isinstance(value, Fraction):
        kopecks = value * 100
        rounded = math.floor(abs(kopecks) + Fraction(1, 2))
        return from_kopecks(rounded if kopecks >= 0 else -rounded)
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def to_kopecks(value: Decimal) -> int:
    """Exact number of kopecks of an already rounded amount."""
    q = round_money(value)
    if q != Decimal(value):
        raise ValueError(f"{value} has fractions of a kopeck")
    return int(q * 100)


def from_kopecks(kopecks: int) -> Decimal:
    return (Decimal(kopecks) / 100).quantize(KOPECK)


def format_amount(value: Decimal | None) -> str:
    """ "1 234,56" (no currency sign); None gives an empty string."""
    if value is None:
        return ""
    q = round_money(value)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NBSP.join(groups)},{frac}"


def format_rub(value: Decimal | None) -> str:
    """ "1 234,56 ₽"."""
    if value is None:
        return ""
    return f"{format_amount(value)}{NBSP}₽"


_AMOUNT_RE = re.compile(r"^\s*(\d{1,10}(?:[ \u00a0]\d{3})*|\d+)[.,](\d{2})\s*$")


def parse_amount_with_kopecks(text: str) -> Decimal:
    """Parse "1234,56" / "1234.56" / "1 234,56". The kopecks are required.

    Raises ValueError("kopecks") when the fraction is missing and
    ValueError("format") for anything else that is not an amount.
    """
    raw = (text or "").strip()
    m = _AMOUNT_RE.match(raw)
    if not m:
        if re.fullmatch(r"\d[\d \u00a0]*", raw):
            raise ValueError("kopecks")
        raise ValueError("format")
    whole = re.sub(r"[ \u00a0]", "", m.group(1))
    try:
        return Decimal(f"{whole}.{m.group(2)}")
    except InvalidOperation as exc:  # pragma: no cover - the regex guards it
        raise ValueError("format") from exc


def split_proportionally(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` (rubles, whole kopecks, not negative) split into one part
    per weight, in proportion to the weights, by the largest-remainder rule:
    every part is the exact share rounded down to a kopeck, and the kopecks
    left over go one each to the parts with the largest dropped fractions
    (the earlier part on a tie). So the parts add up exactly to ``total``,
    none is negative, and none differs from its exact share by a kopeck or
    more; a zero weight gets 0.00. Raises ValueError for a negative total or
    weight, a total with fractions of a kopeck, or weights that sum to zero.
    """
    kopecks = to_kopecks(total)
    if kopecks < 0:
        raise ValueError("the total to split must not be negative")
    if any(Decimal(w) < 0 for w in weights):
        raise ValueError("weights must not be negative")
    whole = sum((Fraction(Decimal(w)) for w in weights), Fraction(0))
    if whole == 0:
        raise ValueError("weights must not all be zero")
    exact = [Fraction(kopecks) * Fraction(Decimal(w)) / whole for w in weights]
    parts = [int(e) for e in exact]  # floor: the shares are not negative
    left = kopecks - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [from_kopecks(p) for p in parts]
