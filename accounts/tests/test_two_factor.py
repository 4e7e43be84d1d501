"""Optional two-factor login for residents (issue 18): turning it on with a
QR code and the first code, 10 recovery codes shown once and stored hashed;
the login asks for the code after the password; a recovery code works once;
wrong codes are throttled; the office reset is recorded with the operator."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import RecoveryCode, SecurityEvent
from accounts.tests.conftest import CAPTCHA

pytestmark = pytest.mark.django_db
PAGE = "/accounts/profile/two-factor/"
LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _enable(client, user) -> list[str]:
    client.force_login(user)
    page = client.get(PAGE).content.decode()
    assert "<svg" in page and "totp-secret" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(PAGE, {"action": "confirm", "code": _code(device)})
    assert response.status_code == 200
    codes = list(response.context["codes"])
    client.logout()
    return codes


def _password(client, password, username="1000000101"):
    return client.post(LOGIN, {"username": username, "password": password, **CAPTCHA})


def test_setup_needs_a_right_first_code_then_gives_10_hashed_recovery_codes(client, resident):
    client.force_login(resident)
    client.get(PAGE)
    assert client.post(PAGE, {"action": "confirm", "code": "000000"}).status_code == 422
    assert not two_factor.is_enabled(resident)
    codes = _enable(client, resident)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert two_factor.is_enabled(resident)
    stored = set(RecoveryCode.objects.filter(user=resident).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c in stored for c in codes)
    assert SecurityEvent.objects.filter(kind="2fa_on", user=resident).exists()


def test_login_asks_for_the_code_after_the_password(client, resident, password):
    _enable(client, resident)
    response = _password(client, password)
    assert response.status_code == 302 and response["Location"] == CODE
    assert SESSION_KEY not in client.session
    assert client.get("/cabinet/").status_code == 302  # not logged in yet
    assert client.post(CODE, {"code": "123456"}).status_code == 422
    assert SESSION_KEY not in client.session
    # A minute later: django-otp makes a device wait after a failure (1 s,
    # doubling) and never takes a code of a time step already used (the setup's).
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=60)):
        device = TOTPDevice.objects.get(user=resident, confirmed=True)
        response = client.post(CODE, {"code": _code(device)})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(resident.pk)
    assert SecurityEvent.objects.filter(kind="login", user=resident, detail__factor="totp").exists()
    assert SecurityEvent.objects.filter(kind="2fa_failed", user=resident).count() == 1


def test_a_recovery_code_logs_in_once(client, resident, password):
    codes = _enable(client, resident)
    _password(client, password)
    assert client.post(CODE, {"code": codes[3].upper()}).status_code == 302
    assert client.session[SESSION_KEY] == str(resident.pk)
    client.logout()
    _password(client, password)
    assert client.post(CODE, {"code": codes[3]}).status_code == 422
    assert SESSION_KEY not in client.session
    assert SecurityEvent.objects.filter(kind="recovery_used", user=resident).count() == 1


def test_wrong_codes_are_throttled(client, resident, password, settings):
    settings.ACCOUNTS_THROTTLES = {**settings.ACCOUNTS_THROTTLES, "otp_user": (3, 900)}
    _enable(client, resident)
    _password(client, password)
    for _ in range(3):
        client.post(CODE, {"code": "111111"})
    device = TOTPDevice.objects.get(user=resident, confirmed=True)
    response = client.post(CODE, {"code": _code(device)})
    assert response.status_code == 422 and "Слишком много" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_code_page_without_a_password_first_leads_to_the_login(client):
    assert client.get(CODE)["Location"] == LOGIN


def test_disable_needs_the_password(client, resident, password):
    _enable(client, resident)
    client.force_login(resident)
    assert client.post(PAGE, {"action": "disable", "password": "wrong"}).status_code == 422
    assert two_factor.is_enabled(resident)
    assert client.post(PAGE, {"action": "disable", "password": password}).status_code == 302
    assert not two_factor.is_enabled(resident) and not RecoveryCode.objects.filter(user=resident).exists()


def test_office_reset_is_recorded_with_the_operator(client, resident, operator, password):
    _enable(client, resident)
    client.force_login(operator)
    response = client.post("/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [resident.pk]})
    assert response.status_code == 302
    assert not two_factor.is_enabled(resident)
    event = SecurityEvent.objects.get(kind="2fa_reset")
    assert event.user == resident and event.actor == operator
    client.logout()
    assert _password(client, password)["Location"] != CODE  # the password alone logs in again
    assert client.session[SESSION_KEY] == str(resident.pk)
