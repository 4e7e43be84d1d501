"""Documents tasks: they take ids, load, call one service (DESIGN §2)."""

from __future__ import annotations

from celery import shared_task

from accounts.models import PersonalAccount
from documents import services
from eirc.models import Period


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def receipt_render_task(*, account_id: int, period_id: int) -> bool:
    """Render one receipt (on demand from the residents' page). Idempotent."""
    account = PersonalAccount.objects.get(pk=account_id)
    period = Period.objects.get(pk=period_id)
    try:
        _, rendered = services.receipt_render(account=account, period=period)
    except Exception as exc:
        services.receipt_mark_failed(account_id=account_id, period_id=period_id, error=str(exc) or type(exc).__name__)
        raise
    return rendered


@shared_task(acks_late=True)
def receipts_render_chunk_task(*, batch_id: int, account_ids: list[int]) -> dict:
    """One chunk of a batch. Safe to redeliver (acks late): a receipt already
    current is skipped."""
    r = services.receipts_render_chunk(batch_id=batch_id, account_ids=account_ids)
    return {"rendered": r.rendered, "skipped": r.skipped, "failed": r.failed}


@shared_task
def receipts_issue_task(*, period_id: int) -> int:
    """Issue every receipt of a period (call it when the period is closed)."""
    batch, _ = services.receipts_issue(period=Period.objects.get(pk=period_id))
    return batch.pk


@shared_task
def receipts_sweep() -> int:
    """Beat: for each closed period of the last three months, issue the
    receipts that are missing, failed or older than their statement (a
    freshly closed period, a recalculation, a late payment)."""
    started = 0
    for period in Period.objects.filter(status=Period.Status.CLOSED).order_by("-month")[:3]:
        stale = services.receipts_stale(period=period)
        if stale:
            services.receipts_issue(period=period, account_ids=stale)
            started += len(stale)
    return started


@shared_task(acks_late=True, max_retries=3, default_retry_delay=30)
def certificate_generate_task(*, request_id: int) -> str:
    return services.certificate_generate(request_id=request_id).status


@shared_task
def appeals_morning() -> str:
    """Beat, every working morning (through ``eirc.tasks.scheduled``, once a
    day): each operator's overdue list, and escalation to «Руководители».
    Idempotent: a second run the same day sends nothing."""
    result = services.appeals_morning()
    return f"digests={result['digests']} escalated={result['escalated']}"


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def appeal_acknowledge_task(*, appeal_id: int) -> int:
    """Render a request's acknowledgement PDF. Idempotent."""
    return services.appeal_acknowledge(appeal_id=appeal_id).pk


@shared_task(acks_late=True)
def notice_send_task(*, notice_id: int) -> int:
    """Split a notice's recipients into chunk tasks. Idempotent (deliveries dedupe)."""
    return services.notice_send_plan(notice_id=notice_id)


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def notice_send_chunk_task(*, notice_id: int, user_ids: list[int]) -> int:
    """Email one chunk of a notice's residents. Safe to redeliver."""
    return services.notice_send_chunk(notice_id=notice_id, user_ids=user_ids)
