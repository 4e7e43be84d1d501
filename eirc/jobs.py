"""Scheduling Celery tasks from services: by name, after commit, through an outbox.

Services never import their app's ``tasks`` module (a task module imports
its services, so the other direction would be a circle) and never the tasks
of a higher layer. They name the task instead::

    jobs.enqueue("documents.tasks.receipts_issue_task", period_id=period.pk)

The name is the task's Celery name, which for ``@shared_task`` is its dotted
path; keyword arguments only: ids and plain values, never model instances
(DESIGN §2). A name that names no task is a programming error and raises at
once, in the caller, in tests too.

With a broker (production) the work a request accepts must survive a broker
outage (DESIGN §6): :func:`enqueue` writes an :class:`eirc.models.Job` row in
the caller's transaction (a rollback leaves nothing), and after commit
publishes it with the task id ``job-<row id>``. If the broker does not answer,
the request still succeeds; the row stays unpublished and the beat sweep
(:func:`outbox_sweep`, task ``eirc.tasks.outbox_sweep``) publishes it when the
broker is back. A publish may therefore happen twice (the sweep and a slow
first attempt, or a broker that took the message and then failed): tasks are
idempotent, and those whose duplicate would be visible (an email) run their
effect inside :func:`once`, which does it at most once per row.

In the embedded mode (no broker: Celery eager) nothing changes: the task runs
in process after commit, no row is written.

Scheduled tasks run through :func:`run_scheduled` (beat's entries name
``eirc.tasks.scheduled``): at most once per task and period, whatever beat
does (restarts, a second beat).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import re
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

log = logging.getLogger(__name__)

JOB_ID = re.compile(r"^job-(\d+)$")


def task_by_name(name: str):
    """The registered Celery task ``name``; imports its module on first use
    (a web process has not necessarily imported every ``tasks`` module)."""
    from eirc.celery import app

    task = app.tasks.get(name)
    if task is None:
        importlib.import_module(name.rpartition(".")[0])
        task = app.tasks[name]
    return task


def _eager() -> bool:
    from eirc.celery import app

    return bool(app.conf.task_always_eager)


def enqueue(name: str, /, **kwargs) -> None:
    """Send the task ``name`` with ``kwargs`` after the current transaction
    commits. The caller's transaction decides: a rollback sends nothing."""
    task = task_by_name(name)
    if _eager():
        transaction.on_commit(lambda: task.delay(**kwargs))
        return
    from eirc.models import Job

    job = Job.objects.create(name=name, kwargs=kwargs)
    transaction.on_commit(lambda: publish(job))


def publish(job) -> bool:
    """Hand one outbox row to the broker; False (and the row stays
    unpublished for the sweep) when the broker does not take it. Never
    raises: it runs after the caller's commit, when the work is already
    recorded."""
    from eirc.models import Job

    try:
        # retry=False: one attempt. A request does not wait for a broker that
        # is down; the sweep tries again.
        task_by_name(job.name).apply_async(kwargs=job.kwargs, task_id=f"job-{job.pk}", retry=False)
    except Exception as exc:  # any broker failure; the row keeps the work
        error = f"{type(exc).__name__}: {exc}"[:250]
        Job.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1, last_error=error)
        log.warning("outbox: job-%s %s not published, the sweep will retry (%s)", job.pk, job.name, error)
        return False
    Job.objects.filter(pk=job.pk).update(published_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return True


def outbox_sweep(*, older_than: dt.timedelta, limit: int = 500) -> int:
    """Publish the rows still unpublished ``older_than`` after they were
    accepted (younger ones are left to their own after-commit attempt).
    Locked rows are skipped, so two sweeps never publish the same row; the
    first failure stops the sweep (the broker is still down). Returns the
    number published."""
    from eirc.models import Job

    cutoff = timezone.now() - older_than
    published = 0
    with transaction.atomic():
        rows = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True, created_at__lt=cutoff)
            .order_by("pk")[:limit]
        )
        for job in rows:
            if not publish(job):
                break
            published += 1
    if published:
        log.info("outbox: published %s job(s) left by a broker outage", published)
    return published


def outbox_cleanup(*, keep: dt.timedelta) -> int:
    """Delete rows finished more than ``keep`` ago."""
    from eirc.models import Job

    deleted, _ = Job.objects.filter(done_at__lt=timezone.now() - keep).delete()
    return deleted


def job_id_of(task_id: str | None) -> int | None:
    """The outbox row of a Celery task id ``job-<id>``; None for any other id
    (eager runs, direct calls, beat)."""
    match = JOB_ID.match(task_id or "")
    return int(match.group(1)) if match else None


def job_finished(*, task_id: str | None, state: str) -> None:
    """Mark the outbox row of a finished run (Celery's ``task_postrun``
    signal, connected in :mod:`eirc.celery`). A retry is not a finish."""
    from eirc.models import Job

    job_id = job_id_of(task_id)
    if job_id is None or state not in ("SUCCESS", "FAILURE"):
        return
    Job.objects.filter(pk=job_id, done_at__isnull=True).update(done_at=timezone.now(), state=state)


@contextmanager
def once(task_id: str | None):
    """Do the block at most once per outbox row::

        with jobs.once(self.request.id) as first:
            if first:
                message.send()

    Under a row lock: a duplicate delivered at the same time waits, then sees
    the row done and skips. The row is marked done in the same transaction,
    so an error in the block (a retry) leaves it to do. A task id that is no
    outbox row (eager mode, direct call) always runs the block."""
    from eirc.models import Job

    job_id = job_id_of(task_id)
    if job_id is None:
        yield True
        return
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.done_at is not None:
            log.info("outbox: job-%s already done, duplicate delivery skipped", job_id)
            yield False
            return
        yield True
        Job.objects.filter(pk=job_id).update(done_at=timezone.now(), state="SUCCESS")


def slot_of(moment: dt.datetime, every: int) -> dt.datetime:
    """The start of the period of ``every`` seconds that holds ``moment``
    (periods counted from the Unix epoch: 300 s periods start at :00, :05, …;
    86 400 s periods are UTC days, each holding one 09:00 of Simferopol)."""
    seconds = int(moment.timestamp())
    return dt.datetime.fromtimestamp(seconds - seconds % every, tz=dt.UTC)


def run_scheduled(name: str, *, every: int) -> str:
    """Run the task ``name`` in this process unless it already ran in the
    current period of ``every`` seconds; a duplicate trigger (a restarted or
    second beat) is counted on the period's row and does nothing. Returns
    ``"ran"`` or ``"skipped"``."""
    from eirc.models import PeriodicRun

    task = task_by_name(name)
    slot = slot_of(timezone.now(), every)
    try:
        with transaction.atomic():
            run = PeriodicRun.objects.create(task=name, slot=slot)
    except IntegrityError:
        PeriodicRun.objects.filter(task=name, slot=slot).update(skipped=F("skipped") + 1)
        log.info("scheduled: %s already ran in the period from %s, skipped", name, slot.isoformat())
        return "skipped"
    try:
        result = task()
    except Exception as exc:
        PeriodicRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), result=f"error: {type(exc).__name__}: {exc}"[:250]
        )
        raise
    PeriodicRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), result=str(result)[:250])
    return "ran"
