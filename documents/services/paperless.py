"""E-receipts: the resident's choice (recorded as a consent) and the signed
unsubscribe link of the emails."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.db import transaction

from accounts.models import Consent, User
from eirc.errors import DomainError

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "documents.paperless.unsubscribe"


def paperless_set(*, user, enabled: bool, ip_address: str | None = None) -> None:
    """Record the resident's choice: the receipt by email instead of paper.
    Opting in needs a confirmed email; both directions leave a ``Consent``
    row (given true / false) with the text version and address."""
    if enabled and (not user.email or not user.email_confirmed_at):
        raise DomainError(
            "Чтобы получать квитанции по почте, подтвердите адрес электронной почты в профиле.", code="no_email"
        )
    with transaction.atomic():
        # ``user`` may be request.user, a SimpleLazyObject: type(user) is no model.
        User.objects.filter(pk=user.pk).update(paperless_receipts=enabled)
        user.paperless_receipts = enabled
        Consent.objects.create(
            user=user,
            kind=Consent.Kind.PAPERLESS,
            text_version=settings.CONSENT_TEXT_VERSION,
            given=enabled,
            ip_address=ip_address,
        )


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("documents:unsubscribe", args=[unsubscribe_token(user)])


EXPIRED_MESSAGE = (
    "Ссылка устарела: она действует %(days)d дней. Откройте ссылку из последнего письма "
    "или отключите электронную квитанцию в личном кабинете (раздел «Квитанции»)."
)


def unsubscribe_check(token: str) -> dict:
    """The payload of a valid unsubscribe token, or ``DomainError``: a
    tampered token (``bad_token``) or one older than
    ``settings.UNSUBSCRIBE_LINK_LIFETIME`` (``expired``)."""
    lifetime = settings.UNSUBSCRIBE_LINK_LIFETIME
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=lifetime)
    except signing.SignatureExpired:
        raise DomainError(EXPIRED_MESSAGE % {"days": lifetime.days}, code="expired") from None
    except signing.BadSignature:
        raise DomainError("Ссылка недействительна.", code="bad_token") from None
    if not isinstance(payload, dict):
        raise DomainError("Ссылка недействительна.", code="bad_token")
    return payload


def paperless_unsubscribe(*, token: str, ip_address: str | None = None):
    """Turn e-receipts off from the signed link in the email (no login).
    Raises ``DomainError`` for a tampered, expired or foreign token. Idempotent."""
    payload = unsubscribe_check(token)
    try:
        user = User.objects.get(pk=payload["u"])
    except (User.DoesNotExist, KeyError, TypeError, ValueError):
        raise DomainError("Ссылка недействительна.", code="bad_token") from None
    if user.email.lower() != payload.get("e"):
        raise DomainError("Ссылка недействительна: адрес почты изменился.", code="bad_token")
    if user.paperless_receipts:
        paperless_set(user=user, enabled=False, ip_address=ip_address)
    return user
