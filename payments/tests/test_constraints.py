"""The database itself refuses impossible payments and double credits.

Writes bypass model validation (``objects.create``, ``QuerySet.update``,
raw SQL); only the database can refuse them.
"""

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from billing.models import LedgerEntry
from eirc.tests.factories import LedgerEntryFactory, PaymentFactory, PeriodFactory
from payments.models import Payment, Refund, WebhookEvent

pytestmark = pytest.mark.django_db


def refused():
    return pytest.raises((IntegrityError, DatabaseError))


def test_positive_payment_is_accepted():
    payment = PaymentFactory(amount=Decimal("0.01"))
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("0.01")


@pytest.mark.parametrize("amount", ["-1500.00", "-0.01", "0.00"])
def test_negative_or_zero_payment_is_refused(amount):
    with refused(), transaction.atomic():
        PaymentFactory(amount=Decimal(amount))
    assert not Payment.objects.exists()


def test_payment_made_negative_by_update_is_refused():
    payment = PaymentFactory(amount=Decimal("1500.00"))
    with refused(), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(amount=Decimal("-1500.00"))
    payment.refresh_from_db()
    assert payment.amount == Decimal("1500.00")


def test_zero_payment_is_refused_in_raw_sql():
    payment = PaymentFactory(amount=Decimal("1500.00"))
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Payment._meta.db_table} SET amount = 0 WHERE id = %s", [payment.pk])  # noqa: S608
    payment.refresh_from_db()
    assert payment.amount == Decimal("1500.00")


def test_payment_in_another_currency_is_refused():
    with refused(), transaction.atomic():
        PaymentFactory(currency="USD")
    assert not Payment.objects.exists()


def test_succeeded_payment_without_a_payment_time_is_refused():
    with refused(), transaction.atomic():
        PaymentFactory(status=Payment.Status.SUCCEEDED, paid_at=None)
    assert not Payment.objects.exists()


def test_second_ledger_entry_for_the_same_payment_is_refused():
    payment = PaymentFactory(amount=Decimal("1500.00"))
    period = PeriodFactory()
    LedgerEntryFactory(
        account=payment.account, period=period, kind="payment", payment=payment, amount=Decimal("-1500.00")
    )
    with refused(), transaction.atomic():
        LedgerEntryFactory(
            account=payment.account, period=period, kind="payment", payment=payment, amount=Decimal("-1500.00")
        )
    assert LedgerEntry.objects.filter(payment=payment).count() == 1


def test_ledger_entries_for_two_different_payments_are_accepted():
    first, second = PaymentFactory(), PaymentFactory()
    for payment in (first, second):
        LedgerEntryFactory(account=payment.account, kind="payment", payment=payment, amount=-payment.amount)
    assert LedgerEntry.objects.filter(kind="payment").count() == 2


def test_same_gateway_payment_id_recorded_twice_is_refused():
    PaymentFactory(provider="yookassa", provider_payment_id="2f5a3c1e-000f-5000-9000-1b2c3d4e5f60")
    with refused(), transaction.atomic():
        PaymentFactory(provider="yookassa", provider_payment_id="2f5a3c1e-000f-5000-9000-1b2c3d4e5f60")
    assert Payment.objects.count() == 1


def test_non_positive_refund_is_refused():
    payment = PaymentFactory()
    with refused(), transaction.atomic():
        Refund.objects.create(payment=payment, amount=Decimal("0.00"), reason="ошибочный платёж")
    assert not Refund.objects.exists()


def test_same_webhook_event_stored_twice_is_refused():
    WebhookEvent.objects.create(provider="yookassa", event="payment.succeeded", object_id="abc")
    with refused(), transaction.atomic():
        WebhookEvent.objects.create(provider="yookassa", event="payment.succeeded", object_id="abc")
    assert WebhookEvent.objects.count() == 1
