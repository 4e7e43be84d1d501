"""Every kind of optional email the portal sends, the resident's switch for
each, and the one-click unsubscribe link every such email carries.

A kind is a field of ``User`` (``KINDS``); the senders (meters' reminders
and confirmations, payments' receipt email, documents' receipts, requests
and certificates, the notices) ask :func:`wants` and put
:func:`email_context` into the email, whose common footer
(``templates/emails/base``) prints the link and whose headers carry
``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058, eirc/mail.py).

The link is signed (user, kind, the address it was sent to) and expires
after ``UNSUBSCRIBE_LINK_LIFETIME``; it turns off that one kind, nothing
else, and no more after the address changed. Security emails (registration,
reset, email change, password changed) are not optional and carry no link.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Consent
from eirc.errors import DomainError

SALT = "accounts.notifications.unsubscribe"


class Kind(models.TextChoices):
    READINGS = "readings", _("Напоминания о передаче показаний и подтверждения приёма")
    VERIFICATION = "verification", _("Напоминания о поверке счётчиков")
    RECEIPT = "receipt", _("Новая квитанция (ЕПД) выставлена")
    PAYMENT = "payment", _("Чек об оплате")
    NOTICES = "notices", _("Объявления: отключения, аварии, тарифы, новости")
    REQUESTS = "requests", _("Статус обращений и справок")


FIELDS: dict[str, str] = {
    Kind.READINGS: "notify_readings",
    Kind.VERIFICATION: "notify_verification",
    Kind.RECEIPT: "notify_receipts",
    Kind.PAYMENT: "notify_payments",
    Kind.NOTICES: "notify_notices",
    Kind.REQUESTS: "notify_requests",
}


def wants(user, kind: str) -> bool:
    """Whether ``user`` (None: nobody) gets emails of ``kind`` at an address."""
    return bool(user is not None and user.email and getattr(user, FIELDS[kind]))


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind, "e": user.email.lower()}, salt=SALT, compress=True)


def unsubscribe_url(user, kind: str) -> str:
    return settings.SITE_URL + reverse("accounts:unsubscribe", args=[unsubscribe_token(user, kind)])


def email_context(user, kind: str) -> dict:
    """What an email of ``kind`` to ``user`` adds to its context: the link
    and the kind's name for the footer (JSON-serialisable)."""
    return {"unsubscribe_kind_url": unsubscribe_url(user, kind), "unsubscribe_kind": str(Kind(kind).label)}


def unsubscribe_check(token: str):
    """``(user, kind)`` of a valid link, or DomainError ``expired`` / ``bad_token``."""
    lifetime = settings.UNSUBSCRIBE_LINK_LIFETIME
    try:
        payload = signing.loads(token, salt=SALT, max_age=lifetime)
    except signing.SignatureExpired:
        raise DomainError(
            _(
                "Ссылка устарела: она действует %(days)d дней. Откройте ссылку из последнего письма "
                "или выберите уведомления в профиле."
            )
            % {"days": lifetime.days},
            code="expired",
        ) from None
    except signing.BadSignature:
        raise DomainError(_("Ссылка недействительна."), code="bad_token") from None
    if not isinstance(payload, dict) or payload.get("k") not in FIELDS:
        raise DomainError(_("Ссылка недействительна."), code="bad_token")
    user = get_user_model().objects.filter(pk=payload.get("u")).first()
    if user is None or user.email.lower() != payload.get("e"):
        raise DomainError(_("Ссылка недействительна: адрес почты изменился."), code="bad_token")
    return user, payload["k"]


def notification_unsubscribe(*, token: str, ip: str | None):
    """Turn off the link's one kind (idempotent); returns ``(user, kind)``."""
    with transaction.atomic():
        user, kind = unsubscribe_check(token)
        choices = {field: getattr(user, field) for field in FIELDS.values()}
        choices[FIELDS[kind]] = False
        notifications_set(user=user, choices=choices, paperless=user.paperless_receipts, ip=ip)
    return user, kind


def notifications_set(*, user, choices: dict[str, bool], paperless: bool, ip: str | None) -> None:
    """Save every switch at once. A Consent row (when, from where, which
    text) records each change of the consent to emails (any kind on or all
    off) and of the e-receipt choice."""
    with transaction.atomic():
        version = settings.CONSENT_TEXT_VERSION
        had = any(getattr(user, field) for field in FIELDS.values())
        wants_any = any(choices.get(field, False) for field in FIELDS.values())
        if wants_any != had or not Consent.objects.filter(user=user, kind=Consent.Kind.NOTIFICATIONS).exists():
            Consent.objects.create(
                user=user, kind=Consent.Kind.NOTIFICATIONS, text_version=version, given=wants_any, ip_address=ip
            )
        if paperless != user.paperless_receipts:
            Consent.objects.create(
                user=user, kind=Consent.Kind.PAPERLESS, text_version=version, given=paperless, ip_address=ip
            )
        for field in FIELDS.values():
            setattr(user, field, bool(choices.get(field, False)))
        user.paperless_receipts = paperless
        user.save(update_fields=[*FIELDS.values(), "paperless_receipts"])
