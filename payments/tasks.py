"""Payment tasks: take ids, call one service, own their retry policy.

Gateway calls have a socket timeout (the provider) and the task a time
limit, so a hanging gateway costs one retry, never a stuck worker."""

from __future__ import annotations

from celery import shared_task

from payments import autopay, services
from payments.providers import GatewayUnavailable

RETRY = {"autoretry_for": (GatewayUnavailable,), "retry_backoff": 15, "retry_backoff_max": 900, "max_retries": 10}


@shared_task(bind=True, soft_time_limit=60, time_limit=90, **RETRY)
def webhook_process(self, *, event_id: int) -> None:
    services.webhook_process(event_id=event_id)


@shared_task(bind=True, soft_time_limit=60, time_limit=90, **RETRY)
def payment_sync(self, payment_id: str) -> None:
    services.payment_confirm(payment_id=payment_id)


@shared_task(bind=True, soft_time_limit=60, time_limit=90, **RETRY)
def refund_execute(self, refund_id: str) -> None:
    services.refund_execute(refund_id=refund_id)


@shared_task(soft_time_limit=600, time_limit=660)
def payments_reconcile() -> dict:
    return services.payments_reconcile()


@shared_task(soft_time_limit=1800, time_limit=1900)
def autopay_run() -> dict:
    """Daily: plan, warn, charge and settle autopay (payments/autopay.py)."""
    return autopay.autopay_run()
