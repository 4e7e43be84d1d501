"""«Если оплатить N ₽ в дату D»: the penalty by debt period, computed by
the penalty engine itself (:func:`billing.penalties.account_penalties`, the
function the monthly run calls, over the account's debts and payments read
by :func:`billing.ledger.account_debts_and_credits`, the reads the dashboard
uses), with the payment added as one more credit on ``D``.

The payment goes where a real one would: the oldest debt first, shared
between a period's parts by statute in proportion to what remains of each
(:func:`billing.penalties.allocate`). For each debt period the page shows the
part of the payment it gets, what will have accrued by ``D`` (the paid part at
the rate of ``D``, an unpaid rest provisionally at the same rate: the run
recomputes it when it is paid), what earlier months charged already, and the
difference later runs will charge; and the last day without a penalty per
part: the 30th day after the due date under ЖК РФ ст. 155 ч. 14 (penalties
start «с тридцать первого дня, следующего за днем наступления установленного
срока оплаты»), the due date itself under ч. 14.1 for contributions for
capital repair («начиная со следующего дня после наступления установленного
срока оплаты»).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from billing.ledger import account_debts_and_credits
from billing.models import LedgerEntry
from billing.penalties import GRACE_DAYS_BY_RULE, RULE_14_1, Credit, account_penalties, allocate, penalty_rules
from billing.selectors.explain import explain_delay
from eirc import periods as P
from eirc.money import ZERO

K = LedgerEntry.Kind


@dataclass
class CalcPart:
    """The part of a period's debt that follows one statute."""

    rule: str
    debt: Decimal  # unpaid before the payment
    paid_now: Decimal
    left: Decimal
    free_until: dt.date  # the last day without a penalty on this part

    @property
    def capital_repair(self) -> bool:
        return self.rule == RULE_14_1


@dataclass
class CalcRow:
    period: dt.date
    due: dt.date
    debt: Decimal  # unpaid before the payment
    paid_now: Decimal  # the part of the payment this period gets
    left: Decimal  # unpaid after it
    free_until: dt.date  # the last day without a penalty (the earliest of the unpaid parts)
    accrued: Decimal  # by the payment day
    charged_before: Decimal
    lines: list[str] = field(default_factory=list)
    parts: list[CalcPart] = field(default_factory=list)

    @property
    def capital_repair(self) -> CalcPart | None:
        """The part for contributions for capital repair, if the period has
        one besides another part (shown on its own line)."""
        if len(self.parts) < 2:
            return None
        return next((p for p in self.parts if p.capital_repair), None)

    @property
    def label(self) -> str:
        return P.period_label(self.period)

    @property
    def to_charge(self) -> Decimal:
        return self.accrued - self.charged_before


@dataclass
class PenaltyCalc:
    amount: Decimal
    on: dt.date
    rows: list[CalcRow]
    advance: Decimal  # the part of the payment no debt takes

    @property
    def accrued(self) -> Decimal:
        return sum((r.accrued for r in self.rows), ZERO)

    @property
    def charged_before(self) -> Decimal:
        return sum((r.charged_before for r in self.rows), ZERO)

    @property
    def to_charge(self) -> Decimal:
        return self.accrued - self.charged_before

    @property
    def free_until(self) -> dt.date | None:
        """The last day on which paying the oldest unpaid debt costs no
        penalty (None: nothing is unpaid)."""
        days = [r.free_until for r in self.rows if r.debt > 0]
        return min(days) if days else None


def penalty_calc(*, account, amount: Decimal, on: dt.date) -> PenaltyCalc:
    """The penalty on ``account``'s debts if ``amount`` is paid on ``on``.
    Reads only. Raises :class:`billing.penalties.PenaltyRefused` (a Russian
    message naming the date) when the engine cannot compute a penalty."""
    debts, credits = account_debts_and_credits(account.pk)
    before = {(d.period, d.rule): d.remaining for d in allocate(copy.deepcopy(debts), credits)}
    with_payment = credits + [Credit(on=on, amount=amount)]
    after = allocate(copy.deepcopy(debts), with_payment)
    accrued = account_penalties(debts=copy.deepcopy(debts), credits=with_payment, on=on, rules=penalty_rules())
    charged = dict(
        LedgerEntry.objects.filter(account=account, kind=K.PENALTY, for_period__isnull=False)
        .values("for_period__month")
        .annotate(s=Sum("amount"))
        .values_list("for_period__month", "s")
    )
    by_period: dict[dt.date, list[CalcPart]] = {}
    dues = {}
    for d in after:  # oldest first, a period's parts in rule order
        owed = before.get((d.period, d.rule), ZERO)
        free = d.due + dt.timedelta(days=GRACE_DAYS_BY_RULE[d.rule])
        part = CalcPart(
            rule=d.rule, debt=owed, paid_now=max(owed - d.remaining, ZERO), left=d.remaining, free_until=free
        )
        by_period.setdefault(d.period, []).append(part)
        dues[d.period] = d.due
    rows = []
    taken = ZERO
    for period, parts in by_period.items():
        owed = sum((p.debt for p in parts), ZERO)
        total, lines = accrued.get(period, (ZERO, []))
        if owed <= 0 and not total and not charged.get(period):
            continue
        paid_now = sum((p.paid_now for p in parts), ZERO)
        taken += paid_now
        rows.append(
            CalcRow(
                period=period,
                due=dues[period],
                debt=owed,
                paid_now=paid_now,
                left=sum((p.left for p in parts), ZERO),
                free_until=min(p.free_until for p in parts if p.debt > 0 or owed <= 0),
                accrued=total,
                charged_before=charged.get(period, ZERO),
                lines=[explain_delay(p) for p in lines],
                parts=parts,
            )
        )
    return PenaltyCalc(amount=amount, on=on, rows=rows, advance=max(amount - taken, ZERO))
