"""The ledger and the statements derived from it.

The ledger (``LedgerEntry``) is the truth: signed, immutable entries whose sum
is the debt. A ``Statement`` (one per account and period) is a cache of it:
``opening`` is the sum of every earlier period's entries (plus any
``opening``-kind entry of the period itself), each column the sum of one kind
of the period's entries (credits shown as positive numbers), ``closing`` the
sum of every entry up to and including the period. ``billing_check`` proves
that every statement equals its ledger.

Posting rules (exactly once): a succeeded payment gets one ``payment`` entry
(the one-to-one ``LedgerEntry.payment`` makes a second one impossible), a
succeeded refund one ``refund`` entry; both refresh the statements of their
period and of every later period of the account (their openings move).

Payments sit above billing: this module never imports them. The payments
app hands its rows in (:class:`PaymentRow`, :class:`RefundRow` say what is
read of them) and the ledger names them in the database only
(``LedgerEntry.payment`` is a foreign key declared by string).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import PersonalAccount
from billing.models import LedgerEntry, PaymentTermRule, Statement
from billing.penalties import RULE_14, RULES, Credit, Debt, allocate
from eirc import periods as P
from eirc.bulkcopy import copy_lines, nullable
from eirc.errors import DomainError
from eirc.models import Period
from eirc.money import ZERO, format_rub, round_money, split_proportionally

K = LedgerEntry.Kind
# Kinds that make up the principal debt of a period (penalties accrue on it).
PRINCIPAL_KINDS = (K.OPENING, K.CHARGE, K.BENEFIT, K.RECALCULATION, K.CORRECTION)
STATEMENT_FIELDS = (
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
    "updated_at",
)


class PaymentRow(Protocol):
    """What the ledger reads of a payment (``payments.models.Payment``)."""

    pk: object
    account_id: int
    amount: Decimal
    paid_at: dt.datetime
    for_period_id: int | None
    user_id: int | None

    @property
    def is_succeeded(self) -> bool: ...


class RefundRow(Protocol):
    """What the ledger reads of a refund (``payments.models.Refund``)."""

    pk: object
    amount: Decimal
    completed_at: dt.datetime
    reason: str
    created_by_id: int | None
    payment: PaymentRow

    @property
    def is_succeeded(self) -> bool: ...


def term_rules() -> tuple[P.TermRule, ...]:
    """The dated payment-term rules from the database (built-in default if none)."""
    rows = tuple(
        P.TermRule(r.applies_from, due_day=r.due_day, issue_day=r.issue_day) for r in PaymentTermRule.objects.all()
    )
    return rows or P.DEFAULT_TERM_RULES


def period_end(period: dt.date) -> dt.date:
    return P.next_period(period) - dt.timedelta(days=1)


def statement_columns(opening_before: Decimal, by_kind: dict[str, Decimal]) -> dict[str, Decimal]:
    """The statement columns from the sum of earlier entries and the period's
    sums by kind. ``closing`` is then exactly the sum of every entry."""
    g = lambda kind: by_kind.get(kind, ZERO)  # noqa: E731
    cols = {
        "opening": opening_before + g(K.OPENING),
        "charged": g(K.CHARGE),
        "benefits": -g(K.BENEFIT),
        "recalculations": g(K.RECALCULATION),
        "penalties": g(K.PENALTY),
        "paid": -g(K.PAYMENT),
        "refunds": g(K.REFUND),
        "corrections": g(K.CORRECTION),
    }
    cols["closing"] = opening_before + sum(by_kind.values(), ZERO)
    return cols


def upsert_statements(rows: Iterable[Statement]) -> None:
    """Insert or replace statements (one statement per account and period).
    On PostgreSQL through COPY into a temporary table and one INSERT … ON
    CONFLICT (the ORM's own upsert costs more than the rest of a registry
    chunk); elsewhere through the ORM."""
    rows = list(rows)
    if rows and connection.vendor == "postgresql":
        _upsert_statements_copy(rows)
    elif rows:
        Statement.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["account", "period"],
            update_fields=list(STATEMENT_FIELDS),
        )


_UPSERT_COLUMNS = ("account_id", "period_id", *STATEMENT_FIELDS)
# The column names are the constants above.
_UPSERT_SQL = (
    f"INSERT INTO billing_statement ({', '.join(_UPSERT_COLUMNS)}) SELECT {', '.join(_UPSERT_COLUMNS)} "  # noqa: S608
    "FROM statement_rows ON CONFLICT (account_id, period_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in STATEMENT_FIELDS)
)
# The columns' types, no constraints; emptied at every commit.
_TEMP_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS statement_rows ON COMMIT DELETE ROWS AS "  # noqa: S608
    f"SELECT {', '.join(_UPSERT_COLUMNS)} FROM billing_statement WITH NO DATA"
)


def _upsert_statements_copy(rows: list[Statement]) -> None:
    columns = ", ".join(_UPSERT_COLUMNS)
    lines = [
        "\t".join(
            nullable(v.isoformat() if isinstance(v, dt.datetime) else v)
            for v in (getattr(st, c) for c in _UPSERT_COLUMNS)
        )
        + "\n"
        for st in rows
    ]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_TEMP_SQL)
        copy_lines("statement_rows", columns, lines)
        cur.execute(_UPSERT_SQL)
        cur.execute("TRUNCATE statement_rows")


def refresh_statements(*, account_ids: Iterable[int], from_period: dt.date, to_period: dt.date | None = None) -> int:
    """Recompute from the ledger the statements of ``account_ids`` for the
    periods from ``from_period`` (to ``to_period``, inclusive): every period
    that has entries or already has a statement. Set-based: three queries.
    Returns the number of statements written."""
    ids = list(account_ids)
    if not ids:
        return 0
    rules = term_rules()
    prior = dict(
        LedgerEntry.objects.filter(account_id__in=ids, period__month__lt=from_period)
        .values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    flows = LedgerEntry.objects.filter(account_id__in=ids, period__month__gte=from_period)
    stmts = Statement.objects.filter(account_id__in=ids, period__month__gte=from_period)
    if to_period is not None:
        flows = flows.filter(period__month__lte=to_period)
        stmts = stmts.filter(period__month__lte=to_period)
    by = defaultdict(lambda: defaultdict(dict))  # account -> (period_id, month) -> kind -> sum
    for acc, pid, month, kind, s in (
        flows.values("account_id", "period_id", "period__month", "kind")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "period_id", "period__month", "kind", "s")
    ):
        by[acc][(month, pid)][kind] = s
    for acc, pid, month in stmts.values_list("account_id", "period_id", "period__month"):
        by[acc].setdefault((month, pid), {})
    out = []
    now = timezone.now()
    for acc, per in by.items():
        running = prior.get(acc) or ZERO
        for month, pid in sorted(per):
            cols = statement_columns(running, per[(month, pid)])
            running = cols["closing"]
            out.append(
                Statement(account_id=acc, period_id=pid, due_date=P.due_date(month, rules), updated_at=now, **cols)
            )
    upsert_statements(out)
    return len(out)


def statement_refresh(*, account, period) -> Statement:
    """Recompute one account's statement for ``period`` (a ``Period`` or a
    date) from the ledger, creating it if missing. Idempotent."""
    month = period.month if isinstance(period, Period) else P.month_start(period)
    per, _ = Period.objects.get_or_create(month=month)
    account_id = getattr(account, "pk", account)
    with transaction.atomic():
        lock_accounts([account_id])
        refresh_statements(account_ids=[account_id], from_period=month, to_period=month)
        if not Statement.objects.filter(account_id=account_id, period=per).exists():
            upsert_statements([_empty_statement(account_id, per)])
    return Statement.objects.get(account_id=account_id, period=per)


def _empty_statement(account_id: int, per: Period) -> Statement:
    opening = (
        LedgerEntry.objects.filter(account_id=account_id, period__month__lt=per.month).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    cols = statement_columns(opening, {})
    return Statement(
        account_id=account_id,
        period=per,
        due_date=P.due_date(per.month, term_rules()),
        updated_at=timezone.now(),
        **cols,
    )


def statements_check(*, chunk_size: int = 2000) -> list[str]:
    """Problems found, in Russian (empty when all is well): every statement
    must equal its ledger (opening, each column, closing) and every period
    with entries must have a statement, so the latest closing of every account
    is the sum of all its entries. Streams accounts in chunks."""
    from accounts.models import PersonalAccount

    problems: list[str] = []
    labels = {
        "opening": "входящее сальдо",
        "charged": "начислено",
        "benefits": "льготы",
        "recalculations": "перерасчёты",
        "penalties": "пени",
        "paid": "оплачено",
        "refunds": "возвраты",
        "corrections": "корректировки",
        "closing": "исходящее сальдо",
    }
    last = 0
    while True:
        accs = list(PersonalAccount.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "number")[:chunk_size])
        if not accs:
            break
        last = accs[-1][0]
        numbers = dict(accs)
        ids = list(numbers)
        flows = defaultdict(lambda: defaultdict(dict))
        for acc, month, kind, s in (
            LedgerEntry.objects.filter(account_id__in=ids)
            .values("account_id", "period__month", "kind")
            .annotate(s=Sum("amount"))
            .values_list("account_id", "period__month", "kind", "s")
        ):
            flows[acc][month][kind] = s
        stmts = defaultdict(dict)
        for st in Statement.objects.filter(account_id__in=ids).select_related("period"):
            stmts[st.account_id][st.period.month] = st
        for acc in ids:
            running = ZERO
            months = sorted(set(flows[acc]) | set(stmts[acc]))
            for month in months:
                expected = statement_columns(running, flows[acc].get(month, {}))
                running = expected["closing"]
                st = stmts[acc].get(month)
                where = f"лицевой счёт {numbers[acc]}, период {P.period_label(month)}"
                if st is None:
                    problems.append(f"{where}: нет ведомости, хотя есть проводки")
                    continue
                for col, value in expected.items():
                    if getattr(st, col) != value:
                        problems.append(
                            f"{where}: {labels[col]} в ведомости {format_rub(getattr(st, col))}, "
                            f"по проводкам {format_rub(value)}"
                        )
            total = sum((sum(k.values(), ZERO) for k in flows[acc].values()), ZERO)
            if months and stmts[acc]:
                latest = stmts[acc][max(stmts[acc])]
                if max(stmts[acc]) == max(months) and latest.closing != total:
                    problems.append(
                        f"лицевой счёт {numbers[acc]}: сальдо {format_rub(latest.closing)}, "
                        f"сумма проводок {format_rub(total)}"
                    )
    return problems


# --- debts and credits of one account (FIFO) -------------------------------------


def account_debts_and_credits(
    account_id: int, *, rules=None, upto: dt.date | None = None
) -> tuple[list[Debt], list[Credit]]:
    """The principal debts by period — each split into its parts by statute
    (:func:`debts_from_principal`) — and the payments/refunds of one account,
    as the penalty engine wants them. A period whose principal is negative (a
    reducing recalculation or correction) counts as a credit on its last day."""
    rules = rules or term_rules()
    qs = LedgerEntry.objects.filter(account_id=account_id)
    if upto is not None:
        qs = qs.filter(period__month__lte=upto)
    principal: dict = {}
    for month, rule, s in (
        qs.filter(kind__in=PRINCIPAL_KINDS)
        .values("period__month", PRINCIPAL_RULE)
        .annotate(s=Sum("amount"))
        .values_list("period__month", PRINCIPAL_RULE, "s")
    ):
        add_principal(principal, month, rule, s)
    credits = [
        Credit(on=day, amount=-amount, for_period=fp)
        for day, amount, fp in qs.filter(kind__in=(K.PAYMENT, K.REFUND)).values_list(
            "occurred_on", "amount", "for_period__month"
        )
    ]
    return debts_from_principal(principal, credits, rules)


# The statute of a principal entry: its service's (a LEFT JOIN: an entry
# without a service — opening balance, correction — reads None: ч. 14).
PRINCIPAL_RULE = "service__penalty_rule"


def add_principal(principal: dict, month: dt.date, rule: str | None, amount: Decimal) -> None:
    """Add ``amount`` to ``principal[month][rule]`` (None: ч. 14)."""
    parts = principal.setdefault(month, {})
    rule = rule or RULE_14
    parts[rule] = parts.get(rule, ZERO) + amount


def statute_parts(parts: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    """The parts of a period's principal by statute, ``parts`` adding up to a
    positive total: the positive ones, in rule order; a negative part (a
    reducing recalculation of capital repair larger than its charge, a
    correction) is taken off the positive ones in proportion to them, so the
    parts still add up to the period's principal."""
    pos = [(r, a) for r, a in sorted(parts.items(), key=lambda p: RULES.index(p[0])) if a > 0]
    excess = -sum((a for a in parts.values() if a < 0), ZERO)
    if excess:
        cuts = split_proportionally(excess, [a for _, a in pos])
        pos = [(r, a - c) for (r, a), c in zip(pos, cuts, strict=True)]
    return [(r, a) for r, a in pos if a > 0]


def debts_from_principal(principal: dict, credits: list[Credit], rules) -> tuple[list[Debt], list[Credit]]:
    """``principal`` ({month: {rule: amount}}, see :func:`add_principal`) as
    the penalty engine's debts: a period with a positive principal is one
    :class:`Debt` per statute part (:func:`statute_parts`), all with the
    period's due date; a negative one is a credit on the period's last day."""
    debts = []
    credits = list(credits)
    for month, parts in principal.items():
        amount = sum(parts.values(), ZERO)
        if amount > 0:
            due = P.due_date(month, rules)
            debts.extend(Debt(period=month, due=due, amount=a, rule=r) for r, a in statute_parts(parts))
        elif amount < 0:
            credits.append(Credit(on=period_end(month), amount=-amount))
    return debts, credits


def oldest_unpaid_period(account_id: int) -> dt.date | None:
    """The oldest period whose principal is not fully paid (FIFO), if any."""
    return first_unpaid(*account_debts_and_credits(account_id))


def first_unpaid(debts: list[Debt], credits: list[Credit]) -> dt.date | None:
    for d in allocate(debts, credits):
        if d.remaining > 0:
            return d.period
    return None


# --- posting ---------------------------------------------------------------------


def _local_date(moment) -> dt.date:
    if moment is None:
        return P.today()
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment, P.TZ).date() if timezone.is_aware(moment) else moment.date()
    return moment


def _posting_period(day: dt.date) -> Period:
    """The period a credit dated ``day`` is posted to: the period of that
    day, or, if that period is closed, the first open period after it (the
    entry keeps its real date, so penalties still see when it was paid)."""
    month = P.month_start(day)
    per, _ = Period.objects.get_or_create(month=month)
    while per.is_closed:
        month = P.next_period(month)
        per, _ = Period.objects.get_or_create(month=month)
    return per


def lock_accounts(account_ids) -> None:
    """Row-lock the accounts (in id order, so two lockers never deadlock)
    for the rest of the transaction. Every writer of an account's ledger and
    statements takes it before reading the ledger sums, so a statement is
    never computed from sums another writer is about to change (a payment
    posted while a registry file or a billing chunk holds the same account).
    SQLite serialises writers by itself."""
    ids = sorted({int(i) for i in account_ids})
    if ids:
        list(PersonalAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def ledger_post_payment(*, payment: PaymentRow) -> LedgerEntry:
    """Credit a succeeded payment to the ledger, exactly once.

    Contract: call it inside the transaction that confirms the payment; it
    locks the payment row (``select_for_update`` through the row's own
    model, which billing does not import) itself, so two concurrent
    confirmations serialise and the second one finds the entry and returns
    it (the one-to-one ``LedgerEntry.payment`` is the last line of defence).
    The entry: kind ``payment``, amount ``−payment.amount``, dated the day of
    payment (Europe/Simferopol), in that day's period (or the next open one
    if it is closed); ``for_period`` is the period the payer named, otherwise
    the oldest period with unpaid debt (FIFO; the penalty engine allocates
    any excess to the next-oldest debts). Refreshes the statements of that
    period and of every later one. Raises ``DomainError`` unless the payment
    succeeded. Idempotent.
    """
    with transaction.atomic():
        locked = type(payment).objects.select_for_update().get(pk=payment.pk)
        existing = LedgerEntry.objects.filter(payment_id=locked.pk).first()
        if existing is not None:
            return existing
        if not locked.is_succeeded:
            raise DomainError("Платёж не завершён: зачислить можно только успешный платёж.", code="not_succeeded")
        lock_accounts([locked.account_id])
        day = _local_date(locked.paid_at)
        per = _posting_period(day)
        if locked.for_period_id:
            for_period = Period.objects.get(pk=locked.for_period_id)
        else:
            for_month = oldest_unpaid_period(locked.account_id)
            for_period = Period.objects.get_or_create(month=for_month)[0] if for_month else None
        entry = LedgerEntry.objects.create(
            account_id=locked.account_id,
            period=per,
            kind=K.PAYMENT,
            amount=-round_money(locked.amount),
            payment_id=locked.pk,
            for_period=for_period,
            occurred_on=day,
            description=payment_description(locked.amount),
            created_by_id=locked.user_id,
        )
        _refresh_from(locked.account_id, per.month)
    return entry


def payment_description(amount: Decimal) -> str:
    return f"Оплата {format_rub(amount)}"


def ledger_post_refund(*, refund: RefundRow) -> LedgerEntry:
    """Debit a succeeded refund to the ledger, exactly once (kind ``refund``,
    amount ``+refund.amount``, the one-to-one ``LedgerEntry.refund``); locks
    the refund row. Same period and statement rules as payments. Idempotent."""
    with transaction.atomic():
        locked = type(refund).objects.select_for_update().select_related("payment").get(pk=refund.pk)
        existing = LedgerEntry.objects.filter(refund_id=locked.pk).first()
        if existing is not None:
            return existing
        if not locked.is_succeeded:
            raise DomainError("Возврат не выполнен: провести можно только выполненный возврат.", code="not_succeeded")
        lock_accounts([locked.payment.account_id])
        day = _local_date(locked.completed_at)
        per = _posting_period(day)
        entry = LedgerEntry.objects.create(
            account_id=locked.payment.account_id,
            period=per,
            kind=K.REFUND,
            amount=round_money(locked.amount),
            refund_id=locked.pk,
            for_period_id=locked.payment.for_period_id,
            occurred_on=day,
            description=f"Возврат {format_rub(locked.amount)}: {locked.reason}"[:250],
            created_by_id=locked.created_by_id,
        )
        _refresh_from(locked.payment.account_id, per.month)
    return entry


def ledger_post_correction(*, account, period, amount: Decimal, description: str, user=None) -> LedgerEntry:
    """A manual correction (signed: positive increases the debt) in an open
    period, with a required description. Raises ``DomainError`` for a closed
    period, a zero amount or an empty description. Not idempotent: each call
    is a new entry."""
    month = period.month if isinstance(period, Period) else P.month_start(period)
    amount = round_money(amount)
    if amount == 0:
        raise DomainError("Сумма корректировки не может быть нулевой.", field="amount")
    if not (description or "").strip():
        raise DomainError("Укажите основание корректировки.", field="description")
    with transaction.atomic():
        per, _ = Period.objects.select_for_update().get_or_create(month=month)
        if per.is_closed:
            raise DomainError(
                f"Период {P.period_label(month)} закрыт: исправления вносятся в открытом периоде.", code="closed"
            )
        lock_accounts([getattr(account, "pk", account)])
        today = P.today()
        day = today if P.month_start(today) == month else period_end(month)
        entry = LedgerEntry.objects.create(
            account_id=getattr(account, "pk", account),
            period=per,
            kind=K.CORRECTION,
            amount=amount,
            occurred_on=day,
            description=description.strip()[:250],
            created_by=user,
        )
        _refresh_from(entry.account_id, month)
    return entry


def _refresh_from(account_id: int, month: dt.date) -> None:
    refresh_statements(account_ids=[account_id], from_period=month)
    per = Period.objects.get(month=month)
    if not Statement.objects.filter(account_id=account_id, period=per).exists():  # pragma: no cover - defensive
        upsert_statements([_empty_statement(account_id, per)])
