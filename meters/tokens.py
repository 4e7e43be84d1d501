"""Personal API tokens: created and revoked by the resident; only a SHA-256
of the token is stored, so the token is shown once."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.access import Capability, user_can
from accounts.models import ApiToken
from eirc.errors import DomainError

PREFIX = "eirc_"
MAX_ACTIVE = 10


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, account, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``account``; returns (row, the token text)."""
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE:
        raise DomainError(f"Не больше {MAX_ACTIVE} действующих токенов: отзовите ненужные.", code="too_many")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, account=account, name=name.strip() or "API", prefix=token[:12], token_hash=token_hash(token)
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, user, token_id) -> None:
    """Revoke one of the user's tokens (idempotent); a foreign id is a 404."""
    from django.http import Http404

    updated = ApiToken.objects.filter(pk=token_id, user=user).first()
    if updated is None:
        raise Http404
    if updated.revoked_at is None:
        updated.revoked_at = timezone.now()
        updated.save(update_fields=["revoked_at"])


def api_token_authenticate(token: str) -> ApiToken | None:
    """The active token row for a presented token, or None."""
    if not token or not token.startswith(PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user", "account")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    if not user_can(user=row.user, account_id=row.account_id, capability=Capability.READINGS):
        return None  # unlinked since, or a household member removed or no longer allowed readings
    return row
