"""The receipt's penalty line and the statement certificate's penalty column
follow the ledger, so they follow the one-rate rule: the lines a resident is
shown month by month add up to the statutory penalty at the payment day."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import AccountService, LedgerEntry, Service, Statement
from billing.services import billing_run, ledger_post_payment
from billing.tests.statute import statute_penalty
from documents.receipt_data import receipt_data
from eirc import periods
from eirc.models import Period
from eirc.tests.factories import PaymentFactory, PersonalAccountFactory, ServiceFactory, TariffFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_receipts_penalty_lines_for_a_debt_paid_under_the_cap_add_up_to_the_statute():
    """71 229,15 ₽ for January 2021, due 10.02.2021, paid 17.03.2022: one rate,
    min(9,5 %, 20 %) on every day since 13.03.2021 → 17 489,50 ₽."""
    amount, month = D("71229.15"), dt.date(2021, 1, 1)
    account = PersonalAccountFactory(number="3200000001", opened_on=dt.date(2020, 1, 1))
    svc = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=svc, rate=amount, valid_from=dt.date(2020, 1, 1))
    AccountService.objects.create(account=account, service=svc, started_on=month, ended_on=dt.date(2021, 1, 31))
    m = month
    while m <= dt.date(2022, 4, 1):
        if m == dt.date(2022, 3, 1):
            paid_at = timezone.make_aware(dt.datetime(2022, 3, 17, 12))
            ledger_post_payment(
                payment=PaymentFactory(account=account, amount=amount, status="succeeded", paid_at=paid_at)
            )
        billing_run(period=m)
        m = periods.add_months(m, 1)
    lines = [
        receipt_data(account=account, period=p)["summary"]["penalties"]
        for p in Period.objects.filter(month__gte=month).order_by("month")
    ]
    assert sum(lines) == D("17489.50") == statute_penalty(amount, dt.date(2021, 2, 10), dt.date(2022, 3, 17))[3]
    # the March 2022 run settled the delay at the payment day's capped rate
    entry = LedgerEntry.objects.get(account=account, kind="penalty", period__month=dt.date(2022, 3, 1))
    assert entry.details["accrued"] == "17489.50"
    assert entry.details["parts"][0]["rate"] == "9.50" and entry.details["parts"][0]["paid_on"] == "2022-03-17"
    # the statement certificate's penalty column sums the same statements
    assert sum(Statement.objects.filter(account=account).values_list("penalties", flat=True)) == D("17489.50")
    assert receipt_data(account=account, period=Period.objects.get(month=dt.date(2022, 4, 1)))["summary"][
        "penalties"
    ] == D("0.00")
