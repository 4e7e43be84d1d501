"""Rules added after a security review: credentials retired when the
password changes, a throttled current-password check, an unforgeable
security log, no-store on every logged-in page, staff pages behind the
admin gate, and a new holder who never sees the previous holder's requests."""

import logging

import pytest
from django.contrib.auth.models import Permission

from accounts import security, services
from accounts.models import AccessToken, ApiToken, SecurityEvent
from documents.models import CertificateRequest
from eirc.errors import DomainError
from eirc.tests.factories import AccountLinkFactory, UserFactory
from meters.tokens import api_token_authenticate, api_token_create

NEW_PASSWORD = "a-brand-new-long-passphrase"


def test_a_password_change_revokes_api_tokens_and_pending_reset_links(
    resident, password, django_capture_on_commit_callbacks
):
    account = resident.account_links.get().account
    _token, raw = api_token_create(user=resident, account=account, name="умный дом")
    with django_capture_on_commit_callbacks(execute=True):
        services.password_reset_request(account_number=account.number, email=resident.email, ip="192.0.2.1")
    assert AccessToken.objects.filter(user=resident, used_at__isnull=True).count() == 1
    services.password_change(user=resident, current=password, new=NEW_PASSWORD, ip="192.0.2.1", keep_session_key=None)
    assert api_token_authenticate(raw) is None
    assert ApiToken.objects.get().revoked_at is not None
    assert not AccessToken.objects.filter(user=resident, used_at__isnull=True).exists()


def test_wrong_current_passwords_are_throttled(resident, password, settings):
    settings.ACCOUNTS_THROTTLES = {**settings.ACCOUNTS_THROTTLES, "reauth_user": (3, 3600)}
    for _ in range(3):
        with pytest.raises(DomainError) as wrong:
            services.password_change(user=resident, current="guess", new=NEW_PASSWORD, ip=None, keep_session_key=None)
        assert wrong.value.code == "bad_password"
    with pytest.raises(DomainError) as limited:
        services.password_change(user=resident, current=password, new=NEW_PASSWORD, ip=None, keep_session_key=None)
    assert limited.value.code == "throttled"
    resident.refresh_from_db()
    assert resident.check_password(password)


def test_a_newline_typed_into_the_login_box_cannot_forge_a_log_line(db, caplog):
    with caplog.at_level(logging.INFO, logger="eirc.security"):
        security.record(SecurityEvent.Kind.LOGIN_FAILED, account_number="x\nevent=login user_id=1", ip="192.0.2.1")
    lines = [r.getMessage() for r in caplog.records if r.name == "eirc.security"]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "\\x0a" in lines[0]


def test_every_logged_in_page_is_no_store(client, resident):
    client.force_login(resident)
    for url in ("/cabinet/", "/cabinet/charges/", "/cabinet/readings/", "/cabinet/receipts/", "/payments/pay/"):
        assert "no-store" in client.get(url).get("Cache-Control", ""), url
    client.logout()
    assert "no-store" not in client.get("/info/tariffs/").get("Cache-Control", "")


def test_paperless_list_needs_the_admin_gate_and_a_permission(client, settings, db):
    staff = UserFactory(username="clerk", is_staff=True)
    client.force_login(staff)
    assert client.get("/documents/paperless/").status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    assert client.get("/documents/paperless/").status_code == 200
    resident = UserFactory(username="not-staff")
    client.force_login(resident)
    assert client.get("/documents/paperless/").status_code == 302  # to the admin login


def test_a_new_holder_does_not_see_the_previous_holders_requests(client, resident):
    account = resident.account_links.get().account
    CertificateRequest.objects.create(account=account, user=resident, kind="other", text="паспорт 4510 000000")
    resident.account_links.all().delete()
    newcomer = AccountLinkFactory(user=UserFactory(username="newcomer"), account=account).user
    client.force_login(newcomer)
    assert "паспорт" not in client.get("/cabinet/certificates/").content.decode()
