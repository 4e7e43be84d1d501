import datetime as dt

import pytest
import time_machine
from django.conf import settings

from accounts.models import SecurityEvent
from accounts.tests.conftest import CAPTCHA

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
GENERIC = "Неверный номер лицевого счёта или пароль."


def login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **CAPTCHA}, **extra)


def test_resident_logs_in_with_the_account_number(client, resident, password):
    response = login(client, "1000000101", password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)
    assert SecurityEvent.objects.filter(kind="login", user=resident).exists()


def test_resident_logs_in_with_a_confirmed_email_only(client, resident, password):
    assert login(client, "resident@example.ru", password).status_code == 200
    resident.email_confirmed_at = resident.date_joined
    resident.save()
    assert login(client, "Resident@Example.ru", password).status_code == 302


def test_login_needs_the_captcha(client, resident, password):
    response = client.post(
        LOGIN, {"username": "1000000101", "password": password, "captcha_0": "x", "captcha_1": "WRONG"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_unknown_account_and_wrong_password_get_the_same_answer(client, resident):
    unknown = login(client, "1999999999", "whatever-password-1")
    wrong = login(client, "1000000101", "whatever-password-1")
    assert unknown.status_code == wrong.status_code == 200
    assert GENERIC in unknown.content.decode()
    assert GENERIC in wrong.content.decode()
    assert SecurityEvent.objects.filter(kind="login_failed").count() == 2


def test_login_gives_a_new_session_key(client, resident, password):
    client.get(LOGIN)
    client.session["probe"] = 1
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    login(client, "1000000101", password)
    assert client.cookies["sessionid"].value != before


def test_account_is_locked_after_the_failure_limit_and_the_lock_lifts_by_itself(client, resident, password):
    limit = settings.AXES_FAILURE_LIMIT
    start = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(limit):
            # Different client addresses: the lock is per account as well.
            login(client, "1000000101", "wrong-password-123", REMOTE_ADDR=f"10.0.0.{i + 1}")
        locked = login(client, "1000000101", password, REMOTE_ADDR="10.0.1.1")
        assert locked.status_code == 429
        body = locked.content.decode()
        assert "Попробуйте снова через 15 минут" in body
        assert "/accounts/password-reset/" in body
        assert "_auth_user_id" not in client.session
        assert SecurityEvent.objects.filter(kind="lockout").exists()
        # Failures during the lock do not extend it.
        traveller.shift(dt.timedelta(minutes=10))
        assert login(client, "1000000101", "wrong-password-123", REMOTE_ADDR="10.0.1.2").status_code == 429
        traveller.shift(dt.timedelta(minutes=6))
        assert login(client, "1000000101", password, REMOTE_ADDR="10.0.1.3").status_code == 302


def test_client_address_is_locked_across_accounts(client, resident, other_resident, password):
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        login(client, f"19000000{i:02d}", "wrong-password-123", REMOTE_ADDR="10.9.9.9")
    assert login(client, "1000000202", password, REMOTE_ADDR="10.9.9.9").status_code == 429
    assert login(client, "1000000202", password, REMOTE_ADDR="10.9.9.10").status_code == 302


def test_configuration_lets_at_most_100_failures_per_account_per_hour_through():
    per_window = settings.AXES_FAILURE_LIMIT
    windows_per_hour = dt.timedelta(hours=1) / settings.AXES_COOLOFF_TIME
    assert settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is False
    assert "username" in settings.AXES_LOCKOUT_PARAMETERS
    assert "ip_address" in settings.AXES_LOCKOUT_PARAMETERS
    assert per_window * (windows_per_hour + 1) <= 100


def test_logout_is_a_post_on_every_page(client, resident):
    client.force_login(resident)
    page = client.get("/")
    assert 'action="/accounts/logout/"' in page.content.decode()
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
