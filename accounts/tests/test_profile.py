import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client

from accounts.models import AccountLink, Consent, SecurityEvent
from accounts.selectors import ACTIVE_ACCOUNT_SESSION_KEY
from accounts.tests.conftest import NEW_PASSWORD, link_from

pytestmark = pytest.mark.django_db


def test_password_change_needs_the_current_password(client, resident):
    client.force_login(resident)
    response = client.post(
        "/accounts/password-change/",
        {"current_password": "not-my-password-1", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    resident.refresh_from_db()
    assert not resident.check_password(NEW_PASSWORD)


def test_password_change_keeps_this_session_and_ends_the_others(
    client, resident, password, django_capture_on_commit_callbacks
):
    other = Client()
    other.force_login(resident)
    other.get("/accounts/profile/")
    client.force_login(resident)
    client.get("/accounts/profile/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password-change/",
            {"current_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert other.get("/accounts/profile/").status_code == 302
    assert "изменён" in mail.outbox[-1].subject


def test_email_change_sends_a_link_to_the_new_address_and_a_notice_to_the_old(
    client, resident, password, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/profile/email/", {"email": "fresh@example.ru", "password": password})
    assert response.status_code == 302
    to_new = next(m for m in mail.outbox if m.to == ["fresh@example.ru"])
    to_old = next(m for m in mail.outbox if m.to == ["resident@example.ru"])
    assert "f***@example.ru" in to_old.body
    resident.refresh_from_db()
    assert resident.email == "resident@example.ru"
    link = link_from(to_new)
    assert client.post(link).status_code == 302
    resident.refresh_from_db()
    assert resident.email == "fresh@example.ru"
    assert resident.email_confirmed_at is not None
    assert client.post(link).status_code == 400


def test_email_change_link_expires_after_24_hours(client, resident, password, django_capture_on_commit_callbacks):
    client.force_login(resident)
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/profile/email/", {"email": "fresh@example.ru", "password": password})
        link = link_from(next(m for m in mail.outbox if m.to == ["fresh@example.ru"]))
        traveller.shift(dt.timedelta(hours=24, minutes=1))
        assert Client().post(link).status_code == 400


def test_notification_preferences_record_consent_with_address_and_text_version(client, resident, settings):
    client.force_login(resident)
    client.post(
        "/accounts/profile/notifications/",
        {"notify_readings": "on", "notify_payments": "on", "paperless_receipts": "on"},
        REMOTE_ADDR="192.0.2.7",
    )
    resident.refresh_from_db()
    assert resident.notify_readings and resident.paperless_receipts
    paperless = Consent.objects.get(user=resident, kind=Consent.Kind.PAPERLESS)
    assert paperless.given and paperless.ip_address == "192.0.2.7"
    assert paperless.text_version == settings.CONSENT_TEXT_VERSION
    client.post("/accounts/profile/notifications/", {})
    latest = Consent.objects.filter(user=resident, kind=Consent.Kind.NOTIFICATIONS).first()
    assert latest.given is False


def test_resident_links_another_account_with_its_bill_amount(client, resident, billed_account):
    client.force_login(resident)
    response = client.post("/accounts/profile/link/", {"account_number": billed_account.number, "amount": "987,65"})
    assert response.status_code == 302
    assert AccountLink.objects.get(account=billed_account).user == resident
    assert SecurityEvent.objects.filter(kind="account_link", user=resident).exists()


def test_another_residents_account_cannot_be_linked_without_its_bill_amount(client, resident, other_resident):
    client.force_login(resident)
    response = client.post("/accounts/profile/link/", {"account_number": "1000000202", "amount": "0,00"})
    assert response.status_code == 200
    assert "сумма не совпадает" in response.content.decode()
    assert AccountLink.objects.get(account__number="1000000202").user == other_resident


def test_linking_needs_kopecks(client, resident, billed_account):
    client.force_login(resident)
    response = client.post("/accounts/profile/link/", {"account_number": billed_account.number, "amount": "1234"})
    assert "копейк" in response.content.decode()
    assert not AccountLink.objects.filter(account=billed_account).exists()


def test_resident_unlinks_only_their_own_account(client, resident, other_resident):
    client.force_login(resident)
    foreign = other_resident.account_links.get().account
    assert client.post(f"/accounts/profile/unlink/{foreign.pk}/", {"confirm": "yes"}).status_code == 404
    own = resident.account_links.get().account
    # Unlinking is confirmed first (issue 13): the confirmed POST unlinks.
    assert client.post(f"/accounts/profile/unlink/{own.pk}/", {"confirm": "yes"}).status_code == 302
    assert not AccountLink.objects.filter(account=own).exists()


def test_switcher_sets_the_active_account_and_refuses_a_foreign_one(
    client, resident, billed_account, other_resident, settings
):
    AccountLink.objects.create(user=resident, account=billed_account)
    client.force_login(resident)
    page = client.get("/accounts/profile/").content.decode()
    assert 'action="/accounts/switch/"' in page
    response = client.post("/accounts/switch/", {"account": billed_account.pk, "next": "/accounts/profile/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert client.session[ACTIVE_ACCOUNT_SESSION_KEY] == billed_account.pk
    foreign = other_resident.account_links.get().account
    assert client.post("/accounts/switch/", {"account": foreign.pk}).status_code == 404
    offsite = client.post("/accounts/switch/", {"account": billed_account.pk, "next": "https://evil.example.com/"})
    assert offsite["Location"] == settings.LOGIN_REDIRECT_URL


def test_switcher_is_hidden_with_a_single_account(client, resident):
    client.force_login(resident)
    assert 'action="/accounts/switch/"' not in client.get("/accounts/profile/").content.decode()
