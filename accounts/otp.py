"""Staff two-factor login for /admin/ (django-otp TOTP) and the lockout log.

With ``settings.ADMIN_REQUIRE_OTP`` (default: on when DEBUG is off) the
default admin site becomes an :class:`~django_otp.admin.OTPAdminSite`: its
login form asks for the TOTP code and only verified staff get in. Enrol a
device with ``manage.py enroll_totp USERNAME``.
"""

from __future__ import annotations

from django.conf import settings


def install_otp_admin() -> None:
    if not getattr(settings, "ADMIN_REQUIRE_OTP", False):
        return
    from django.contrib import admin
    from django_otp.admin import OTPAdminSite

    if not isinstance(admin.site, OTPAdminSite):
        admin.site.__class__ = OTPAdminSite


def _on_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    from accounts.models import SecurityEvent
    from accounts.security import record

    record(SecurityEvent.Kind.LOCKOUT, account_number=(username or "")[:32], ip=ip_address)


def connect_lockout_log() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_lockout, dispatch_uid="accounts.lockout_log")
