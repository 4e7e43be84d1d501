"""Staff two-factor login for /admin/ (django-otp TOTP) and the lockout log.

With ``settings.ADMIN_REQUIRE_OTP`` (default: on when DEBUG is off) the
default admin site becomes an :class:`~django_otp.admin.OTPAdminSite`: its
login form (:class:`StaffLoginForm`) asks for the TOTP code on the same page
as the password and only verified staff get in. Until both factors pass it
answers one generic Russian error, so a right password with a wrong code
looks like a wrong password (django-otp's own form tells them apart and
shows the device list once the password is right). Enrol a device with
``manage.py enroll_totp USERNAME``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm

STAFF_LOGIN_ERROR = _("Неверное имя пользователя, пароль или одноразовый код.")


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Password, staff flag and TOTP code, judged together."""

    otp_token = forms.CharField(
        label=_("Одноразовый код"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {"invalid_login": STAFF_LOGIN_ERROR, "inactive": STAFF_LOGIN_ERROR}

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            # Whichever factor failed (or a challenge was asked for), the
            # answer and the page are the same; nobody is logged in.
            self.user_cache = None
            raise ValidationError(STAFF_LOGIN_ERROR, code="invalid_login") from None

    def _verify_token(self, user, token, device=None):
        # No device list on the page (it would tell that the password was
        # right): the code is tried against the login's confirmed devices.
        if device is not None:
            return super()._verify_token(user, token, device)
        error = ValidationError(STAFF_LOGIN_ERROR, code="invalid_token")
        for candidate in devices_for_user(user, confirmed=True):
            try:
                return super()._verify_token(user, token, candidate)
            except ValidationError as exc:
                error = exc
        raise error

    def get_user(self):
        # The template and the login view see a user only once both passed.
        return self.user_cache if not self.errors else None


def install_otp_admin() -> None:
    if not getattr(settings, "ADMIN_REQUIRE_OTP", False):
        return
    from django.contrib import admin
    from django_otp.admin import OTPAdminSite

    if not isinstance(admin.site, OTPAdminSite):
        admin.site.__class__ = OTPAdminSite
    admin.site.login_form = StaffLoginForm
    admin.site.login_template = "admin/otp_login.html"


def _on_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """``username`` is the counter's key (``accounts.security.axes_username``):
    ``user:<id>`` for a login, a hash for a name that names none."""
    from accounts.models import SecurityEvent, User
    from accounts.security import USER_KEY_PREFIX, record

    key = username or ""
    user = None
    if key.startswith(USER_KEY_PREFIX) and key[len(USER_KEY_PREFIX) :].isdigit():
        user = User.objects.filter(pk=int(key[len(USER_KEY_PREFIX) :])).first()
    typed = request.POST.get("username", "") if request is not None and request.method == "POST" else ""
    record(SecurityEvent.Kind.LOCKOUT, user=user, account_number=typed[:32], ip=ip_address, counter=key[:40])


def connect_lockout_log() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_lockout, dispatch_uid="accounts.lockout_log")
