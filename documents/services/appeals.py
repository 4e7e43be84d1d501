"""Residents' requests (обращения): filing, the thread, the operators'
workflow, closing with an outcome (a recalculation goes through billing's
service), and the morning reminders and escalation.

Every status change is recorded (:class:`AppealStatusChange`: who, when,
from, to) and emailed to the resident after commit. Requests are never
deleted; withdrawing closes one with the outcome «отозвано».
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import Kind, email_context, wants
from billing.services import recalculation_post
from documents import renderers
from documents.appeal_files import CleanFile, clean_uploads
from documents.models import (
    Appeal,
    AppealAttachment,
    AppealDigest,
    AppealKind,
    AppealMessage,
    AppealStatusChange,
    IssuedDocument,
)
from documents.selectors_appeals import charge_line_for
from documents.services.registry import register_document, replace_file
from eirc import jobs, mail, workdays
from eirc import periods as P
from eirc.errors import DomainError

log = logging.getLogger(__name__)

S = Appeal.Status
ABSENCE_MIN_FULL_DAYS = 6  # ПП № 354 п. 86: more than 5 full days in a row
ABSENCE_FILE_WITHIN_DAYS = 30  # п. 91: within 30 days after return
MAX_TEXT = 4000
HEADS = "Руководители"


def appeal_deadline(*, kind: AppealKind, filed_on: dt.date) -> dt.date:
    """The answer's last day: ``term_days`` working days counted from the
    next working day after filing, or calendar days (a term ending on a day
    off moves to the next working day)."""
    if kind.term_unit == AppealKind.Unit.CALENDAR:
        return workdays.add_calendar_days(filed_on, kind.term_days)
    return workdays.add_working_days(filed_on, kind.term_days)


def _date(data: dict, name: str, label: str) -> dt.date:
    value = data.get(name)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        raise DomainError(f"Укажите {label}.", code="date", field=name) from None


def _text(data: dict, *, required: bool) -> str:
    text = str(data.get("text") or "").strip()
    if required and not text:
        raise DomainError("Опишите суть обращения.", code="text", field="text")
    if len(text) > MAX_TEXT:
        raise DomainError(f"Слишком длинный текст (не более {MAX_TEXT} знаков).", code="text", field="text")
    return text


def appeal_validate(*, kind: AppealKind, data: dict, today: dt.date, account=None) -> tuple[dict, str]:
    """(fields to store, text) of a request of ``kind`` from the form's
    ``data`` for ``account``; ``DomainError`` with the field at fault
    otherwise. A charge line named by id must be one of ``account``'s: a
    foreign or unknown id is dropped."""
    F = AppealKind.Form
    fields: dict = {}
    if kind.form == F.ABSENCE:
        left = _date(data, "left_on", "дату выезда")
        back = _date(data, "returned_on", "дату возвращения")
        if back > today:
            raise DomainError("Дата возвращения не может быть в будущем.", code="future", field="returned_on")
        if left >= back:
            raise DomainError("Дата выезда должна быть раньше даты возвращения.", code="order", field="left_on")
        full_days = (back - left).days - 1  # the days of leaving and of return are not full days
        if full_days < ABSENCE_MIN_FULL_DAYS:
            raise DomainError(
                "Перерасчёт делается за отсутствие более 5 полных дней подряд (не считая дней выезда и возвращения).",
                code="short",
                field="returned_on",
            )
        if (today - back).days > ABSENCE_FILE_WITHIN_DAYS:
            raise DomainError(
                "Заявление о перерасчёте подаётся не позднее 30 дней после возвращения (п. 91 ПП № 354).",
                code="late",
                field="returned_on",
            )
        fields = {"left_on": left.isoformat(), "returned_on": back.isoformat(), "full_days": full_days}
        return fields, _text(data, required=False)
    if kind.form == F.QUALITY:
        start = _date(data, "started_on", "дату начала нарушения")
        end = _date(data, "ended_on", "дату окончания нарушения") if data.get("ended_on") else None
        if start > today or (end and end > today):
            raise DomainError("Даты нарушения не могут быть в будущем.", code="future", field="started_on")
        if end and end < start:
            raise DomainError("Окончание раньше начала.", code="order", field="ended_on")
        service = str(data.get("service") or "").strip()[:120]
        if not service:
            raise DomainError("Укажите услугу.", code="service", field="service")
        fields = {"service": service, "started_on": start.isoformat(), "ended_on": end.isoformat() if end else ""}
        return fields, _text(data, required=True)
    if kind.form == F.CHARGE:
        if data.get("charge_id") and (
            account is None or charge_line_for(account=account, charge_id=data["charge_id"]) is None
        ):
            data = {**data, "charge_id": None}
        for key in ("charge_id", "period", "service", "amount"):
            if data.get(key) not in (None, ""):
                fields[key] = str(data[key])[:120]
        if "amount" in fields:
            try:
                fields["amount"] = str(Decimal("".join(fields["amount"].replace(",", ".").split())))
            except InvalidOperation:
                raise DomainError("Сумма указана неверно.", code="amount", field="amount") from None
        return fields, _text(data, required=True)
    if kind.form == F.METER:
        serial = str(data.get("meter") or "").strip()[:60]
        if serial:
            fields["meter"] = serial
        return fields, _text(data, required=True)
    if kind.form == F.HOUSEHOLD:
        residents = data.get("residents")
        if residents not in (None, ""):
            try:
                count = int(residents)
            except (TypeError, ValueError):
                raise DomainError("Число проживающих — целое число.", code="residents", field="residents") from None
            if not 0 <= count <= 50:
                raise DomainError("Число проживающих — от 0 до 50.", code="residents", field="residents")
            fields["residents"] = count
        return fields, _text(data, required=True)
    return fields, _text(data, required=True)


def _record(appeal: Appeal, *, old: str, by, note: str = "") -> None:
    AppealStatusChange.objects.create(appeal=appeal, from_status=old, to_status=appeal.status, by=by, note=note[:250])
    _email_status(appeal)


def _store(appeal: Appeal, files: list[CleanFile], *, user, from_staff: bool, message=None) -> None:
    for f in files:
        att = AppealAttachment(
            appeal=appeal,
            message=message,
            name=f.name,
            content_type=f.content_type,
            size=len(f.content),
            sha256=f.sha256,
            uploaded_by=user,
            from_staff=from_staff,
        )
        att.file.save(
            f"{appeal.number}-{uuid.uuid4().hex[:8]}.{f.name.rsplit('.', 1)[-1]}", ContentFile(f.content), save=False
        )
        att.save()


def appeal_file(*, user, account, kind: AppealKind, token: uuid.UUID, data: dict, uploads=()) -> tuple[Appeal, bool]:
    """File a request; returns (request, created). Idempotent by the form's
    ``token``: the same form sent twice returns the request filed the first
    time (``created`` false). Raises ``DomainError`` for invalid fields or
    files."""
    existing = filed_with(token, owner={"user_id": user.pk})
    if existing is not None:
        return existing, False
    if not kind.is_active:
        raise DomainError("Этот вид обращений сейчас не принимается.", code="kind")
    today = P.today()
    fields, text = appeal_validate(kind=kind, data=data, today=today, account=account)
    files = clean_uploads(uploads)
    try:
        appeal = appeal_create(
            token=token,
            account=account,
            kind=kind,
            fields=fields,
            text=text,
            filed_at=timezone.now(),
            files=files,
            by=user,
            note="подано через личный кабинет",
            user=user,
        )
    except IntegrityError:
        # The same form sent twice at once: the first one won.
        existing = filed_with(token, owner={"user_id": user.pk})
        if existing is None:
            raise
        return existing, False
    return appeal, True


def filed_with(token: uuid.UUID, *, owner: dict) -> Appeal | None:
    """The request a form's one-time ``token`` already filed (a double
    submit), or None; ``owner`` (field → value: the login, or the registering
    operator) must match, else the form is refused as stale."""
    existing = Appeal.objects.filter(token=token).first()
    if existing is not None and any(getattr(existing, k) != v for k, v in owner.items()):
        raise DomainError("Форма устарела. Откройте её заново.", code="token")
    return existing


def appeal_create(
    *, token: uuid.UUID, account, kind: AppealKind, fields: dict, text: str, filed_at, files, by, note, **extra
) -> Appeal:
    """Write a validated request (number, deadline from the filing day in
    Europe/Simferopol, files, the first history entry) and enqueue its
    acknowledgement. Raises ``IntegrityError`` when ``token`` is taken (a
    double submit): callers return the first request."""
    filed_on = timezone.localtime(filed_at, P.TZ).date()
    with transaction.atomic():
        appeal = Appeal.objects.create(
            number=f"tmp-{token.hex[:16]}",
            token=token,
            account=account,
            kind=kind,
            fields=fields,
            text=text,
            filed_at=filed_at,
            deadline=appeal_deadline(kind=kind, filed_on=filed_on),
            **extra,
        )
        appeal.number = f"{P.today().year}-{appeal.pk:06d}"
        appeal.save(update_fields=["number"])
        _store(appeal, files, user=by, from_staff=extra.get("registered_by") is not None)
        _record(appeal, old="", by=by, note=note)
        jobs.enqueue("documents.tasks.appeal_acknowledge_task", appeal_id=appeal.pk)
    return appeal


def appeal_acknowledge(*, appeal_id: int) -> Appeal:
    """Render the acknowledgement (number, filing time, deadline) with a
    verify code, as other documents. Idempotent: a request that has one is
    returned unchanged."""
    with transaction.atomic():
        appeal = _locked(Appeal(pk=appeal_id))
        if appeal.document_id and appeal.ack_file:
            return appeal
        now = timezone.now()
        doc = register_document(
            kind=IssuedDocument.Kind.OTHER,
            account=appeal.account,
            title=f"Расписка в приёме обращения № {appeal.number}",
        )
        data = {
            "number": appeal.number,
            "kind": appeal.kind.title,
            "filed_at": timezone.localtime(appeal.filed_at, P.TZ),
            "deadline": appeal.deadline,
            "account_number": appeal.account.number,
            "owner": appeal.applicant_name or appeal.account.owner_name,
            "channel": str(appeal.get_channel_display()),
            "files": appeal.attachments.filter(message__isnull=True).count(),
            "centre": settings.EIRC,
        }
        _name, _ct, pdf = renderers.render_appeal_ack(data, code=doc.code, issued_at=now)
        doc.sha256 = hashlib.sha256(pdf).hexdigest()
        doc.save(update_fields=["sha256"])
        replace_file(appeal.ack_file, f"appeal-{appeal.number}.pdf", pdf)
        appeal.document = doc
        appeal.save(update_fields=["document", "ack_file"])
    return appeal


def _locked(appeal: Appeal) -> Appeal:
    # The login is a nullable join (a request registered without one): lock the request row only.
    return Appeal.objects.select_for_update(of=("self",)).select_related("kind", "account", "user").get(pk=appeal.pk)


def appeal_message(*, appeal: Appeal, user, text: str, uploads=(), from_staff: bool = False) -> AppealMessage:
    """Add a message (and files) to the thread. A resident's answer to
    «нужны сведения» puts the request back in work."""
    text = (text or "").strip()
    if not text:
        raise DomainError("Напишите сообщение.", code="text", field="text")
    if len(text) > MAX_TEXT:
        raise DomainError(f"Слишком длинный текст (не более {MAX_TEXT} знаков).", code="text", field="text")
    with transaction.atomic():
        appeal = _locked(appeal)
        if not appeal.is_open:
            raise DomainError("Обращение закрыто: подайте новое.", code="closed")
        last = appeal.messages.order_by("-created_at", "-id").first()
        if last is not None and last.author_id == user.pk and last.text == text and not uploads:
            return last  # the same message sent twice (a double click): kept once
        files = clean_uploads(uploads, already=appeal.attachments.count())
        msg = AppealMessage.objects.create(appeal=appeal, author=user, from_staff=from_staff, text=text)
        _store(appeal, files, user=user, from_staff=from_staff, message=msg)
        if from_staff:
            _email(appeal, "appeal_answer")
        elif appeal.status == S.NEEDS_INFO:
            old, appeal.status = appeal.status, S.IN_PROGRESS
            appeal.save(update_fields=["status"])
            _record(appeal, old=old, by=user, note="заявитель ответил")
    return msg


def appeal_assign(*, appeal: Appeal, user, operator) -> Appeal:
    """Give a request to an operator (a new one goes in work)."""
    with transaction.atomic():
        appeal = _locked(appeal)
        if not appeal.is_open:
            raise DomainError("Обращение закрыто.", code="closed")
        appeal.assigned_to = operator
        appeal.save(update_fields=["assigned_to"])
        if appeal.status == S.NEW:
            appeal.status = S.IN_PROGRESS
            appeal.save(update_fields=["status"])
            _record(appeal, old=S.NEW, by=user, note=f"исполнитель: {operator.get_username()}")
    return appeal


def appeal_set_status(*, appeal: Appeal, user, status: str, note: str = "") -> Appeal:
    """Move an open request between «принято», «в работе» and «нужны
    сведения» (closing is :func:`appeal_close`)."""
    if status not in (S.NEW, S.IN_PROGRESS, S.NEEDS_INFO):
        raise DomainError("Закрыть обращение можно только с итогом.", code="status", field="status")
    with transaction.atomic():
        appeal = _locked(appeal)
        if not appeal.is_open:
            raise DomainError("Обращение закрыто.", code="closed")
        if appeal.status == status:
            return appeal
        old, appeal.status = appeal.status, status
        appeal.save(update_fields=["status"])
        _record(appeal, old=old, by=user, note=note)
    return appeal


def appeal_close(
    *,
    appeal: Appeal,
    user,
    outcome: str,
    text: str,
    service=None,
    amount: Decimal | None = None,
    for_period=None,
) -> Appeal:
    """Close a request with an outcome and the answer the resident reads.
    The outcome «выполнен перерасчёт» posts the recalculation through
    billing's service (reason: the request's number and kind), applied by the
    next billing run as its own line. Refuses a closed request, so nothing is
    posted twice."""
    O = Appeal.Outcome  # noqa: E741 - the outcomes, as S is the statuses
    if outcome not in (O.RECALCULATED, O.ANSWERED, O.REFUSED):
        raise DomainError("Выберите итог.", code="outcome", field="outcome")
    text = (text or "").strip()
    if not text:
        raise DomainError("Напишите ответ заявителю.", code="text", field="outcome_text")
    with transaction.atomic():
        appeal = _locked(appeal)
        if not appeal.is_open:
            raise DomainError("Обращение уже закрыто.", code="closed")
        if outcome == O.RECALCULATED:
            if service is None or amount is None:
                raise DomainError("Укажите услугу и сумму перерасчёта.", code="recalc", field="recalc_amount")
            appeal.recalculation = recalculation_post(
                account=appeal.account,
                service=service,
                amount=amount,
                reason=f"Обращение № {appeal.number}: {appeal.kind.title}"[:250],
                user=user,
                for_period=for_period,
            )
        AppealMessage.objects.create(appeal=appeal, author=user, from_staff=True, text=text)
        old = appeal.status
        appeal.status, appeal.outcome, appeal.outcome_text = S.CLOSED, outcome, text
        appeal.closed_at = timezone.now()
        appeal.save()
        _record(appeal, old=old, by=user, note=str(O(outcome).label))
    return appeal


def appeal_withdraw(*, appeal: Appeal, user) -> Appeal:
    """The resident withdraws an open request: it stays, closed and marked."""
    with transaction.atomic():
        appeal = _locked(appeal)
        if not appeal.is_open:
            raise DomainError("Обращение уже закрыто.", code="closed")
        old = appeal.status
        appeal.status, appeal.outcome, appeal.withdrawn = S.CLOSED, Appeal.Outcome.WITHDRAWN, True
        appeal.closed_at = timezone.now()
        appeal.save()
        _record(appeal, old=old, by=user, note="отозвано заявителем")
    return appeal


def _url(appeal: Appeal) -> str:
    return settings.SITE_URL + reverse("documents:appeal_detail", args=[appeal.pk])


def _email(appeal: Appeal, name: str) -> None:
    """Email the resident: the login's address if it wants requests' emails;
    a request without a login (registered by an operator) only to an email
    given as the applicant's contact, with no cabinet link and no thread
    (``appeal_answer`` is not sent: the operator answers by the channel)."""
    context = {
        "number": appeal.number,
        "kind": appeal.kind.title,
        "status": str(appeal.get_status_display()),
        "outcome": str(appeal.get_outcome_display()) if appeal.outcome else "",
        "deadline": f"{appeal.deadline:%d.%m.%Y}",
        "is_open": appeal.is_open,
    }
    if appeal.user_id is None:
        to = contact_email(appeal.applicant_contact)
        if to and name == "appeal_status":
            mail.send(name=name, to=to, context={**context, "url": ""})
        return
    if not wants(appeal.user, Kind.REQUESTS):
        return
    mail.send(
        name=name,
        to=appeal.user.email,
        context={**context, "url": _url(appeal), **email_context(appeal.user, Kind.REQUESTS)},
    )


def contact_email(contact: str) -> str:
    """The applicant's contact if it is an email address, else ''."""
    contact = (contact or "").strip()
    if "@" not in contact:
        return ""
    try:
        validate_email(contact)
    except ValidationError:
        return ""
    return contact


def _email_status(appeal: Appeal) -> None:
    _email(appeal, "appeal_status")


def _line(appeal: Appeal) -> str:
    return f"№ {appeal.number} — {appeal.kind.title}, л/с {appeal.account.number}, срок {appeal.deadline:%d.%m.%Y}"


def appeals_morning(*, today: dt.date | None = None) -> dict:
    """The working morning's run (beat, once a day): each operator gets one
    email with their overdue requests, and requests past their deadline are
    escalated to the group «Руководители» — each request once
    (``escalated_at``), each operator once a day (:class:`AppealDigest`). Run
    twice, it sends nothing the second time. Does nothing on a day off."""
    from django.contrib.auth import get_user_model

    today = today or P.today()
    if not workdays.is_working_day(today):
        return {"digests": 0, "escalated": 0}
    overdue = Appeal.objects.exclude(status=S.CLOSED).filter(deadline__lt=today).select_related("kind", "account")
    digests = 0
    by_operator: dict[int, list[Appeal]] = {}
    for appeal in overdue.filter(assigned_to__isnull=False).order_by("deadline", "pk"):
        by_operator.setdefault(appeal.assigned_to_id, []).append(appeal)
    User = get_user_model()
    for operator in User.objects.filter(pk__in=by_operator, is_active=True):
        items = by_operator[operator.pk]
        with transaction.atomic():
            _digest, created = AppealDigest.objects.get_or_create(
                user=operator, day=today, defaults={"count": len(items)}
            )
            if created and operator.email:
                mail.send(
                    name="appeal_overdue",
                    to=operator.email,
                    context={"day": f"{today:%d.%m.%Y}", "lines": [_line(a) for a in items]},
                )
                digests += 1
    with transaction.atomic():
        fresh = list(
            overdue.filter(escalated_at__isnull=True).select_for_update(of=("self",)).order_by("deadline", "pk")
        )
        if fresh:
            Appeal.objects.filter(pk__in=[a.pk for a in fresh]).update(escalated_at=timezone.now())
            heads = list(
                User.objects.filter(groups__name=HEADS, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
                .distinct()
            )
            if heads:
                mail.send(
                    name="appeal_escalation",
                    to=sorted(heads),
                    context={"day": f"{today:%d.%m.%Y}", "lines": [_line(a) for a in fresh]},
                )
            else:
                log.warning("appeals: %s overdue request(s) and nobody in «%s»", len(fresh), HEADS)
    return {"digests": digests, "escalated": len(fresh)}
