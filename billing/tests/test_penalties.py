"""The penalty engine (ЖК РФ ст. 155 ч. 14) as a pure function, and the
``penalty`` command that prints it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.ledger import term_rules
from billing.penalties import Credit, Debt, PenaltyRefused, PenaltyRules, allocate, penalty_for, penalty_rules
from eirc.periods import due_date

D = Decimal
CAP = (dt.date(2022, 2, 28), dt.date(2027, 1, 1), D("9.50"))
RULES = PenaltyRules(rates=((dt.date(2025, 12, 22), D("16.00")),), caps=(CAP,))


def test_worked_example_gives_409_23():
    res = penalty_for(amount=D("10000.00"), due=dt.date(2026, 3, 15), on=dt.date(2026, 7, 13), rules=RULES)
    assert [(ln.days, ln.fraction, ln.rate, ln.amount) for ln in res.lines] == [
        (60, "1/300", D("9.50"), D("190.00")),
        (30, "1/130", D("9.50"), D("219.23")),
    ]
    assert res.total == D("409.23")


@pytest.mark.django_db
def test_worked_example_from_the_rules_in_the_database_and_the_command(capsys):
    res = penalty_for(amount=D("10000.00"), due=dt.date(2026, 3, 15), on=dt.date(2026, 7, 13), rules=penalty_rules())
    assert res.total == D("409.23")
    call_command("penalty", "--amount", "10000.00", "--due", "2026-03-15", "--on", "2026-07-13")
    out = capsys.readouterr().out
    assert "15.04.2026–13.06.2026: 60 дн. × 1/300 × 9.50%" in out
    assert "14.06.2026–13.07.2026: 30 дн. × 1/130 × 9.50%" in out
    assert "Итого пени: 409,23\xa0₽" in out


def test_first_thirty_days_cost_nothing():
    due = dt.date(2026, 3, 15)
    assert penalty_for(amount=D("5000"), due=due, on=due + dt.timedelta(days=30), rules=RULES).total == 0
    day31 = penalty_for(amount=D("5000"), due=due, on=due + dt.timedelta(days=31), rules=RULES)
    assert [(ln.days, ln.fraction) for ln in day31.lines] == [(1, "1/300")]


@pytest.mark.django_db
def test_due_date_moves_from_the_10th_to_the_15th_for_march_2026_on():
    rules = term_rules()
    feb, mar = dt.date(2026, 2, 1), dt.date(2026, 3, 1)
    assert due_date(feb, rules) == dt.date(2026, 3, 10)
    assert due_date(mar, rules) == dt.date(2026, 4, 15)
    # the same calculation day: February's debt is already in its 31st day, March's is not yet due
    on = dt.date(2026, 4, 10)
    assert penalty_for(amount=D("1000"), due=due_date(feb, rules), on=on, rules=RULES).lines[0].days == 1
    assert penalty_for(amount=D("1000"), due=due_date(mar, rules), on=on, rules=RULES).total == 0


def test_the_cap_is_read_on_the_payment_day_and_rates_every_day_of_the_delay():
    """One rate for the whole delay (ЖК РФ ст. 155 ч. 14, ПП РФ № 474/2382/329):
    paid while the cap is in force, every day takes min(9.5 %, key rate),
    days before the cap included; computed after the cap ends, every day
    takes the key rate. (This test used to expect a split — 9.5 % on the days
    before 01.01.2027 and 16 % after — which the decrees do not allow.)"""
    due = dt.date(2026, 9, 15)
    paid_in_cap = penalty_for(
        amount=D("10000"), due=due, on=dt.date(2027, 2, 28), paid_on=dt.date(2026, 12, 31), rules=RULES
    )
    assert {ln.rate for ln in paid_in_cap.lines} == {D("9.50")}
    assert (paid_in_cap.key_rate, paid_in_cap.percent) == (D("16.00"), D("9.50"))
    after_cap = penalty_for(amount=D("10000"), due=due, on=dt.date(2027, 2, 28), rules=RULES)
    assert {ln.rate for ln in after_cap.lines} == {D("16.00")}
    assert [(ln.start, ln.fraction) for ln in after_cap.lines] == [
        (dt.date(2026, 10, 16), "1/300"),
        (dt.date(2026, 12, 15), "1/130"),
    ]
    uncapped = penalty_for(
        amount=D("10000"), due=due, on=dt.date(2027, 2, 28), rates=((dt.date(2025, 12, 22), D("16.00")),)
    )
    assert uncapped.total == after_cap.total


def test_a_pre_2022_debt_paid_under_the_cap_takes_the_capped_rate_on_its_2021_days_too():
    rules = PenaltyRules(rates=((dt.date(2021, 7, 26), D("6.50")), (dt.date(2022, 2, 28), D("20.00"))), caps=(CAP,))
    res = penalty_for(amount=D("71229.15"), due=dt.date(2021, 2, 10), on=dt.date(2022, 3, 17), rules=rules)
    assert [(ln.start, ln.days, ln.rate) for ln in res.lines] == [
        (dt.date(2021, 3, 13), 60, D("9.50")),
        (dt.date(2021, 5, 12), 310, D("9.50")),
    ]
    assert res.total == D("17489.50")  # rounded once: 1 353,35385 + 16 136,14205


def test_no_rate_for_the_payment_day_is_refused_never_zero():
    rules = PenaltyRules(rates=((dt.date(2020, 1, 1), D("6.25")),))
    with pytest.raises(PenaltyRefused, match=r"на 01\.12\.2019") as refused:
        penalty_for(amount=D("100"), due=dt.date(2019, 9, 10), on=dt.date(2019, 12, 1), rules=rules)
    assert refused.value.code == "penalty_no_rate"
    # nothing accrues within 30 days: no rate is needed
    assert penalty_for(amount=D("100"), due=dt.date(2019, 11, 10), on=dt.date(2019, 12, 1), rules=rules).total == 0


def test_a_debt_due_before_2016_is_refused_once_it_is_late():
    rules = PenaltyRules(rates=((dt.date(2012, 9, 14), D("8.25")),))
    with pytest.raises(PenaltyRefused, match=r"Срок оплаты 31\.12\.2015 — до 01\.01\.2016") as refused:
        penalty_for(amount=D("100"), due=dt.date(2015, 12, 31), on=dt.date(2016, 1, 1), rules=rules)
    assert refused.value.code == "penalty_old_rule"
    assert penalty_for(amount=D("100"), due=dt.date(2015, 12, 31), on=dt.date(2015, 12, 31), rules=rules).total == 0
    assert penalty_for(amount=D("100"), due=dt.date(2016, 1, 1), on=dt.date(2016, 2, 1), rules=rules).total > 0


def test_the_lines_share_the_one_rounded_total_and_add_up_to_it():
    # moratorium splits the 1/130 days in two lines; the total is rounded once
    rules = PenaltyRules(
        rates=((dt.date(2019, 1, 1), D("7.77")),), moratoria=((dt.date(2020, 4, 6), dt.date(2021, 1, 1)),)
    )
    res = penalty_for(amount=D("12345.67"), due=dt.date(2019, 11, 10), on=dt.date(2021, 3, 1), rules=rules)
    assert [ln.fraction for ln in res.lines] == ["1/300", "1/130", "1/130"]
    assert sum(ln.amount for ln in res.lines) == res.total
    assert res.moratorium_days == 270


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [(dt.date(2020, 4, 6), dt.date(2021, 1, 1)), (dt.date(2022, 4, 1), dt.date(2022, 10, 1))],
)
def test_no_penalty_accrues_during_a_moratorium(start, end):
    rules = penalty_rules()
    due = start - dt.timedelta(days=60)
    res = penalty_for(amount=D("10000"), due=due, on=end + dt.timedelta(days=20), rules=rules)
    for ln in res.lines:
        assert ln.end < start or ln.start >= end
    accrued_days = sum(ln.days for ln in res.lines)
    assert accrued_days == (start - (due + dt.timedelta(days=31))).days + 20 + 1
    # the day count goes on through the moratorium: after it, the debt is past day 90
    assert res.lines[-1].fraction == "1/130"


def test_a_key_rate_change_inside_a_debts_life_uses_the_rate_of_the_payment_day():
    rates = ((dt.date(2022, 9, 19), D("7.50")), (dt.date(2023, 7, 24), D("8.50")))
    due = dt.date(2023, 3, 10)
    early = penalty_for(amount=D("10000"), due=due, on=dt.date(2023, 9, 1), paid_on=dt.date(2023, 6, 1), rates=rates)
    late = penalty_for(amount=D("10000"), due=due, on=dt.date(2023, 9, 1), paid_on=dt.date(2023, 8, 1), rates=rates)
    unpaid = penalty_for(amount=D("10000"), due=due, on=dt.date(2023, 9, 1), rates=rates)
    assert {ln.rate for ln in early.lines} == {D("7.50")}
    assert {ln.rate for ln in late.lines} == {D("8.50")}
    assert {ln.rate for ln in unpaid.lines} == {D("8.50")}
    assert unpaid.key_rate == D("8.50")


def test_payments_go_to_the_oldest_debt_first_unless_a_period_is_named():
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    debts = [Debt(period=feb, due=dt.date(2026, 3, 10), amount=D("300")), Debt(jan, dt.date(2026, 2, 10), D("100"))]
    out = allocate(debts, [Credit(on=dt.date(2026, 3, 1), amount=D("150"))])
    assert [(d.period, d.remaining) for d in out] == [(jan, D("0")), (feb, D("250"))]
    out = allocate(debts, [Credit(on=dt.date(2026, 3, 1), amount=D("150"), for_period=feb)])
    assert [(d.period, d.remaining) for d in out] == [(jan, D("100")), (feb, D("150"))]
    out = allocate(
        debts, [Credit(dt.date(2026, 3, 1), D("150")), Credit(dt.date(2026, 3, 5), D("-120"))]
    )  # a refund takes back the latest allocation first
    assert [(d.period, d.remaining) for d in out] == [(jan, D("70")), (feb, D("300"))]


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
    due=st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2026, 12, 31)),
    a=st.integers(min_value=0, max_value=900),
    b=st.integers(min_value=0, max_value=900),
)
def test_penalty_never_decreases_as_payment_is_later(amount, due, a, b):
    rules = PenaltyRules(
        rates=((dt.date(2019, 1, 1), D("7.75")), (dt.date(2022, 2, 28), D("20.00")), (dt.date(2023, 1, 1), D("7.50"))),
        caps=(CAP,),
        moratoria=((dt.date(2020, 4, 6), dt.date(2021, 1, 1)),),
    )
    first, second = sorted((a, b))
    on = due + dt.timedelta(days=1000)
    p1 = penalty_for(amount=amount, due=due, on=on, paid_on=due + dt.timedelta(days=first), rules=rules)
    p2 = penalty_for(amount=amount, due=due, on=on, paid_on=due + dt.timedelta(days=second), rules=rules)
    # with a constant key rate, a later payment never costs less (the rate is that of the payment day)
    flat = PenaltyRules(rates=((dt.date(2019, 1, 1), D("9.50")),), caps=rules.caps, moratoria=rules.moratoria)
    f1 = penalty_for(amount=amount, due=due, on=on, paid_on=due + dt.timedelta(days=first), rules=flat)
    f2 = penalty_for(amount=amount, due=due, on=on, paid_on=due + dt.timedelta(days=second), rules=flat)
    assert f1.total <= f2.total
    assert p1.total >= 0 and p2.total >= 0
    assert sum((ln.amount for ln in p2.lines), D(0)) == p2.total
