"""An account's debts and payments, and the penalty on each debt.

:func:`allocate` gives each payment to the period the payer named first, then
to the oldest debt (FIFO); :func:`account_penalties` sums :func:`penalty_for`
over the paid slices and the unpaid rest of every debt. Each slice is its own
delay: its rate is that of the day it was paid (the unpaid rest: of the
calculation day), and its penalty is rounded once. The billing run uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from billing.penalties.calc import GRACE_DAYS, penalty_for
from billing.penalties.rules import PenaltyRules
from eirc.money import ZERO


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
    parts)}``, where ``parts`` are plain dicts, one per slice (amount,
    ``paid_on`` or None for the unpaid rest, the rate day, the key rate and
    the rate used, days at 1/300 and 1/130, the slice's penalty and its day
    ranges) for the explanation. Credits after ``on`` are ignored. Raises
    :class:`~billing.penalties.rules.PenaltyRefused` when a slice cannot be
    computed (no key rate for its rate day, a debt due before 2016)."""
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
                        "due": d.due.isoformat(),
                        "paid_on": day.isoformat() if day else None,
                        "rate_day": res.rate_day.isoformat(),
                        "key_rate": str(res.key_rate),
                        "rate": str(res.percent),
                        "days_300": res.days_300,
                        "days_130": res.days_130,
                        "penalty": str(res.total),
                        "ranges": [ln.as_dict() for ln in res.lines],
                    }
                )
        if total:
            result[d.period] = (total, lines)
    return result
