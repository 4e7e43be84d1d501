"""Penalties in the monthly run under the one-rate rule: provisional lines
while a debt is unpaid, the difference to the statutory penalty once it is
paid, refusals that leave one account's penalty out and let the run go on,
and the receipt's penalty line."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import AccountService, KeyRate, LedgerEntry, Service
from billing.penalties import Credit, Debt, PenaltyRules, account_penalties
from billing.services import billing_run, ledger_post_payment, statements_check
from billing.tests.statute import DOMAIN_CAP, DOMAIN_MORATORIA, DOMAIN_RATES, statute_penalty
from eirc import periods
from eirc.tests.factories import PaymentFactory, PersonalAccountFactory, ServiceFactory, TariffFactory

D = Decimal
DAY = dt.timedelta(days=1)
DOMAIN_RULES = PenaltyRules(
    rates=tuple(DOMAIN_RATES),
    caps=((DOMAIN_CAP[0], DOMAIN_CAP[1] + DAY, DOMAIN_CAP[2]),),
    moratoria=tuple((s, e + DAY) for s, e in DOMAIN_MORATORIA),
)


def one_month_debt(amount: Decimal, month: dt.date, number: str | None = None):
    """An account billed ``amount`` for ``month`` only (a fixed service that
    ends with the month), so it has exactly one debt."""
    kwargs = {"number": number} if number else {}
    account = PersonalAccountFactory(opened_on=dt.date(2015, 1, 1), **kwargs)
    svc = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=svc, rate=amount, valid_from=dt.date(2015, 1, 1))
    AccountService.objects.create(
        account=account, service=svc, started_on=month, ended_on=periods.add_months(month, 1) - DAY
    )
    return account


def pay(account, amount: Decimal, day: dt.date):
    p = PaymentFactory(
        account=account,
        amount=amount,
        status="succeeded",
        paid_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
    )
    return ledger_post_payment(payment=p)


def posted_for(account, month: dt.date) -> Decimal:
    return LedgerEntry.objects.filter(account=account, kind="penalty", for_period__month=month).aggregate(
        s=Sum("amount")
    )["s"] or D("0.00")


def months(first: dt.date, last: dt.date):
    m = first
    while m <= last:
        yield m
        m = periods.add_months(m, 1)


# --- the sum over months is the statute's penalty at the payment day ---------------------


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    amount=st.decimals(min_value=D("100.00"), max_value=D("500000.00"), places=2),
    month=st.sampled_from([periods.add_months(dt.date(2016, 1, 1), n) for n in range(0, 120, 7)]),
    delay=st.one_of(st.integers(min_value=0, max_value=420), st.sampled_from([30, 31, 90, 91])),
    changes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=450), st.decimals(min_value=D("1"), max_value=D("25"), places=2)),
        max_size=3,
    ),
)
def test_the_run_posts_penalties_for_a_paid_debt_that_add_up_to_the_statute_at_the_payment_day(
    amount, month, delay, changes
):
    with transaction.atomic():
        due = periods.due_date(month)
        paid = due + dt.timedelta(days=delay)
        for offset, rate in changes:  # the key rate moves during the delay
            KeyRate.objects.update_or_create(valid_from=due + dt.timedelta(days=offset), defaults={"rate": rate})
        account = one_month_debt(amount, month)
        for m in months(month, periods.add_months(periods.month_start(paid), 1)):
            if m == periods.month_start(paid):
                pay(account, amount, paid)
            billing_run(period=m)
        rates = list(KeyRate.objects.order_by("valid_from").values_list("valid_from", "rate"))
        expected = statute_penalty(amount, due, paid, rates=rates)[3]
        assert posted_for(account, month) == expected
        # once paid, a later run posts nothing more for that debt
        lines = LedgerEntry.objects.filter(account=account, kind="penalty").count()
        billing_run(period=periods.add_months(periods.month_start(paid), 2))
        assert LedgerEntry.objects.filter(account=account, kind="penalty").count() == lines
        assert statements_check() == []
        transaction.set_rollback(True)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    amount=st.decimals(min_value=D("1.00"), max_value=D("300000.00"), places=2),
    due=st.dates(min_value=dt.date(2016, 1, 10), max_value=dt.date(2026, 6, 15)),
    parts=st.lists(
        st.tuples(st.integers(min_value=0, max_value=900), st.integers(min_value=1, max_value=99)),
        min_size=1,
        max_size=4,
    ),
)
def test_lines_posted_month_by_month_add_up_to_the_statute_for_every_paid_part(amount, due, parts):
    """What the run posts for a debt period in month ``P`` is what has
    accrued by ``P``'s last day minus what earlier months posted; a debt paid
    in parts has one delay per part, each at its own payment day's rate."""
    period = periods.add_months(periods.month_start(due), -1)
    days = sorted(due + dt.timedelta(days=offset) for offset, _ in parts)
    left, credits = amount, []
    for day, (_, percent) in zip(days[:-1], parts, strict=False):
        part = (amount * percent / 100).quantize(D("0.01"))
        if 0 < part < left:
            credits.append(Credit(on=day, amount=part))
            left -= part
    credits.append(Credit(on=days[-1], amount=left))  # the last payment settles the rest
    posted = D("0.00")
    last_month = periods.add_months(periods.month_start(days[-1]), 2)
    for m in months(periods.month_start(due), last_month):
        end = periods.add_months(m, 1) - DAY
        debt = Debt(period=period, due=due, amount=amount)
        accrued = account_penalties(debts=[debt], credits=credits, on=end, rules=DOMAIN_RULES).get(period)
        line = (accrued[0] if accrued else D("0.00")) - posted
        posted += line
        assert line == line.quantize(D("0.01"))
    expected = sum((statute_penalty(c.amount, due, c.on)[3] for c in credits), D("0.00"))
    assert posted == expected


# --- provisional lines -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unpaid_debt_is_re_rated_every_month_and_a_falling_rate_takes_back_the_excess():
    """December 2021, due 10.01.2022, never paid. 31.01.2022: 8.5 % on every
    day; 28.02.2022: 20 %, capped to 9.5 %; 31.07.2022: 8 %; 30.09.2022:
    7.5 %. Each run re-rates the whole delay; a lower rate posts a negative
    line; the sum is always the statute's penalty on the calculation day."""
    month = dt.date(2021, 12, 1)
    account = one_month_debt(D("80000.00"), month, number="3100000001")
    due = dt.date(2022, 1, 10)
    for m in months(month, dt.date(2022, 10, 1)):
        billing_run(period=m)
        end = periods.add_months(m, 1) - DAY
        assert posted_for(account, month) == statute_penalty(D("80000.00"), due, end)[3]
    lines = LedgerEntry.objects.filter(account=account, kind="penalty").order_by("period__month")
    reductions = [e for e in lines if e.amount < 0]
    assert {e.period.month for e in reductions} == {dt.date(2022, 7, 1), dt.date(2022, 9, 1)}
    assert all(e.description == "Уменьшение пеней за 12.2021" for e in reductions)
    july = reductions[0]
    assert july.details["parts"][0]["rate"] == "8.00"
    assert july.details["parts"][0]["rate_day"] == "2022-07-31"
    assert statements_check() == []


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_calculation_day_without_a_rate_leaves_that_accounts_penalty_out_with_a_warning():
    month = dt.date(2016, 6, 1)
    refused = one_month_debt(D("5000.00"), month, number="3100000011")
    other = PersonalAccountFactory(number="3100000012", opened_on=dt.date(2015, 1, 1))
    svc = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=svc, rate=D("700.00"), valid_from=dt.date(2015, 1, 1))
    AccountService.objects.create(account=other, service=svc, started_on=dt.date(2016, 8, 1))
    for m in months(month, dt.date(2016, 8, 1)):
        billing_run(period=m)
    before = posted_for(refused, month)
    assert before > 0
    KeyRate.objects.filter(valid_from__lte=dt.date(2016, 9, 30)).delete()  # the table now starts in 2017
    report = billing_run(period=dt.date(2016, 9, 1))
    assert report.warnings == [
        "лицевой счёт 3100000011: пени не начислены — Нет ключевой ставки Банка России на 30.09.2016: "
        "пени не рассчитаны. Добавьте ставку, действовавшую в этот день, в справочник «Ключевые ставки».",
    ]
    assert posted_for(refused, month) == before  # September posts nothing for it, not a 0.00 computed line
    assert not LedgerEntry.objects.filter(kind="penalty", period__month=dt.date(2016, 9, 1)).exists()
    # the rest of the run went on: the other account is billed (its August debt is not yet 31 days overdue)
    assert LedgerEntry.objects.filter(account=other, kind="charge", period__month=dt.date(2016, 9, 1)).exists()
    # the rate is entered again: the next run catches up with everything that accrued
    KeyRate.objects.create(valid_from=dt.date(2016, 9, 19), rate=D("10.00"))
    report = billing_run(period=dt.date(2016, 10, 1))
    assert report.warnings == []
    assert posted_for(refused, month) == statute_penalty(D("5000.00"), dt.date(2016, 7, 10), dt.date(2016, 10, 31))[3]
    assert statements_check() == []


@pytest.mark.django_db
def test_a_debt_due_before_2016_is_refused_in_the_run_and_other_accounts_go_on():
    old = one_month_debt(D("3000.00"), dt.date(2015, 11, 1), number="3100000021")
    new = one_month_debt(D("3000.00"), dt.date(2016, 1, 1), number="3100000022")
    for m in months(dt.date(2015, 11, 1), dt.date(2016, 4, 1)):
        report = billing_run(period=m)
    assert any(
        w.startswith("лицевой счёт 3100000021: пени не начислены — Срок оплаты 10.12.2015") for w in report.warnings
    )
    assert not LedgerEntry.objects.filter(account=old, kind="penalty").exists()
    assert (
        posted_for(new, dt.date(2016, 1, 1))
        == statute_penalty(D("3000.00"), dt.date(2016, 2, 10), dt.date(2016, 4, 30))[3]
    )
    assert not any("3100000022" in w for w in report.warnings)


@pytest.mark.django_db
def test_a_back_dated_payment_inside_the_grace_days_takes_back_every_penalty_charged():
    """A bank registry line dated 05.03.2026 arrives after April was billed:
    January's debt (due 10.02.2026) was paid on its 23rd day, so nothing ever
    accrued, and the May run takes back all that earlier runs charged."""
    month = dt.date(2026, 1, 1)
    account = one_month_debt(D("20000.00"), month, number="3100000031")
    for m in months(month, dt.date(2026, 4, 1)):
        billing_run(period=m)
    charged = posted_for(account, month)
    assert charged > 0
    pay(account, D("20000.00"), dt.date(2026, 3, 5))
    billing_run(period=dt.date(2026, 5, 1))
    assert posted_for(account, month) == 0
    reversal = LedgerEntry.objects.get(account=account, kind="penalty", period__month=dt.date(2026, 5, 1))
    assert (reversal.amount, reversal.description) == (-charged, "Уменьшение пеней за 01.2026")
    assert reversal.details["accrued"] == "0.00"
    assert statements_check() == []
