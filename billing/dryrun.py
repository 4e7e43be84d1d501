"""The billing run without writing: what the monthly run would post for one
account and period, optionally with readings that are only being entered.

**How nothing is written: in-memory structures.** The dry run builds the
run's own context (:func:`billing.engine.run_context`: tariffs, services,
benefit categories, term and penalty rules), loads the account the way the
run loads a chunk (:func:`billing.engine_load.load_chunk`, the same queries;
the readings being entered stand in for the period's stored ones), and applies
the run's own rules (:func:`billing.engine.compute_chunk`) — the very code the
monthly run executes, not a copy of it. What it never does is the run's write
path: no lock, no ``delete_chunk``/``write_chunk``/statement refresh, no
``Period`` or ``BillingRun`` row (unsaved instances stand for them, so the
rows' ids are None).

Why not "write, then roll back": the preview answers while a resident types,
for every keystroke pause; writing through COPY would take the run's locks on
the account (a resident's preview would wait behind a running billing chunk,
and the other way round), advance sequences and fire the cache-version
triggers. As a second guard the whole computation still runs inside a
savepoint that is always rolled back: a write added to this path by mistake
could neither persist nor be left half-done if the computation fails
(``billing/tests/test_dryrun.py`` proves both by row counts).

The result is what the run would post **today**: a later reading, payment,
tariff or recalculation entered before the run changes the bill.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db import transaction

from billing.engine import compute_chunk, run_context
from billing.engine_load import load_chunk
from billing.engine_write import ChargeRow
from billing.models import BillingRun, Charge, LedgerEntry, Service
from eirc import periods as P
from eirc.models import Period
from eirc.money import ZERO
from meters.services import readings_check

K = LedgerEntry.Kind


@dataclass
class DryLine(ChargeRow):
    """One service's line as the run would post it: the run's own row
    (:class:`billing.engine_write.ChargeRow`) with its service."""

    service: Service | None = None

    @property
    def basis_label(self) -> str:
        return str(Charge.Basis(self.basis).label) if self.basis in Charge.Basis.values else self.basis

    @property
    def basis_note(self) -> str:
        return self.details.get("basis_note", "")


@dataclass
class DryPenalty:
    for_month: dt.date
    amount: Decimal
    description: str
    details: dict


@dataclass
class DryRun:
    """What the run would post for ``account`` in ``month``: the lines, the
    penalty lines and their sum (``total``: the month's charges, net of
    benefits, with recalculations and penalties — the sum of the ledger
    entries the run would write)."""

    account_id: int
    month: dt.date
    lines: list[DryLine] = field(default_factory=list)
    penalties: list[DryPenalty] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    total: Decimal = ZERO

    @property
    def period_label(self) -> str:
        return P.period_label(self.month)

    @property
    def period_title(self) -> str:
        return P.period_title(self.month)

    @property
    def penalty_total(self) -> Decimal:
        return sum((p.amount for p in self.penalties), ZERO)

    def line_for(self, service_id: int) -> DryLine | None:
        return next((ln for ln in self.lines if ln.service.pk == service_id), None)


def readings_preview(*, account, values: dict[tuple[int, str], str], month: dt.date) -> DryRun:
    """The bill of the period the readings ``values`` ({(meter id, zone):
    text typed}) count for, as if they had been submitted: checked by meters'
    own rules (:func:`meters.services.readings_check`, which raises
    ``ReadingErrors`` as the submission would), then :func:`dry_run`. No
    values: ``month`` as the run would bill it now. Values counting for
    different periods (the windows differ per service): the first one's
    period, as the submission's confirmation names it."""
    if not any((raw or "").strip() for raw in values.values()):
        return dry_run(account=account, month=month)
    plans = readings_check(account=account, values=values)
    month = plans[0].period
    readings = {(p.meter.pk, p.zone): p.value for p in plans if p.period == month}
    return dry_run(account=account, month=month, readings=readings)


class _Rollback(Exception):
    """Leaves the dry run's savepoint, always rolled back."""


def dry_run(
    *,
    account,
    month: dt.date,
    readings: dict[tuple[int, str], Decimal] | None = None,
    volumes: dict[int, dict[str, Decimal]] | None = None,
) -> DryRun:
    """What the monthly run would post for ``account`` (an account or its id)
    in ``month`` (any day of it), with ``readings`` ({(meter id, zone):
    value}) counted as the period's current readings, and ``volumes``
    ({metered service id: {zone: volume}}) as the volumes of those services
    (an estimate of a future month; priced, benefits applied, by the run's
    rules). Writes nothing (see the module docstring); reads the same data as
    the run. Works for open and closed periods alike (for a closed one it is
    «what the run would post now», the staff's check of a charge)."""
    month = P.month_start(month)
    aid = getattr(account, "pk", account)
    result: DryRun | None = None
    try:
        with transaction.atomic():
            result = _compute(aid, month, readings, volumes)
            raise _Rollback
    except _Rollback:
        pass
    return result


def _compute(aid: int, month: dt.date, readings, volumes) -> DryRun:
    per = Period.objects.filter(month=month).first() or Period(month=month)
    ctx = run_context(per, BillingRun(period=per))
    data = load_chunk(ctx, [aid], readings=readings)
    for sid, zones in (volumes or {}).items():
        if sid in data.services.get(aid, ()) and ctx.services[sid].method == Service.Method.METER:
            data.overrides[(aid, sid)] = zones
    chunk = compute_chunk(ctx, data)
    out = DryRun(account_id=aid, month=month, warnings=chunk.warnings)
    for c in chunk.charges:
        row = {f.name: getattr(c, f.name) for f in fields(ChargeRow)}
        out.lines.append(DryLine(**row, service=ctx.services[c.service_id]))
    months = {pk: m for m, pk in data.period_ids.items()}
    for e in chunk.entries:
        out.total += e.amount
        if e.kind == K.PENALTY:
            out.penalties.append(
                DryPenalty(
                    for_month=months.get(e.for_period_id), amount=e.amount, description=e.description, details=e.details
                )
            )
    return out
