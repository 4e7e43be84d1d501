"""Billing tasks: take ids or plain values, call one service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task


@shared_task(acks_late=True)
def billing_run_task(*, period: str, user_id: int | None = None) -> dict:
    """Run (or resume) the billing of ``period`` ("YYYY-MM-DD"); a retry of a
    killed run resumes after its last committed chunk."""
    from django.contrib.auth import get_user_model

    from billing.services import billing_run

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    report = billing_run(period=dt.date.fromisoformat(period), user=user)
    return {"accounts": report.accounts, "lines": report.lines, "warnings": len(report.warnings)}
