"""The monthly billing run.

``billing_run(period=...)`` bills every account active in the period: each
service it receives (by meter, by area, per resident, fixed), benefits and
recalculations as their own amounts, penalties on earlier periods' unpaid
debt, then the ledger entries and the period's statement.

Crash safety — a transaction per chunk of accounts plus a resumable run:
each chunk (``chunk_size`` accounts in id order) deletes the period's
run-produced entries and charges of its accounts, recomputes them, writes
them, and advances ``BillingRun.last_account_id`` / ``accounts_done`` in the
same transaction. A crash rolls back the chunk in flight only; the run stays
``running`` (or is marked ``failed``) and the next ``billing_run`` for the
period resumes after the last committed chunk, finishing to exactly the same
results as an uninterrupted run (a chunk depends only on its own accounts'
data, and re-billing replaces). Why not one transaction for the whole
period: a run over 100 000 accounts would hold the statements of every
account locked for minutes, blocking payment posting, and a crash at 99 %
would throw all the work away. An account is therefore never half-billed; a
period can be partly billed only while its run is not ``done``, which the
run's status says and which the admin and ``period_close`` refuse.

A chunk is load → compute → write: :func:`billing.engine_load.load_chunk`
reads, :func:`compute_chunk` applies every rule without a query or a write,
``write_chunk`` writes. The dry run (:mod:`billing.dryrun`: the readings
preview, the estimate, the admin's «Пересчитать без записи») is load →
compute, so it can never disagree with the run.

Performance: reads are set-based per chunk (a fixed number of queries
whatever the chunk holds); tariffs, services, benefit categories, term rules
and penalty rules are read once per run; writes are bulk (``COPY`` on
PostgreSQL, ``bulk_create`` elsewhere). Memory stays flat in the number of
accounts: only one chunk is in memory.

Choices (documented because the law leaves room):

* the tariff is the one in force on the period's last day (or, failing
  that, the last one in force during the month); no proration inside a month;
* per resident: residents × rate, or norm × residents × rate when the service
  has a norm (then the rate is per unit of volume);
* a metered service without a reading for the period: the monthly average of
  the meter's own readings (over ≥ 6 months where the history has them) for
  up to 3 periods after the last reading, then norm × residents; expired
  verification: the meter is treated as absent from the period it expires
  in — the average of its readings before that for up to 3 periods, then
  norm × residents × the service's raising factor; no meter at all: norm ×
  residents × factor. When a reading arrives after estimated periods, the
  quantity already charged by estimate since the previous reading is
  subtracted (Правила 354 п. 61);
* a benefit is the category's percent of the service's amount (the largest
  one if several cover the service); rounded once per line;
* penalties: see :mod:`billing.penalties`. The penalty line for debt period
  ``Q`` in period ``P`` is the penalty accrued on ``Q`` up to ``P``'s last day
  minus the penalty already charged for ``Q`` in earlier periods, so nothing
  is counted twice. While ``Q`` is unpaid, what has accrued is provisional:
  it is computed with the rate of ``P``'s last day (the calculation day) for
  the whole delay, so when the key rate moves, the next line carries the
  difference for every earlier day too — negative («Уменьшение пеней за …»)
  when the rate fell or a back-dated payment shortened the delay. Once ``Q``
  is paid, the next run posts the difference to the statutory penalty with
  the rate of the payment day, and the lines for ``Q`` then add up to it
  exactly; later runs post nothing for it;
* a penalty the rules cannot compute (no key rate for the payment or
  calculation day, a debt due before 01.01.2016) is not posted for that
  account in this run: the report gets a warning naming the account and the
  date, the account's charges are billed, the rest of the run goes on, and
  the next run catches up once the rate is entered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import PersonalAccount
from billing.engine_charges import compute_line
from billing.engine_load import ChunkData, load_chunk
from billing.engine_write import ChargeRow, EntryRow, StatementRow, delete_chunk, write_chunk
from billing.ledger import (
    debts_from_principal,
    lock_accounts,
    period_end,
    refresh_statements,
    statement_columns,
    term_rules,
)
from billing.models import (
    BenefitCategory,
    BillingRun,
    Charge,
    LedgerEntry,
    Service,
    Tariff,
)
from billing.penalties import PenaltyRefused, PenaltyRules, account_penalties, penalty_rules
from eirc import periods as P
from eirc.errors import DomainError
from eirc.models import Period
from eirc.money import ZERO, round_money

K = LedgerEntry.Kind
B = Charge.Basis
ONE = Decimal(1)


@dataclass
class BillingReport:
    period: dt.date
    accounts: int = 0
    lines: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    duration: float = 0.0
    run_id: int | None = None
    resumed: bool = False

    def add(self, other: dict) -> None:
        self.accounts += other["accounts"]
        self.lines += other["lines"]
        for k, v in other["totals"].items():
            self.totals[k] = self.totals.get(k, ZERO) + Decimal(v)
        self.warnings.extend(other["warnings"])

    def as_json(self) -> dict:
        return {
            "accounts": self.accounts,
            "lines": self.lines,
            "totals": {k: str(v) for k, v in self.totals.items()},
            "warnings": self.warnings[:1000],
        }


# --- run-wide context -------------------------------------------------------------


@dataclass
class Context:
    period: Period
    month: dt.date
    start: dt.date
    end: dt.date
    services: dict[int, Service]
    tariffs: dict[tuple[int, str], list[tuple[dt.date, dt.date | None, Decimal]]]
    categories: dict[int, tuple[str, Decimal, frozenset[int]]]
    rules: tuple
    penalty_rules: PenaltyRules
    run: BillingRun

    def tariff(self, service_id: int, zone: str) -> Decimal | None:
        best = None
        for valid_from, valid_to, rate in self.tariffs.get((service_id, zone), ()):
            in_force = valid_from <= self.end and (valid_to is None or valid_to >= self.start)
            if in_force and (best is None or valid_from > best[0]):
                best = (valid_from, rate)
        return best[1] if best else None


def run_context(per: Period, run: BillingRun) -> Context:
    """The run-wide data (services, tariffs, benefit categories, term and
    penalty rules) for period ``per``; ``run`` names the rows' run (unsaved in
    a dry run)."""
    tariffs = defaultdict(list)
    for sid, zone, vf, vt, rate in Tariff.objects.values_list("service_id", "zone", "valid_from", "valid_to", "rate"):
        tariffs[(sid, zone)].append((vf, vt, rate))
    categories = {}
    for cat in BenefitCategory.objects.prefetch_related("services"):
        categories[cat.pk] = (cat.name, cat.percent, frozenset(s.pk for s in cat.services.all()))
    return Context(
        period=per,
        month=per.month,
        start=per.month,
        end=period_end(per.month),
        services={s.pk: s for s in Service.objects.all()},
        tariffs=dict(tariffs),
        categories=categories,
        rules=term_rules(),
        penalty_rules=penalty_rules(),
        run=run,
    )


# --- the run ----------------------------------------------------------------------


def billing_run(
    *,
    period: dt.date,
    user=None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = 500,
    accounts: Iterable | None = None,
) -> BillingReport:
    """Bill ``period`` (any date in the month). See the module docstring for
    the guarantees. Creates the ``Period`` if missing; raises ``DomainError``
    for a closed one. Resumes an unfinished (running or failed) run of the
    period; with ``accounts`` (ids or accounts) bills only those, in a run of
    their own. Re-running an open period replaces its results exactly.
    ``progress(done, total)`` is called after each chunk."""
    month = P.month_start(period)
    with _run_lock(month):
        return _billing_run(month=month, user=user, progress=progress, chunk_size=chunk_size, accounts=accounts)


@contextlib.contextmanager
def _run_lock(month: dt.date):
    """One run of a period at a time (a PostgreSQL advisory lock held for the
    run). A second run started meanwhile is refused at once instead of
    redoing the same chunks. SQLite (the embedded default) serialises writes
    by itself."""
    if connection.vendor != "postgresql":
        yield
        return
    key = 0x45495243_0000_0000 + month.year * 100 + month.month  # "EIRC" + YYYYMM
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (got,) = cursor.fetchone()
    if not got:
        raise DomainError(
            f"Расчёт периода {P.period_label(month)} уже выполняется. Дождитесь его окончания.", code="run_busy"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _billing_run(*, month, user, progress, chunk_size, accounts) -> BillingReport:
    t0 = time.monotonic()
    only = None if accounts is None else sorted({getattr(a, "pk", a) for a in accounts})
    with transaction.atomic():
        per, _ = Period.objects.get_or_create(month=month)
        per = Period.objects.select_for_update().get(pk=per.pk)
        _refuse_closed(per)
        run = None
        if only is None:
            run = (
                BillingRun.objects.filter(period=per, status__in=[BillingRun.Status.RUNNING, BillingRun.Status.FAILED])
                .order_by("-started_at", "-pk")
                .first()
            )
        resumed = run is not None
        if run is None:
            run = BillingRun.objects.create(period=per, started_by=user, report={"partial": only is not None})
        else:
            BillingRun.objects.filter(pk=run.pk).update(status=BillingRun.Status.RUNNING)
    report = BillingReport(period=month, run_id=run.pk, resumed=resumed)
    if resumed and run.report.get("accounts") is not None:
        report.add(run.report)
    ctx = run_context(per, run)
    qs = _active_accounts(month)
    if only is not None:
        qs = qs.filter(pk__in=only)
    total = qs.count()
    done = run.accounts_done
    last = run.last_account_id
    try:
        while True:
            ids = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size])
            if not ids:
                break
            with transaction.atomic():
                locked = Period.objects.select_for_update().get(pk=per.pk)
                _refuse_closed(locked)
                part = bill_chunk(ctx, ids)
                last = ids[-1]
                done += len(ids)
                report.add(part)
                BillingRun.objects.filter(pk=run.pk).update(
                    last_account_id=last, accounts_done=done, report=report.as_json()
                )
            if progress:
                progress(done, max(total, done))
    except BaseException:
        BillingRun.objects.filter(pk=run.pk).update(status=BillingRun.Status.FAILED)
        raise
    report.duration = time.monotonic() - t0
    data = report.as_json() | {"duration": round(report.duration, 3), "partial": only is not None}
    BillingRun.objects.filter(pk=run.pk).update(status=BillingRun.Status.DONE, finished_at=timezone.now(), report=data)
    return report


def _refuse_closed(per: Period) -> None:
    if per.is_closed:
        raise DomainError(
            f"Период {P.period_label(per.month)} закрыт: начисления за него не пересчитываются. "
            "Исправления вносятся перерасчётом в открытом периоде.",
            code="period_closed",
        )


def _active_accounts(month: dt.date):
    end = period_end(month)
    return PersonalAccount.objects.filter(opened_on__lte=end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=month)
    )


def period_close(*, period, user=None) -> Period:
    """Freeze a period: status closed, when and by whom. Afterwards its
    ledger entries cannot be deleted (database trigger) and ``billing_run``
    refuses it; changes go through recalculations in a later period. Refuses
    a period whose run has not finished. Idempotent for a closed period.

    Issuing the period's receipts is not billing's business: the flow
    «close, then issue» is ``documents.services.period_close_and_issue``."""
    month = period.month if isinstance(period, Period) else P.month_start(period)
    with transaction.atomic():
        per = Period.objects.select_for_update().filter(month=month).first()
        if per is None:
            raise DomainError(f"Период {P.period_label(month)} ещё не рассчитывался.", code="no_period")
        if per.is_closed:
            return per
        latest = BillingRun.objects.filter(period=per).order_by("-started_at", "-pk").first()
        if latest is None or latest.status != BillingRun.Status.DONE:
            raise DomainError(
                f"Расчёт периода {P.period_label(month)} не завершён: сначала рассчитайте период.",
                code="run_unfinished",
            )
        per.status = Period.Status.CLOSED
        per.closed_at = timezone.now()
        per.closed_by = user
        per.save(update_fields=["status", "closed_at", "closed_by"])
    return per


# --- one chunk --------------------------------------------------------------------


def bill_chunk(ctx: Context, ids: list[int]) -> dict:
    """Bill the accounts ``ids`` for the context's period, in the caller's
    transaction: replace their run-produced results, write new ones. Returns a
    partial report as plain data."""
    lock_accounts(ids)
    delete_chunk(ctx.period.pk, ids)
    data = load_chunk(ctx, ids)
    result = compute_chunk(ctx, data)
    write_chunk(result.charges, result.entries, result.statements)
    if data.has_later:
        refresh_statements(account_ids=data.has_later, from_period=P.next_period(ctx.month))
    return {
        "accounts": len(data.accounts),
        "lines": len(result.charges) + sum(1 for e in result.entries if e.kind == K.PENALTY),
        "totals": {k: str(v) for k, v in result.totals.items()},
        "warnings": result.warnings,
    }


@dataclass
class ChunkResult:
    """What the run would write for a chunk: plain rows, nothing saved."""

    charges: list[ChargeRow]
    entries: list[EntryRow]
    statements: list[StatementRow]
    totals: dict[str, Decimal]
    warnings: list[str]


def compute_chunk(ctx: Context, data: ChunkData) -> ChunkResult:
    """Every rule of the run over one chunk's preloaded data: charges,
    benefits, recalculations, penalties and statements as plain rows. Pure:
    no query, no write — the run writes what it returns, the dry run
    (:mod:`billing.dryrun`) shows it."""
    per = ctx.period
    warnings: list[str] = []
    charges: list[ChargeRow] = []
    entries: list[EntryRow] = []
    totals = defaultdict(lambda: ZERO)
    new_by_account = defaultdict(lambda: defaultdict(lambda: ZERO))
    label = P.period_label(ctx.month)
    charged_by_account: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    for (aid, month), amount in data.penalty_charged.items():
        charged_by_account[aid][month] = amount
    for acc in data.accounts:
        aid = acc["id"]
        recalcs = data.recalcs.get(aid, {})
        svc_ids = list(dict.fromkeys(data.services.get(aid, [])))
        for sid in recalcs:
            if sid not in svc_ids:
                svc_ids.append(sid)
        for sid in svc_ids:
            svc = ctx.services[sid]
            if sid in data.services.get(aid, ()):
                line = compute_line(ctx, data, acc, svc, data.overrides.get((aid, sid)))
                if line is None:
                    warnings.append(f"лицевой счёт {acc['number']}: нет тарифа на услугу «{svc.name}» за {label}")
                    if sid not in recalcs:
                        continue
                    line = _empty_line(svc)
                elif line.get("warning"):
                    warnings.append(f"лицевой счёт {acc['number']}: {line.pop('warning')}")
            else:
                line = _empty_line(svc)
            amount = line["amount"]
            benefit = ZERO
            pct, cat_name = _benefit_for(ctx, data.benefits.get(aid, ()), sid)
            details = line["details"]
            if pct and amount > 0:
                benefit = round_money(amount * pct / 100)
                details["benefit"] = {"category": cat_name, "percent": str(pct), "amount": str(benefit)}
            rlist = recalcs.get(sid, [])
            recalc = sum((r["amount"] for r in rlist), ZERO)
            if rlist:
                details["recalculations"] = [
                    {
                        "reason": r["reason"],
                        "amount": str(r["amount"]),
                        "for_period": P.period_label(r["for"]) if r["for"] else None,
                    }
                    for r in rlist
                ]
            ch = ChargeRow(
                account_id=aid,
                period_id=per.pk,
                service_id=sid,
                basis=line["basis"],
                quantity=line["quantity"],
                rate=line["rate"],
                amount=amount,
                benefit=benefit,
                recalculation=recalc,
                total=amount - benefit + recalc,
                details=details,
                run_id=ctx.run.pk,
            )
            charges.append(ch)
            if amount > 0:
                entries.append(_entry(ctx, aid, K.CHARGE, amount, sid, svc.name, ch))
            if benefit > 0:
                entries.append(_entry(ctx, aid, K.BENEFIT, -benefit, sid, f"Льгота: {cat_name}", ch))
            for r in rlist:
                e = _entry(ctx, aid, K.RECALCULATION, r["amount"], sid, r["reason"], ch)
                e.for_period_id = r["for_id"]
                entries.append(e)
        entries.extend(_penalty_entries(ctx, data, acc, charged_by_account.get(aid, {}), warnings))
    statements = []
    due = P.due_date(ctx.month, ctx.rules)
    for e in entries:
        new_by_account[e.account_id][e.kind] += e.amount
        totals[e.kind] += e.amount
    for acc in data.accounts:
        aid = acc["id"]
        by_kind = dict(data.current_flows.get(aid, {}))
        for kind, s in new_by_account[aid].items():
            by_kind[kind] = by_kind.get(kind, ZERO) + s
        cols = statement_columns(data.prior.get(aid, ZERO), by_kind)
        statements.append(StatementRow(account_id=aid, period_id=per.pk, due_date=due, **cols))
    return ChunkResult(charges=charges, entries=entries, statements=statements, totals=dict(totals), warnings=warnings)


def _entry(
    ctx: Context, aid: int, kind: str, amount: Decimal, sid: int | None, description: str, charge=None
) -> EntryRow:
    return EntryRow(
        account_id=aid,
        period_id=ctx.period.pk,
        kind=kind,
        amount=amount,
        service_id=sid,
        run_id=ctx.run.pk,
        occurred_on=ctx.end,
        description=description[:250],
        charge=charge,
    )


def _empty_line(svc: Service) -> dict:
    basis = {
        Service.Method.METER: B.METER,
        Service.Method.AREA: B.AREA,
        Service.Method.PER_RESIDENT: B.PER_RESIDENT,
    }.get(svc.method, B.FIXED)
    return {"basis": basis, "quantity": Decimal("0.000"), "rate": None, "amount": ZERO, "details": {}}


def _benefit_for(ctx: Context, benefit_cats, sid: int) -> tuple[Decimal | None, str]:
    best, name = None, ""
    for cat_id in benefit_cats:
        cat_name, pct, services = ctx.categories[cat_id]
        if sid in services and (best is None or pct > best):
            best, name = pct, cat_name
    return best, name


def _penalty_entries(
    ctx: Context, data: ChunkData, acc: dict, charged_before: dict[dt.date, Decimal], warnings: list[str]
) -> list[EntryRow]:
    """The penalty lines of one account: per debt period, what has accrued by
    the period's last day minus what earlier periods charged for it (a debt
    period that no longer accrues anything gets its charges taken back).
    A refused calculation posts nothing for the account and adds a warning."""
    aid = acc["id"]
    try:
        accrued_by_period = _penalties(ctx, data, aid)
    except PenaltyRefused as refused:
        warnings.append(f"лицевой счёт {acc['number']}: пени не начислены — {refused.message}")
        return []
    out = []
    for month in sorted(set(accrued_by_period) | {m for m, v in charged_before.items() if v}):
        accrued, parts = accrued_by_period.get(month, (ZERO, []))
        charged = charged_before.get(month, ZERO)
        amount = accrued - charged
        if amount == 0:
            continue
        # Negative when what has accrued is now lower than what was charged:
        # the key rate of the calculation day fell, or a back-dated payment
        # (e.g. a bank registry line dated in an earlier period) shortened
        # the delay. The excess charged before is taken back.
        title = "Пени за" if amount > 0 else "Уменьшение пеней за"
        e = _entry(ctx, aid, K.PENALTY, amount, None, f"{title} {P.period_label(month)}")
        e.for_period_id = data.period_ids[month]
        e.details = {
            "for_period": P.period_label(month),
            "accrued": str(accrued),
            "charged_before": str(charged),
            "parts": parts,
        }
        out.append(e)
    return out


def _penalties(ctx: Context, data: ChunkData, aid: int) -> dict:
    principal = data.principal.get(aid)
    if not principal:
        return {}
    debts, credits = debts_from_principal(principal, data.credits.get(aid, []), ctx.rules)
    if not debts:
        return {}
    return account_penalties(debts=debts, credits=credits, on=ctx.end, rules=ctx.penalty_rules)
