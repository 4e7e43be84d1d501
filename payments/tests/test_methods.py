"""СБП and saved cards (issue 17) through the real YooKassa SDK against the
local stub: the method travels to the gateway, the credit path is the usual
exactly-once one, the history names the method, and a saved card is kept as
its gateway id, last four digits, type and expiry — never a number."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Consent
from payments.models import Payment, SavedCard
from payments.tests.helpers import assert_billing_consistent, balance, notification, payment_entries
from payments.tests.test_yookassa import post_webhook

pytestmark = pytest.mark.django_db(transaction=True)


def pay(client, method="card", amount="1000", **extra):
    form = {"amount": amount, "email": "resident@example.ru", "method": method, "form_token": str(uuid.uuid4())}
    response = client.post("/payments/pay/", {**form, **extra})
    assert response.status_code == 302, response.content.decode()[:3000]
    return Payment.objects.order_by("-created_at").first()


def settle(stub, payment, status):
    stub.set_status(payment.provider_payment_id, status)
    assert post_webhook(Client(), notification(payment.provider_payment_id, f"payment.{status}")).status_code == 200
    payment.refresh_from_db()
    return payment


def test_sbp_payment_succeeds_through_the_same_credit_path_and_the_history_says_sbp(yookassa, debt, resident):
    client = Client()
    client.force_login(resident)
    payment = pay(client, "sbp")
    body = yookassa.creates()[0]["body"]
    assert body["payment_method_data"] == {"type": "sbp"}
    assert body["confirmation"]["type"] == "redirect"
    assert payment.method == Payment.Method.SBP
    payment = settle(yookassa, payment, "succeeded")
    assert payment.status == Payment.Status.SUCCEEDED and payment_entries(payment) == 1
    assert balance(debt) == Decimal("4000.00")
    history = client.get("/cabinet/payments/").content.decode()
    assert "СБП" in history
    assert_billing_consistent()


def test_a_failed_sbp_payment_credits_nothing_and_shows_as_cancelled(yookassa, debt, resident):
    client = Client()
    client.force_login(resident)
    payment = settle(yookassa, pay(client, "sbp"), "canceled")
    assert payment.status == Payment.Status.CANCELED and payment_entries(payment) == 0
    assert balance(debt) == Decimal("5000.00")
    history = client.get("/cabinet/payments/").content.decode()
    assert "СБП" in history and "отменён" in history
    assert_billing_consistent()


def test_a_card_saved_at_payment_keeps_last_four_type_and_expiry_and_its_consent(yookassa, debt, resident, settings):
    client = Client()
    client.force_login(resident)
    payment = pay(client, "card", save_card="on")
    body = yookassa.creates()[0]["body"]
    assert body["save_payment_method"] is True and body["payment_method_data"] == {"type": "bank_card"}
    consent = Consent.objects.get(user=resident, kind=Consent.Kind.SAVED_CARD)
    assert consent.text_version == settings.SAVED_CARD_CONSENT_VERSION
    settle(yookassa, payment, "succeeded")
    card = SavedCard.objects.get(user=resident)
    remote = yookassa.payments[payment.provider_payment_id]["payment_method"]
    assert (card.gateway_method_id, card.last4, card.card_type, card.expiry) == (
        remote["id"],
        "4477",
        "MasterCard",
        "12/30",
    )
    page = client.get("/cabinet/cards/").content.decode()
    assert "4477" in page and "555555" not in page
    # Paying again with the saved card: its gateway id, the payer still confirms.
    again = pay(client, f"saved:{card.pk}", amount="500")
    body = yookassa.creates()[-1]["body"]
    assert body["payment_method_id"] == card.gateway_method_id and "confirmation" in body
    settle(yookassa, again, "succeeded")
    assert "сохранённая карта" in client.get("/cabinet/payments/").content.decode()
    assert balance(debt) == Decimal("3500.00")
    assert_billing_consistent()


def test_a_card_is_not_saved_without_the_checkbox_and_another_users_card_cannot_be_used(
    yookassa, debt, resident, other_resident
):
    client = Client()
    client.force_login(resident)
    settle(yookassa, pay(client, "card"), "succeeded")
    assert not SavedCard.objects.exists()
    foreign = SavedCard.objects.create(
        user=other_resident,
        provider="yookassa",
        gateway_method_id="pm-x",
        last4="1111",
        expiry_month=1,
        expiry_year=2031,
        consent_version="2026-12",
    )
    form = {"amount": "10", "email": "r@example.ru", "method": f"saved:{foreign.pk}", "form_token": str(uuid.uuid4())}
    response = client.post("/payments/pay/", form)
    assert response.status_code == 200 and Payment.objects.count() == 1
    assert Client().post(f"/cabinet/cards/{foreign.pk}/delete/").status_code == 302  # to the login
    client.post(f"/cabinet/cards/{foreign.pk}/delete/")
    assert SavedCard.objects.filter(pk=foreign.pk).exists()
