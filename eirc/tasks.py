"""Project-wide tasks: sending email, the outbox sweep, and the one entry
point of every scheduled task (at most once per period)."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket

from celery import shared_task
from django.conf import settings
from django.core.files.storage import storages

from eirc import jobs, mail

TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPDataError, socket.timeout, OSError)


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    # Below the broker's visibility timeout (settings): a retry waiting
    # longer would be handed to a second worker meanwhile.
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def send_email(self, *, name: str, to: list[str], context: dict, attachments: list[dict] | None = None) -> None:
    """Render ``templates/emails/<name>/`` and send it. Transient SMTP errors
    are retried with exponential back-off; a permanent refusal is not. Sent
    at most once per outbox row: a redelivered message (a worker killed after
    sending, a publish repeated by the sweep) finds its row done and skips."""
    files = []
    for att in attachments or []:
        with storages[att.get("storage", "private")].open(att["path"], "rb") as fh:
            files.append((att["filename"], fh.read(), att.get("mimetype", "application/pdf")))
    message = mail.build(name, to, context, files)
    with jobs.once(self.request.id) as first:
        if first:
            message.send(fail_silently=False)


@shared_task
def outbox_sweep() -> int:
    """Beat, every OUTBOX_SWEEP_SECONDS: publish what a broker outage left in
    the outbox. Not once-per-period: two sweeps at once skip each other's rows."""
    return jobs.outbox_sweep(older_than=dt.timedelta(seconds=settings.OUTBOX_SWEEP_SECONDS))


@shared_task
def outbox_cleanup() -> int:
    """Beat, daily: forget outbox rows finished long ago."""
    return jobs.outbox_cleanup(keep=dt.timedelta(days=settings.OUTBOX_KEEP_DAYS))


@shared_task
def scheduled(*, task: str, every: int) -> str:
    """Beat's entry for a periodic task: run ``task`` here unless it already
    ran in the current period of ``every`` seconds (settings,
    ``CELERY_BEAT_SCHEDULE``)."""
    return jobs.run_scheduled(task, every=every)
