"""Autopay (issue 17) through the real YooKassa SDK against the local stub,
on Postgres: one payment per account and receipt however the task runs, a
warning three days ahead, nothing above the limit, one retry after a
decline, a pause after two, and a deleted card stops it."""

import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from payments import autopay
from payments.models import Autopay, AutopayCharge, Payment, SavedCard
from payments.tests.helpers import assert_billing_consistent, balance, payment_entries

pytestmark = pytest.mark.django_db(transaction=True)

PLANNED = dt.date(2026, 3, 2)  # the February receipt is out; autopay is on for the 10th
WARN = dt.date(2026, 3, 7)
CHARGE = dt.date(2026, 3, 10)


@pytest.fixture
def card(resident):
    return SavedCard.objects.create(
        user=resident,
        provider="yookassa",
        gateway_method_id=str(uuid.uuid4()),
        last4="4477",
        card_type="MasterCard",
        expiry_month=12,
        expiry_year=2030,
        consent_version="2026-12",
    )


@pytest.fixture
def on(yookassa, receipt, resident, card):
    """Autopay of the resident's account: the saved card, up to 6 000 ₽, on the 10th."""
    return autopay.autopay_set(
        user=resident, account=receipt, card_id=card.pk, limit=Decimal("6000"), when="day", day=10, ip=None
    )


def subjects(word):
    return [m.subject for m in mail.outbox if word in m.subject]


def test_the_saved_card_pays_the_receipt_after_a_warning_three_days_ahead(on, yookassa, receipt, card):
    autopay.autopay_run(today=PLANNED)
    charge = AutopayCharge.objects.get()
    assert (charge.charge_on, charge.amount, charge.status) == (CHARGE, Decimal("5000.00"), "scheduled")
    assert not subjects("Автоплатёж 5")
    autopay.autopay_run(today=WARN)
    (notice,) = [m for m in mail.outbox if m.subject.startswith("Автоплатёж 5")]
    assert "10.03.2026" in notice.body and "/autopay/skip/" in notice.body
    assert not Payment.objects.exists()
    autopay.autopay_run(today=CHARGE)
    payment = Payment.objects.get()
    body = yookassa.creates()[0]["body"]
    assert body["payment_method_id"] == card.gateway_method_id and "confirmation" not in body
    assert yookassa.creates()[0]["key"] == str(payment.idempotence_key)
    assert (payment.method, payment.status, payment_entries(payment)) == ("autopay", "succeeded", 1)
    assert balance(receipt) == Decimal("0.00")
    charge.refresh_from_db()
    assert charge.status == "succeeded" and charge.payment == payment
    autopay.autopay_run(today=CHARGE + dt.timedelta(days=1))
    assert Payment.objects.count() == 1
    assert_billing_consistent()


def test_the_task_run_twice_and_by_two_threads_at_once_pays_each_receipt_once(on, yookassa, receipt):
    autopay.autopay_run(today=WARN)
    autopay.autopay_run(today=WARN)
    assert AutopayCharge.objects.count() == 1 and len(subjects("Автоплатёж 5")) == 1
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            autopay.autopay_run(today=CHARGE)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    autopay.autopay_run(today=CHARGE)
    assert errors == []
    assert Payment.objects.count() == 1 and len(yookassa.creates()) == 1
    assert payment_entries(Payment.objects.get()) == 1
    assert balance(receipt) == Decimal("0.00")
    assert_billing_consistent()


def test_above_the_limit_nothing_is_charged_and_the_resident_is_told(on, yookassa, receipt):
    Autopay.objects.filter(pk=on.pk).update(limit=Decimal("4999.99"))
    for day in (PLANNED, WARN, CHARGE):
        autopay.autopay_run(today=day)
    assert not Payment.objects.exists() and yookassa.creates() == []
    assert AutopayCharge.objects.get().status == "over_limit"
    (email,) = subjects("больше лимита")
    assert email
    assert_billing_consistent()


def test_a_decline_is_retried_once_next_day_and_two_declines_pause_autopay(on, yookassa, receipt, card, resident):
    yookassa.declined_methods.add(card.gateway_method_id)
    autopay.autopay_run(today=WARN)
    autopay.autopay_run(today=CHARGE)
    autopay.autopay_run(today=CHARGE)  # no retry storm on the same day
    assert Payment.objects.count() == 1 and len(subjects("отклонила")) == 1
    charge = AutopayCharge.objects.get()
    assert charge.status == "retry" and charge.charge_on == CHARGE + dt.timedelta(days=1)
    autopay.autopay_run(today=CHARGE + dt.timedelta(days=1))
    assert Payment.objects.count() == 2
    assert len({p.idempotence_key for p in Payment.objects.all()}) == 2
    on.refresh_from_db()
    assert on.status == "paused" and "два списания подряд" in on.status_note
    assert len(subjects("приостановлен")) == 1 and len(subjects("отклонила")) == 1
    autopay.autopay_run(today=CHARGE + dt.timedelta(days=2))
    assert Payment.objects.count() == 2 and balance(receipt) == Decimal("5000.00")
    client = Client()
    client.force_login(resident)
    page = client.get("/cabinet/autopay/").content.decode()
    assert "приостановлен" in page.lower() and "карта отклонена" in page
    assert_billing_consistent()


def test_deleting_the_card_stops_autopay(on, yookassa, receipt, card, resident):
    autopay.autopay_run(today=WARN)
    client = Client()
    client.force_login(resident)
    assert client.post(f"/cabinet/cards/{card.pk}/delete/").status_code == 302
    assert not SavedCard.objects.exists()
    on.refresh_from_db()
    assert on.status == "off" and on.card is None and "удалена" in on.status_note
    assert AutopayCharge.objects.get().status == "canceled"
    autopay.autopay_run(today=CHARGE)
    assert not Payment.objects.exists() and yookassa.creates() == []


def test_the_emailed_link_skips_this_month_without_a_login(on, yookassa, receipt):
    autopay.autopay_run(today=WARN)
    (notice,) = [m for m in mail.outbox if m.subject.startswith("Автоплатёж 5")]
    link = next(w for w in notice.body.split() if "/autopay/skip/" in w)
    path = link[link.index("/autopay/skip/") :]
    stranger = Client()
    assert "Пропустить этот месяц" in stranger.get(path).content.decode()
    assert AutopayCharge.objects.get().status == "scheduled"  # opening the link skips nothing
    assert "не будет оплачена" in stranger.post(path).content.decode()
    autopay.autopay_run(today=CHARGE)
    assert not Payment.objects.exists()
    assert stranger.get(path[:-3] + "xx/").status_code == 400


def test_the_cabinet_turns_autopay_on_and_shows_the_next_charge(yookassa, receipt, card, resident, settings):
    client = Client()
    client.force_login(resident)
    form = {"card": card.pk, "limit": "7000", "when": "day", "day": "12", "consent": "on"}
    assert client.post("/cabinet/autopay/", form).status_code == 302
    ap = Autopay.objects.get(account=receipt)
    assert (ap.limit, ap.day, ap.status) == (Decimal("7000.00"), 12, "active")
    assert "Следующее списание" in client.get("/cabinet/autopay/").content.decode()
    assert client.post("/cabinet/autopay/", {**form, "day": "29"}).status_code == 200
    assert client.post("/cabinet/autopay/", {**form, "consent": ""}).status_code == 200
    assert client.post("/cabinet/autopay/", {"action": "off"}).status_code == 302
    ap.refresh_from_db()
    assert ap.status == "off"


def test_staff_see_the_autopay_status_on_the_account_page(on, yookassa, receipt, card, operator):
    yookassa.declined_methods.add(card.gateway_method_id)
    for day in (WARN, CHARGE, CHARGE + dt.timedelta(days=1)):
        autopay.autopay_run(today=day)
    client = Client()
    client.force_login(operator)
    page = client.get(f"/admin/accounts/personalaccount/{receipt.pk}/change/").content.decode()
    assert "Автоплатёж" in page and "приостановлен" in page and "4477" in page


def test_a_card_is_never_charged_for_an_account_its_owner_no_longer_holds(on, yookassa, receipt, resident):
    autopay.autopay_run(today=WARN)
    resident.account_links.all().delete()
    autopay.autopay_run(today=CHARGE)
    assert not Payment.objects.exists()
    on.refresh_from_db()
    assert on.status == "off" and AutopayCharge.objects.get().status == "canceled"


@pytest.mark.parametrize(
    ("when", "day", "today", "expected"),
    [
        ("day", 10, dt.date(2026, 3, 2), dt.date(2026, 3, 10)),  # the chosen day, warned on the 7th
        ("day", 2, dt.date(2026, 3, 1), dt.date(2026, 3, 4)),  # too soon to warn three days ahead: moved
        ("issue_day", None, dt.date(2026, 3, 1), dt.date(2026, 3, 4)),  # issued on the 1st, charged after the warning
        ("issue_day", None, dt.date(2026, 3, 20), dt.date(2026, 3, 23)),  # turned on late: three days from today
    ],
)
def test_the_charge_day_always_leaves_three_days_for_the_warning(when, day, today, expected):
    plan = Autopay(when=when, day=day)
    got = autopay.charge_day(autopay=plan, month=dt.date(2026, 2, 1), issued_on=dt.date(2026, 3, 1), today=today)
    assert got == expected
