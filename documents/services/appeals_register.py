"""An operator registers a request a resident made by phone, in person or by
letter (ПП № 354 п. 31: a consumer may make it so; the deadline runs from
that contact).

The request is linked to the login of the account's holder when there is
one (it shows in the holder's cabinet and emails go as for a cabinet
request); without a login the applicant's name and contact are required and
the only way to answer. The same kinds, rules (``appeal_validate``, with the
day of the contact as «today»), files checks and one-time form token as the
cabinet's form.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.db import IntegrityError
from django.utils import timezone

from accounts.models import AccountLink
from documents.appeal_files import clean_uploads
from documents.models import Appeal, AppealKind
from documents.services.appeals import appeal_create, appeal_validate, contact_email, filed_with
from eirc import periods as P
from eirc.errors import DomainError

C = Appeal.Channel
OPERATOR_CHANNELS = (C.PHONE, C.OFFICE, C.LETTER)
PHONE_DIGITS = re.compile(r"\d")


def holder_login(account):
    """The login that holds ``account``, or None."""
    link = AccountLink.objects.filter(account=account).select_related("user").first()
    return link.user if link is not None and link.user.is_active else None


def _contact(value: str) -> str:
    value = " ".join((value or "").split())[:120]
    if not value:
        return ""
    if "@" in value:
        if not contact_email(value):
            raise DomainError("Адрес электронной почты указан неверно.", code="contact", field="applicant_contact")
        return value
    digits = len(PHONE_DIGITS.findall(value))
    if not 10 <= digits <= 15 or re.search(r"[^\d\s()+\-]", value):
        raise DomainError(
            "Укажите телефон (10–15 цифр) или адрес электронной почты.", code="contact", field="applicant_contact"
        )
    return value


def appeal_register(
    *,
    operator,
    account,
    kind: AppealKind,
    channel: str,
    contacted_at: dt.datetime,
    token: uuid.UUID,
    data: dict,
    applicant_name: str = "",
    applicant_contact: str = "",
    uploads=(),
) -> tuple[Appeal, bool]:
    """Register a request the resident made by ``channel`` at
    ``contacted_at`` (aware; not in the future); returns (request, created).
    The deadline counts from the day of the contact in Europe/Simferopol.
    Idempotent by ``token`` (a double submit returns the first request).
    Raises ``DomainError`` with the field at fault."""
    existing = filed_with(token, owner={"registered_by_id": operator.pk})
    if existing is not None:
        return existing, False
    if channel not in OPERATOR_CHANNELS:
        raise DomainError("Выберите способ обращения.", code="channel", field="channel")
    if not kind.is_active:
        raise DomainError("Этот вид обращений сейчас не принимается.", code="kind", field="kind")
    if contacted_at > timezone.now():
        raise DomainError("Время обращения не может быть в будущем.", code="future", field="contacted_at")
    user = holder_login(account)
    name = " ".join((applicant_name or "").split())[:200]
    contact = _contact(applicant_contact)
    if user is None and not name:
        raise DomainError(
            "У лицевого счёта нет входа в кабинет: укажите, кто обратился.", code="name", field="applicant_name"
        )
    if user is None and not contact:
        raise DomainError(
            "У лицевого счёта нет входа в кабинет: укажите телефон или почту для ответа.",
            code="contact",
            field="applicant_contact",
        )
    fields, text = appeal_validate(
        kind=kind, data=data, today=timezone.localtime(contacted_at, P.TZ).date(), account=account
    )
    files = clean_uploads(uploads)
    try:
        appeal = appeal_create(
            token=token,
            account=account,
            kind=kind,
            fields=fields,
            text=text,
            filed_at=contacted_at,
            files=files,
            by=operator,
            note=f"зарегистрировано оператором ({C(channel).label})",
            user=user,
            channel=channel,
            registered_by=operator,
            applicant_name=name,
            applicant_contact=contact,
        )
    except IntegrityError:
        existing = filed_with(token, owner={"registered_by_id": operator.pk})
        if existing is None:
            raise
        return existing, False
    return appeal, True
