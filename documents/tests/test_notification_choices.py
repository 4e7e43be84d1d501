"""Notification choices (issue 18): one page with a switch for every kind of
optional email and the e-receipt choice; every such email carries a signed,
expiring one-click link that turns off its kind only (text, HTML and the
List-Unsubscribe headers); senders honour the switches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Consent
from accounts.notifications import FIELDS, Kind, email_context, unsubscribe_url
from documents.models import Receipt
from documents.services.receipts import _email_receipt_if_paperless
from eirc import mail as eirc_mail
from eirc.tests.factories import MeterFactory, PaymentFactory, PeriodFactory
from meters.tests.conftest import at
from payments.services import _schedule_receipt_email

pytestmark = pytest.mark.django_db
PAGE = "/accounts/profile/notifications/"


@pytest.fixture(autouse=True)
def locmem_eager(settings):
    from eirc.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://lk.example.test"
    yield
    app.conf.task_always_eager = saved


def _path(url: str) -> str:
    return url.removeprefix("https://lk.example.test")


def test_the_page_lists_every_kind_and_the_e_receipt_and_saves_them(client, resident):
    client.force_login(resident)
    page = client.get(PAGE).content.decode()
    for label in Kind.labels:
        assert str(label) in page
    assert "квитанцию по электронной почте вместо бумажной" in page
    response = client.post(PAGE, {"notify_notices": "on", "notify_verification": "on"}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.notify_notices and resident.notify_verification
    assert not (resident.notify_readings or resident.notify_payments or resident.notify_requests)
    assert not resident.paperless_receipts
    consent = Consent.objects.filter(user=resident, kind="notifications").first()
    assert consent.given and consent.ip_address == "192.0.2.9"


@pytest.mark.parametrize("kind", list(FIELDS))
def test_the_link_turns_off_its_kind_only(resident, kind):
    for field in FIELDS.values():
        setattr(resident, field, True)
    resident.save()
    path = _path(unsubscribe_url(resident, kind))
    browser = Client(enforce_csrf_checks=True)  # a mail client's one-click POST carries no CSRF token
    assert browser.get(path).status_code == 200
    resident.refresh_from_db()
    assert getattr(resident, FIELDS[kind])  # opening the link (a link scanner) turns nothing off
    assert browser.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert browser.post(path).status_code == 200  # idempotent
    resident.refresh_from_db()
    assert not getattr(resident, FIELDS[kind])
    assert all(getattr(resident, f) for k, f in FIELDS.items() if k != kind)


def test_the_link_expires_and_refuses_tampering_and_a_changed_address(resident):
    resident.notify_notices = True
    resident.save()
    with time_machine.travel(timezone.now() - dt.timedelta(days=61)):
        old = _path(unsubscribe_url(resident, Kind.NOTICES))
    fresh = _path(unsubscribe_url(resident, Kind.NOTICES))
    assert Client().post(old).status_code == 400
    assert Client().post(fresh[:-3] + "abc/").status_code == 400
    resident.email = "new@example.ru"
    resident.save()
    assert Client().post(fresh).status_code == 400
    resident.refresh_from_db()
    assert resident.notify_notices


NAMES = {
    Kind.READINGS: ["readings_window_open", "readings_window_closing", "readings_confirmation"],
    Kind.VERIFICATION: ["readings_verification"],
    Kind.RECEIPT: ["receipt_ready"],
    Kind.PAYMENT: ["payment_succeeded"],
    Kind.REQUESTS: ["appeal_status", "appeal_answer", "certificate_ready", "certificate_rejected"],
}


@pytest.mark.parametrize(("kind", "name"), [(k, n) for k, names in NAMES.items() for n in names])
def test_every_optional_email_carries_its_link_and_headers(resident, kind, name):
    context = email_context(resident, kind)
    message = eirc_mail.build(name, [resident.email], context)
    url = context["unsubscribe_kind_url"]
    assert url in message.body
    assert url in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_security_emails_carry_no_unsubscribe(resident):
    message = eirc_mail.build("password_reset", [resident.email], {"link": "x"})
    assert "List-Unsubscribe" not in message.extra_headers


def test_payment_email_is_sent_with_its_link_and_not_after_opting_out(resident, django_capture_on_commit_callbacks):
    account = resident.account_links.get().account
    payment = PaymentFactory(account=account, user=resident, amount=Decimal("100.00"), paid_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        _schedule_receipt_email(payment)
    (message,) = mail.outbox
    assert "/accounts/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    Client().post(_path(message.extra_headers["List-Unsubscribe"].strip("<>")))
    payment.user.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _schedule_receipt_email(payment)
    assert mail.outbox == []


def test_new_receipt_email_follows_its_switch_and_paper_stays(resident, django_capture_on_commit_callbacks):
    account = resident.account_links.get().account
    resident.email_confirmed_at = timezone.now()
    resident.save()
    period = PeriodFactory(month=dt.date(2026, 2, 1), status="closed")
    receipt = Receipt.objects.create(
        account=account, period=period, status="ready", file="receipts/x.pdf", total_due=Decimal("10.00")
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _email_receipt_if_paperless(receipt) is False  # switch off by default
    resident.notify_receipts = True
    resident.save()
    receipt.account.link.user.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert _email_receipt_if_paperless(Receipt.objects.get(pk=receipt.pk)) is True
    (message,) = mail.outbox
    assert "Бумажная квитанция будет доставлена" in message.body
    assert not message.attachments
    assert "/accounts/unsubscribe/" in message.body


def test_verification_reminders_follow_their_own_switch(resident, django_capture_on_commit_callbacks):
    from meters.reminders import reminders_send_verification

    account = resident.account_links.get().account
    MeterFactory(account=account, serial="HW-99", verification_due=dt.date(2026, 5, 15))
    resident.notify_readings, resident.notify_verification = True, False
    resident.save()
    today = at(2026, 4, 20, 9).date()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_verification(today=today) == 0
    resident.notify_verification = True
    resident.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_verification(today=today) == 1
    (message,) = mail.outbox
    assert "/accounts/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
