"""The dated data of penalties — key rates, rate caps, moratoria — and the
one rate of a delay.

The rate (ЖК РФ ст. 155 ч. 14; ПП РФ № 474 (2022), № 2382 (2023), № 329
(2025)): one rate for the whole delay, the key rate of the Bank of Russia in
force on the *rate day* — the day of payment, or of the calculation while the
debt is unpaid. When a cap (``RateCap``: 9.5 % from 28.02.2022 until
01.01.2027) is in force on the rate day, the rate is min(cap, key rate). The
cap is read on the rate day only, never on the days of the delay: a delay is
never split into parts with different rates.

A rate day before the first row of the table is refused
(:class:`PenaltyRefused`, the date named), never computed as 0. The last row
stays in force until a later one is entered: staff add every new decision of
the Bank of Russia in the admin.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from eirc.errors import DomainError

# The 1/300 → 1/130 rule applies to debts due from this day on (ФЗ № 307-ФЗ
# of 03.11.2015, in force from 01.01.2016). Debts due before it are refused.
NEW_RULE_FROM = dt.date(2016, 1, 1)


class PenaltyRefused(DomainError):
    """A penalty that cannot be computed from the data at hand; the message
    names the date and says why. ``code``: ``penalty_no_rate`` (the key-rate
    table holds no rate for ``day``) or ``penalty_old_rule`` (a debt due before
    01.01.2016)."""

    def __init__(self, message: str, *, code: str, day: dt.date):
        super().__init__(message, code=code, params={"day": day.isoformat()})
        self.day = day


@dataclass(frozen=True)
class RateOnDay:
    """The one rate of a delay whose rate day is ``day``."""

    day: dt.date
    key_rate: Decimal  # the key rate in force on ``day``
    rate: Decimal  # the rate used: the key rate, or the cap if lower
    cap: Decimal | None = None  # the cap in force on ``day``, if any
    cap_basis: str = ""

    @property
    def capped(self) -> bool:
        return self.rate != self.key_rate


@dataclass(frozen=True)
class PenaltyRules:
    """Dated data, plain values: key rates ``[(valid_from, percent)]``, caps
    ``[(valid_from, valid_to_exclusive | None, percent[, basis])]``, moratoria
    ``[(start, end_exclusive)]``. Sorted on creation; overlapping moratoria are
    merged."""

    rates: tuple = ()
    caps: tuple = ()
    moratoria: tuple = ()
    _rate_days: list = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        rates = tuple(sorted((d, Decimal(r)) for d, r in self.rates))
        caps = tuple(
            sorted(((c[0], c[1], Decimal(c[2]), c[3] if len(c) > 3 else "") for c in self.caps), key=lambda c: c[0])
        )
        merged: list[tuple[dt.date, dt.date]] = []
        for start, end in sorted(self.moratoria):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "caps", caps)
        object.__setattr__(self, "moratoria", tuple(merged))
        object.__setattr__(self, "_rate_days", [r[0] for r in rates])

    def key_rate(self, day: dt.date) -> Decimal | None:
        """The key rate in force on ``day``, or None when the table starts later."""
        i = bisect.bisect_right(self._rate_days, day)
        return self.rates[i - 1][1] if i else None

    def cap(self, day: dt.date) -> tuple[Decimal, str] | None:
        """The lowest cap in force on ``day`` and its basis, if any."""
        found = None
        for start, end, rate, basis in self.caps:
            if start <= day and (end is None or day < end) and (found is None or rate < found[0]):
                found = (rate, basis)
        return found

    def rate_on(self, day: dt.date) -> RateOnDay:
        """The one rate of a delay whose payment (or calculation) day is
        ``day``. Raises :class:`PenaltyRefused` when no key rate is known for
        ``day``."""
        key = self.key_rate(day)
        if key is None:
            raise PenaltyRefused(
                f"Нет ключевой ставки Банка России на {day:%d.%m.%Y}: пени не рассчитаны. "
                "Добавьте ставку, действовавшую в этот день, в справочник «Ключевые ставки».",
                code="penalty_no_rate",
                day=day,
            )
        cap = self.cap(day)
        if cap is not None and cap[0] < key:
            return RateOnDay(day=day, key_rate=key, rate=cap[0], cap=cap[0], cap_basis=cap[1])
        return RateOnDay(day=day, key_rate=key, rate=key, cap=cap[0] if cap else None, cap_basis=cap[1] if cap else "")

    def as_kwargs(self) -> dict:
        return {"rates": self.rates, "caps": self.caps, "moratoria": self.moratoria}


def penalty_rules() -> PenaltyRules:
    """Read key rates, caps and moratoria from the database, once (three
    queries)."""
    from billing.models import KeyRate, Moratorium, RateCap

    return PenaltyRules(
        rates=tuple(KeyRate.objects.values_list("valid_from", "rate")),
        caps=tuple(RateCap.objects.values_list("valid_from", "valid_to", "rate", "basis")),
        moratoria=tuple(Moratorium.objects.values_list("start", "end")),
    )
