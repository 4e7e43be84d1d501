"""Posting to the ledger exactly once, statements, and billing_check."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import AccountService, Charge, LedgerEntry, Service, Statement
from billing.services import (
    billing_run,
    ledger_post_correction,
    ledger_post_payment,
    ledger_post_refund,
    period_close,
    statement_refresh,
    statements_check,
)
from eirc.errors import DomainError
from eirc.tests.factories import PaymentFactory, PersonalAccountFactory, ServiceFactory, TariffFactory

pytestmark = pytest.mark.django_db
D = Decimal
JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def billed_account(number="4000000001", rate="1000.0000"):
    acc = PersonalAccountFactory(number=number)
    svc = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=svc, rate=D(rate))
    AccountService.objects.create(account=acc, service=svc, started_on=dt.date(2020, 1, 1))
    return acc


def paid(acc, amount, day, **kw):
    return PaymentFactory(
        account=acc,
        amount=D(amount),
        status="succeeded",
        paid_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
        **kw,
    )


def test_posting_a_payment_twice_makes_one_entry():
    acc = billed_account()
    billing_run(period=JAN)
    p = paid(acc, "400.00", dt.date(2026, 2, 3))
    first = ledger_post_payment(payment=p)
    second = ledger_post_payment(payment=p)
    assert first.pk == second.pk
    assert LedgerEntry.objects.filter(payment=p).count() == 1
    assert (first.amount, first.period.month, first.occurred_on) == (D("-400.00"), FEB, dt.date(2026, 2, 3))
    st_feb = Statement.objects.get(account=acc, period__month=FEB)
    assert (st_feb.opening, st_feb.paid, st_feb.closing) == (D("1000.00"), D("400.00"), D("600.00"))


def test_payment_goes_to_the_oldest_unpaid_period_unless_one_is_named():
    acc = billed_account()
    billing_run(period=JAN)
    billing_run(period=FEB)
    e = ledger_post_payment(payment=paid(acc, "1500.00", dt.date(2026, 3, 5)))
    assert e.for_period.month == JAN
    e2 = ledger_post_payment(payment=paid(acc, "500.00", dt.date(2026, 3, 6)))
    assert e2.for_period.month == FEB  # January is paid in full by now
    named = paid(acc, "10.00", dt.date(2026, 3, 7), for_period=e.for_period)
    assert ledger_post_payment(payment=named).for_period.month == JAN


def test_only_a_succeeded_payment_is_posted():
    acc = billed_account()
    p = PaymentFactory(account=acc, status="pending")
    with pytest.raises(DomainError):
        ledger_post_payment(payment=p)
    assert not LedgerEntry.objects.exists()


def test_a_refund_is_posted_once():
    from payments.models import Refund

    acc = billed_account()
    p = paid(acc, "300.00", dt.date(2026, 2, 3))
    ledger_post_payment(payment=p)
    r = Refund.objects.create(
        payment=p, amount=D("100.00"), status="succeeded", reason="ошибка", completed_at=timezone.now()
    )
    ledger_post_refund(refund=r)
    ledger_post_refund(refund=r)
    assert LedgerEntry.objects.filter(kind="refund").aggregate(s=Sum("amount"))["s"] == D("100.00")
    assert statements_check() == []


def test_a_late_payment_in_an_earlier_period_refreshes_later_statements():
    acc = billed_account()
    for m in (JAN, FEB, MAR):
        billing_run(period=m)
    before = Statement.objects.get(account=acc, period__month=MAR)
    ledger_post_payment(payment=paid(acc, "700.00", dt.date(2026, 1, 20)))
    after = Statement.objects.get(account=acc, period__month=MAR)
    assert (after.opening, after.closing) == (before.opening - 700, before.closing - 700)
    assert statements_check() == []


def test_correction_in_a_closed_period_is_refused():
    acc = billed_account()
    billing_run(period=JAN)
    period_close(period=JAN)
    with pytest.raises(DomainError, match="закрыт"):
        ledger_post_correction(account=acc, period=JAN, amount=D("10"), description="ошибка", user=None)
    e = ledger_post_correction(account=acc, period=FEB, amount=D("-10.00"), description="ошибка оператора")
    assert Statement.objects.get(account=acc, period=e.period).corrections == D("-10.00")


def test_billing_check_finds_a_deleted_ledger_entry():
    acc = billed_account()
    billing_run(period=JAN)
    call_command("billing_check")
    LedgerEntry.objects.filter(account=acc, kind="charge").delete()  # open period: the trigger lets it go
    assert any("4000000001" in p for p in statements_check())
    with pytest.raises(CommandError):
        call_command("billing_check")
    statement_refresh(account=acc, period=JAN)
    assert statements_check() == []


def test_billing_run_command_reports_and_refuses_a_closed_period(capsys):
    billed_account()
    call_command("billing_run", "--period", "2026-01")
    out = capsys.readouterr()
    assert "Лицевых счетов: 1" in out.out and "начислено: 1\xa0000,00" in out.out
    assert "100%" in out.err
    call_command("period_close", "--period", "2026-01")
    with pytest.raises(CommandError, match="закрыт"):
        call_command("billing_run", "--period", "2026-01")


# --- properties ------------------------------------------------------------------

events = st.lists(
    # 100000 kopecks would make a zero correction (cents/100 − 1000), which the service refuses.
    st.tuples(
        st.sampled_from(["run", "pay", "correct"]),
        st.integers(0, 3),
        st.integers(1, 300000).filter(lambda c: c != 100000),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events, rate=st.decimals(min_value=D("0.0100"), max_value=D("9999.9999"), places=4))
def test_every_accounts_ledger_sums_to_its_statements(events, rate):
    months = [dt.date(2025, 12, 1), JAN, FEB, MAR]
    with transaction.atomic():
        acc = billed_account(rate=str(rate))
        for kind, m, cents in events:
            month = months[m]
            if kind == "run":
                billing_run(period=month)
            elif kind == "pay":
                ledger_post_payment(payment=paid(acc, D(cents) / 100, month.replace(day=12)))
            else:
                ledger_post_correction(account=acc, period=month, amount=D(cents) / 100 - 1000, description="тест")
        assert statements_check() == []
        latest = Statement.objects.filter(account=acc).order_by("-period__month").first()
        total = LedgerEntry.objects.filter(account=acc).aggregate(s=Sum("amount"))["s"]
        assert latest.closing == total
        transaction.set_rollback(True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rates=st.lists(st.decimals(min_value=D("0.0001"), max_value=D("999.9999"), places=4), min_size=1, max_size=4),
    area=st.decimals(min_value=D("10.01"), max_value=D("300.00"), places=2),
    percent=st.decimals(min_value=D("0.01"), max_value=D("100.00"), places=2),
)
def test_rounding_never_creates_or_loses_a_kopeck(rates, area, percent):
    from billing.models import Benefit, BenefitCategory

    with transaction.atomic():
        acc = PersonalAccountFactory(number="4000000099", area=area)
        cat = BenefitCategory.objects.create(name="Льгота", code="l", percent=percent)
        for i, r in enumerate(rates):
            svc = ServiceFactory(method=Service.Method.AREA, code=f"p{i}")
            TariffFactory(service=svc, rate=r)
            AccountService.objects.create(account=acc, service=svc, started_on=dt.date(2020, 1, 1))
            cat.services.add(svc)
        Benefit.objects.create(account=acc, category=cat, valid_from=dt.date(2020, 1, 1))
        report = billing_run(period=MAR)
        charges = Charge.objects.filter(account=acc)
        for c in charges:
            assert sum(D(z["amount"]) for z in c.details["zones"]) == c.amount
        st_ = Statement.objects.get(account=acc, period__month=MAR)
        assert st_.charged == sum(c.amount for c in charges) == report.totals.get("charge", 0)
        assert st_.benefits == sum(c.benefit for c in charges) == -report.totals.get("benefit", 0)
        assert st_.closing == sum(c.total for c in charges)
        transaction.set_rollback(True)
