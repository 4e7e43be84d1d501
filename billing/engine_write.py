"""Writing one chunk of the billing run: plain rows, then COPY (PostgreSQL)
or ``bulk_create`` (SQLite, the embedded default).

The run builds light rows (not model instances: creating ~20 Django model
objects per account would cost more than the whole computation) and hands
them here. On PostgreSQL the ids of charges are taken from their sequence
first so ledger entries can point at them, and all three tables are loaded
with ``COPY``; elsewhere the ORM does it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from billing.ledger import upsert_statements
from billing.models import Charge, LedgerEntry, Statement
from eirc.bulkcopy import copy_lines, json_text, next_ids, nullable, text

STATEMENT_COLS = (
    "opening",
    "charged",
    "benefits",
    "recalculations",
    "penalties",
    "paid",
    "refunds",
    "corrections",
    "closing",
)


@dataclass(slots=True)
class ChargeRow:
    account_id: int
    period_id: int
    service_id: int
    basis: str
    quantity: Decimal
    rate: Decimal | None
    amount: Decimal
    benefit: Decimal
    recalculation: Decimal
    total: Decimal
    details: dict
    run_id: int
    id: int | None = None


@dataclass(slots=True)
class EntryRow:
    account_id: int
    period_id: int
    kind: str
    amount: Decimal
    service_id: int | None
    run_id: int
    occurred_on: dt.date
    description: str
    charge: ChargeRow | None = None
    for_period_id: int | None = None
    details: dict = field(default_factory=dict)


@dataclass(slots=True)
class StatementRow:
    account_id: int
    period_id: int
    due_date: dt.date
    opening: Decimal
    charged: Decimal
    benefits: Decimal
    recalculations: Decimal
    penalties: Decimal
    paid: Decimal
    refunds: Decimal
    corrections: Decimal
    closing: Decimal


def delete_chunk(period_id: int, ids: list[int]) -> None:
    """Remove the period's run-produced entries and charges of ``ids`` (one
    DELETE each; the ledger trigger still refuses it in a closed period)."""
    db = LedgerEntry.objects.db
    LedgerEntry.objects.filter(period_id=period_id, account_id__in=ids, run__isnull=False)._raw_delete(db)
    Charge.objects.filter(period_id=period_id, account_id__in=ids)._raw_delete(db)


def write_chunk(charges: list[ChargeRow], entries: list[EntryRow], statements: list[StatementRow]) -> None:
    if connection.vendor == "postgresql":
        _copy_charges(charges)
        _copy_entries(entries)
        _copy_statements(statements)
        return
    objs = [Charge(**{f.name: getattr(c, f.name) for f in fields(ChargeRow)}) for c in charges]
    Charge.objects.bulk_create(objs, batch_size=500)
    for row, obj in zip(charges, objs, strict=True):
        row.id = obj.pk
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                **{f.name: getattr(e, f.name) for f in fields(EntryRow) if f.name != "charge"},
                charge_id=e.charge.id if e.charge else None,
            )
            for e in entries
        ],
        batch_size=500,
    )
    now = timezone.now()
    upsert_statements(
        [Statement(updated_at=now, **{f.name: getattr(s, f.name) for f in fields(StatementRow)}) for s in statements]
    )


# --- COPY -------------------------------------------------------------------------


def _copy_charges(charges: list[ChargeRow]) -> None:
    if not charges:
        return
    for c, pk in zip(charges, next_ids("billing_charge", len(charges)), strict=True):
        c.id = pk
    copy_lines(
        "billing_charge",
        "id, account_id, period_id, service_id, basis, quantity, rate, amount, benefit, recalculation, total, "
        "details, run_id",
        [
            f"{c.id}\t{c.account_id}\t{c.period_id}\t{c.service_id}\t{c.basis}\t{c.quantity}\t{nullable(c.rate)}\t"
            f"{c.amount}\t{c.benefit}\t{c.recalculation}\t{c.total}\t{json_text(c.details)}\t{c.run_id}\n"
            for c in charges
        ],
    )


def _copy_entries(entries: list[EntryRow]) -> None:
    now = timezone.now().isoformat()
    copy_lines(
        "billing_ledgerentry",
        "account_id, period_id, kind, amount, service_id, charge_id, run_id, for_period_id, occurred_on, "
        "description, details, created_at",
        [
            f"{e.account_id}\t{e.period_id}\t{e.kind}\t{e.amount}\t{nullable(e.service_id)}\t"
            f"{nullable(e.charge.id if e.charge else None)}\t{e.run_id}\t{nullable(e.for_period_id)}\t{e.occurred_on}\t"
            f"{text(e.description)}\t{json_text(e.details) if e.details else '{}'}\t{now}\n"
            for e in entries
        ],
    )


def _copy_statements(rows: list[StatementRow]) -> None:
    """Replace the period's statements of these accounts: DELETE + COPY (a
    statement is derived data, not the ledger)."""
    if not rows:
        return
    Statement.objects.filter(period_id=rows[0].period_id, account_id__in=[r.account_id for r in rows])._raw_delete(
        Statement.objects.db
    )
    now = timezone.now().isoformat()
    copy_lines(
        "billing_statement",
        "account_id, period_id, due_date, updated_at, " + ", ".join(STATEMENT_COLS),
        [
            f"{r.account_id}\t{r.period_id}\t{r.due_date}\t{now}\t{r.opening}\t{r.charged}\t{r.benefits}\t"
            f"{r.recalculations}\t{r.penalties}\t{r.paid}\t{r.refunds}\t{r.corrections}\t{r.closing}\n"
            for r in rows
        ],
    )
