"""The penalty on one amount due on one date: :func:`penalty_for`. Pure: the
dated data comes in as :class:`~billing.penalties.rules.PenaltyRules`.

Rules (the package docstring states them with their sources):

* day ``n`` is the ``n``-th calendar day after the due date; the day of
  payment (or of the calculation) counts;
* ``rule`` :data:`RULE_14` (ЖК РФ ст. 155 ч. 14, the default): days 1–30:
  nothing; days 31–90: 1/300 of the rate a day; from day 91: 1/130;
* ``rule`` :data:`RULE_14_1` (ч. 14.1, contributions for capital repair):
  1/300 of the rate a day from day 1, no step;
* one rate for every day of the delay: that of the payment day (or of the
  calculation day while unpaid), capped when a cap is in force on that day
  (:meth:`PenaltyRules.rate_on`);
* moratorium days accrue nothing but keep counting;
* the penalty is rounded once, half up to kopecks, from the exact value
  amount × rate / 100 × (days at 1/300 / 300 + days at 1/130 / 130); the
  lines that explain it (runs of days at one fraction) share the rounded
  total by the largest-remainder rule, so they add up to it exactly;
* under ч. 14 a debt due before 01.01.2016 (the older rule: 1/300 from the
  first day) is refused; ч. 14.1 did not change then, so its debts are not;
  a rate day the key-rate table does not cover is refused under both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from billing.penalties.rules import NEW_RULE_FROM, PenaltyRefused, PenaltyRules, RateOnDay, penalty_rules
from eirc.money import ZERO, round_money, split_proportionally

# Which statute a debt follows (``billing.models.Service.penalty_rule``; a
# debt without a service — opening balance, corrections — follows ч. 14).
RULE_14 = "ch14"  # ЖК РФ ст. 155 ч. 14
RULE_14_1 = "ch14_1"  # ЖК РФ ст. 155 ч. 14.1: contributions for capital repair
RULES = (RULE_14, RULE_14_1)
GRACE_DAYS = 30  # ч. 14: days 1–30 after the due date: nothing
# Days after the due date without a penalty, per statute: ч. 14.1 accrues
# «начиная со следующего дня после наступления установленного срока оплаты».
GRACE_DAYS_BY_RULE = {RULE_14: GRACE_DAYS, RULE_14_1: 0}
LOW_UNTIL = 90  # days 31–90: 1/300; from day 91: 1/130
LOW_DIVISOR = 300
HIGH_DIVISOR = 130
ONE_DAY = dt.timedelta(days=1)
# 1/300 = 13/3900 and 1/130 = 30/3900: integer weights of a day at each fraction
_WEIGHT = {LOW_DIVISOR: 13, HIGH_DIVISOR: 30}
_WEIGHT_DENOMINATOR = 3900


@dataclass(frozen=True)
class PenaltyLine:
    """A run of accrual days at one fraction, between moratoria."""

    start: dt.date  # first accrual day (inclusive)
    end: dt.date  # last accrual day (inclusive)
    days: int
    divisor: int  # 300 or 130
    rate: Decimal  # percent used (the one rate of the delay)
    amount: Decimal  # this line's share of the rounded total

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
    """The penalty on ``amount`` due on ``due``, computed on ``on``
    (``paid_on``: the day it was paid, if it was by ``on``)."""

    amount: Decimal
    due: dt.date
    on: dt.date
    paid_on: dt.date | None
    rate_day: dt.date  # the payment day, or the calculation day while unpaid
    rate: RateOnDay | None = None  # None: no rate was needed (nothing accrues) and none is known
    days_300: int = 0
    days_130: int = 0
    moratorium_days: int = 0  # accrual days (31st on) that fell in a moratorium
    total: Decimal = ZERO
    lines: tuple[PenaltyLine, ...] = ()
    rule: str = RULE_14

    @property
    def key_rate(self) -> Decimal | None:
        return self.rate.key_rate if self.rate else None

    @property
    def percent(self) -> Decimal | None:
        """The one rate used, in percent."""
        return self.rate.rate if self.rate else None


def free_segments(start: dt.date, stop: dt.date, moratoria: Sequence) -> list[tuple[dt.date, dt.date]]:
    """``[start, stop)`` without the (sorted, merged) moratoria, as
    ``[(from, to_exclusive)]``."""
    out = []
    cur = start
    for m_start, m_end in moratoria:
        if m_end <= cur:
            continue
        if m_start >= stop:
            break
        if m_start > cur:
            out.append((cur, m_start))
        cur = max(cur, m_end)
        if cur >= stop:
            break
    if cur < stop:
        out.append((cur, stop))
    return out


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
    explain: bool = True,
    rule: str = RULE_14,
) -> PenaltyResult:
    """The penalty on ``amount`` due on ``due``, as of ``on``.

    ``paid_on`` (on or before ``on``) ends the delay on that day and makes it
    the rate day; otherwise the debt is unpaid and ``on`` is the rate day.
    Pass the dated data either as ``rules`` (from :func:`penalty_rules`) or as
    ``rates``/``caps``/``moratoria``; with neither, it is read from the
    database. Pure otherwise. ``explain=False`` leaves out the explaining
    ``lines`` (the batch mode wants only the days, the rate and the total).
    ``rule``: :data:`RULE_14` (days 31–90 at 1/300, from day 91 at 1/130) or
    :data:`RULE_14_1` (every day from day 1 at 1/300); the rate, its cap and
    the moratoria are the same under both.

    Raises :class:`PenaltyRefused` when something accrues but the key-rate
    table holds no rate for the rate day, and (ч. 14 only) for a debt due
    before 01.01.2016 that is paid late. Returns a zero result, without
    needing a rate, when nothing accrues (a non-positive amount, paid within
    the free days, every accrual day in a moratorium). Raises ValueError for
    an unknown ``rule``.
    """
    if rule not in GRACE_DAYS_BY_RULE:
        raise ValueError(f"unknown penalty rule {rule!r}")
    if rules is None:
        rules = penalty_rules() if rates is None else PenaltyRules(tuple(rates), tuple(caps), tuple(moratoria))
    amount = Decimal(amount)
    end = paid_on if paid_on is not None and paid_on <= on else on
    base = PenaltyResult(amount=amount, due=due, on=on, paid_on=paid_on, rate_day=end, rule=rule)
    if amount <= 0 or end <= due:
        return base
    if rule == RULE_14 and due < NEW_RULE_FROM:
        raise PenaltyRefused(
            f"Срок оплаты {due:%d.%m.%Y} — до 01.01.2016: пени по прежней редакции ЖК РФ ст. 155 ч. 14 "
            "(1/300 ставки рефинансирования с первого дня просрочки) не рассчитываются, рассчитайте их отдельно.",
            code="penalty_old_rule",
            day=due,
        )
    first = due + dt.timedelta(days=GRACE_DAYS_BY_RULE[rule] + 1)
    stop = end + ONE_DAY  # exclusive
    # ч. 14.1 has no 1/130 step: its "step" lies past the end of the delay.
    high_from = due + dt.timedelta(days=LOW_UNTIL + 1) if rule == RULE_14 else stop
    if stop <= first:
        return _with_known_rate(base, rules)
    runs = [(a, b, LOW_DIVISOR) for a, b in free_segments(first, min(high_from, stop), rules.moratoria)]
    runs += [(a, b, HIGH_DIVISOR) for a, b in free_segments(max(high_from, first), stop, rules.moratoria)]
    days_300 = sum((b - a).days for a, b, d in runs if d == LOW_DIVISOR)
    days_130 = sum((b - a).days for a, b, d in runs if d == HIGH_DIVISOR)
    moratorium_days = (stop - first).days - days_300 - days_130
    if not runs:  # every accrual day in a moratorium
        return _with_known_rate(replace(base, moratorium_days=moratorium_days), rules)
    rate = rules.rate_on(end)
    # amount × rate / 100 × (days_300 / 300 + days_130 / 130), exactly:
    # 1/300 = 13/3900 and 1/130 = 30/3900, so the days weigh 13 and 30.
    weight = days_300 * _WEIGHT[LOW_DIVISOR] + days_130 * _WEIGHT[HIGH_DIVISOR]
    a_num, a_den = amount.as_integer_ratio()
    r_num, r_den = rate.rate.as_integer_ratio()
    total = round_money(Fraction(a_num * r_num * weight, a_den * r_den * 100 * _WEIGHT_DENOMINATOR))
    lines = ()
    if explain:
        shares = split_proportionally(total, [Decimal((b - a).days * _WEIGHT[d]) for a, b, d in runs])
        lines = tuple(
            PenaltyLine(start=a, end=b - ONE_DAY, days=(b - a).days, divisor=d, rate=rate.rate, amount=share)
            for (a, b, d), share in zip(runs, shares, strict=True)
        )
    return PenaltyResult(
        amount=amount,
        due=due,
        on=on,
        paid_on=paid_on,
        rate_day=end,
        rate=rate,
        days_300=days_300,
        days_130=days_130,
        moratorium_days=moratorium_days,
        total=total,
        lines=lines,
        rule=rule,
    )


def _with_known_rate(result: PenaltyResult, rules: PenaltyRules) -> PenaltyResult:
    """A zero result, with the rate of its rate day for display when known."""
    try:
        rate = rules.rate_on(result.rate_day)
    except PenaltyRefused:
        return result
    return replace(result, rate=rate)
