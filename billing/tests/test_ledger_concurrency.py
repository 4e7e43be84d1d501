"""Writers of one account's ledger take the account's row lock before they
read its sums, so a statement never misses a posting made at the same time
(a payment while a bank registry or a billing chunk holds the account)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from billing import engine
from billing.models import AccountService, LedgerEntry, Service, Statement
from billing.services import billing_run, ledger_post_payment, statements_check
from eirc.tests.factories import PaymentFactory, PersonalAccountFactory, ServiceFactory, TariffFactory

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)

pytestmark = pytest.mark.django_db(transaction=True)


def billed_account(number):
    account = PersonalAccountFactory(number=number)
    svc = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=svc, rate=Decimal("1000.0000"))
    AccountService.objects.create(account=account, service=svc, started_on=dt.date(2020, 1, 1))
    return account


def paid(account, amount, when):
    return PaymentFactory(
        account=account, amount=Decimal(amount), status="succeeded", paid_at=timezone.make_aware(when)
    )


def ledger_sum(account):
    return sum(LedgerEntry.objects.filter(account=account).values_list("amount", flat=True))


def run_in_threads(first, second):
    """``first`` runs until it signals ``hold`` and waits for ``go``;
    ``second`` starts meanwhile; both must finish without errors."""
    hold, go, errors = threading.Event(), threading.Event(), []

    def wrap(fn):
        def target():
            try:
                fn(hold, go)
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        return target

    t1 = threading.Thread(target=wrap(first))
    t1.start()
    assert hold.wait(20)
    t2 = threading.Thread(target=wrap(second))
    t2.start()
    t2.join(1)  # it must wait for the first writer's lock
    go.set()
    t1.join(30)
    t2.join(30)
    assert errors == []


def test_a_payment_posted_while_a_registry_holds_the_account_is_on_the_statement():
    account = billed_account("4100000001")
    billing_run(period=JAN)
    ledger_post_payment(payment=paid(account, "1.00", dt.datetime(2026, 2, 1, 12)))  # February exists
    registry_line = paid(account, "100.00", dt.datetime(2026, 2, 3, 12))
    online = paid(account, "200.00", dt.datetime(2026, 2, 3, 13))

    def registry(hold, go):  # a bank registry posts its lines in one transaction
        with transaction.atomic():
            ledger_post_payment(payment=registry_line)
            hold.set()
            assert go.wait(20)

    run_in_threads(registry, lambda hold, go: ledger_post_payment(payment=online))
    feb = Statement.objects.get(account=account, period__month=FEB)
    assert feb.paid == Decimal("301.00")
    assert feb.closing == ledger_sum(account)
    assert statements_check() == []


def test_a_payment_into_a_later_period_during_a_billing_chunk_is_on_the_statement(monkeypatch):
    account = billed_account("4100000002")
    billing_run(period=JAN)
    ledger_post_payment(payment=paid(account, "100.00", dt.datetime(2026, 3, 2, 12)))  # March exists
    march_payment = paid(account, "400.00", dt.datetime(2026, 3, 5, 12))
    real_refresh = engine.refresh_statements

    def chunk(hold, go):
        def slow_refresh(*args, **kwargs):
            written = real_refresh(*args, **kwargs)
            hold.set()
            assert go.wait(20)
            return written

        monkeypatch.setattr(engine, "refresh_statements", slow_refresh)
        billing_run(period=FEB)

    run_in_threads(chunk, lambda hold, go: ledger_post_payment(payment=march_payment))
    march = Statement.objects.get(account=account, period__month=MAR)
    assert march.closing == ledger_sum(account)
    assert statements_check() == []
