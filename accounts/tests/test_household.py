"""The household (issue 18): the holder invites by email with a role, the
link works once and for 72 hours, the invitee creates a login or logs in and
accepts; the holder changes roles and removes members, effective at once on
the member's open session; each step is a security event; a member never
sees the holder's profile, consents or tokens."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Consent, Invitation, Membership, SecurityEvent
from accounts.tests.conftest import NEW_PASSWORD, link_from
from eirc import pagecache
from eirc.tests.factories import AccountLinkFactory, PersonalAccountFactory, UserFactory

pytestmark = pytest.mark.django_db
HOUSEHOLD = "/accounts/household/"
DASHBOARD = "/cabinet/"
READINGS = "/cabinet/readings/"


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    def send(holder, email="relative@example.ru", role="readings"):
        client.force_login(holder)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(HOUSEHOLD, {"email": email, "role": role})
        assert response.status_code == 302, response.content.decode()
        (message,) = mail.outbox
        assert message.to == [email]
        return link_from(message)

    return send


def test_invitee_without_a_login_creates_one_and_becomes_a_member(client, invite, resident):
    account = resident.account_links.get().account
    link = invite(resident)
    client.logout()
    page = client.get(link)
    assert "Задайте пароль" in page.content.decode()
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    member = Membership.objects.get(account=account)
    assert member.role == "readings" and member.user.email == "relative@example.ru"
    assert member.user.email_confirmed_at is not None
    assert account.number in client.get(DASHBOARD).content.decode()
    kinds = set(SecurityEvent.objects.values_list("kind", flat=True))
    assert {"household_invite", "household_accept"} <= kinds
    assert not SecurityEvent.objects.filter(detail__has_key="link").exists()


def test_link_is_single_use(client, invite, resident):
    link = invite(resident)
    relative = UserFactory(username="relative", email="relative@example.ru")
    client.force_login(relative)
    assert client.post(link).status_code == 302
    other = UserFactory(username="someone")
    client.force_login(other)
    assert client.get(link).status_code == 400
    assert client.post(link).status_code == 400
    assert not Membership.objects.filter(user=other).exists()


def test_link_expires_after_72_hours(client, invite, resident):
    link = invite(resident)
    relative = UserFactory(username="relative", email="relative@example.ru")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=71, minutes=59)):
        client.force_login(relative)
        assert client.get(link).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=72, minutes=1)):
        client.force_login(relative)
        assert client.post(link).status_code == 400
    assert not Membership.objects.exists()


def test_a_new_invitation_retires_the_earlier_link(client, invite, resident):
    first = invite(resident)
    second = invite(resident, role="viewer")
    relative = UserFactory(username="relative", email="relative@example.ru")
    client.force_login(relative)
    assert client.post(first).status_code == 400
    assert client.post(second).status_code == 302
    assert Membership.objects.get(user=relative).role == "viewer"


def test_an_existing_login_is_asked_to_log_in_then_accepts(client, invite, resident):
    UserFactory(username="relative", email="relative@example.ru")
    link = invite(resident)
    client.logout()
    page = client.get(link).content.decode()
    assert "Войти" in page and "new_password1" not in page
    # A POST without a login creates nothing.
    assert client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 422
    assert not Membership.objects.exists()


def test_the_holder_cannot_accept_their_own_account(client, invite, resident):
    link = invite(resident)
    assert client.post(link).status_code == 400
    assert not Membership.objects.exists()


def test_removal_takes_effect_on_the_members_open_session(client, resident, django_user_model):
    from django.test import Client

    account = resident.account_links.get().account
    relative = UserFactory(username="relative")
    member = Membership.objects.create(account=account, user=relative, role="readings")
    member_client = Client()
    member_client.force_login(relative)
    assert account.number in member_client.get(DASHBOARD).content.decode()  # cached for the account now
    client.force_login(resident)
    assert client.post(reverse("accounts:member_remove", args=[member.pk])).status_code == 302
    page = member_client.get(DASHBOARD).content.decode()
    assert account.number not in page and "Нет привязанных лицевых счетов" in page
    assert member_client.post(READINGS, {}).status_code == 200  # the «no account» page, not the form
    assert "Нет привязанных" in member_client.post(READINGS, {}).content.decode()
    event = SecurityEvent.objects.get(kind="household_remove")
    assert event.user == relative and event.actor == resident and event.account_number == account.number


def test_role_change_takes_effect_at_once(client, resident):
    account = resident.account_links.get().account
    relative = UserFactory(username="relative")
    member = Membership.objects.create(account=account, user=relative, role="payer")
    from django.test import Client

    member_client = Client()
    member_client.force_login(relative)
    assert member_client.get("/payments/pay/").status_code == 200
    client.force_login(resident)
    url = reverse("accounts:member_role", args=[member.pk])
    assert client.post(url, {f"m{member.pk}-role": "viewer"}).status_code == 302
    assert member_client.get("/payments/pay/").status_code == 403
    assert SecurityEvent.objects.filter(kind="household_role", user=relative, actor=resident).exists()


def test_removal_revokes_the_members_api_tokens(client, resident):
    account = resident.account_links.get().account
    relative = UserFactory(username="relative")
    member = Membership.objects.create(account=account, user=relative, role="readings")
    ApiToken.objects.create(user=relative, account=account, name="t", prefix="eirc_x", token_hash="a" * 64)
    client.force_login(resident)
    client.post(reverse("accounts:member_remove", args=[member.pk]))
    assert ApiToken.objects.get(user=relative).revoked_at is not None


def test_member_sees_nothing_of_the_holders_profile(client, resident):
    account = resident.account_links.get().account
    other_account = PersonalAccountFactory(number="1000000999")
    AccountLinkFactory(user=resident, account=other_account)
    Consent.objects.create(user=resident, kind="paperless", text_version="2026-01")
    ApiToken.objects.create(user=resident, account=account, name="Домашний", prefix="eirc_h", token_hash="b" * 64)
    relative = UserFactory(username="relative", email="relative@example.ru")
    Membership.objects.create(account=account, user=relative, role="representative")
    client.force_login(relative)
    profile = client.get("/accounts/profile/").content.decode()
    assert "resident@example.ru" not in profile and "1000000999" not in profile
    assert "Выйти из семьи" in profile
    assert client.get(HOUSEHOLD).status_code == 403
    tokens = client.get("/cabinet/readings/tokens/").content.decode()
    assert "Домашний" not in tokens
    assert client.get(reverse("accounts:unlink_account", args=[account.pk])).status_code == 404
    switch = client.post("/accounts/switch/", {"account": other_account.pk, "next": "/cabinet/"})
    assert switch.status_code == 404


def test_member_may_leave(client, resident):
    account = resident.account_links.get().account
    relative = UserFactory(username="relative")
    member = Membership.objects.create(account=account, user=relative, role="viewer")
    client.force_login(relative)
    response = client.post(reverse("accounts:member_remove", args=[member.pk]), {"leave": "yes"})
    assert response.status_code == 302 and not Membership.objects.exists()


def test_members_cannot_manage_other_members(client, resident):
    account = resident.account_links.get().account
    a, b = UserFactory(username="a"), UserFactory(username="b")
    Membership.objects.create(account=account, user=a, role="representative")
    target = Membership.objects.create(account=account, user=b, role="viewer")
    client.force_login(a)
    assert client.post(reverse("accounts:member_remove", args=[target.pk])).status_code == 404
    assert client.post(reverse("accounts:member_role", args=[target.pk]), {}).status_code == 403
    assert Membership.objects.filter(pk=target.pk).exists()


def test_cached_pages_are_keyed_by_role(resident):
    account = resident.account_links.get().account
    account.data_version, account.site_version = 1, 1
    account.role = "holder"
    holder_key = pagecache.page_key(name="dashboard", account=account, today=dt.date(2026, 3, 1))
    account.role = "viewer"
    assert pagecache.page_key(name="dashboard", account=account, today=dt.date(2026, 3, 1)) != holder_key


def test_invitation_lists_and_cancels(client, invite, resident):
    invite(resident, email="x@example.ru")
    page = client.get(HOUSEHOLD).content.decode()
    assert "x@example.ru" in page
    invitation = Invitation.objects.get()
    assert client.post(reverse("accounts:invitation_cancel", args=[invitation.pk])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.used_at is not None
