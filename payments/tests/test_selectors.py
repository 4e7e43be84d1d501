"""The payment history a resident reads: every attempt and every credit of
their own account only."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from eirc.tests.factories import LedgerEntryFactory, PaymentFactory, PeriodFactory, PersonalAccountFactory
from payments import selectors


@pytest.mark.django_db
def test_payments_history_lists_every_attempt_with_its_status():
    account = PersonalAccountFactory()
    period = PeriodFactory(month=dt.date(2026, 3, 1))
    ok = PaymentFactory(account=account, amount=D("1234.56"), status="succeeded", paid_at=timezone.now())
    PaymentFactory(account=account, status="canceled")
    PaymentFactory(account=PersonalAccountFactory())
    LedgerEntryFactory(account=account, period=period, kind="payment", amount=-ok.amount, payment=ok)
    data = selectors.payments_history(account=account)
    assert sorted(p.status for p in data["attempts"]) == ["canceled", "succeeded"]
    assert [e.amount for e in data["credits"]] == [D("-1234.56")]
