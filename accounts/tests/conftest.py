"""Fixtures of the access tests: captcha in test mode, Celery eager with the
locmem mailbox, a clean throttle cache, and an account with receipts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from eirc.tests.factories import PeriodFactory, PersonalAccountFactory, StatementFactory

CAPTCHA = {"captcha_0": "test", "captcha_1": "PASSED"}
LATEST = Decimal("1234.56")
PREVIOUS = Decimal("987.65")
OLDER = Decimal("555.55")
NEW_PASSWORD = "Zelenye-Lodki-Sevastopol-77"


@pytest.fixture(autouse=True)
def access_test_mode(monkeypatch, settings):
    from captcha.conf import settings as captcha_settings

    from eirc.celery import app

    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)
    eager = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://lk.example.test"
    cache.clear()
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = eager
    cache.clear()


def statement(account, month: dt.date, closing: Decimal):
    """A receipt: the statement of a closed period."""
    return StatementFactory(
        account=account,
        period=PeriodFactory(month=month, status="closed"),
        opening=Decimal("0.00"),
        charged=closing,
        paid=Decimal("0.00"),
    )


@pytest.fixture
def billed_account(db):
    """An account nobody holds yet, with three receipts: 555,55 (Dec),
    987,65 (Jan) and 1 234,56 (Feb)."""
    account = PersonalAccountFactory(
        number="3000000301", owner_last_name="Сидоров", owner_first_name="Пётр", owner_middle_name="Ильич"
    )
    statement(account, dt.date(2025, 12, 1), OLDER)
    statement(account, dt.date(2026, 1, 1), PREVIOUS)
    statement(account, dt.date(2026, 2, 1), LATEST)
    return account


@pytest.fixture
def resident_bills(resident):
    """The conftest resident's account, with receipts."""
    account = resident.account_links.get().account
    statement(account, dt.date(2026, 1, 1), PREVIOUS)
    statement(account, dt.date(2026, 2, 1), LATEST)
    return account


def link_from(message) -> str:
    """The path of the site link in an email (SITE_URL stripped)."""
    match = re.search(r"https://lk\.example\.test(/accounts/\S+/)", message.body)
    assert match, message.body
    return match.group(1)
