"""Reminders: the beat task run twice sends one email per resident, checked
on a real SMTP server on loopback (aiosmtpd); household members whose role
may hand in readings get them too, others never."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import Membership
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
    assert ReminderSent.objects.filter(kind="window_open", key__startswith="2026-04:").count() == 2


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


@pytest.fixture
def household(resident, account, meter):
    """The holder and four members of its account: «показания» and «оплата»
    opted in, a viewer opted in, a «показания» member who opted out, and a
    «представитель» who is removed before the run. Everyone wants both kinds."""
    resident.notify_readings = resident.notify_verification = True
    resident.save()
    wants = {"notify_readings": True, "notify_verification": True}
    people = {
        "reader": ("readings", wants),
        "payer": ("payer", wants),
        "viewer": ("viewer", wants),
        "optedout": ("readings", {"notify_readings": False, "notify_verification": False}),
        "removed": ("representative", wants),
    }
    for name, (role, notify) in people.items():
        user = UserFactory(username=name, email=f"{name}@example.ru", **notify)
        Membership.objects.create(account=account, user=user, role=role, invited_by=resident)
    Membership.objects.filter(user__username="removed").delete()
    return account


def run_twice(task, smtp, capture) -> dict[str, str]:
    """Run the beat task twice on 20.04.2026; the plain body of each email by
    its one recipient (so a second email to a login would be lost: the tests
    also count the emails)."""
    with time_machine.travel(at(2026, 4, 20, 9), tick=False):
        for _ in range(2):
            with capture(execute=True):
                task.delay()
    return {rcpts[0]: body(message) for rcpts, message in smtp.messages}


EXPECTED = ["payer@example.ru", "reader@example.ru", "resident@example.ru"]


def test_window_reminder_reaches_the_household_members_who_may_hand_in_readings(
    smtp, household, django_capture_on_commit_callbacks
):
    by_to = run_twice(readings_window_reminders, smtp, django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 3 and sorted(by_to) == EXPECTED
    for text in by_to.values():
        assert f"Лицевой счёт {household.number}, {household.address}" in text
        assert "CW-0001" in text
    assert "роль «показания»" in by_to["reader@example.ru"]
    assert "член семьи" not in by_to["resident@example.ru"]


def test_window_reminder_for_an_account_joined_later_in_the_window(
    smtp, resident, account, meter, django_capture_on_commit_callbacks
):
    """Once per login and account: a second account the login joins later is
    reminded on the next run, the first one not again."""
    resident.notify_readings = True
    resident.save()
    other = PersonalAccountFactory(number="1000000505")
    AccountLinkFactory(user=UserFactory(username="neighbour", email="n@example.ru"), account=other)
    MeterFactory(account=other, serial="NB-1", verification_due=dt.date(2030, 1, 1))
    with time_machine.travel(at(2026, 4, 20, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        readings_window_reminders.delay()
    Membership.objects.create(account=other, user=resident, role="readings")
    with time_machine.travel(at(2026, 4, 21, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        readings_window_reminders.delay()
    texts = [body(m) for rcpts, m in smtp.messages if rcpts == ["resident@example.ru"]]
    assert len(texts) == 2
    assert "CW-0001" in texts[0] and "NB-1" not in texts[0]
    assert "NB-1" in texts[1] and "CW-0001" not in texts[1] and "1000000505" in texts[1]


def test_window_reminder_sent_before_per_account_keys_is_not_repeated_to_the_holder(
    smtp, resident, account, meter, django_capture_on_commit_callbacks
):
    resident.notify_readings = True
    resident.save()
    ReminderSent.objects.create(user=resident, kind="window_open", key="2026-04")
    with time_machine.travel(at(2026, 4, 20, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        readings_window_reminders.delay()
    assert smtp.messages == []


def test_verification_reminder_reaches_the_household_members_who_may_hand_in_readings(
    smtp, household, django_capture_on_commit_callbacks
):
    MeterFactory(account=household, serial="HW-77", verification_due=dt.date(2026, 5, 15))
    by_to = run_twice(verification_reminders, smtp, django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 3 and sorted(by_to) == EXPECTED
    assert f"(лицевой счёт {household.number}, {household.address})" in by_to["payer@example.ru"]
    assert "член семьи с ролью «оплата»" in by_to["payer@example.ru"]
    assert "член семьи" not in by_to["resident@example.ru"]
    assert ReminderSent.objects.filter(kind="verification").count() == 3
