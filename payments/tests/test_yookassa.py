"""Online payments through the real YooKassa SDK against a local stub.

Money can be lost or counted twice here, so each rule runs on Postgres:
exactly-once crediting, untrusted webhooks, idempotent gateway calls."""

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from accounts.models import SecurityEvent
from payments import services
from payments.models import Payment, WebhookEvent
from payments.providers import GatewayUnavailable
from payments.tests.conftest import ALLOWED_IP
from payments.tests.helpers import (
    assert_billing_consistent,
    balance,
    notification,
    payment_entries,
    started_payment,
)

WEBHOOK = "/payments/yookassa/webhook/"


def post_webhook(client, body, ip=ALLOWED_IP, **extra):
    return client.post(WEBHOOK, data=body, content_type="application/json", REMOTE_ADDR=ip, **extra)


def test_start_sends_capture_amount_string_return_url_and_metadata(yookassa, debt, resident):
    payment = started_payment(debt, resident, "1234.56")
    body = yookassa.creates()[0]["body"]
    assert body["capture"] is True
    assert body["amount"] == {"value": "1234.56", "currency": "RUB"}
    assert body["confirmation"]["return_url"].endswith(f"/payments/{payment.pk}/")
    assert body["metadata"]["payment_id"] == str(payment.pk)
    assert body["metadata"]["account"] == debt.number
    assert yookassa.creates()[0]["key"] == str(payment.idempotence_key)
    assert payment.status == Payment.Status.PENDING
    assert payment.confirmation_url.startswith("https://yoomoney.example/")


def test_fiscal_receipt_items_sum_to_the_amount(yookassa, debt, resident, settings):
    settings.YOOKASSA_RECEIPT = {
        "enabled": True,
        "vat_code": 1,
        "payment_subject": "service",
        "payment_mode": "full_payment",
    }
    started_payment(debt, resident, "777.77")
    receipt = yookassa.creates()[0]["body"]["receipt"]
    assert receipt["customer"] == {"email": "resident@example.ru"}
    total = sum(Decimal(i["amount"]["value"]) * Decimal(i["quantity"]) for i in receipt["items"])
    assert total == Decimal("777.77")
    assert {i["vat_code"] for i in receipt["items"]} == {1}


def test_payment_order_is_sent_only_when_the_setting_says_so(yookassa, debt, resident, settings):
    settings.YOOKASSA_PAYMENT_ORDER = False
    started_payment(debt, resident, "100.00")
    assert "payment_order" not in yookassa.creates()[-1]["body"]
    settings.YOOKASSA_PAYMENT_ORDER = True
    started_payment(debt, resident, "100.00")
    order = yookassa.creates()[-1]["body"]["payment_order"]
    assert order["type"] == "utilities"
    assert order["account_number"] == debt.number
    assert order["recipient"]["bank"]["bic"]


@pytest.mark.django_db(transaction=True)
def test_succeeded_webhook_delivered_twice_credits_once_and_mails_once(yookassa, debt, resident):
    payment = started_payment(debt, resident, "1000.00")
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    client = Client()
    for _ in range(2):
        assert post_webhook(client, notification(payment.provider_payment_id)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment_entries(payment) == 1
    assert balance(debt) == Decimal("4000.00")
    assert len([m for m in mail.outbox if "зачислен" in m.subject]) == 1
    assert WebhookEvent.objects.count() == 1
    assert_billing_consistent()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_deliveries_credit_exactly_once(yookassa, debt, resident):
    payment = started_payment(debt, resident, "1000.00")
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    barrier = threading.Barrier(10)
    statuses, errors = [], []

    def deliver():
        try:
            barrier.wait()
            statuses.append(post_webhook(Client(), notification(payment.provider_payment_id)).status_code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert statuses == [200] * 10
    assert payment_entries(payment) == 1
    assert balance(debt) == Decimal("4000.00")
    assert len([m for m in mail.outbox if "зачислен" in m.subject]) == 1
    assert_billing_consistent()


@pytest.mark.django_db(transaction=True)
def test_webhook_from_outside_the_allow_list_is_refused_and_logged(yookassa, debt, resident):
    payment = started_payment(debt, resident)
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    response = post_webhook(Client(), notification(payment.provider_payment_id), ip="203.0.113.9")
    assert response.status_code == 403
    assert payment_entries(payment) == 0
    assert WebhookEvent.objects.count() == 0
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.WEBHOOK_REJECTED).exists()


@pytest.mark.django_db(transaction=True)
def test_forged_forwarded_header_from_an_untrusted_peer_is_refused(yookassa, debt, resident, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1/32"]
    payment = started_payment(debt, resident)
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    response = post_webhook(
        Client(), notification(payment.provider_payment_id), ip="203.0.113.9", HTTP_X_FORWARDED_FOR=ALLOWED_IP
    )
    assert response.status_code == 403
    assert payment_entries(payment) == 0
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.WEBHOOK_REJECTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_forwarded_header_from_a_trusted_proxy_is_believed(yookassa, debt, resident, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1/32"]
    payment = started_payment(debt, resident)
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    response = post_webhook(
        Client(), notification(payment.provider_payment_id), ip="10.0.0.1", HTTP_X_FORWARDED_FOR=ALLOWED_IP
    )
    assert response.status_code == 200
    assert payment_entries(payment) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "change",
    [
        {"status": "pending"},
        {"status": "succeeded", "amount": "1.00"},
        {"status": "succeeded", "metadata": {"payment_id": "00000000-0000-0000-0000-000000000000"}},
        {"status": "succeeded", "paid": False},
    ],
    ids=["api-says-pending", "different-amount", "foreign-metadata", "not-paid"],
)
def test_allow_listed_webhook_is_not_proof_the_api_decides(yookassa, debt, resident, change):
    payment = started_payment(debt, resident, "1000.00")
    yookassa.set_status(payment.provider_payment_id, **change)
    assert post_webhook(Client(), notification(payment.provider_payment_id)).status_code == 200
    payment.refresh_from_db()
    assert payment.status != Payment.Status.SUCCEEDED
    assert payment_entries(payment) == 0
    assert balance(debt) == Decimal("5000.00")
    if change["status"] == "succeeded" and change.get("paid", True):
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.CREDIT_REFUSED).exists()
    assert_billing_consistent()


@pytest.mark.django_db(transaction=True)
def test_late_canceled_never_overrides_succeeded(yookassa, debt, resident):
    payment = started_payment(debt, resident)
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    post_webhook(Client(), notification(payment.provider_payment_id))
    yookassa.set_status(payment.provider_payment_id, "canceled")
    post_webhook(Client(), notification(payment.provider_payment_id, "payment.canceled"))
    services.payment_confirm(payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment_entries(payment) == 1


def test_gateway_500_then_200_makes_one_payment_with_one_key(yookassa, debt, resident):
    yookassa.fail_next_500 = 1
    payment = services.payment_create(account=debt, user=resident, amount=Decimal("500.00"))
    with pytest.raises(GatewayUnavailable):
        services.payment_start(payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CREATED
    payment = services.payment_start(payment_id=payment.pk)
    assert payment.status == Payment.Status.PENDING
    keys = [c["key"] for c in yookassa.creates()]
    assert keys == [str(payment.idempotence_key)] * 2
    assert len(yookassa.payments) == 1


def test_hanging_gateway_times_out_and_is_retried_later_by_reconciliation(yookassa, debt, resident, settings):
    settings.PAYMENT_RECONCILE_AFTER_MINUTES = 0
    yookassa.hang_next = 1
    payment = services.payment_create(account=debt, user=resident, amount=Decimal("300.00"))
    with pytest.raises(GatewayUnavailable):
        services.payment_start(payment_id=payment.pk)
    counts = services.payments_reconcile()
    payment.refresh_from_db()
    assert counts["checked"] == 1
    assert payment.provider_payment_id in yookassa.payments
    assert payment.status == Payment.Status.PENDING
    assert {c["key"] for c in yookassa.creates()} == {str(payment.idempotence_key)}


@pytest.mark.django_db(transaction=True)
def test_pending_payment_without_webhook_is_credited_by_reconciliation(yookassa, debt, resident, settings):
    settings.PAYMENT_RECONCILE_AFTER_MINUTES = 0
    payment = started_payment(debt, resident, "2500.00")
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    counts = services.payments_reconcile()
    assert counts["credited"] == 1
    assert payment_entries(payment) == 1
    assert balance(debt) == Decimal("2500.00")
    assert services.payments_reconcile()["checked"] == 0
    assert_billing_consistent()


def test_abandoned_attempt_expires(yookassa, debt, resident, settings):
    settings.PAYMENT_RECONCILE_AFTER_MINUTES = 0
    settings.PAYMENT_EXPIRE_AFTER_HOURS = 0
    payment = started_payment(debt, resident)
    services.payments_reconcile()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    assert payment_entries(payment) == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refunds_of_sixty_percent_one_wins(yookassa, debt, resident, accountant):
    payment = started_payment(debt, resident, "1000.00")
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    services.payment_confirm(payment_id=payment.pk)
    barrier = threading.Barrier(2)
    results = []

    def refund():
        try:
            barrier.wait()
            services.refund_create(payment_id=payment.pk, amount=Decimal("600.00"), reason="ошибка", user=accountant)
            results.append("ok")
        except services.DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refund_exceeds"]
    assert len(yookassa.refunds) == 1
    assert balance(debt) == Decimal("4600.00")
    assert_billing_consistent()


def test_refund_is_idempotent_by_key_and_never_exceeds_the_payment(yookassa, debt, resident, accountant):
    import uuid

    payment = started_payment(debt, resident, "1000.00")
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    services.payment_confirm(payment_id=payment.pk)
    key = uuid.uuid4()
    first = services.refund_create(
        payment_id=payment.pk, amount=Decimal("400.00"), reason="x", user=accountant, key=key
    )
    again = services.refund_create(
        payment_id=payment.pk, amount=Decimal("400.00"), reason="x", user=accountant, key=key
    )
    assert first.pk == again.pk
    with pytest.raises(services.DomainError):
        services.refund_create(payment_id=payment.pk, amount=Decimal("600.01"), reason="x", user=accountant)
    assert len(yookassa.refunds) == 1
    assert balance(debt) == Decimal("4400.00")


def test_paid_at_is_the_gateways_capture_time_not_when_we_heard(yookassa, debt, resident):
    import datetime as dt

    payment = started_payment(debt, resident, "100.00")
    yookassa.captured_at = "2026-03-31T20:59:00.000Z"  # 23:59 in Sevastopol on 31.03
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    services.payment_confirm(payment_id=payment.pk)  # learnt of it later
    payment.refresh_from_db()
    assert payment.paid_at == dt.datetime(2026, 3, 31, 20, 59, tzinfo=dt.UTC)
    assert payment.ledger_entry.occurred_on == dt.date(2026, 3, 31)


def test_reconciliation_never_expires_a_payment_it_could_not_ask_about(yookassa, debt, resident, settings):
    settings.PAYMENT_RECONCILE_AFTER_MINUTES = 0
    settings.PAYMENT_EXPIRE_AFTER_HOURS = 0
    payment = started_payment(debt, resident)
    yookassa.stop()  # the gateway is unreachable
    counts = services.payments_reconcile()
    payment.refresh_from_db()
    assert counts["unavailable"] == 1 and counts["expired"] == 0
    assert payment.status == Payment.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_refund_that_timed_out_is_completed_by_reconciliation(yookassa, debt, resident, accountant, settings):
    settings.PAYMENT_RECONCILE_AFTER_MINUTES = 0
    payment = started_payment(debt, resident, "1000.00")
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    services.payment_confirm(payment_id=payment.pk)
    yookassa.hang_next = 1
    with pytest.raises(GatewayUnavailable):
        services.refund_create(payment_id=payment.pk, amount=Decimal("300.00"), reason="переплата", user=accountant)
    refund = payment.refunds.get()
    assert refund.status == "pending" and balance(debt) == Decimal("4000.00")
    counts = services.payments_reconcile()
    refund.refresh_from_db()
    assert counts["refunds"] == 1 and refund.status == "succeeded"
    assert len(yookassa.refunds) == 1  # the retry reused the key
    assert balance(debt) == Decimal("4300.00")
    assert_billing_consistent()
