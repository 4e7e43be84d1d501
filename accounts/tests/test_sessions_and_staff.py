import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client, RequestFactory

from accounts import services
from accounts.admin_actions import send_reset_link, set_temporary_password
from accounts.models import SecurityEvent, User
from accounts.tests.conftest import CAPTCHA, NEW_PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def test_session_ends_after_30_idle_minutes(client, resident):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(resident)
        assert client.get("/accounts/profile/").status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/accounts/profile/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_session_ends_after_12_hours_even_when_active(client, resident):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(resident)
        client.get("/accounts/profile/")
        for _ in range(12 * 4 + 1):
            traveller.shift(dt.timedelta(minutes=15))
            last = client.get("/accounts/profile/")
            if last.status_code != 200:
                break
    assert last.status_code == 302
    assert "_auth_user_id" not in client.session


def _admin_request(operator):
    request = RequestFactory().post("/admin/accounts/user/")
    request.user = operator
    return request


class _ModelAdmin:
    def __init__(self):
        self.messages = []

    def message_user(self, request, message, level=None):
        self.messages.append(str(message))


def test_operator_sends_the_reset_link_to_the_email_on_file(operator, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_reset_link(_ModelAdmin(), _admin_request(operator), User.objects.filter(pk=resident.pk))
    assert mail.outbox[0].to == ["resident@example.ru"]
    event = SecurityEvent.objects.get(kind="staff_reset")
    assert event.actor == operator and event.user == resident and event.created_at


def test_temporary_password_must_be_changed_at_next_login(operator, resident, django_capture_on_commit_callbacks):
    modeladmin = _ModelAdmin()
    set_temporary_password(modeladmin, _admin_request(operator), User.objects.filter(pk=resident.pk))
    temporary = modeladmin.messages[0].split(": ")[1].split(" ")[0]
    event = SecurityEvent.objects.get(kind="staff_reset")
    assert event.actor == operator and temporary not in str(event.detail)

    client = Client()
    response = client.post("/accounts/login/", {"username": "1000000101", "password": temporary, **CAPTCHA})
    assert response["Location"] == "/accounts/password-change/"
    # Every other page sends the resident back to the change page.
    assert client.get("/accounts/profile/")["Location"] == "/accounts/password-change/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/password-change/",
            {"current_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    resident.refresh_from_db()
    assert not resident.must_change_password
    assert client.get("/accounts/profile/").status_code == 200


def test_temporary_password_ends_existing_sessions(operator, resident):
    other = Client()
    other.force_login(resident)
    other.get("/accounts/profile/")
    services.staff_temporary_password_set(operator=operator, user=resident)
    assert other.get("/accounts/profile/").status_code == 302


def test_enroll_totp_prints_an_otpauth_uri(operator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = io.StringIO()
    call_command("enroll_totp", "operator", "--no-qr", stdout=out)
    assert out.getvalue().startswith("otpauth://totp/")
    assert TOTPDevice.objects.filter(user=operator, confirmed=True).count() == 1


def test_enroll_totp_refuses_a_resident(resident):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("enroll_totp", "resident", stdout=io.StringIO())


def test_otp_admin_site_refuses_staff_without_a_verified_device(operator):
    from django_otp.admin import OTPAdminSite

    request = RequestFactory().get("/admin/")
    request.user = operator
    operator.is_verified = lambda: False
    assert OTPAdminSite().has_permission(request) is False
    operator.is_verified = lambda: True
    assert OTPAdminSite().has_permission(request) is True


def test_admin_otp_is_installed_when_required(settings):
    from django.contrib import admin
    from django_otp.admin import OTPAdminSite

    from accounts.otp import install_otp_admin

    original = admin.site.__class__
    settings.ADMIN_REQUIRE_OTP = True
    try:
        install_otp_admin()
        assert isinstance(admin.site, OTPAdminSite)
    finally:
        admin.site.__class__ = original
