"""Project-wide tasks: sending email."""

from __future__ import annotations

import smtplib
import socket

from celery import shared_task
from django.core.files.storage import storages

from eirc import mail

TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPDataError, socket.timeout, OSError)


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def send_email(self, *, name: str, to: list[str], context: dict, attachments: list[dict] | None = None) -> None:
    """Render ``templates/emails/<name>/`` and send it. Transient SMTP errors
    are retried with exponential back-off; a permanent refusal is not."""
    files = []
    for att in attachments or []:
        with storages[att.get("storage", "private")].open(att["path"], "rb") as fh:
            files.append((att["filename"], fh.read(), att.get("mimetype", "application/pdf")))
    mail.build(name, to, context, files).send(fail_silently=False)
