"""The dashboard: the debt, its split into overdue and not yet due (as the
penalty engine allocates payments), what to pay by when to avoid penalties,
the latest charges and the balance by month. Eight queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Subquery, Sum
from django.http import Http404

from accounts.selectors import account_for_user
from billing.ledger import account_debts_and_credits, term_rules
from billing.models import Charge, LedgerEntry, Statement
from billing.penalties import GRACE_DAYS, GRACE_DAYS_BY_RULE, RULE_14, RULE_14_1, Debt, allocate
from billing.selectors.chart_data import overdue_at_month_end
from billing.selectors.history import benefits_in_force
from eirc import periods
from eirc.money import ZERO

DASHBOARD_CHART_MONTHS = 12
# DOMAIN (ЖК РФ ст.155 ч.14): days 1–30 after the due date carry no penalty;
# from day 31 the penalty accrues. Contributions for capital repair (ч. 14.1)
# accrue from the day after the due date: Portion.rule, GRACE_DAYS_BY_RULE.
PENALTY_FREE_DAYS = GRACE_DAYS


def resolve_account(*, account=None, user=None, account_id=None):
    """The account to read: the one given, or the user's account ``account_id``
    (Http404 when the login does not hold it)."""
    if account is not None:
        return account
    if user is None:
        raise Http404
    return account_for_user(user=user, account_id=account_id)


# --- due dates and the split of the debt ---------------------------------------


@dataclass
class Portion:
    """An unpaid part of the debt, attributed to the period that caused it
    (as the penalty engine allocates payments: the named period first, then
    the oldest debt, so what remains is mostly the newest)."""

    # None: an undated older debt — the balance brought forward before the
    # history starts, unpaid penalties, anything the principal does not explain
    period: dt.date | None
    amount: Decimal
    due_date: dt.date | None
    rule: str = RULE_14  # the statute of the part of the period's debt (billing.penalties)

    @property
    def penalty_free_until(self) -> dt.date | None:
        """The last day this amount can be paid without penalties: the 30th
        after the due date (ч. 14), the due date itself (ч. 14.1)."""
        return self.due_date + dt.timedelta(days=GRACE_DAYS_BY_RULE[self.rule]) if self.due_date else None

    @property
    def penalties_from(self) -> dt.date | None:
        """The first day a penalty accrues on this amount."""
        return self.penalty_free_until + dt.timedelta(days=1) if self.due_date else None


def split_debt(*, debt: Decimal, increases: list[tuple[dt.date | None, Decimal, dt.date | None]]) -> list[Portion]:
    """Attribute ``debt`` to the periods that caused it, FIFO.

    ``increases`` are (period, amount that period added to the debt, its
    due date), oldest first; the first may be the opening balance (period
    None). Payments (and any negative increase) cover the oldest debt first,
    so the unpaid remainder is the newest increases, walked back from the
    latest until the debt is covered. Whatever is left over (the history
    does not explain it) is attributed to an undated older debt.
    Pure function; returns the portions oldest first.

    The dashboard uses it only for an account whose statements have no
    ledger principal behind them (see :func:`dashboard_for`); with a ledger,
    :func:`reconcile_portions` follows the penalty engine instead.
    """
    remaining = debt
    portions: list[Portion] = []
    if remaining <= 0:
        return portions
    for period, amount, due in reversed(increases):
        if remaining <= 0:
            break
        if amount <= 0:
            continue
        take = min(amount, remaining)
        portions.append(Portion(period=period, amount=take, due_date=due))
        remaining -= take
    if remaining > 0:
        portions.append(Portion(period=None, amount=remaining, due_date=None))
    portions.reverse()
    return portions


def reconcile_portions(*, debt: Decimal, debts: list[Debt]) -> list[Portion]:
    """The unpaid portions of ``debt`` per the penalty engine.

    ``debts`` are the periods' principal debts after
    :func:`billing.penalties.allocate` (payments go to the period the payer
    named first, then to the oldest debt); each ``remaining`` is an unpaid
    portion with its period's due date. The ledger total ``debt`` is then
    reconciled with them: when it is higher (unpaid penalties, which payments
    do not pay, or anything else the principal does not explain) the
    difference is an undated overdue portion, put first; when it is lower
    (an advance the engine holds apart) the newest portions are reduced
    by the difference. Pure function; returns the portions oldest first.
    """
    portions = [
        Portion(period=d.period, amount=d.remaining, due_date=d.due, rule=d.rule)
        for d in sorted(debts, key=lambda d: d.period)  # stable: a period's parts stay in rule order
        if d.remaining > 0
    ]
    principal = sum((p.amount for p in portions), ZERO)
    if debt > principal:
        portions.insert(0, Portion(period=None, amount=debt - principal, due_date=None))
    excess = principal - debt
    while excess > 0 and portions:
        newest = portions[-1]
        if newest.amount <= excess:
            excess -= newest.amount
            portions.pop()
        else:
            newest.amount -= excess
            excess = ZERO
    return portions


def _is_overdue(portion: Portion, today: dt.date) -> bool:
    return portion.due_date is None or today > portion.due_date


@dataclass
class PenaltyStep:
    """ "Pay ``amount`` by ``pay_by`` (inclusive); from ``penalties_from`` a
    penalty accrues on it"."""

    amount: Decimal
    pay_by: dt.date
    penalties_from: dt.date


@dataclass
class Dashboard:
    account: object
    today: dt.date
    debt: Decimal
    overdue: Decimal
    not_yet_due: Decimal
    portions: list[Portion]
    charges_period: dt.date | None
    charges: list
    charges_total: Decimal
    due_period: dt.date | None
    due_date: dt.date | None
    days_left: int | None
    accruing: Decimal  # overdue amount on which penalties already accrue
    penalty_steps: list[PenaltyStep]
    benefits: list
    # (month, what was overdue at its end — minus: the advance), billed months only
    balances: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    # of ``not_yet_due``: contributions for capital repair (ч. 14.1), and the
    # first day a penalty accrues on them (the day after their due date)
    not_yet_due_capital_repair: Decimal = ZERO
    capital_repair_penalties_from: dt.date | None = None

    @property
    def not_yet_due_rest(self) -> Decimal:
        return self.not_yet_due - self.not_yet_due_capital_repair

    @property
    def advance(self) -> Decimal:
        return -self.debt if self.debt < 0 else ZERO

    @property
    def next_due_amount(self) -> Decimal:
        """What to pay by ``due_date`` so that nothing is overdue then."""
        return self.debt if self.debt > 0 else ZERO


def _bills_something(st: dict) -> bool:
    """Whether a statement's period billed anything (a charge, a benefit, a
    recalculation, a penalty), as opposed to holding only payments."""
    return any(st[k] for k in ("charged", "benefits", "recalculations", "penalties"))


def _statement_increase(st: dict) -> Decimal:
    return st["charged"] - st["benefits"] + st["recalculations"] + st["penalties"] + st["refunds"] + st["corrections"]


def _statement_increases(statements: list[dict], later_rows: list[dict], rules) -> list:
    """(period, increase, due date) of every period, oldest first, from the
    statements and the entries of later periods (for :func:`split_debt`)."""
    increases: list[tuple[dt.date | None, Decimal, dt.date | None]] = []
    if statements and statements[0]["opening"] > 0:
        increases.append((None, statements[0]["opening"], None))
    for st in statements:
        month = st["period__month"]
        increases.append((month, _statement_increase(st), st["due_date"] or periods.due_date(month, rules)))
    later_by_month: dict[dt.date, Decimal] = defaultdict(Decimal)
    for row in later_rows:
        if row["kind"] == LedgerEntry.Kind.OPENING:
            if not statements and row["total"] > 0:
                increases.insert(0, (None, row["total"], None))
        elif row["kind"] != LedgerEntry.Kind.PAYMENT:
            later_by_month[row["period__month"]] += row["total"]
    for month in sorted(later_by_month):
        increases.append((month, later_by_month[month], periods.due_date(month, rules)))
    return increases


def dashboard_for(*, account, today: dt.date) -> Dashboard:
    """The dashboard numbers of ``account`` on ``today``.

    The debt is the ledger's sum: the last statement's closing plus the
    entries of later periods. It is split as the penalty engine allocates
    payments (:func:`billing.penalties.allocate`: the period the payer named
    first, then the oldest debt), reconciled with the debt by
    :func:`reconcile_portions`, into the overdue part (periods whose due
    date has passed; an undated portion counts as overdue) and the part not
    yet due. An account whose statements have no ledger principal behind
    them (the engine sees no debt) is split FIFO over the statements
    (:func:`split_debt`). A penalty accrues from day 31 after a due date
    (from the day after it on contributions for capital repair, ч. 14.1:
    those are never in ``penalty_steps``, and the not-yet-due part of them
    is named apart):
    ``penalty_steps`` say what to pay by when to avoid it, ``accruing`` what
    already carries one. Eight queries.
    """
    statements = list(
        Statement.objects.filter(account=account)
        .order_by("period__month")
        .values(
            "period__month",
            "opening",
            "charged",
            "benefits",
            "recalculations",
            "penalties",
            "paid",
            "refunds",
            "corrections",
            "closing",
            "due_date",
        )
    )
    rules = term_rules()
    last_month = statements[-1]["period__month"] if statements else None
    later = LedgerEntry.objects.filter(account=account)
    if last_month is not None:
        later = later.filter(period__month__gt=last_month)
    later_rows = list(later.values("period__month", "kind").annotate(total=Sum("amount")).order_by("period__month"))
    debt = (statements[-1]["closing"] if statements else ZERO) + sum((r["total"] for r in later_rows), ZERO)

    debts, credits = account_debts_and_credits(account.pk, rules=rules)
    if debts or not statements:
        portions = reconcile_portions(debt=debt, debts=allocate(debts, credits))
    else:
        portions = split_debt(debt=debt, increases=_statement_increases(statements, later_rows, rules))
    overdue = sum((p.amount for p in portions if _is_overdue(p, today)), ZERO)
    not_yet_due = sum((p.amount for p in portions if not _is_overdue(p, today)), ZERO)
    capital_repair = [p for p in portions if not _is_overdue(p, today) and p.rule == RULE_14_1]

    accruing = ZERO
    steps: dict[dt.date, Decimal] = defaultdict(Decimal)
    for p in portions:
        if not _is_overdue(p, today):
            continue
        if p.penalty_free_until is None or today > p.penalty_free_until:
            accruing += p.amount
        else:
            steps[p.penalty_free_until] += p.amount
    penalty_steps = [
        PenaltyStep(amount=amount, pay_by=day, penalties_from=day + dt.timedelta(days=1))
        for day, amount in sorted(steps.items())
    ]

    charges = list(
        Charge.objects.filter(
            account=account,
            period=Subquery(Charge.objects.filter(account=account).order_by("-period__month").values("period")[:1]),
        )
        .select_related("service", "period")
        .order_by("service__position", "service__name")
    )
    charges_period = charges[0].period.month if charges else None
    # The due date shown is that of the latest *billed* period: the one with
    # charges, or the latest statement that bills something. A later period
    # that holds only a payment (paid on the 1st of the next month) bills
    # nothing and so sets no deadline: its due date is a month too late.
    billed = [s["period__month"] for s in statements if _bills_something(s)]
    due_period = max((m for m in (charges_period, billed[-1] if billed else None) if m is not None), default=None)
    due = None
    if due_period is not None:
        st = next((s for s in statements if s["period__month"] == due_period), None)
        due = (st and st["due_date"]) or periods.due_date(due_period, rules)

    return Dashboard(
        account=account,
        today=today,
        debt=debt,
        overdue=overdue,
        not_yet_due=not_yet_due,
        portions=portions,
        charges_period=charges_period,
        charges=charges,
        charges_total=sum((c.total for c in charges), ZERO),
        due_period=due_period,
        due_date=due,
        days_left=(due - today).days if due else None,
        accruing=accruing,
        penalty_steps=penalty_steps,
        benefits=benefits_in_force(account=account, today=today),
        balances=[
            (s["period__month"], overdue_at_month_end(s))
            for s in [s for s in statements if due_period is None or s["period__month"] <= due_period][
                -DASHBOARD_CHART_MONTHS:
            ]
        ],
        not_yet_due_capital_repair=sum((p.amount for p in capital_repair), ZERO),
        capital_repair_penalties_from=min((p.penalties_from for p in capital_repair), default=None),
    )
