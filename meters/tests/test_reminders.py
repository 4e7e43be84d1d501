"""Reminders: the beat task run twice sends one email per resident, checked
on a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from eirc.tests.factories import AccountLinkFactory, MeterFactory, PersonalAccountFactory, UserFactory
from meters.models import ReminderSent
from meters.services import reading_submit
from meters.tasks import readings_window_reminders, verification_reminders
from meters.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(smtp_server):
    """`smtp.messages`: (recipients, parsed message) pairs (root conftest)."""
    return smtp_server


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def residents(resident, account, meter):
    """Two opted-in residents with a meter each, and one who did not opt in."""
    resident.notify_readings = True
    resident.save()
    second = UserFactory(username="second", email="second@example.ru", notify_readings=True)
    acc2 = AccountLinkFactory(user=second, account=PersonalAccountFactory(number="1000000303")).account
    MeterFactory(account=acc2, verification_due=dt.date(2030, 1, 1))
    silent = UserFactory(username="silent", email="silent@example.ru", notify_readings=False)
    acc3 = AccountLinkFactory(user=silent, account=PersonalAccountFactory(number="1000000404")).account
    MeterFactory(account=acc3, verification_due=dt.date(2030, 1, 1))
    return resident, second


def test_window_reminder_run_twice_sends_one_email_per_resident(smtp, residents, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2026, 4, 20, 9), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            readings_window_reminders.delay()
        with django_capture_on_commit_callbacks(execute=True):
            readings_window_reminders.delay()
    recipients = sorted(r for rcpts, _m in smtp.messages for r in rcpts)
    assert recipients == ["resident@example.ru", "second@example.ru"]
    _rcpts, message = smtp.messages[0]
    assert str(message["Subject"]).strip() == "Открыт приём показаний счётчиков"
    assert "с 20 по 25 число" in body(message)
    assert ReminderSent.objects.filter(kind="window_open", key="2026-04").count() == 2


def test_closing_reminder_skips_residents_who_submitted_every_meter(
    smtp, residents, account, meter, django_capture_on_commit_callbacks
):
    resident, _second = residents
    reading_submit(account=account, user=None, values={(meter.pk, "single"): "10"}, now=at(2026, 4, 22))
    with time_machine.travel(at(2026, 4, 23, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        readings_window_reminders.delay()
    recipients = [r for rcpts, _m in smtp.messages for r in rcpts]
    assert recipients == ["second@example.ru"]
    assert str(smtp.messages[0][1]["Subject"]).strip() == "Приём показаний счётчиков заканчивается"


def test_no_window_reminder_outside_the_window(smtp, residents, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2026, 4, 26, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        readings_window_reminders.delay()
    assert smtp.messages == []


def test_verification_reminder_goes_once_30_days_before(smtp, resident, account, django_capture_on_commit_callbacks):
    resident.notify_verification = True
    resident.save()
    MeterFactory(account=account, serial="HW-77", verification_due=dt.date(2026, 5, 15))
    MeterFactory(account=account, serial="HW-78", verification_due=dt.date(2026, 7, 15))
    with time_machine.travel(at(2026, 4, 20, 9), tick=False):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                verification_reminders.delay()
    assert len(smtp.messages) == 1
    assert "HW-77" in smtp.messages[0][1]["Subject"] and "15.05.2026" in body(smtp.messages[0][1])
