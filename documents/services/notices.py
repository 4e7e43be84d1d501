"""Sending a notice by email («разослать»): the operator's request is
recorded and queued after commit; the send task splits the recipients
(documents/selectors_notices.py) into chunks of ``NOTICE_EMAIL_CHUNK`` and
each chunk task emails its residents. A ``NoticeDelivery`` row per (notice,
resident), written before the email is queued in the same transaction,
makes every step idempotent: a second «разослать», a task run twice or a
redelivered chunk emails nobody twice."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import Kind, email_context, wants
from documents.models import Notice, NoticeDelivery
from documents.selectors_notices import notice_recipient_ids
from eirc import jobs, mail
from eirc import periods as P
from eirc.errors import DomainError


def notice_send_request(*, notice_id: int, operator) -> Notice:
    """Queue the email of a notice (after commit). Refused for a notice no
    longer in force. Recorded with the operator; repeatable (already emailed
    residents are skipped)."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.ends_on < P.today():
            raise DomainError("Объявление уже не действует: рассылать его поздно.", code="expired")
        notice.send_requested_at = timezone.now()
        notice.send_requested_by = operator
        notice.save(update_fields=["send_requested_at", "send_requested_by"])
        jobs.enqueue("documents.tasks.notice_send_task", notice_id=notice.pk)
    return notice


def notice_send_plan(*, notice_id: int) -> int:
    """Queue one chunk task per ``NOTICE_EMAIL_CHUNK`` recipients; returns
    how many residents the notice reaches."""
    notice = Notice.objects.get(pk=notice_id)
    ids = notice_recipient_ids(notice, today=P.today())
    size = settings.NOTICE_EMAIL_CHUNK
    with transaction.atomic():
        for start in range(0, len(ids), size):
            jobs.enqueue(
                "documents.tasks.notice_send_chunk_task", notice_id=notice.pk, user_ids=ids[start : start + size]
            )
    return len(ids)


def notice_send_chunk(*, notice_id: int, user_ids: list[int]) -> int:
    """Email the notice to those of ``user_ids`` not yet emailed and still
    opted in; returns how many were queued."""
    notice = Notice.objects.get(pk=notice_id)
    sent = 0
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        if not wants(user, Kind.NOTICES):
            continue
        with transaction.atomic():
            _row, created = NoticeDelivery.objects.get_or_create(notice=notice, user=user)
            if not created:
                continue
            mail.send(
                name="notice",
                to=user.email,
                context={
                    "kind": str(notice.get_kind_display()),
                    "title": notice.title,
                    "text": notice.text,
                    "starts_on": f"{notice.starts_on:%d.%m.%Y}",
                    "ends_on": f"{notice.ends_on:%d.%m.%Y}",
                    "url": settings.SITE_URL + reverse("documents:notices"),
                    **email_context(user, Kind.NOTICES),
                },
            )
            sent += 1
    return sent
