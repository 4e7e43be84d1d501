"""Templated email, always sent by a Celery task after the transaction commits.

Each email lives in ``templates/emails/<name>/`` as ``subject.txt``,
``body.txt`` and ``body.html``. Requests never wait on SMTP: :func:`send`
schedules :func:`eirc.tasks.send_email` after commit (:mod:`eirc.jobs`); the
task renders and sends, retrying transient SMTP errors with back-off.
Attachments are given by reference (storage name + path), never as bytes
through the broker.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from eirc import jobs


def render(name: str, context: dict) -> tuple[str, str, str]:
    """Return (subject, text, html) of ``templates/emails/<name>/``."""
    ctx = {"EIRC": settings.EIRC, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}/subject.txt", ctx).split())
    text = render_to_string(f"emails/{name}/body.txt", ctx)
    html = render_to_string(f"emails/{name}/body.html", ctx)
    return subject, text, html


def build(name: str, to: list[str], context: dict, attachments=()) -> EmailMultiAlternatives:
    subject, text, html = render(name, context)
    headers = {}
    if context.get("unsubscribe_kind_url"):
        # An optional email (accounts.notifications): mail clients offer one-click unsubscribe (RFC 8058).
        headers = {
            "List-Unsubscribe": f"<{context['unsubscribe_kind_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=to, from_email=settings.DEFAULT_FROM_EMAIL, headers=headers
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def send(*, name: str, to: str | list[str], context: dict | None = None, attachments: list[dict] | None = None) -> None:
    """Schedule an email for after the current transaction commits.

    ``context`` must be JSON-serialisable (ids and strings, not model
    instances). ``attachments``: ``[{"storage": "private", "path": ..., "filename": ...,
    "mimetype": ...}]``.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    payload = {"name": name, "to": recipients, "context": context or {}, "attachments": attachments or []}
    jobs.enqueue("eirc.tasks.send_email", **payload)
