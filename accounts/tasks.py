"""Tasks of the access part: take plain values, call one service."""

from __future__ import annotations

from celery import shared_task

from accounts import services


@shared_task
def password_reset_send(*, account_number: str, email: str, ip: str | None = None) -> bool:
    """Email a reset link when the pair matches (see
    :func:`accounts.services.password_reset_send`); idempotent enough: a
    second run retires the first link and sends a new one."""
    return services.password_reset_send(account_number=account_number, email=email, ip=ip)
