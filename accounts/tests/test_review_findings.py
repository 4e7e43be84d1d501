"""Findings of the second security review (issue 12) on the access part:
one lockout per account whatever the login's spelling, no 500 on a NUL or an
over-long email, a password reset that does the same work for every outcome,
and a staff login that tells nothing before both factors pass."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import AccessToken, SecurityEvent
from accounts.tests.conftest import CAPTCHA

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
GENERIC = "Неверный номер лицевого счёта или пароль."
# 64 + 1 + 246 = 311 characters, valid for Django's EmailValidator (every
# label of the domain ≤ 63 characters); the email columns hold 254.
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".ru"


def login(client, username, password, ip="192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password, **CAPTCHA}, REMOTE_ADDR=ip)


@pytest.fixture
def confirmed(resident):
    resident.email_confirmed_at = timezone.now()
    resident.save(update_fields=["email_confirmed_at"])
    return resident


def test_every_spelling_of_one_login_feeds_one_lockout(client, confirmed, password):
    # The premise: PostgreSQL's upper() makes «reſıdent» match «resident».
    assert login(client, "reſıdent@example.ru", password).status_code == 302
    client.logout()
    spellings = [
        "1000000101",
        "resident@example.ru",
        "RESIDENT@example.ru",
        "reſıdent@example.ru",
        "ｒｅｓｉｄｅｎｔ@example.ru",
    ]
    for i in range(settings.AXES_FAILURE_LIMIT):
        # A new address every time: only the per-account counter can lock.
        login(client, spellings[i % len(spellings)], "wrong-password-123", ip=f"198.51.100.{i + 1}")
    assert login(client, "1000000101", password, ip="203.0.113.77").status_code == 429
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKOUT, user=confirmed).exists()


def test_spellings_of_an_unknown_login_feed_one_counter_too(client, db):
    spellings = ["nobody@example.ru", "NoBody@Example.RU", "ｎｏｂｏｄｙ@example.ru", " nobody@example.ru "]
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, spellings[i % len(spellings)], "wrong-password-123", ip=f"198.51.100.{i + 1}")
    assert login(client, "nobody@example.ru", "wrong-password-123", ip="203.0.113.77").status_code == 429


def test_a_nul_byte_in_the_login_name_gets_the_generic_answer(client, resident, password):
    for name in ("1000000101\x00", "resident\x00@example.ru", "\x00"):
        response = login(client, name, password)
        assert response.status_code == 200
        assert GENERIC in response.content.decode() or "ноль-байт" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_over_long_email_in_the_profile_is_a_form_error(client, resident, password):
    client.force_login(resident)
    response = client.post("/accounts/profile/email/", {"email": LONG_EMAIL, "password": password})
    assert response.status_code == 200
    assert "254" in response.content.decode()
    assert not AccessToken.objects.filter(purpose=AccessToken.Purpose.EMAIL_CHANGE).exists()


def test_an_over_long_email_in_registration_and_reset_is_a_form_error(client, resident):
    for url in ("/accounts/register/", "/accounts/password-reset/"):
        data = {"account_number": "1000000101", "amount": "1234,56", "email": LONG_EMAIL, **CAPTCHA}
        response = client.post(url, data)
        assert response.status_code == 200, url
        assert "254" in response.content.decode()
    assert not AccessToken.objects.exists()


class _Recorder:
    """SQL templates (without parameters) of what a request runs."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


def _reset_work(client, monkeypatch, number, email, ip):
    from eirc import jobs

    sent: list[str] = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, /, **kwargs: sent.append(name))
    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        response = client.post(
            "/accounts/password-reset/", {"account_number": number, "email": email, **CAPTCHA}, REMOTE_ADDR=ip
        )
    # Session and savepoint bookkeeping aside, the statements that touch the
    # project's tables tell the work done.
    ours = [s for s in recorder.statements if "django_session" not in s and "SAVEPOINT" not in s]
    return response, ours, sent


def test_password_reset_does_the_same_work_for_every_outcome(client, resident, other_resident, monkeypatch):
    outcomes = [
        ("1000000101", "resident@example.ru", "192.0.2.1"),  # a matching pair
        ("1000000101", "someone@example.ru", "192.0.2.2"),  # a known number, another email
        ("1999999999", "resident@example.ru", "192.0.2.3"),  # an unknown number
    ]
    seen = [_reset_work(client, monkeypatch, *outcome) for outcome in outcomes]
    responses = [r for r, _sql, _sent in seen]
    assert {r.status_code for r in responses} == {302}
    assert len({r["Location"] for r in responses}) == 1
    statements = [sql for _r, sql, _sent in seen]
    assert statements[0] == statements[1] == statements[2]
    # The request itself issues no token: the same single task is queued for
    # every outcome, and it alone decides (in the worker) whether to email.
    assert not AccessToken.objects.exists()
    assert [sent for _r, _sql, sent in seen] == [["accounts.tasks.password_reset_send"]] * 3


def test_the_reset_task_emails_only_a_matching_pair(resident, other_resident):
    from accounts.tasks import password_reset_send

    password_reset_send(account_number="1000000101", email="someone@example.ru", ip="192.0.2.1")
    password_reset_send(account_number="1999999999", email="resident@example.ru", ip="192.0.2.1")
    assert AccessToken.objects.count() == 0
    password_reset_send(account_number="1000000101", email="RESIDENT@example.ru", ip="192.0.2.1")
    assert AccessToken.objects.filter(user=resident, purpose=AccessToken.Purpose.PASSWORD_RESET).count() == 1
    outcomes = list(
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_RESET_REQUEST)
        .order_by("pk")
        .values_list("detail__outcome", flat=True)
    )
    assert outcomes == ["no_match", "no_match", "link_sent"]


@pytest.fixture
def otp_admin(settings):
    """The admin site as production runs it: TOTP required."""
    from django.contrib import admin

    from accounts.otp import install_otp_admin

    saved = admin.site.__class__, dict(admin.site.__dict__)
    settings.ADMIN_REQUIRE_OTP = True
    install_otp_admin()
    yield admin.site
    admin.site.__class__ = saved[0]
    admin.site.__dict__.clear()
    admin.site.__dict__.update(saved[1])


STAFF_GENERIC = "Неверное имя пользователя, пароль или одноразовый код."


def _admin_login(client, username, password, token):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password, "otp_token": token})


def test_admin_login_says_nothing_about_the_password_before_the_code_passes(client, otp_admin, operator, password):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    wrong_password = _admin_login(client, "operator", "not-the-password-1", "123456").content.decode()
    right_password = _admin_login(client, "operator", password, "000000").content.decode()
    no_code = _admin_login(client, "operator", password, "").content.decode()
    for page in (wrong_password, right_password, no_code):
        assert STAFF_GENERIC in page
        assert "OTP" not in page and "Invalid token" not in page and "Please enter" not in page
        assert 'name="otp_device"' not in page and "otp_challenge" not in page
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert _admin_login(client, "operator", password, code).status_code == 302
    assert client.session["_auth_user_id"] == str(operator.pk)
