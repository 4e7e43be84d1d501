"""An account's debts and payments, and the penalty on each debt.

A period's principal may be split into *parts* by the statute its services
follow (:class:`Debt` ``rule``: ч. 14, or ч. 14.1 for contributions for
capital repair); each part is its own :class:`Debt` with the period's due
date. :func:`allocate` gives each payment to the period the payer named
first, then to the oldest period (FIFO); within a period the amount that
reaches it is shared between its parts in proportion to what remains of
each, to the kopeck by the largest-remainder rule
(:func:`eirc.money.split_proportionally`), so the shares add up exactly.
:func:`account_penalties` sums :func:`penalty_for` over the paid slices and
the unpaid rest of every part. Each slice is its own delay: its rate is that
of the day it was paid (the unpaid rest: of the calculation day), and its
penalty is rounded once. The billing run uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from billing.penalties.calc import GRACE_DAYS_BY_RULE, RULE_14, RULE_14_1, penalty_for
from billing.penalties.rules import PenaltyRules
from eirc.money import ZERO, split_proportionally

# The order of a period's parts (allocation ties, explanation lines).
_RULE_ORDER = {RULE_14: 0, RULE_14_1: 1}


@dataclass
class Debt:
    """The principal debt of one period (charges − benefits ± recalculations ±
    corrections, opening balances), due on ``due`` — or one part of it, the
    part that follows the statute ``rule`` (a period has at most one part
    per rule)."""

    period: dt.date
    due: dt.date
    amount: Decimal
    slices: list[tuple[Decimal, dt.date]] = field(default_factory=list)  # (paid amount, paid on)
    remaining: Decimal = ZERO
    rule: str = RULE_14


@dataclass(frozen=True)
class Credit:
    """A payment (positive) or a refund (negative) on a day; ``for_period``
    names the period the payer chose (paid first)."""

    on: dt.date
    amount: Decimal
    for_period: dt.date | None = None


def allocate(debts: Iterable[Debt], credits: Iterable[Credit]) -> list[Debt]:
    """Allocate credits to debts: the named period first, then the oldest
    period first (FIFO); what reaches a period with several parts is shared
    between them in proportion to what remains of each (largest remainder,
    exact to the kopeck). A refund takes back the most recent allocations
    first. An overpayment is an advance and pays later debts (their penalty
    is then zero, as they are paid before they are due). Returns the debts,
    oldest first (a period's parts in rule order), with their paid ``slices``
    and ``remaining``."""
    ordered = sorted(debts, key=lambda d: (d.period, _RULE_ORDER.get(d.rule, 9)))
    by_period: dict[dt.date, list[Debt]] = {}
    for d in ordered:
        d.remaining = d.amount
        d.slices = []
        by_period.setdefault(d.period, []).append(d)
    history: list[tuple[Debt, int]] = []  # (debt, slice index) in allocation order
    advance = ZERO
    for c in sorted(credits, key=lambda c: c.on):
        if c.amount > 0:
            left = c.amount
            targets = []
            if c.for_period in by_period:
                targets.append(by_period[c.for_period])
            targets.extend(by_period.values())
            for parts in targets:
                if left <= 0:
                    break
                owed = sum((d.remaining for d in parts), ZERO)
                take = min(owed, left)
                if take <= 0:
                    continue
                left -= take
                shares = [take] if len(parts) == 1 else split_proportionally(take, [d.remaining for d in parts])
                for d, share in zip(parts, shares, strict=True):
                    if share > 0:
                        d.remaining -= share
                        d.slices.append((share, c.on))
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
    parts)}``, where ``parts`` are plain dicts, one per slice of each of the
    period's debts (the statute ``rule`` of its part, amount, ``paid_on`` or
    None for the unpaid rest, the rate day, the key rate and the rate used,
    days at 1/300 and 1/130, the slice's penalty and its day ranges) for the
    explanation; the total is the sum of the slices' penalties, each rounded
    once. Credits after ``on`` are ignored. Raises
    :class:`~billing.penalties.rules.PenaltyRefused` when a slice cannot be
    computed (no key rate for its rate day, a ч. 14 debt due before 2016)."""
    result: dict[dt.date, tuple[Decimal, list[dict]]] = {}
    allocated = allocate(debts, [c for c in credits if c.on <= on])
    for d in allocated:
        if d.due >= on - dt.timedelta(days=GRACE_DAYS_BY_RULE[d.rule]):  # no accrual day by ``on``
            continue
        parts = [(amt, day) for amt, day in d.slices if amt > 0] + ([(d.remaining, None)] if d.remaining > 0 else [])
        total, lines = result.get(d.period, (ZERO, []))
        for amt, day in parts:
            res = penalty_for(amount=amt, due=d.due, on=on, paid_on=day, rules=rules, rule=d.rule)
            if res.lines:
                total += res.total
                lines.append(
                    {
                        "rule": d.rule,
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
