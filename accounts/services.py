"""Writes of the access part: registration, confirmation, reset, profile,
account links. Keyword-only, atomic; raise :class:`DomainError` with a
message a resident can read; emails are sent after commit by Celery."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import security, throttle
from accounts.models import AccessToken, AccountLink, LoginSession, PersonalAccount, SecurityEvent
from accounts.selectors import recent_bill_amounts
from eirc import jobs, mail
from eirc.errors import DomainError

User = get_user_model()
Kind = SecurityEvent.Kind

GENERIC_PROOF_ERROR = "Лицевой счёт не найден или сумма не совпадает с суммой последних квитанций."
THROTTLED_ERROR = "Слишком много попыток. Попробуйте позже — через час или обратитесь в офис ЕИРЦ."


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _link(name: str, raw: str) -> str:
    """A link from the configured site address, never the request's Host."""
    return settings.SITE_URL + reverse(name, kwargs={"token": raw})


# --- emailed links ------------------------------------------------------------


def token_issue(*, purpose: str, lifetime: timedelta, user=None, account=None, email: str = "") -> str:
    """Create a single-use token; returns the raw value (only its hash is stored).
    Earlier unused tokens of the same purpose for the same user are retired."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    if user is not None:
        AccessToken.objects.filter(purpose=purpose, user=user, used_at__isnull=True).update(used_at=now)
    AccessToken.objects.create(
        purpose=purpose,
        token_hash=_hash(raw),
        user=user,
        account=account,
        email=email,
        expires_at=now + lifetime,
    )
    return raw


def token_check(*, purpose: str, raw: str, lock: bool = False) -> AccessToken:
    """The valid (unused, unexpired) token, or DomainError. With ``lock`` the
    row is locked for the rest of the transaction (consume with
    :func:`_token_consume`)."""
    qs = AccessToken.objects.filter(purpose=purpose, token_hash=_hash(raw or ""))
    if lock:
        qs = qs.select_for_update(of=("self",))
    token = qs.select_related("user", "account").first()
    if token is None or token.used_at is not None or token.expires_at <= timezone.now():
        raise DomainError(_("Ссылка недействительна: она уже использована или её срок истёк."), code="bad_link")
    return token


def _token_consume(token: AccessToken) -> None:
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])


# --- sessions -----------------------------------------------------------------


def session_track(*, user, session_key: str) -> None:
    """Remember that ``session_key`` belongs to ``user`` (idempotent)."""
    if session_key:
        LoginSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def sessions_end_others(*, user, keep_session_key: str | None = None) -> int:
    """End every session of ``user`` except ``keep_session_key``. Returns how
    many were ended. (The password change already invalidates them through the
    session auth hash; this deletes them from the store as well.)"""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = LoginSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    return len(keys)


# --- proof of holding an account ------------------------------------------------


def _proof_ok(account: PersonalAccount | None, amount: Decimal) -> bool:
    if account is None:
        return False
    return any(amount == value for value in recent_bill_amounts(account))


def _find_account(number: str) -> PersonalAccount | None:
    return PersonalAccount.objects.filter(number=(number or "").strip()).first()


# --- registration -------------------------------------------------------------------


def registration_start(*, account_number: str, amount: Decimal, email: str, ip: str | None) -> None:
    """Check the proof (account number + amount of one of the last two
    receipts) and email a confirmation link (24 h, single use).

    Raises DomainError: ``throttled``; ``bad_proof`` (one generic message for
    a wrong number or a wrong amount); ``already_registered``.
    """
    number = (account_number or "").strip()
    email = (email or "").strip()
    if throttle.is_limited("register_number", number) or throttle.is_limited("register_ip", ip):
        security.record(Kind.REGISTRATION_FAILED, account_number=number, ip=ip, reason="throttled")
        raise DomainError(_(THROTTLED_ERROR), code="throttled")
    account = _find_account(number)
    if not _proof_ok(account, amount):
        throttle.hit("register_number", number)
        throttle.hit("register_ip", ip)
        security.record(Kind.REGISTRATION_FAILED, account_number=number, ip=ip, reason="bad_proof")
        raise DomainError(_(GENERIC_PROOF_ERROR), code="bad_proof")
    if AccountLink.objects.filter(account=account).exists():
        security.record(Kind.REGISTRATION_FAILED, account_number=number, ip=ip, reason="already_registered")
        raise DomainError(
            _(
                "Этот лицевой счёт уже зарегистрирован. Войдите в личный кабинет или восстановите пароль, "
                "если забыли его."
            ),
            code="already_registered",
        )
    with transaction.atomic():
        raw = token_issue(
            purpose=AccessToken.Purpose.REGISTRATION,
            lifetime=settings.REGISTRATION_LINK_LIFETIME,
            account=account,
            email=email,
        )
        security.record(Kind.REGISTRATION, account_number=number, ip=ip, step="link_sent")
        mail.send(
            name="registration_confirm",
            to=email,
            context={
                "link": _link("accounts:register_confirm", raw),
                "account_number": account.number,
                "hours": int(settings.REGISTRATION_LINK_LIFETIME.total_seconds() // 3600),
            },
        )


def registration_existing_user(token: AccessToken):
    """The login that already holds the token's email (confirmed), if any."""
    if not token.email:
        return None
    return User.objects.filter(email__iexact=token.email).first()


def registration_confirm(*, raw: str, password: str | None, ip: str | None):
    """Consume a registration link. A new login is created with ``password``
    (validated); when the email already belongs to a login, the account is
    linked to it and ``password`` is ignored. Returns ``(user, created)``."""
    with transaction.atomic():
        token = token_check(purpose=AccessToken.Purpose.REGISTRATION, raw=raw, lock=True)
        account = PersonalAccount.objects.select_for_update().get(pk=token.account_id)
        if AccountLink.objects.filter(account=account).exists():
            _token_consume(token)
            raise DomainError(
                _("Этот лицевой счёт уже зарегистрирован. Войдите в личный кабинет или восстановите пароль."),
                code="already_registered",
            )
        user = registration_existing_user(token)
        created = user is None
        if created:
            user = User(
                username=f"ls-{secrets.token_hex(6)}",
                email=token.email,
                first_name=account.owner_first_name,
                last_name=account.owner_last_name,
                middle_name=account.owner_middle_name,
            )
            user._pending_accounts = [account]
            if not password:
                raise DomainError(_("Задайте пароль."), code="password", field="new_password1")
            validate_password(password, user=user)
            user.set_password(password)
            user.email_confirmed_at = timezone.now()
            user.password_changed_at = timezone.now()
            user.save()
        elif user.email_confirmed_at is None:
            user.email_confirmed_at = timezone.now()
            user.save(update_fields=["email_confirmed_at"])
        try:
            with transaction.atomic():
                AccountLink.objects.create(user=user, account=account)
        except IntegrityError:
            raise DomainError(_("Этот лицевой счёт уже зарегистрирован."), code="already_registered") from None
        _token_consume(token)
        security.record(
            Kind.REGISTRATION, user=user, account_number=account.number, ip=ip, step="confirmed", new_login=created
        )
        if not created:
            security.record(Kind.ACCOUNT_LINK, user=user, account_number=account.number, ip=ip, via="registration")
    return user, created


# --- password reset ---------------------------------------------------------------


def password_reset_request(*, account_number: str, email: str, ip: str | None) -> None:
    """Accept a reset request: count it against the number and the address,
    and queue :func:`password_reset_send`, which emails a link when the
    number and the email match a login. The request does the same work
    whatever the outcome (DOMAIN: same message, status and timing whether or
    not an account exists): it never looks the account up. Raises
    DomainError ``throttled`` only."""
    number = (account_number or "").strip()
    if throttle.is_limited("reset_number", number) or throttle.is_limited("reset_ip", ip):
        security.record(Kind.PASSWORD_RESET_REQUEST, account_number=number, ip=ip, outcome="throttled")
        raise DomainError(_(THROTTLED_ERROR), code="throttled")
    throttle.hit("reset_number", number)
    throttle.hit("reset_ip", ip)
    jobs.enqueue("accounts.tasks.password_reset_send", account_number=number, email=(email or "").strip(), ip=ip)


def password_reset_send(*, account_number: str, email: str, ip: str | None) -> bool:
    """When the number and the email match an active login, email it a reset
    link (1 h, single use); an unknown account gets no email. Records the
    outcome. Returns whether a link was sent. Runs in the worker."""
    number = (account_number or "").strip()
    link = (
        AccountLink.objects.select_related("user")
        .filter(account__number=number, user__email__iexact=(email or "").strip(), user__is_active=True)
        .first()
    )
    if link is None:
        security.record(Kind.PASSWORD_RESET_REQUEST, account_number=number, ip=ip, outcome="no_match")
        return False
    with transaction.atomic():
        _send_reset_link(user=link.user)
        security.record(Kind.PASSWORD_RESET_REQUEST, user=link.user, account_number=number, ip=ip, outcome="link_sent")
    return True


def _send_reset_link(*, user) -> None:
    raw = token_issue(
        purpose=AccessToken.Purpose.PASSWORD_RESET, lifetime=settings.PASSWORD_RESET_LINK_LIFETIME, user=user
    )
    mail.send(
        name="password_reset",
        to=user.email,
        context={"link": _link("accounts:password_reset_confirm", raw), "minutes": 60},
    )


def _password_set(*, user, password: str, ip: str | None, kind: str, keep_session_key=None, actor=None) -> None:
    validate_password(password, user=user)
    user.set_password(password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    sessions_end_others(user=user, keep_session_key=keep_session_key)
    _retire_credentials(user=user)
    security.record(kind, user=user, actor=actor, ip=ip)
    if user.email:
        mail.send(
            name="password_changed",
            to=user.email,
            context={"when": timezone.localtime().strftime("%d.%m.%Y %H:%M"), "ip": ip or ""},
        )


def _retire_credentials(*, user) -> None:
    """After a password is set: unused reset and email-change links die, and
    personal API tokens are revoked (a stolen one must not outlive the
    password the resident just changed)."""
    from accounts.models import ApiToken

    now = timezone.now()
    AccessToken.objects.filter(
        user=user,
        used_at__isnull=True,
        purpose__in=[AccessToken.Purpose.PASSWORD_RESET, AccessToken.Purpose.EMAIL_CHANGE],
    ).update(used_at=now)
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)


def _reauthenticate(*, user, password: str, field: str) -> None:
    """The current password, checked behind a per-login throttle so a stolen
    session cannot be used to guess it."""
    if throttle.is_limited("reauth_user", str(user.pk)):
        raise DomainError(
            _("Слишком много попыток. Попробуйте через %(minutes)d мин.")
            % {"minutes": max(1, throttle.seconds_left("reauth_user") // 60)},
            code="throttled",
            field=field,
        )
    if not user.check_password(password or ""):
        throttle.hit("reauth_user", str(user.pk))
        raise DomainError(_("Текущий пароль указан неверно."), code="bad_password", field=field)


def password_reset_confirm(*, raw: str, password: str, ip: str | None):
    """Consume a reset link and set ``password``; every session of the user
    ends; a notice goes to the email. Returns the user."""
    with transaction.atomic():
        token = token_check(purpose=AccessToken.Purpose.PASSWORD_RESET, raw=raw, lock=True)
        user = token.user
        _password_set(user=user, password=password, ip=ip, kind=Kind.PASSWORD_RESET)
        _token_consume(token)
    return user


def password_change(*, user, current: str, new: str, ip: str | None, keep_session_key: str | None) -> None:
    """Change the password (the current one is required unless the operator
    issued a temporary one and it is being replaced); other sessions end."""
    _reauthenticate(user=user, password=current, field="current_password")
    with transaction.atomic():
        _password_set(user=user, password=new, ip=ip, kind=Kind.PASSWORD_CHANGE, keep_session_key=keep_session_key)


# --- email change -------------------------------------------------------------------


def email_change_request(*, user, new_email: str, password: str, ip: str | None) -> None:
    """Email a confirmation link to the new address; a notice to the old one."""
    new_email = (new_email or "").strip()
    _reauthenticate(user=user, password=password, field="password")
    if user.email and user.email.lower() == new_email.lower():
        raise DomainError(_("Это ваш текущий адрес."), code="same_email", field="email")
    with transaction.atomic():
        raw = token_issue(
            purpose=AccessToken.Purpose.EMAIL_CHANGE,
            lifetime=settings.EMAIL_CHANGE_LINK_LIFETIME,
            user=user,
            email=new_email,
        )
        security.record(Kind.EMAIL_CHANGE, user=user, ip=ip, step="requested")
        mail.send(
            name="email_change_confirm",
            to=new_email,
            context={"link": _link("accounts:email_confirm", raw), "hours": 24},
        )
        if user.email:
            mail.send(name="email_change_notice", to=user.email, context={"new_email_masked": _mask(new_email)})


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def email_change_confirm(*, raw: str, ip: str | None):
    """Consume an email-change link: the new address becomes the login's
    confirmed email. Returns the user."""
    with transaction.atomic():
        token = token_check(purpose=AccessToken.Purpose.EMAIL_CHANGE, raw=raw, lock=True)
        user = token.user
        if User.objects.filter(email__iexact=token.email).exclude(pk=user.pk).exists():
            _token_consume(token)
            raise DomainError(_("Этот адрес уже используется другим пользователем."), code="email_taken")
        user.email = token.email
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email", "email_confirmed_at"])
        _token_consume(token)
        # A reset link sent to the old address must not work any more.
        AccessToken.objects.filter(user=user, used_at__isnull=True, purpose=AccessToken.Purpose.PASSWORD_RESET).update(
            used_at=timezone.now()
        )
        security.record(Kind.EMAIL_CHANGE, user=user, ip=ip, step="confirmed")
    return user


# --- profile ------------------------------------------------------------------------


def notifications_update(
    *, user, notify_readings: bool, notify_payments: bool, paperless_receipts: bool, ip: str | None
) -> None:
    """Save the reading and payment emails and the e-receipt choice, keeping
    the other kinds as they are (accounts.notifications.notifications_set
    records the consents)."""
    from accounts.notifications import FIELDS, notifications_set

    choices = {field: getattr(user, field) for field in FIELDS.values()}
    choices.update(notify_readings=notify_readings, notify_payments=notify_payments)
    notifications_set(user=user, choices=choices, paperless=paperless_receipts, ip=ip)


def account_link(*, user, account_number: str, amount: Decimal, ip: str | None) -> PersonalAccount:
    """Link another personal account with the registration proof (number +
    amount of one of its last two receipts). Throttled like registration."""
    number = (account_number or "").strip()
    if throttle.is_limited("link_number", number) or throttle.is_limited("link_user", str(user.pk)):
        raise DomainError(_(THROTTLED_ERROR), code="throttled")
    account = _find_account(number)
    if not _proof_ok(account, amount):
        throttle.hit("link_number", number)
        throttle.hit("link_user", str(user.pk))
        security.record(Kind.ACCOUNT_LINK, user=user, account_number=number, ip=ip, outcome="bad_proof")
        raise DomainError(_(GENERIC_PROOF_ERROR), code="bad_proof")
    with transaction.atomic():
        existing = AccountLink.objects.select_for_update().filter(account=account).first()
        if existing is not None:
            if existing.user_id == user.pk:
                raise DomainError(_("Этот лицевой счёт уже привязан к вашему кабинету."), code="already_linked")
            raise DomainError(
                _("Этот лицевой счёт привязан к другому кабинету. Обратитесь в офис ЕИРЦ."), code="linked_elsewhere"
            )
        AccountLink.objects.create(user=user, account=account)
        security.record(Kind.ACCOUNT_LINK, user=user, account_number=number, ip=ip, outcome="linked")
    return account


def account_unlink(*, user, account: PersonalAccount, ip: str | None) -> None:
    """Unlink one of the user's accounts (the selector has checked ownership)."""
    with transaction.atomic():
        deleted, _rows = AccountLink.objects.filter(user=user, account=account).delete()
        if deleted:
            security.record(Kind.ACCOUNT_UNLINK, user=user, account_number=account.number, ip=ip)


# --- staff at the office -------------------------------------------------------------


def staff_reset_link_send(*, operator, user) -> None:
    """Send the reset link to the email on file (identity checked at the
    office). Recorded with the operator."""
    if not user.email:
        raise DomainError(_("У пользователя не указана электронная почта."), code="no_email")
    with transaction.atomic():
        _send_reset_link(user=user)
        security.record(Kind.STAFF_RESET, user=user, actor=operator, action="reset_link_sent")


def staff_temporary_password_set(*, operator, user) -> str:
    """Set a one-time temporary password that must be changed at the next
    login; every session of the user ends. Returns the password (shown once to
    the operator, never stored or logged)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    temporary = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
    with transaction.atomic():
        user.set_password(temporary)
        user.must_change_password = True
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        sessions_end_others(user=user)
        security.record(Kind.STAFF_RESET, user=user, actor=operator, action="temporary_password")
    return temporary
