"""Issuing: batches are idempotent and resumable, a recalculation re-renders
exactly the receipt it changes, the command reports progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.management import call_command

from billing.models import Recalculation, Service
from billing.services import billing_run
from documents import services
from documents.models import IssuedDocument, Receipt, ReceiptBatch
from eirc import periods as P
from eirc.models import Period

MARCH = dt.date(2026, 3, 1)


def _issue(period, django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        batch, _ = services.receipts_issue(period=period, **kw)
    batch.refresh_from_db()
    return batch


def test_batch_run_twice_renders_once(demo, closed_period, django_capture_on_commit_callbacks):
    first = _issue(closed_period, django_capture_on_commit_callbacks, chunk_size=1)
    assert first.status == ReceiptBatch.Status.DONE
    assert first.chunks == first.total == 2
    assert first.rendered == 2 and first.processed == 2 and first.failed == 0
    stamps = dict(Receipt.objects.values_list("pk", "rendered_at"))
    second = _issue(closed_period, django_capture_on_commit_callbacks)
    assert second.rendered == 0 and second.processed == 2 and second.status == ReceiptBatch.Status.DONE
    assert dict(Receipt.objects.values_list("pk", "rendered_at")) == stamps


def test_a_recalculation_re_renders_that_one_receipt(demo, demo_account, django_capture_on_commit_callbacks):
    current = P.current_period()
    billing_run(period=current)
    period = Period.objects.get(month=current)
    _issue(period, django_capture_on_commit_callbacks)
    before = Receipt.objects.get(account=demo_account, period=period)
    other_before = Receipt.objects.exclude(account=demo_account).get(period=period)

    Recalculation.objects.create(
        account=demo_account,
        service=Service.objects.get(code=demo_account.charges.first().service.code),
        period=period,
        amount=Decimal("-150.00"),
        reason="Некачественная услуга",
    )
    billing_run(period=current, accounts=[demo_account])

    again = _issue(period, django_capture_on_commit_callbacks)
    assert again.rendered == 1
    after = Receipt.objects.get(pk=before.pk)
    assert after.statement_hash != before.statement_hash
    assert after.document.code != before.document.code
    assert IssuedDocument.objects.get(pk=before.document_id).revoked_at is not None
    assert Receipt.objects.get(pk=other_before.pk).rendered_at == other_before.rendered_at


def test_sweep_renders_what_is_missing_for_closed_periods(demo, closed_period, django_capture_on_commit_callbacks):
    from documents.tasks import receipts_sweep

    with django_capture_on_commit_callbacks(execute=True):
        started = receipts_sweep()
    assert started >= 2
    assert Receipt.objects.filter(period=closed_period, status="ready").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert receipts_sweep() == 0


def test_command_renders_a_period_with_progress_then_nothing(demo, closed_period, capsys):
    call_command("receipts_render", "--period", f"{closed_period.month:%Y-%m}", "--chunk", "1")
    out = capsys.readouterr().out
    assert "1/2" in out and "2/2" in out and "сформировано 2" in out
    call_command("receipts_render", "--period", f"{closed_period.month:%Y-%m}", "--account", "1000000001")
    out = capsys.readouterr().out
    assert "сформировано 0" in out and "актуальных 1" in out


def test_closing_a_period_starts_its_receipts_after_commit(db, monkeypatch, django_capture_on_commit_callbacks):
    from billing.models import AccountService
    from documents import tasks
    from eirc.tests.factories import PersonalAccountFactory, ServiceFactory, TariffFactory

    started = []
    monkeypatch.setattr(tasks.receipts_issue_task, "delay", lambda **kw: started.append(kw))
    svc = ServiceFactory(method=Service.Method.AREA, unit="м²")
    TariffFactory(service=svc, rate=Decimal("30.0000"))
    AccountService.objects.create(account=PersonalAccountFactory(), service=svc, started_on=P.add_months(MARCH, -24))
    billing_run(period=MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        period = services.period_close_and_issue(period=MARCH)
    assert started == [{"period_id": period.pk}]
    with django_capture_on_commit_callbacks(execute=True):
        services.period_close_and_issue(period=MARCH)  # already closed: nothing new starts
    assert len(started) == 1


def test_the_period_close_command_closes_and_issues(db, monkeypatch, django_capture_on_commit_callbacks):
    from documents import tasks
    from eirc.tests.factories import PersonalAccountFactory

    started = []
    monkeypatch.setattr(tasks.receipts_issue_task, "delay", lambda **kw: started.append(kw))
    PersonalAccountFactory()
    billing_run(period=MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("period_close", "--period", "2026-03")
    assert Period.objects.get(month=MARCH).is_closed
    assert started == [{"period_id": Period.objects.get(month=MARCH).pk}]
