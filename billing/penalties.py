"""Late-payment penalties (пени, ЖК РФ ст. 155 ч. 14), as pure functions.

:func:`penalty_for` computes the penalty on one amount due on one date, as of
a day (or up to the day it was paid), from dated data only — no database.
:func:`penalty_rules` loads that data (key rates, caps, moratoria) once.
:func:`account_penalties` allocates an account's payments to its debts (the
named period first, then the oldest debt first) and sums ``penalty_for`` over
the paid slices and the unpaid rest of every debt; the billing run uses it.

Rules (DOMAIN.md "Payment due date and penalties"):

* day ``n`` is the ``n``-th calendar day after the due date; the day of
  payment (or of the calculation) counts (the worked example: due 15.03.2026,
  paid 13.07.2026 is "120 days late");
* days 1–30: nothing; days 31–90: 1/300 of the rate per day; from day 91:
  1/130;
* the rate is the key rate in force on the day of payment (or of the
  calculation, while unpaid), but on each accrual day not more than a
  ``RateCap`` in force on that day (ПП РФ № 474 and successors apply the cap to
  penalties accrued in their period);
* moratorium days accrue nothing, yet keep counting (a moratorium does not
  push the 31st / 91st day further away);
* each result line (one run of days with the same fraction and rate) is
  rounded once, half up to kopecks; the total is the sum of the rounded lines.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from eirc.money import ZERO, round_money

GRACE_DAYS = 30  # days 1–30 after the due date: nothing
LOW_UNTIL = 90  # days 31–90: 1/300; from day 91: 1/130
LOW_DIVISOR = 300
HIGH_DIVISOR = 130
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class PenaltyRules:
    """Dated data: key rates ``[(valid_from, percent)]`` sorted by date, caps
    ``[(valid_from, valid_to_exclusive | None, percent)]``, moratoria
    ``[(start, end_exclusive)]``."""

    rates: tuple[tuple[dt.date, Decimal], ...] = ()
    caps: tuple[tuple[dt.date, dt.date | None, Decimal], ...] = ()
    moratoria: tuple[tuple[dt.date, dt.date], ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "rates", tuple(sorted(self.rates)))
        object.__setattr__(self, "caps", tuple(sorted(self.caps, key=lambda c: c[0])))
        object.__setattr__(self, "moratoria", tuple(sorted(self.moratoria)))
        object.__setattr__(self, "_rate_days", [r[0] for r in self.rates])

    def key_rate(self, day: dt.date) -> Decimal | None:
        i = bisect.bisect_right(self._rate_days, day)
        return self.rates[i - 1][1] if i else None

    def cap(self, day: dt.date) -> Decimal | None:
        found = None
        for start, end, rate in self.caps:
            if start <= day and (end is None or day < end):
                found = rate if found is None else min(found, rate)
        return found

    def as_kwargs(self) -> dict:
        return {"rates": self.rates, "caps": self.caps, "moratoria": self.moratoria}


@dataclass(frozen=True)
class PenaltyLine:
    start: dt.date  # first accrual day (inclusive)
    end: dt.date  # last accrual day (inclusive)
    days: int
    divisor: int  # 300 or 130
    rate: Decimal  # percent used
    amount: Decimal  # rounded once

    @property
    def fraction(self) -> str:
        return f"1/{self.divisor}"

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": self.days,
            "fraction": self.fraction,
            "rate": str(self.rate),
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class PenaltyResult:
    amount: Decimal
    due: dt.date
    on: dt.date
    paid_on: dt.date | None
    key_rate: Decimal | None  # the key rate on the day of payment / calculation
    lines: tuple[PenaltyLine, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def penalty_rules() -> PenaltyRules:
    """Read key rates, caps and moratoria from the database, once."""
    from billing.models import KeyRate, Moratorium, RateCap

    return PenaltyRules(
        rates=tuple(KeyRate.objects.values_list("valid_from", "rate")),
        caps=tuple(RateCap.objects.values_list("valid_from", "valid_to", "rate")),
        moratoria=tuple(Moratorium.objects.values_list("start", "end")),
    )


def penalty_for(
    *,
    amount: Decimal,
    due: dt.date,
    on: dt.date,
    paid_on: dt.date | None = None,
    rates: Sequence | None = None,
    caps: Sequence = (),
    moratoria: Sequence = (),
    rules: PenaltyRules | None = None,
) -> PenaltyResult:
    """The penalty on ``amount`` due on ``due``, as of ``on``.

    ``paid_on`` (on or before ``on``) stops the accrual on that day and fixes
    the key rate to the one in force that day; otherwise the debt is unpaid and
    the rate is the one in force on ``on``. Pass the dated data either as
    ``rules`` (from :func:`penalty_rules`) or as ``rates``/``caps``/
    ``moratoria``; with neither, it is read from the database. Pure otherwise.
    """
    if rules is None:
        rules = penalty_rules() if rates is None else PenaltyRules(tuple(rates), tuple(caps), tuple(moratoria))
    amount = Decimal(amount)
    end = paid_on if paid_on is not None and paid_on <= on else on
    key = rules.key_rate(end)
    first = due + dt.timedelta(days=GRACE_DAYS + 1)
    if amount <= 0 or end < first or key is None:
        return PenaltyResult(amount, due, on, paid_on, key)
    high_from = due + dt.timedelta(days=LOW_UNTIL + 1)
    stop = end + ONE_DAY  # exclusive
    cuts = {first, high_from, stop}
    for start, cap_end, _rate in rules.caps:
        cuts.add(start)
        if cap_end is not None:
            cuts.add(cap_end)
    for start, m_end in rules.moratoria:
        cuts.add(start)
        cuts.add(m_end)
    points = sorted(c for c in cuts if first <= c <= stop)
    lines: list[PenaltyLine] = []
    pending = None  # [start, end_excl, divisor, rate]
    for a, b in zip(points, points[1:], strict=False):
        if any(s <= a < e for s, e in rules.moratoria):
            if pending:
                lines.append(_line(amount, *pending))
                pending = None
            continue
        divisor = LOW_DIVISOR if a < high_from else HIGH_DIVISOR
        cap = rules.cap(a)
        rate = key if cap is None else min(key, cap)
        if pending and pending[1] == a and pending[2] == divisor and pending[3] == rate:
            pending[1] = b
        else:
            if pending:
                lines.append(_line(amount, *pending))
            pending = [a, b, divisor, rate]
    if pending:
        lines.append(_line(amount, *pending))
    return PenaltyResult(amount, due, on, paid_on, key, tuple(lines))


def _line(amount: Decimal, start: dt.date, end_excl: dt.date, divisor: int, rate: Decimal) -> PenaltyLine:
    days = (end_excl - start).days
    value = round_money(amount * rate * days / (100 * divisor))
    return PenaltyLine(start, end_excl - ONE_DAY, days, divisor, rate, value)


# --- an account's debts and payments -------------------------------------------


@dataclass
class Debt:
    """The principal debt of one period (charges − benefits ± recalculations ±
    corrections, opening balances), due on ``due``."""

    period: dt.date
    due: dt.date
    amount: Decimal
    slices: list[tuple[Decimal, dt.date]] = field(default_factory=list)  # (paid amount, paid on)
    remaining: Decimal = ZERO


@dataclass(frozen=True)
class Credit:
    """A payment (positive) or a refund (negative) on a day; ``for_period``
    names the period the payer chose (paid first)."""

    on: dt.date
    amount: Decimal
    for_period: dt.date | None = None


def allocate(debts: Iterable[Debt], credits: Iterable[Credit]) -> list[Debt]:
    """Allocate credits to debts: the named period first, then the oldest
    debt first (FIFO); a refund takes back the most recent allocations first.
    An overpayment is an advance and pays later debts (their penalty is then
    zero, as they are paid before they are due). Returns the debts, oldest
    first, with their paid ``slices`` and ``remaining``."""
    ordered = sorted(debts, key=lambda d: d.period)
    by_period = {d.period: d for d in ordered}
    for d in ordered:
        d.remaining = d.amount
        d.slices = []
    history: list[tuple[Debt, int]] = []  # (debt, slice index) in allocation order
    advance = ZERO
    for c in sorted(credits, key=lambda c: c.on):
        if c.amount > 0:
            left = c.amount
            targets = []
            if c.for_period in by_period:
                targets.append(by_period[c.for_period])
            targets.extend(ordered)
            for d in targets:
                if left <= 0:
                    break
                take = min(d.remaining, left)
                if take > 0:
                    d.remaining -= take
                    left -= take
                    d.slices.append((take, c.on))
                    history.append((d, len(d.slices) - 1))
            advance += left
        elif c.amount < 0:
            back = -c.amount
            take = min(advance, back)
            advance -= take
            back -= take
            while back > 0 and history:
                d, i = history[-1]
                paid, day = d.slices[i]
                take = min(paid, back)
                d.slices[i] = (paid - take, day)
                d.remaining += take
                back -= take
                if d.slices[i][0] == 0:
                    history.pop()
    return ordered


def account_penalties(
    *, debts: Iterable[Debt], credits: Iterable[Credit], on: dt.date, rules: PenaltyRules
) -> dict[dt.date, tuple[Decimal, list[dict]]]:
    """Penalty accrued up to ``on`` per debt period: ``{period: (total,
    lines)}`` where ``lines`` are plain dicts (slice amount, paid_on and the
    day ranges) for the explanation page. Credits after ``on`` are ignored."""
    result = {}
    allocated = allocate(debts, [c for c in credits if c.on <= on])
    horizon = on - dt.timedelta(days=GRACE_DAYS)
    for d in allocated:
        if d.due >= horizon:  # not yet 31 days overdue on ``on``: nothing at all
            continue
        parts = [(amt, day) for amt, day in d.slices if amt > 0] + ([(d.remaining, None)] if d.remaining > 0 else [])
        total = ZERO
        lines = []
        for amt, day in parts:
            res = penalty_for(amount=amt, due=d.due, on=on, paid_on=day, rules=rules)
            if res.lines:
                total += res.total
                lines.append(
                    {
                        "amount": str(amt),
                        "paid_on": day.isoformat() if day else None,
                        "ranges": [ln.as_dict() for ln in res.lines],
                    }
                )
        if total:
            result[d.period] = (total, lines)
    return result
