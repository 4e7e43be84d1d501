"""Optional two-factor login for residents: a TOTP device (django-otp, as
staff use) and 10 single-use recovery codes.

- **Turn on**: an unconfirmed ``TOTPDevice`` is created and shown as a QR
  code; the first right code confirms it, and 10 recovery codes are issued
  (shown once; only their SHA-256 is stored).
- **Log in**: after a right password a login with a confirmed device is not
  logged in yet: the session remembers it as pending for
  ``PENDING_SECONDS`` and the code page takes a TOTP code or a recovery
  code (which is then used up). Wrong codes are throttled per login
  (``ACCOUNTS_THROTTLES["otp_user"]``) and recorded.
- **Turn off**: with the password. **Lost phone and codes**: the office
  resets it (admin action, recorded with the operator).
"""

from __future__ import annotations

import hashlib
import io
import secrets

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security, throttle
from accounts.models import RecoveryCode, SecurityEvent
from eirc.errors import DomainError

Kind = SecurityEvent.Kind
DEVICE_NAME = "Кабинет жителя"
CODES = 10
PENDING_SECONDS = 300
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def is_enabled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def setup_start(*, user) -> TOTPDevice:
    """The unconfirmed device to show as a QR code (a new secret each time
    the page is opened anew; an enabled login gets DomainError)."""
    with transaction.atomic():
        if is_enabled(user):
            raise DomainError(_("Двухфакторный вход уже включён."), code="enabled")
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def pending_device(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG (no network, no file)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        out, kind="svg", scale=4, xmldecl=False, svgns=True, title=_("QR-код для приложения")
    )
    return out.getvalue().decode()


def _issue_codes(user) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(CODES):
        raw = "".join(secrets.choice(ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_hash(c)) for c in codes])
    return codes


def setup_confirm(*, user, code: str, ip: str | None) -> list[str]:
    """Confirm the pending device with its first code; returns the 10
    recovery codes (shown once). DomainError ``bad_code`` otherwise."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None or not device.verify_token((code or "").strip()):
            raise DomainError(_("Код не подошёл: введите шесть цифр из приложения."), code="bad_code", field="code")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _issue_codes(user)
        security.record(Kind.TWO_FACTOR_ON, user=user, ip=ip)
    return codes


def codes_renew(*, user, ip: str | None) -> list[str]:
    """New recovery codes (the old ones stop working)."""
    with transaction.atomic():
        if not is_enabled(user):
            raise DomainError(_("Двухфакторный вход не включён."), code="disabled")
        codes = _issue_codes(user)
        security.record(Kind.TWO_FACTOR_ON, user=user, ip=ip, step="codes_renewed")
    return codes


def codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _remove(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


def disable(*, user, password: str, ip: str | None) -> None:
    """Turn two-factor login off with the login's password."""
    if not user.check_password(password or ""):
        raise DomainError(_("Неверный пароль."), code="bad_password", field="password")
    with transaction.atomic():
        _remove(user)
        security.record(Kind.TWO_FACTOR_OFF, user=user, ip=ip)


def staff_reset(*, operator, user) -> None:
    """The office turns it off for a resident who lost the phone and the
    codes (identity checked by document); recorded with the operator."""
    with transaction.atomic():
        _remove(user)
        security.record(Kind.TWO_FACTOR_RESET, user=user, actor=operator)


def verify(*, user, code: str, ip: str | None) -> str:
    """Check a login's second factor: a TOTP code or an unused recovery code
    (used up here). Returns ``"totp"`` or ``"recovery"``; DomainError
    ``bad_code`` or ``throttled``."""
    ident = str(user.pk)
    if throttle.is_limited("otp_user", ident):
        raise DomainError(_("Слишком много неверных кодов. Попробуйте позже."), code="throttled")
    code = (code or "").strip()
    with transaction.atomic():
        if code.isdigit() and len(code) == 6:
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(code):
                    return "totp"
        else:
            row = (
                RecoveryCode.objects.select_for_update()
                .filter(user=user, code_hash=_hash(code), used_at__isnull=True)
                .first()
            )
            if row is not None:
                row.used_at = timezone.now()
                row.save(update_fields=["used_at"])
                security.record(Kind.RECOVERY_CODE_USED, user=user, ip=ip, left=codes_left(user))
                return "recovery"
    throttle.hit("otp_user", ident)
    security.record(Kind.TWO_FACTOR_FAILED, user=user, ip=ip)
    raise DomainError(_("Код не подошёл."), code="bad_code", field="code")
