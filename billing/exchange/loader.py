"""``city_import``: check a file set completely, then load it set-based in
resumable chunks (docs/exchange.md).

1. Every file is read and every line checked; good lines are staged
   (:mod:`.stage`). Then references across files and duplicate keys are
   checked in SQL. Any error: nothing is written to the city — the run is
   recorded as refused with every error (file, line, column, reason).
2. The steps of :func:`.merge.steps` and the opening balances run in chunks
   of ``chunk_size`` lines, each chunk in its own transaction together with
   the run's progress (``ImportRun.progress``: the last line done per step).
   A crash loses the chunk in flight only; running the same files again finds
   the unfinished run by their checksum and resumes after its last chunk.
3. Idempotent by natural keys: an unchanged row is not written, a changed
   one is updated and logged (``ImportChange``: key, old → new), so the same
   files twice change nothing.

``dry_run`` does all of it inside one transaction and rolls it back, so its
counts are exactly what a load would do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from billing.exchange import merge as M
from billing.exchange.models import ImportRun
from billing.exchange.spec import FILES
from billing.exchange.stage import (
    MAX_KEPT_ERRORS,
    Error,
    FileSet,
    check_across,
    create_staging,
    drop_staging,
    stage_file,
    staging_table,
)
from billing.exchange.statements import stage_due_dates, statements_refresh_accounts
from billing.ledger import lock_accounts
from eirc.models import Period

Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    run: ImportRun | None
    errors: list[Error] = field(default_factory=list)
    error_count: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    dry_run: bool = False
    resumed: bool = False

    @property
    def refused(self) -> bool:
        return self.error_count > 0

    def total(self, what: str) -> int:
        return sum(c.get(what, 0) for c in self.counts.values())


class _DryRun(Exception):
    pass


def _stage(files: FileSet, report: ImportReport) -> dict[str, int]:
    def add(error: Error) -> None:
        report.error_count += 1
        if len(report.errors) < MAX_KEPT_ERRORS:
            report.errors.append(error)

    create_staging()
    staged = {}
    for spec in FILES:
        stream = files.open(spec)
        if stream is None:
            continue
        with stream:
            staged[spec.entity] = stage_file(spec, stream, add, xlsx=files.find(spec).endswith(".xlsx"))
    check_across(add)
    return staged


def _periods_needed() -> None:
    """Create the periods the balances and readings name (a few rows)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT period FROM stg_balances UNION SELECT DISTINCT reading_period FROM stg_meters "
            "WHERE reading_period IS NOT NULL"
        )
        months = {r[0] if isinstance(r[0], dt.date) else dt.date.fromisoformat(str(r[0])) for r in cur.fetchall()}
    existing = set(Period.objects.filter(month__in=months).values_list("month", flat=True))
    Period.objects.bulk_create([Period(month=m) for m in sorted(months - existing)], ignore_conflicts=True)


def _max_line(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(line), 0) FROM {table}")
        return cur.fetchone()[0]


def _load(run: ImportRun, report: ImportReport, *, chunk_size: int, user_id, progress: Progress | None) -> None:
    _periods_needed()
    stage_due_dates()
    plan = [(f"{s.table}", s) for s in M.steps(timezone.now().isoformat())] + [("balances", None)]
    earliest = None
    for name, step in plan:
        table = staging_table(step.entity) if step else "stg_balance_target"
        title = step.title if step else "входящее сальдо"
        if step is None:
            M.stage_balance_targets()  # after the accounts exist; safe to redo on a resume
        last, top = run.progress.get(name, 0), _max_line(table)
        counts = report.counts.setdefault(title, {"created": 0, "updated": 0, "unchanged": 0})
        while last < top:
            hi = last + chunk_size
            with transaction.atomic():
                if step is not None:
                    rows, created, updated = M.merge_chunk(step, run_id=run.pk, lo=last, hi=hi)
                else:
                    rows, created, updated, accounts = M.merge_balances(run_id=run.pk, lo=last, hi=hi, user_id=user_id)
                    if accounts:
                        lock_accounts(accounts)
                        if earliest is None:
                            earliest = Period.objects.order_by("month").values_list("month", flat=True).first()
                        statements_refresh_accounts(accounts, from_period=earliest)
                counts["created"] += created
                counts["updated"] += updated
                counts["unchanged"] += rows - created - updated
                run.progress[name] = last = min(hi, top)
                run.counts = report.counts
                run.save(update_fields=["progress", "counts"])
            if progress:
                progress(title, last, top)


def city_import(
    *,
    files: FileSet,
    dry_run: bool = False,
    user=None,
    chunk_size: int = 5000,
    progress: Progress | None = None,
) -> ImportReport:
    """Check and (unless refused or ``dry_run``) load a file set. Never raises
    for a bad line: the report lists them (``error_count`` of them, the first
    10 000 kept). Idempotent; resumes an unfinished run of the same files."""
    report = ImportReport(run=None, dry_run=dry_run)
    checksum = files.checksum()
    user_id = getattr(user, "pk", None)
    try:
        staged = _stage(files, report)
        if report.refused or dry_run:
            if dry_run and not report.refused:
                try:
                    with transaction.atomic():
                        run = ImportRun.objects.create(source=files.name, checksum=checksum, started_by_id=user_id)
                        _load(run, report, chunk_size=chunk_size, user_id=user_id, progress=progress)
                        raise _DryRun
                except _DryRun:
                    pass
            report.run = ImportRun.objects.create(
                source=files.name,
                checksum=checksum,
                started_by_id=user_id,
                status=ImportRun.Status.REFUSED if report.refused else ImportRun.Status.CHECKED,
                finished_at=timezone.now(),
                counts={**report.counts, "строк прочитано": {"staged": sum(staged.values())}},
                errors=[e.as_json() for e in report.errors[:1000]],
                error_count=report.error_count,
            )
            return report
        run = (
            ImportRun.objects.filter(checksum=checksum, status__in=[ImportRun.Status.RUNNING, ImportRun.Status.FAILED])
            .order_by("-started_at")
            .first()
        )
        if run is not None:
            report.resumed = True
            report.counts = run.counts or {}
            run.status = ImportRun.Status.RUNNING
            run.save(update_fields=["status"])
        else:
            run = ImportRun.objects.create(source=files.name, checksum=checksum, started_by_id=user_id)
        report.run = run
        try:
            _load(run, report, chunk_size=chunk_size, user_id=user_id, progress=progress)
        except BaseException:
            ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.FAILED)
            raise
        run.status = ImportRun.Status.DONE
        run.finished_at = timezone.now()
        run.counts = report.counts
        run.save(update_fields=["status", "finished_at", "counts"])
        return report
    finally:
        drop_staging()
