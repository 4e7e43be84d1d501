"""Shared fixtures: a resident with an account, another resident who must
see nothing of the first, the two staff roles and a loopback SMTP server."""

import pytest
from django.contrib.auth.models import Group

from eirc.tests.factories import PASSWORD, AccountLinkFactory, PersonalAccountFactory, UserFactory
from eirc.tests.smtp import HOST, loopback_smtp


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def resident(db):
    account = PersonalAccountFactory(number="1000000101")
    return AccountLinkFactory(user=UserFactory(username="resident", email="resident@example.ru"), account=account).user


@pytest.fixture
def other_resident(db):
    account = PersonalAccountFactory(number="1000000202", owner_last_name="Петров")
    return AccountLinkFactory(user=UserFactory(username="other", email="other@example.ru"), account=account).user


def _staff(username, group_name):
    user = UserFactory(username=username, email=f"{username}@sev-eirc.ru", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def operator(db):
    return _staff("operator", "Операторы")


@pytest.fixture
def accountant(db):
    return _staff("accountant", "Бухгалтерия")


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that Django's email goes to; yields its
    `Inbox` (`.envelopes`, parsed `.messages`, `.port` for subprocesses)."""
    with loopback_smtp() as inbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = HOST, inbox.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield inbox
