"""The demo logins' passwords are public (README): in production settings
they open nothing, and the demo seed does not run at all."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from eirc.tests.factories import UserFactory


@pytest.fixture
def staff_with_demo_password(db):
    user = UserFactory(username="operator", is_staff=True)
    user.set_password("demo-operator-2026")
    user.save()
    return user


def login(password):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.7")
    return authenticate(request, username="operator", password=password)


def test_demo_password_works_in_debug(staff_with_demo_password, settings):
    settings.DEMO_LOGINS_ALLOWED = True
    assert login("demo-operator-2026") == staff_with_demo_password


def test_demo_password_is_refused_with_debug_off(staff_with_demo_password, settings):
    settings.DEMO_LOGINS_ALLOWED = False
    assert login("demo-operator-2026") is None


def test_a_real_password_still_works_with_debug_off(staff_with_demo_password, settings):
    staff_with_demo_password.set_password("a-real-long-staff-passphrase")
    staff_with_demo_password.save()
    settings.DEMO_LOGINS_ALLOWED = False
    assert login("a-real-long-staff-passphrase") == staff_with_demo_password


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEMO_LOGINS_ALLOWED = False
    with pytest.raises(CommandError, match="DEBUG=false"):
        call_command("seed_demo", "--accounts", "1", "--months", "1")
