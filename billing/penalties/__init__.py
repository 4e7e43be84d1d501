"""Late-payment penalties (пени, ЖК РФ ст. 155 ч. 14 and, for contributions
for capital repair, ч. 14.1), as pure functions.

The rules, with the edges the code keeps (docs/penalties.md says the same for
staff, with the choices the law leaves open; DOMAIN.md states only ч. 14, the
law's ч. 14.1 is followed for capital repair):

* day ``n`` is the ``n``-th calendar day after the due date; the day of
  payment (or of the calculation) counts (DOMAIN's worked example: due
  15.03.2026, paid 13.07.2026 is "120 days late");
* ч. 14 (:data:`RULE_14`): days 1–30: nothing; days 31–90: 1/300 of the rate
  a day; from day 91: 1/130;
* ч. 14.1 (:data:`RULE_14_1`, a service's ``penalty_rule``): 1/300 of the
  rate from day 1 («со следующего дня после наступления установленного срока
  оплаты») to the payment day inclusive, no 1/130 step;
* **one rate for the whole delay**, under both: the key rate of the Bank of
  Russia in force on the day of payment (or of the calculation, while
  unpaid); when that day falls in a cap (ПП РФ № 474, № 2382, № 329:
  28.02.2022–31.12.2026), the rate is min(9.5 %, key rate) — for every day of
  the delay, those before 28.02.2022 included. A delay is never split into
  parts with different rates;
* moratorium days (06.04.2020–31.12.2020, 01.04.2022–30.09.2022; data) accrue
  nothing under both, yet keep counting (a moratorium does not push the 31st
  / 91st day further away);
* a period's principal is split into parts by statute (capital repair and the
  rest), each its own :class:`Debt` with the period's due date; a payment
  that reaches a period is shared between its parts in proportion to what
  remains of each, exact to the kopeck (largest remainder) — our reading of
  ПП РФ № 354 п. 118 and common practice, the law does not say;
* one rounding per penalty (per delay: a debt paid in parts has one delay per
  part), half up to kopecks, from the exact value; the explaining lines share
  the rounded total and add up to it; a period's penalty is the sum over its
  parts' delays;
* never a silent zero: a rate day the key-rate table does not cover, and a
  ч. 14 debt due before 01.01.2016 (the older rule; ч. 14.1 did not change
  then), raise :class:`PenaltyRefused` with the date in the message.

Modules: :mod:`.rules` (the dated data, the one rate of a day),
:mod:`.calc` (:func:`penalty_for`: one amount, one due date),
:mod:`.account` (an account's payments allocated to its debts, the penalty
per debt period — the billing run's input), :mod:`.batch` (the CSV batch of
``manage.py penalty --csv``).
"""

from billing.penalties.account import Credit, Debt, account_penalties, allocate
from billing.penalties.calc import (
    GRACE_DAYS,
    GRACE_DAYS_BY_RULE,
    HIGH_DIVISOR,
    LOW_DIVISOR,
    LOW_UNTIL,
    RULE_14,
    RULE_14_1,
    RULES,
    PenaltyLine,
    PenaltyResult,
    penalty_for,
)
from billing.penalties.rules import NEW_RULE_FROM, PenaltyRefused, PenaltyRules, RateOnDay, penalty_rules

__all__ = [
    "GRACE_DAYS",
    "GRACE_DAYS_BY_RULE",
    "RULE_14",
    "RULE_14_1",
    "RULES",
    "HIGH_DIVISOR",
    "LOW_DIVISOR",
    "LOW_UNTIL",
    "NEW_RULE_FROM",
    "Credit",
    "Debt",
    "PenaltyLine",
    "PenaltyRefused",
    "PenaltyResult",
    "PenaltyRules",
    "RateOnDay",
    "account_penalties",
    "allocate",
    "penalty_for",
    "penalty_rules",
]
