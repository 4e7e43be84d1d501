"""The household: the holder of a personal account lets other logins in with
a role (accounts/access.py). Writes are keyword-only and atomic, raise
:class:`DomainError` with a message a resident can read, and record every
invitation, acceptance, role change and removal as a security event (ids,
roles and masked addresses only — never the link).

An invitation is a single-use link emailed to the invitee, valid for
``HOUSEHOLD_INVITATION_LIFETIME`` (72 h). The invitee opens it, logs in or
creates a login (the link proves the mailbox, so that email is confirmed)
and accepts. A removal deletes the membership and revokes the member's API
tokens of that account: the member's open sessions lose the account on
their next request, because roles are never kept in the session.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import security
from accounts.access import HOLDER, role_of
from accounts.models import ApiToken, Invitation, MemberRole, Membership, PersonalAccount, SecurityEvent
from eirc import mail
from eirc.errors import DomainError

User = get_user_model()
Kind = SecurityEvent.Kind
MAX_MEMBERS = 10
BAD_LINK = "Приглашение недействительно: оно уже использовано, отменено или его срок истёк."


def _hash(raw: str) -> str:
    return hashlib.sha256((raw or "").encode()).hexdigest()


def mask_email(email: str) -> str:
    """ "iv***@example.ru": enough for the log and the holder's list."""
    name, _sep, domain = (email or "").partition("@")
    return f"{name[:2]}***@{domain}" if domain else "***"


def _require_holder(*, user, account: PersonalAccount) -> None:
    if role_of(user=user, account_id=account.pk) != HOLDER:
        raise Http404  # a member or a stranger: the household is not theirs to see


def invitation_create(
    *, holder, account: PersonalAccount, email: str, role: str, ip: str | None
) -> tuple[Invitation, str]:
    """Invite ``email`` into the account with ``role``; emails the link after
    commit. Returns the invitation and the raw token of its link (the link
    itself is never stored). Earlier pending invitations of the same address to the same
    account are retired (the newest link is the one that works).

    Raises DomainError: ``bad_role``, ``self``, ``already_member``, ``too_many``;
    Http404 when ``holder`` does not hold the account."""
    email = (email or "").strip()
    if role not in MemberRole.values:
        raise DomainError(_("Выберите роль."), code="bad_role", field="role")
    with transaction.atomic():
        PersonalAccount.objects.select_for_update().filter(pk=account.pk).first()
        _require_holder(user=holder, account=account)
        if holder.email and holder.email.lower() == email.lower():
            raise DomainError(_("Это ваш собственный адрес."), code="self", field="email")
        if Membership.objects.filter(account=account, user__email__iexact=email).exists():
            raise DomainError(_("Этот человек уже в семье: измените его роль в списке."), code="already_member")
        if Membership.objects.filter(account=account).count() >= MAX_MEMBERS:
            raise DomainError(_("В семье не больше %(n)s участников.") % {"n": MAX_MEMBERS}, code="too_many")
        now = timezone.now()
        Invitation.objects.filter(account=account, email__iexact=email, used_at__isnull=True).update(used_at=now)
        raw = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            account=account,
            email=email,
            role=role,
            token_hash=_hash(raw),
            invited_by=holder,
            expires_at=now + settings.HOUSEHOLD_INVITATION_LIFETIME,
        )
        security.record(
            Kind.HOUSEHOLD_INVITE,
            user=holder,
            account_number=account.number,
            ip=ip,
            role=role,
            invitee=mask_email(email),
            invitation=invitation.pk,
        )
        mail.send(
            name="household_invitation",
            to=email,
            context={
                "link": settings.SITE_URL + reverse("accounts:invitation", kwargs={"token": raw}),
                "holder": str(holder),
                "address": account.address,
                "role": MemberRole(role).label,
                "hours": int(settings.HOUSEHOLD_INVITATION_LIFETIME.total_seconds() // 3600),
            },
        )
    return invitation, raw


def invitation_check(*, raw: str, lock: bool = False) -> Invitation:
    """The pending (unused, unexpired) invitation of a link, or DomainError ``bad_link``."""
    qs = Invitation.objects.filter(token_hash=_hash(raw))
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.select_related("account", "invited_by").first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= timezone.now():
        raise DomainError(_(BAD_LINK), code="bad_link")
    return invitation


def invitation_accept(*, raw: str, user, ip: str | None) -> Membership:
    """Accept an invitation as ``user``: the link is consumed, the login
    becomes a member with the invited role. Raises DomainError ``bad_link``,
    ``holder`` (the holder cannot be a member of their own account) or
    ``already_member``."""
    with transaction.atomic():
        invitation = invitation_check(raw=raw, lock=True)
        if role_of(user=user, account_id=invitation.account_id) == HOLDER:
            raise DomainError(_("Это ваш собственный лицевой счёт."), code="holder")
        invitation.used_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["used_at", "accepted_by"])
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    account=invitation.account, user=user, role=invitation.role, invited_by=invitation.invited_by
                )
        except IntegrityError:
            raise DomainError(_("Вы уже участник этого лицевого счёта."), code="already_member") from None
        security.record(
            Kind.HOUSEHOLD_ACCEPT,
            user=user,
            account_number=invitation.account.number,
            ip=ip,
            role=invitation.role,
            invitation=invitation.pk,
        )
    return membership


def invitation_register_accept(*, raw: str, password: str, ip: str | None):
    """Create a login for the invitation's address (the link proves the
    mailbox: the email is confirmed) and accept. Returns the new user.
    Raises DomainError ``bad_link`` or ``has_login`` (that address already
    has a login: log in instead), ValidationError for a weak password."""
    with transaction.atomic():
        invitation = invitation_check(raw=raw, lock=True)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise DomainError(
                _("У этого адреса уже есть вход в кабинет: войдите и примите приглашение."), code="has_login"
            )
        user = User(username=f"m-{secrets.token_hex(6)}", email=invitation.email)
        validate_password(password, user=user)
        user.set_password(password)
        user.email_confirmed_at = user.password_changed_at = timezone.now()
        user.save()
        security.record(Kind.REGISTRATION, user=user, ip=ip, step="invitation")
        invitation_accept(raw=raw, user=user, ip=ip)
    return user


def _membership_of_holder(*, holder, membership_id) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("account", "user").filter(pk=membership_id).first()
    )
    if membership is None or role_of(user=holder, account_id=membership.account_id) != HOLDER:
        raise Http404
    return membership


def member_role_change(*, holder, membership_id, role: str, ip: str | None) -> Membership:
    """Give a member another role; effective on the member's next request."""
    if role not in MemberRole.values:
        raise DomainError(_("Выберите роль."), code="bad_role", field="role")
    with transaction.atomic():
        membership = _membership_of_holder(holder=holder, membership_id=membership_id)
        if membership.role != role:
            old, membership.role = membership.role, role
            membership.save(update_fields=["role"])
            security.record(
                Kind.HOUSEHOLD_ROLE,
                user=membership.user,
                actor=holder,
                account_number=membership.account.number,
                ip=ip,
                old=old,
                role=role,
            )
    return membership


def member_remove(*, holder, membership_id, ip: str | None) -> None:
    """Take the account away from a member at once; their API tokens of the
    account are revoked. A member may also remove themselves (leave)."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("account", "user").filter(pk=membership_id).first()
        )
        if membership is None or (
            membership.user_id != holder.pk and role_of(user=holder, account_id=membership.account_id) != HOLDER
        ):
            raise Http404
        ApiToken.objects.filter(user=membership.user, account=membership.account, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        membership.delete()
        security.record(
            Kind.HOUSEHOLD_REMOVE,
            user=membership.user,
            actor=holder,
            account_number=membership.account.number,
            ip=ip,
            role=membership.role,
            left=membership.user_id == holder.pk,
        )


def invitation_cancel(*, holder, invitation_id) -> None:
    """Withdraw a pending invitation (idempotent); its link stops working."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None or role_of(user=holder, account_id=invitation.account_id) != HOLDER:
            raise Http404
        if invitation.used_at is None:
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])


def household_for(*, holder, account: PersonalAccount) -> dict:
    """The holder's view of the household: members and pending invitations."""
    _require_holder(user=holder, account=account)
    now = timezone.now()
    return {
        "members": list(Membership.objects.filter(account=account).select_related("user")),
        "invitations": list(
            Invitation.objects.filter(account=account, used_at__isnull=True, expires_at__gt=now).order_by("-created_at")
        ),
    }
