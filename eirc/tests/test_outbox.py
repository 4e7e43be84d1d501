"""The outbox behind ``eirc.jobs.enqueue`` (DESIGN §6): with a broker, work a
request accepts is a row of its transaction, published after commit, swept
later when the broker was down, and an email goes out at most once per row.
Without a broker (the embedded mode) nothing of this exists."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from kombu.exceptions import OperationalError

from eirc import jobs
from eirc.models import Job, PeriodicRun

SIMFEROPOL = dt.timezone(dt.timedelta(hours=3))
EMAIL = {"name": "registration_confirm", "to": ["a@example.ru"], "context": {"link": "https://x/confirm/1/"}}


@pytest.fixture
def broker(monkeypatch):
    """Production mode (not eager), with a broker that records what it is
    given, or refuses it while ``down`` is set."""
    from eirc.celery import app

    class Broker:
        down = False
        sent: list[dict] = []

    def apply_async(self, args=None, kwargs=None, **options):
        if Broker.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        Broker.sent.append({"task": self.name, "kwargs": kwargs, "task_id": options.get("task_id")})

    Broker.sent = []
    monkeypatch.setattr("celery.app.task.Task.apply_async", apply_async)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    yield Broker
    app.conf.task_always_eager = eager


def test_a_task_is_recorded_in_the_callers_transaction_and_published_after_commit(
    db, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        jobs.enqueue("eirc.tasks.send_email", **EMAIL)
        job = Job.objects.get()
        assert job.name == "eirc.tasks.send_email" and job.kwargs == EMAIL
        assert broker.sent == []  # nothing leaves before the commit

    job.refresh_from_db()
    assert broker.sent == [{"task": "eirc.tasks.send_email", "kwargs": EMAIL, "task_id": f"job-{job.pk}"}]
    assert job.published_at is not None and job.attempts == 1 and job.last_error == ""


def test_a_rollback_records_and_publishes_nothing(db, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        jobs.enqueue("eirc.tasks.send_email", **EMAIL)
        raise RuntimeError("the request failed")
    assert not Job.objects.exists()
    assert broker.sent == []


def test_with_the_broker_down_the_caller_succeeds_and_the_sweep_publishes_the_work_later(
    db, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("eirc.tasks.send_email", **EMAIL)  # does not raise
    job = Job.objects.get()
    assert job.published_at is None and job.attempts == 1
    assert "OperationalError" in job.last_error

    assert jobs.outbox_sweep(older_than=dt.timedelta(0)) == 0  # still down: kept
    broker.down = False
    assert jobs.outbox_sweep(older_than=dt.timedelta(0)) == 1
    job.refresh_from_db()
    assert job.published_at is not None and job.last_error == ""
    assert broker.sent == [{"task": "eirc.tasks.send_email", "kwargs": EMAIL, "task_id": f"job-{job.pk}"}]
    assert jobs.outbox_sweep(older_than=dt.timedelta(0)) == 0  # published once


def test_the_sweep_leaves_a_row_younger_than_its_interval_to_its_own_publish(db, broker):
    Job.objects.create(name="eirc.tasks.send_email", kwargs=EMAIL)
    assert jobs.outbox_sweep(older_than=dt.timedelta(seconds=30)) == 0
    assert broker.sent == []


def test_in_the_embedded_mode_a_task_runs_in_process_and_writes_no_row(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    from eirc.celery import app

    assert app.conf.task_always_eager
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("eirc.tasks.send_email", **EMAIL)
    assert len(mailoutbox) == 1
    assert not Job.objects.exists()


def test_a_name_that_names_no_task_raises_in_the_caller(db, broker):
    with pytest.raises((KeyError, ModuleNotFoundError)):
        jobs.enqueue("eirc.tasks.no_such_task", x=1)
    assert not Job.objects.exists()


def test_an_email_delivered_twice_is_sent_once(db, mailoutbox):
    from eirc.tasks import send_email

    job = Job.objects.create(name="eirc.tasks.send_email", kwargs=EMAIL)
    send_email.apply(kwargs=EMAIL, task_id=f"job-{job.pk}")
    send_email.apply(kwargs=EMAIL, task_id=f"job-{job.pk}")  # a redelivery
    assert len(mailoutbox) == 1
    job.refresh_from_db()
    assert job.done_at is not None and job.state == "SUCCESS"


def test_an_effect_that_failed_is_still_to_do_and_one_that_succeeded_is_not_repeated(db):
    job = Job.objects.create(name="eirc.tasks.send_email", kwargs=EMAIL)
    with pytest.raises(ConnectionError), jobs.once(f"job-{job.pk}") as first:
        assert first
        raise ConnectionError("SMTP went away")  # the task will retry
    job.refresh_from_db()
    assert job.done_at is None

    with jobs.once(f"job-{job.pk}") as first:
        assert first
    with jobs.once(f"job-{job.pk}") as first:
        assert not first
    with jobs.once("3b7c0e7e-an-eager-run") as first:
        assert first


def test_a_finished_run_marks_its_row_and_a_retry_does_not(db):
    job = Job.objects.create(name="payments.tasks.webhook_process", kwargs={"event_id": 1})
    jobs.job_finished(task_id=f"job-{job.pk}", state="RETRY")
    job.refresh_from_db()
    assert job.done_at is None
    jobs.job_finished(task_id=f"job-{job.pk}", state="FAILURE")
    job.refresh_from_db()
    assert job.done_at is not None and job.state == "FAILURE"
    jobs.job_finished(task_id="9f1c…-not-an-outbox-id", state="SUCCESS")  # ignored


def test_cleanup_forgets_rows_finished_long_ago_and_keeps_the_rest(db):
    old = Job.objects.create(name="x", done_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    unfinished = Job.objects.create(name="x", created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC)):
        assert jobs.outbox_cleanup(keep=dt.timedelta(days=14)) == 1
    assert list(Job.objects.values_list("pk", flat=True)) == [unfinished.pk]
    assert not Job.objects.filter(pk=old.pk).exists()


def test_a_scheduled_task_runs_once_per_period_and_counts_the_duplicate_triggers(db, monkeypatch):
    runs = []
    monkeypatch.setattr("payments.services.payments_reconcile", lambda: runs.append(1) or {"checked": 0})
    at = dt.datetime(2026, 3, 20, 10, 5, 1, tzinfo=SIMFEROPOL)
    with time_machine.travel(at, tick=False):
        assert jobs.run_scheduled("payments.tasks.payments_reconcile", every=300) == "ran"
    with time_machine.travel(at + dt.timedelta(minutes=4, seconds=50), tick=False):  # a restarted beat
        assert jobs.run_scheduled("payments.tasks.payments_reconcile", every=300) == "skipped"
        assert jobs.run_scheduled("payments.tasks.payments_reconcile", every=300) == "skipped"
    with time_machine.travel(at + dt.timedelta(minutes=5), tick=False):  # the next period
        assert jobs.run_scheduled("payments.tasks.payments_reconcile", every=300) == "ran"

    assert len(runs) == 2
    first, second = PeriodicRun.objects.order_by("slot")
    assert first.slot == dt.datetime(2026, 3, 20, 10, 5, tzinfo=SIMFEROPOL)
    assert (first.skipped, second.skipped) == (2, 0)
    assert first.finished_at is not None and first.result == "{'checked': 0}"


def test_a_daily_period_holds_one_nine_oclock_of_simferopol():
    nine = dt.datetime(2026, 3, 20, 9, 0, tzinfo=SIMFEROPOL)
    slot = jobs.slot_of(nine, 24 * 3600)
    assert slot <= nine < slot + dt.timedelta(days=1)
    assert jobs.slot_of(nine + dt.timedelta(minutes=30), 24 * 3600) == slot


def test_every_beat_entry_names_a_registered_task_and_periodic_ones_run_once_per_period(settings):
    from eirc.celery import app

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert jobs.task_by_name(entry["task"]), name
        if entry["task"] == "eirc.tasks.scheduled":
            assert jobs.task_by_name(entry["kwargs"]["task"]), name
            assert entry["kwargs"]["every"] >= 60, name
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
