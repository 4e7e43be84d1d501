"""Penalties on contributions for capital repair follow ЖК РФ ст. 155
ч. 14.1 (1/300 of the rate from the day after the due date, no 1/130 step),
the rest of a period's debt ч. 14 (nothing for 30 days, then 1/300, from day
91 1/130): the engine, the split of a period's debt and of a payment, the
monthly run, the what-if calculator, the dashboard and the charges page.

Every amount below is computed by hand in the docstrings. The rate of every
rate day in 2026 is min(9,5 %, key rate 16 % from 22.12.2025) = 9,5 %
(ПП РФ № 329: cap until 31.12.2026), so one day at 1/300 on 1 000,00 ₽ is
1 000 × 0,095 / 300 = 0,316666… ₽.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db.models import Sum
from django.utils import timezone

from billing.models import AccountService, LedgerEntry, Service
from billing.penalties import (
    RULE_14,
    RULE_14_1,
    Credit,
    Debt,
    PenaltyRefused,
    PenaltyRules,
    account_penalties,
    allocate,
    penalty_for,
    penalty_rules,
)
from billing.selectors.penalty_calc import penalty_calc
from billing.services import billing_run, ledger_post_payment
from eirc import periods
from eirc.tests.factories import PaymentFactory, PersonalAccountFactory, ServiceFactory, TariffFactory

D = Decimal
NBSP = "\xa0"
CAP = (dt.date(2022, 2, 28), dt.date(2027, 1, 1), D("9.50"))
RULES = PenaltyRules(rates=((dt.date(2025, 12, 22), D("16.00")),), caps=(CAP,))
DUE = dt.date(2026, 4, 15)  # March 2026's due date (the 15th rule)
MARCH, APRIL, MAY, JUNE = (dt.date(2026, m, 1) for m in (3, 4, 5, 6))


def rub(text: str) -> str:
    return text.replace(" ", NBSP) + f"{NBSP}₽"


# --- the engine -----------------------------------------------------------------


def test_capital_repair_accrues_from_the_day_after_the_due_date_at_1_300():
    """1 000,00 ₽ of capital repair due 15.04.2026, paid 30.05.2026: days
    16.04–30.05 are 15 + 30 = 45 days, all at 1/300 of the rate of
    30.05.2026, min(9,5 %, 16 %) = 9,5 %: 45 × 1 000 × 0,095 / 300 = 14,25 ₽.
    Under ч. 14 the same debt has only days 31–45 = 15 days at 1/300:
    15 × 1 000 × 0,095 / 300 = 4,75 ₽."""
    paid = dt.date(2026, 5, 30)
    cr = penalty_for(amount=D("1000.00"), due=DUE, on=paid, paid_on=paid, rules=RULES, rule=RULE_14_1)
    assert (cr.days_300, cr.days_130, cr.percent, cr.total) == (45, 0, D("9.50"), D("14.25"))
    assert [(ln.start, ln.end, ln.fraction) for ln in cr.lines] == [(dt.date(2026, 4, 16), paid, "1/300")]
    general = penalty_for(amount=D("1000.00"), due=DUE, on=paid, paid_on=paid, rules=RULES, rule=RULE_14)
    assert (general.days_300, general.total) == (15, D("4.75"))
    # the first day after the due date already accrues under ч. 14.1 only
    day1 = DUE + dt.timedelta(days=1)
    assert penalty_for(amount=D("1000.00"), due=DUE, on=day1, rules=RULES, rule=RULE_14_1).total == D("0.32")
    assert penalty_for(amount=D("1000.00"), due=DUE, on=day1, rules=RULES, rule=RULE_14).total == 0
    assert penalty_for(amount=D("1000.00"), due=DUE, on=DUE, rules=RULES, rule=RULE_14_1).total == 0


def test_capital_repair_has_no_1_130_step():
    """1 000,00 ₽ due 15.04.2026, unpaid on 13.08.2026 (day 120): ч. 14.1 is
    120 days × 1/300 = 120 × 0,316666… = 38,00 ₽; ч. 14 is 60 days × 1/300
    (19,00) + 30 days × 1/130 (30 × 95 / 130 = 21,923…) = 40,923… → 40,92 ₽."""
    on = dt.date(2026, 8, 13)
    cr = penalty_for(amount=D("1000.00"), due=DUE, on=on, rules=RULES, rule=RULE_14_1)
    assert (cr.days_300, cr.days_130, cr.total) == (120, 0, D("38.00"))
    general = penalty_for(amount=D("1000.00"), due=DUE, on=on, rules=RULES, rule=RULE_14)
    assert (general.days_300, general.days_130, general.total) == (60, 30, D("40.92"))


@pytest.mark.django_db
def test_the_penalty_command_computes_capital_repair_by_ch_14_1(capsys):
    """The worked example above through ``manage.py penalty --capital-repair``
    on the shipped rates: 45 days × 1/300 × 9,5 % of 1 000,00 ₽ = 14,25 ₽."""
    from django.core.management import call_command

    args = ["penalty", "--amount", "1000.00", "--due", "2026-04-15", "--paid-on", "2026-05-30"]
    call_command(*args, "--capital-repair")
    out = capsys.readouterr().out
    assert "ЖК РФ ст. 155 ч. 14.1 (взнос на капитальный ремонт)" in out
    assert "16.04.2026–30.05.2026: 45 дн. × 1/300 × 9.50%" in out
    assert f"Итого пени: {rub('14,25')}" in out
    call_command(*args)
    assert f"Итого пени: {rub('4,75')}" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_moratorium_day_accrues_nothing_on_capital_repair():
    """1 000,00 ₽ due 25.03.2022, paid 05.04.2022 (rate day: key rate 20 %,
    capped at 9,5 %): days 26.03–31.03 accrue (6 × 0,316666… = 1,90 ₽),
    01.04–05.04 are in the 2022 moratorium (5 days, nothing). Under ч. 14
    nothing at all (day 11 of the delay)."""
    due, paid = dt.date(2022, 3, 25), dt.date(2022, 4, 5)
    rules = penalty_rules()  # the migrations' key rates, cap and moratoria
    cr = penalty_for(amount=D("1000.00"), due=due, on=paid, paid_on=paid, rules=rules, rule=RULE_14_1)
    assert (cr.days_300, cr.moratorium_days, cr.percent, cr.total) == (6, 5, D("9.50"), D("1.90"))
    assert penalty_for(amount=D("1000.00"), due=due, on=paid, paid_on=paid, rules=rules).total == 0
    inside = penalty_for(
        amount=D("1000.00"), due=dt.date(2022, 4, 10), on=dt.date(2022, 5, 1), rules=rules, rule=RULE_14_1
    )
    assert (inside.total, inside.moratorium_days) == (0, 21)


@pytest.mark.django_db
def test_capital_repair_due_before_2016_is_not_refused_but_a_day_without_a_rate_is():
    """ч. 14.1 did not change on 01.01.2016: 1 000,00 ₽ due 10.12.2015, paid
    10.01.2016 (rate: 11 % from 03.08.2015, no cap then) is 31 days × 1/300:
    1 000 × 0,11 × 31 / 300 = 11,3666… → 11,37 ₽. The same debt under ч. 14
    is refused (the older rule), and a rate day the table does not cover is
    refused under ч. 14.1 too."""
    due, paid = dt.date(2015, 12, 10), dt.date(2016, 1, 10)
    rules = penalty_rules()  # the migrations' key rates, cap and moratoria
    cr = penalty_for(amount=D("1000.00"), due=due, on=paid, paid_on=paid, rules=rules, rule=RULE_14_1)
    assert (cr.days_300, cr.percent, cr.total) == (31, D("11.0"), D("11.37"))
    with pytest.raises(PenaltyRefused) as old:
        penalty_for(amount=D("1000.00"), due=due, on=paid, paid_on=paid, rules=rules, rule=RULE_14)
    assert old.value.code == "penalty_old_rule"
    with pytest.raises(PenaltyRefused) as no_rate:
        penalty_for(
            amount=D("1000.00"), due=dt.date(2025, 11, 15), on=dt.date(2025, 12, 1), rules=RULES, rule=RULE_14_1
        )
    assert no_rate.value.code == "penalty_no_rate" and "01.12.2025" in no_rate.value.message


# --- the split of a period and of a payment ------------------------------------------


def test_a_partial_payment_is_shared_between_the_parts_in_proportion_to_what_remains():
    """March 2026: 333,33 ₽ of capital repair and 666,68 ₽ of the rest, due
    15.04.2026; 500,00 ₽ paid 30.05.2026. In kopecks 50 000 × 33 333 /
    100 001 = 16 666,33… and 50 000 × 66 668 / 100 001 = 33 333,67…: floors
    16 666 + 33 333 = 49 999, the kopeck left goes to the larger remainder
    (0,67): 166,66 ₽ and 333,34 ₽.

    Penalty on 30.06.2026, each slice rounded once (rate 9,5 %):
    capital repair paid 166,66 × 0,095 × 45 / 300 = 2,374905 → 2,37;
    its rest 166,67 × 0,095 × 76 / 300 (16.04–30.06) = 4,01119… → 4,01;
    the rest paid 333,34 × 0,095 × 15 / 300 (days 31–45) = 1,583365 → 1,58;
    its rest 333,34 × 0,095 × 46 / 300 (days 31–76) = 4,85565… → 4,86.
    Total 12,82 ₽."""
    debts = [
        Debt(period=MARCH, due=DUE, amount=D("666.68"), rule=RULE_14),
        Debt(period=MARCH, due=DUE, amount=D("333.33"), rule=RULE_14_1),
    ]
    paid_on = dt.date(2026, 5, 30)
    out = allocate(debts, [Credit(on=paid_on, amount=D("500.00"))])
    assert [(d.rule, d.slices, d.remaining) for d in out] == [
        (RULE_14, [(D("333.34"), paid_on)], D("333.34")),
        (RULE_14_1, [(D("166.66"), paid_on)], D("166.67")),
    ]
    got = account_penalties(
        debts=debts, credits=[Credit(on=paid_on, amount=D("500.00"))], on=JUNE.replace(day=30), rules=RULES
    )
    total, parts = got[MARCH]
    assert [(p["rule"], p["amount"], p["paid_on"], p["penalty"]) for p in parts] == [
        (RULE_14, "333.34", "2026-05-30", "1.58"),
        (RULE_14, "333.34", None, "4.86"),
        (RULE_14_1, "166.66", "2026-05-30", "2.37"),
        (RULE_14_1, "166.67", None, "4.01"),
    ]
    assert total == D("12.82")


def test_the_named_period_first_then_the_oldest_and_each_period_shared_by_its_parts():
    """January: 100,00 ₽ (ч. 14) + 100,00 ₽ (ч. 14.1); February: 300,00 ₽
    (ч. 14) + 100,00 ₽ (ч. 14.1). 250,00 ₽ naming February: February's
    400,00 ₽ takes 250,00 shared 3 : 1 = 187,50 + 62,50. Then 300,00 ₽
    unnamed: January first, 200,00 (100 + 100), the 100,00 left to February's
    remaining 112,50 + 37,50 in the same 3 : 1 = 75,00 + 25,00. A refund of
    30,00 ₽ takes back the latest allocation first (as before the split):
    February's capital repair slice of 25,00, then 5,00 of its other slice."""
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    debts = [
        Debt(jan, dt.date(2026, 2, 10), D("100.00")),
        Debt(jan, dt.date(2026, 2, 10), D("100.00"), rule=RULE_14_1),
        Debt(feb, dt.date(2026, 3, 10), D("300.00")),
        Debt(feb, dt.date(2026, 3, 10), D("100.00"), rule=RULE_14_1),
    ]
    d1, d2, d3 = dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3)
    credits = [Credit(on=d1, amount=D("250.00"), for_period=feb), Credit(on=d2, amount=D("300.00"))]
    out = allocate(debts, credits)
    assert [(d.period, d.rule, d.slices) for d in out] == [
        (jan, RULE_14, [(D("100.00"), d2)]),
        (jan, RULE_14_1, [(D("100.00"), d2)]),
        (feb, RULE_14, [(D("187.50"), d1), (D("75.00"), d2)]),
        (feb, RULE_14_1, [(D("62.50"), d1), (D("25.00"), d2)]),
    ]
    out = allocate(debts, [*credits, Credit(on=d3, amount=D("-30.00"))])
    assert [(d.rule, d.slices[-1], d.remaining) for d in out[2:]] == [
        (RULE_14, (D("70.00"), d2), D("42.50")),
        (RULE_14_1, (D("0.00"), d2), D("37.50")),
    ]


@pytest.mark.django_db
def test_the_principal_is_split_by_the_services_rule_and_a_negative_part_is_taken_off_the_other():
    from billing.ledger import debts_from_principal, term_rules

    rules = term_rules()
    principal = {
        MARCH: {RULE_14: D("700.00"), RULE_14_1: D("300.00")},
        APRIL: {RULE_14: D("500.00"), RULE_14_1: D("-100.00")},  # a capital-repair recalculation
        MAY: {RULE_14: D("-50.00"), RULE_14_1: D("20.00")},  # a negative month: a credit
    }
    debts, credits = debts_from_principal(principal, [], rules)
    assert [(d.period, d.rule, d.amount, d.due) for d in debts] == [
        (MARCH, RULE_14, D("700.00"), DUE),
        (MARCH, RULE_14_1, D("300.00"), DUE),
        (APRIL, RULE_14, D("400.00"), dt.date(2026, 5, 15)),
    ]
    assert credits == [Credit(on=dt.date(2026, 5, 31), amount=D("30.00"))]


# --- the monthly run, the calculator, the pages ---------------------------------------------


def capital_repair_account(account):
    """Two fixed services of 1 000,00 ₽ a month from March 2026: one is
    capital repair (ч. 14.1), the other follows ч. 14."""
    cr = ServiceFactory(
        method=Service.Method.FIXED, name="Взнос на капитальный ремонт", penalty_rule=Service.PenaltyRule.CH14_1
    )
    rest = ServiceFactory(method=Service.Method.FIXED, name="Содержание жилого помещения")
    for svc in (cr, rest):
        TariffFactory(service=svc, rate=D("1000.0000"))
        AccountService.objects.create(account=account, service=svc, started_on=MARCH)
    return cr, rest


def penalties_for(account, debt_month, run_month=None):
    qs = LedgerEntry.objects.filter(account=account, kind="penalty", for_period__month=debt_month)
    if run_month is not None:
        return qs.get(period__month=run_month).amount
    return qs.aggregate(s=Sum("amount"))["s"]


def pay(account, amount, day):
    paid_at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    ledger_post_payment(payment=PaymentFactory(account=account, amount=amount, status="succeeded", paid_at=paid_at))


@pytest.mark.django_db
def test_the_run_posts_capital_repair_penalties_by_ch_14_1_and_the_rest_by_ch_14():
    """1 000,00 ₽ of capital repair + 1 000,00 ₽ of the rest each month from
    March 2026; March is due 15.04, April 15.05, May 15.06. Rate 9,5 %.

    April's run (30.04) for March: capital repair days 16.04–30.04 = 15 ×
    1/300 = 4,75; the rest is on day 15: nothing. → 4,75.
    May's run (31.05) for March: capital repair 46 days = 14,5666… → 14,57,
    the rest days 31–46 = 16 days = 5,0666… → 5,07: 19,64 accrued, 19,64 −
    4,75 = 14,89 posted. For April (due 15.05): capital repair 16 days =
    5,07; the rest nothing → 5,07.
    10.06: 1 500,00 ₽ paid, unnamed: March, the oldest, shared 1 : 1 =
    750,00 + 750,00. June's run (30.06) for March: capital repair paid 750 ×
    0,095 × 56 / 300 (16.04–10.06) = 13,30; its rest 250 × 0,095 × 76 / 300 =
    6,0166… → 6,02; the rest paid 750 × 0,095 × 26 / 300 (days 31–56) = 6,175
    → 6,18; its rest 250 × 0,095 × 46 / 300 = 3,6416… → 3,64. Accrued 29,14,
    posted 29,14 − 19,64 = 9,50. For April: capital repair 46 days = 14,57,
    the rest 16 days = 5,07: 19,64 − 5,07 = 14,57 posted. For May (due
    15.06): capital repair 15 days = 4,75."""
    account = PersonalAccountFactory(number="3100000001")
    capital_repair_account(account)
    for month in (MARCH, APRIL, MAY):
        billing_run(period=month)
    assert penalties_for(account, MARCH, APRIL) == D("4.75")
    assert penalties_for(account, MARCH, MAY) == D("14.89")
    assert penalties_for(account, APRIL, MAY) == D("5.07")
    pay(account, D("1500.00"), dt.date(2026, 6, 10))
    billing_run(period=JUNE)
    assert penalties_for(account, MARCH, JUNE) == D("9.50")
    assert penalties_for(account, MARCH) == D("29.14")
    assert penalties_for(account, APRIL, JUNE) == D("14.57")
    assert penalties_for(account, MAY, JUNE) == D("4.75")
    entry = LedgerEntry.objects.get(account=account, kind="penalty", for_period__month=MARCH, period__month=JUNE)
    assert [(p["rule"], p["amount"], p["paid_on"], p["penalty"]) for p in entry.details["parts"]] == [
        (RULE_14, "750.00", "2026-06-10", "6.18"),
        (RULE_14, "250.00", None, "3.64"),
        (RULE_14_1, "750.00", "2026-06-10", "13.30"),
        (RULE_14_1, "250.00", None, "6.02"),
    ]


@pytest.mark.django_db
def test_the_calculator_agrees_with_the_run_on_an_account_with_capital_repair():
    """Billed March–May as above; the calculator's «1 500,00 ₽ on 30.06.2026»
    per debt period equals what the run posts once that payment is made and
    June is billed (both compute on 30.06 with the payment on 30.06)."""
    account = PersonalAccountFactory(number="3100000002")
    capital_repair_account(account)
    for month in (MARCH, APRIL, MAY):
        billing_run(period=month)
    on = dt.date(2026, 6, 30)
    calc = penalty_calc(account=account, amount=D("1500.00"), on=on)
    march = calc.rows[0]
    assert [(p.rule, p.debt, p.paid_now, p.free_until) for p in march.parts] == [
        (RULE_14, D("1000.00"), D("750.00"), dt.date(2026, 5, 15)),
        (RULE_14_1, D("1000.00"), D("750.00"), DUE),
    ]
    assert march.free_until == DUE
    pay(account, D("1500.00"), on)
    billing_run(period=JUNE)
    assert {r.period: r.accrued for r in calc.rows} == {m: penalties_for(account, m) for m in (MARCH, APRIL, MAY)}
    # March by hand: 76 days on 750 + 250 of capital repair, days 31–76 on the rest:
    # 750 × 0,095 × 76 / 300 = 18,05; 250 → 6,0166… → 6,02; 750 × 0,095 × 46 / 300 = 10,925 → 10,93; 250 → 3,64
    assert march.accrued == D("18.05") + D("6.02") + D("10.93") + D("3.64")


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident)
    return client


@time_machine.travel(dt.datetime(2026, 4, 5, 12, 0, tzinfo=periods.TZ), tick=False)
def test_the_dashboard_says_penalties_on_capital_repair_start_the_day_after_the_due_date(logged_in, resident):
    account = resident.account_links.get().account
    capital_repair_account(account)
    billing_run(period=MARCH)
    page = logged_in.get("/cabinet/").content.decode()
    assert f"Оплатите {rub('2 000,00')} до 15.04.2026 — это срок оплаты текущих начислений." in page
    assert (
        f"Из них взнос на капитальный ремонт {rub('1 000,00')}: пени на него начнут начисляться со следующего "
        "дня после срока оплаты, с 16.04.2026 (ЖК РФ ст. 155 ч. 14.1)." in page
    )
    assert f"На остальные {rub('1 000,00')} пени начнут начисляться через 30 дней после срока оплаты" in page


@time_machine.travel(dt.datetime(2026, 4, 5, 12, 0, tzinfo=periods.TZ), tick=False)
def test_the_calculator_page_gives_each_part_its_last_free_day(logged_in, resident):
    account = resident.account_links.get().account
    capital_repair_account(account)
    billing_run(period=MARCH)
    page = logged_in.get("/cabinet/penalty/", {"amount": "500,00", "on": "30.05.2026"}).content.decode()
    # the capital-repair part's last free day is the due date itself
    assert "Пени не начисляются, если оплатить долг до 15.04.2026 включительно." in page
    assert f"взнос на капремонт {rub('1 000,00')} — до 15.04.2026" in page
    assert f"остальное {rub('1 000,00')} — до 15.05.2026" in page
    # 250 + 250 paid on 30.05: 250 × 0,095 × 45 / 300 = 3,5625 → 3,56; rest 750 → 10,6875 → 10,69;
    # the rest: 250 × 0,095 × 15 / 300 = 1,1875 → 1,19; 750 → 3,5625 → 3,56. 19,00 in all.
    assert f"Всего пени на дату оплаты: {rub('19,00')}" in page
    assert "По ЖК РФ ст. 155 ч. 14.1 (взносы на капитальный ремонт): долг 250,00" in page


@pytest.mark.django_db
def test_the_charges_page_names_the_statute_of_each_penalty_line(client, resident):
    account = resident.account_links.get().account
    capital_repair_account(account)
    for month in (MARCH, APRIL):
        billing_run(period=month)
    client.force_login(resident)
    page = client.get("/cabinet/charges/").content.decode()
    assert (
        f"По ЖК РФ ст. 155 ч. 14.1 (взносы на капитальный ремонт): долг {rub('1 000,00')} со сроком оплаты "
        f"15.04.2026, не оплачен на 30.04.2026" in page
    )
    assert f"15 дн. × 1/300 = {rub('4,75')}" in page
    assert "По взносам на капитальный ремонт (ЖК РФ ст. 155 ч. 14.1) пени начисляются со следующего дня" in page


@pytest.mark.django_db
def test_the_migration_puts_capital_repair_services_under_ch_14_1():
    migration = importlib.import_module("billing.migrations.0014_service_penalty_rule")
    by_code = ServiceFactory(code="capital_repair", name="Взнос")
    by_name = ServiceFactory(name="Взнос на капитальный ремонт общего имущества")
    other = ServiceFactory(name="Содержание жилого помещения")
    Service.objects.update(penalty_rule=RULE_14)
    migration.capital_repair_follows_14_1(django_apps, None)
    rules = dict(Service.objects.values_list("pk", "penalty_rule"))
    assert (rules[by_code.pk], rules[by_name.pk], rules[other.pk]) == (RULE_14_1, RULE_14_1, RULE_14)


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_penalty_rule():
    from django.db import IntegrityError, transaction

    svc = ServiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.filter(pk=svc.pk).update(penalty_rule="ch15")


@pytest.mark.django_db
def test_staff_see_and_change_the_penalty_rule_of_a_service_in_the_admin(admin_client):
    svc = ServiceFactory(name="Взнос на капремонт", code="fkr", unit="м²")
    listing = admin_client.get("/admin/billing/service/").content.decode()
    assert "ЖК РФ ст. 155 ч. 14" in listing and "Правило начисления пени" in listing
    url = f"/admin/billing/service/{svc.pk}/change/"
    form = admin_client.get(url).content.decode()
    assert 'name="penalty_rule"' in form and "ЖК РФ ст. 155 ч. 14.1 (взносы на капитальный ремонт)" in form
    data = {
        "code": svc.code,
        "name": svc.name,
        "provider": svc.provider_id,
        "method": svc.method,
        "unit": svc.unit,
        "zones": svc.zones,
        "no_meter_factor": "1",
        "penalty_rule": RULE_14_1,
        "position": "0",
        "is_active": "on",
        "tariffs-TOTAL_FORMS": "0",
        "tariffs-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    svc.refresh_from_db()
    assert svc.penalty_rule == RULE_14_1
