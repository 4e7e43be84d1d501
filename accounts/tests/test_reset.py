import datetime as dt
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from accounts.models import LoginSession, SecurityEvent
from accounts.tests.conftest import CAPTCHA, NEW_PASSWORD, link_from

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"


def request_reset(client, number="1000000101", email="resident@example.ru"):
    return client.post(RESET, {"account_number": number, "email": email, **CAPTCHA})


def test_reset_for_a_matching_account_sends_a_link_from_the_site_address(
    client, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_reset(client, email="RESIDENT@example.ru")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["resident@example.ru"]
    assert "https://lk.example.test/accounts/password-reset/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("number", "email"),
    [
        ("1999999999", "resident@example.ru"),
        ("1000000101", "someone@example.ru"),
        ("1000000202", "resident@example.ru"),
    ],
    ids=["unknown-account", "wrong-email", "someone-elses-account"],
)
def test_reset_that_matches_nothing_sends_nothing_and_answers_the_same(
    client, resident, other_resident, django_capture_on_commit_callbacks, number, email
):
    with django_capture_on_commit_callbacks(execute=True):
        matching = request_reset(client)
    with django_capture_on_commit_callbacks(execute=True):
        unmatched = request_reset(client, number=number, email=email)
    assert len(mail.outbox) == 1
    assert unmatched.status_code == matching.status_code == 302
    assert unmatched["Location"] == matching["Location"]


def test_reset_requests_are_throttled_per_account_number(client, resident):
    limit = settings.ACCOUNTS_THROTTLES["reset_number"][0]
    for _ in range(limit):
        assert request_reset(client, email="x@example.ru").status_code == 302
    assert request_reset(client).status_code == 429


def test_reset_link_sets_the_password_and_ends_every_session(
    client, resident, password, django_capture_on_commit_callbacks
):
    from django.test import Client

    other = Client()
    other.force_login(resident)
    assert other.get("/accounts/profile/").status_code == 200
    other_key = other.session.session_key
    assert LoginSession.objects.filter(session_key=other_key).exists()

    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client)
    link = link_from(mail.outbox[0])
    assert client.get(link).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)
    # The other browser is logged out and its session is gone from the store.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert not store().exists(other_key)
    assert other.get("/accounts/profile/").status_code == 302
    # A notice went to the email.
    assert mail.outbox[-1].subject.startswith("Пароль личного кабинета")
    assert SecurityEvent.objects.filter(kind="reset", user=resident).exists()


def test_reset_link_is_refused_when_reused(client, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client)
    link = link_from(mail.outbox[0])
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.post(link, {"new_password1": NEW_PASSWORD + "x", "new_password2": NEW_PASSWORD + "x"})
    assert again.status_code == 400
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)


def test_reset_link_is_refused_after_one_hour(client, resident, password, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            request_reset(client)
        link = link_from(mail.outbox[0])
        traveller.shift(dt.timedelta(minutes=59))
        assert client.get(link).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 400
    resident.refresh_from_db()
    assert resident.check_password(password)


def test_a_newer_reset_link_retires_the_older_one(client, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client)
        request_reset(client)
    first, second = (link_from(m) for m in mail.outbox)
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200


def test_security_log_never_holds_the_token(client, resident, django_capture_on_commit_callbacks, caplog):
    with caplog.at_level("INFO", logger="eirc.security"):
        with django_capture_on_commit_callbacks(execute=True):
            request_reset(client)
        link = link_from(mail.outbox[0])
        client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    token = link.rstrip("/").rsplit("/", 1)[-1]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "event=reset" in logged
    assert token not in logged and NEW_PASSWORD not in logged
    for event in SecurityEvent.objects.all():
        assert token not in str(event.detail) and NEW_PASSWORD not in str(event.detail)
