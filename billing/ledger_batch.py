"""Crediting many payments at once (the bank registry), set-based.

The entries are exactly those :func:`billing.ledger.ledger_post_payment`
writes when called on each payment in turn: the same posting period (the
day's, or the next open one), the same ``for_period`` (the one named, or the
oldest unpaid debt with every earlier payment of the list already counted),
the same amount and description. What differs is the cost: the accounts are
locked once, their debts and credits read in two queries, the periods
resolved once per month, the entries written in one COPY (PostgreSQL) or
``bulk_create``, and the statements refreshed once per account.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from billing.ledger import (
    PRINCIPAL_KINDS,
    PRINCIPAL_RULE,
    PaymentRow,
    _local_date,
    _posting_period,
    add_principal,
    debts_from_principal,
    first_unpaid,
    lock_accounts,
    payment_description,
    refresh_statements,
    term_rules,
)
from billing.models import LedgerEntry
from billing.penalties import Credit
from eirc.bulkcopy import copy_lines, nullable, text
from eirc.errors import DomainError
from eirc.models import Period
from eirc.money import round_money

K = LedgerEntry.Kind


def ledger_post_payments(payments: Sequence[PaymentRow]) -> int:
    """Credit new succeeded payments to the ledger, in the order given. Call
    it inside the transaction that records them; it locks their accounts for
    the rest of it. A payment credited before makes it fail as a whole (the
    one-to-one ``LedgerEntry.payment``): nothing is ever credited twice.
    Raises ``DomainError`` if one has not succeeded. Returns the number of
    entries written."""
    if not payments:
        return 0
    lock_accounts({p.account_id for p in payments})
    todo = list(payments)
    if any(not p.is_succeeded for p in todo):
        raise DomainError("Платёж не завершён: зачислить можно только успешный платёж.", code="not_succeeded")
    named = dict(
        Period.objects.filter(pk__in={p.for_period_id for p in todo if p.for_period_id}).values_list("pk", "month")
    )
    principal, credits = _debts_and_credits({p.account_id for p in todo if not p.for_period_id})
    rules = term_rules()
    posting: dict[dt.date, Period] = {}
    entries = []  # (payment, posting period, for-period month, day, amount)
    for p in todo:
        day = _local_date(p.paid_at)
        month = day.replace(day=1)
        if month not in posting:
            posting[month] = _posting_period(day)
        if p.for_period_id:
            for_month = named[p.for_period_id]
        else:
            for_month = first_unpaid(*debts_from_principal(principal[p.account_id], credits[p.account_id], rules))
        amount = round_money(p.amount)
        # Seen by the payments after it, as the ledger row would be.
        credits[p.account_id].append(Credit(on=day, amount=amount, for_period=for_month))
        entries.append((p, posting[month], for_month, day, amount))
    period_ids = _period_ids({e[2] for e in entries if e[2] is not None})
    _write(entries, period_ids)
    _refresh(entries)
    return len(entries)


def _debts_and_credits(account_ids: set[int]) -> tuple[dict, dict]:
    """The principal by period and the payment/refund credits of each
    account, as :func:`billing.ledger.account_debts_and_credits` reads them
    (credits in ledger order), for all ``account_ids`` in two queries."""
    principal: dict[int, dict] = defaultdict(dict)
    credits: dict[int, list[Credit]] = defaultdict(list)
    if not account_ids:
        return principal, credits
    qs = LedgerEntry.objects.filter(account_id__in=account_ids)
    for acc, month, rule, s in (
        qs.filter(kind__in=PRINCIPAL_KINDS)
        .values("account_id", "period__month", PRINCIPAL_RULE)
        .annotate(s=Sum("amount"))
        .values_list("account_id", "period__month", PRINCIPAL_RULE, "s")
    ):
        add_principal(principal[acc], month, rule, s)
    for acc, day, amount, fp in (
        qs.filter(kind__in=(K.PAYMENT, K.REFUND))
        .order_by("account_id", "occurred_on", "id")
        .values_list("account_id", "occurred_on", "amount", "for_period__month")
    ):
        credits[acc].append(Credit(on=day, amount=-amount, for_period=fp))
    return principal, credits


def _period_ids(months: set[dt.date]) -> dict[dt.date, int]:
    ids = dict(Period.objects.filter(month__in=months).values_list("month", "pk"))
    for month in months - ids.keys():
        ids[month] = Period.objects.get_or_create(month=month)[0].pk
    return ids


def _write(entries, period_ids) -> None:
    if connection.vendor == "postgresql":
        now = timezone.now().isoformat()
        copy_lines(
            "billing_ledgerentry",
            "account_id, period_id, kind, amount, payment_id, for_period_id, occurred_on, description, details, "
            "created_at, created_by_id",
            [
                f"{p.account_id}\t{per.pk}\t{K.PAYMENT}\t{-amount}\t{p.pk}\t{nullable(period_ids.get(fm))}\t{day}\t"
                f"{text(payment_description(amount))}\t{{}}\t{now}\t{nullable(p.user_id)}\n"
                for p, per, fm, day, amount in entries
            ],
        )
        return
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                account_id=p.account_id,
                period=per,
                kind=K.PAYMENT,
                amount=-amount,
                payment_id=p.pk,
                for_period_id=period_ids.get(fm),
                occurred_on=day,
                description=payment_description(amount),
                created_by_id=p.user_id,
            )
            for p, per, fm, day, amount in entries
        ],
        batch_size=500,
    )


def _refresh(entries) -> None:
    """Each account's statements from its earliest posting period on, once."""
    start: dict[int, dt.date] = {}
    for p, per, *_ in entries:
        start[p.account_id] = min(start.get(p.account_id, per.month), per.month)
    by_month = defaultdict(list)
    for acc, month in start.items():
        by_month[month].append(acc)
    for month, ids in by_month.items():
        refresh_statements(account_ids=ids, from_period=month)
