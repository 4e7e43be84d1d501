"""The penalty engine against a second implementation written from the
statute (:mod:`billing.tests.statute`, no engine code), over drawn cases:
the data the migrations ship, and random key-rate tables, caps and moratoria.
Derandomized, so CI sees the same cases every run."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.penalties import PenaltyRefused, PenaltyRules, penalty_for, penalty_rules
from billing.tests.statute import statute_penalty

D = Decimal
DAY = dt.timedelta(days=1)
FIRST_DUE, LAST_DUE = dt.date(2016, 1, 1), dt.date(2026, 12, 31)
# the days where the rules change: moratoria and cap edges
EDGES = [dt.date(2020, 4, 6), dt.date(2021, 1, 1), dt.date(2022, 4, 1), dt.date(2022, 10, 1)]
EDGES += [dt.date(2022, 2, 28), dt.date(2027, 1, 1), dt.date(2016, 1, 1)]

amounts = st.one_of(
    st.decimals(min_value=D("0.01"), max_value=D("2000000"), places=2),
    st.sampled_from([D("0.01"), D("100.00"), D("1430.00"), D("10000.00")]),
)
delays = st.one_of(
    st.integers(min_value=0, max_value=1100),
    st.sampled_from([0, 1, 29, 30, 31, 32, 89, 90, 91, 92]),
)


@st.composite
def debts(draw):
    """(amount, due, paid): a due day and a delay, or a payment day next to an
    edge of a moratorium or of the cap and a delay before it."""
    amount = draw(amounts)
    if draw(st.booleans()):
        due = draw(st.dates(min_value=FIRST_DUE, max_value=LAST_DUE))
        return amount, due, due + dt.timedelta(days=draw(delays))
    paid = draw(st.sampled_from(EDGES)) + dt.timedelta(days=draw(st.integers(min_value=-2, max_value=2)))
    due = max(FIRST_DUE, paid - dt.timedelta(days=draw(delays)))
    return amount, due, paid


_shipped: list = []


def shipped_rules() -> PenaltyRules:
    """The rules in the test database (the migrations' data), read once."""
    if not _shipped:
        _shipped.append(penalty_rules())
    return _shipped[0]


@pytest.mark.django_db
@settings(max_examples=2500, deadline=None, derandomize=True)
@given(case=debts())
def test_the_engine_agrees_with_the_statute_on_the_shipped_rates(case):
    amount, due, paid = case
    days_300, days_130, rate, expected = statute_penalty(amount, due, paid)
    result = penalty_for(amount=amount, due=due, on=paid, paid_on=paid, rules=shipped_rules())
    assert (result.days_300, result.days_130, result.total) == (days_300, days_130, expected)
    if rate is not None:
        assert result.percent == rate
    assert sum((ln.amount for ln in result.lines), D(0)) == result.total
    # unpaid and computed on the same day: the same answer
    assert penalty_for(amount=amount, due=due, on=paid, rules=shipped_rules()).total == expected


@st.composite
def random_rules(draw):
    """A key-rate table (may start late: some days have no rate), an optional
    cap and up to two moratoria, in the engine's form and the statute's."""
    starts = draw(
        st.lists(st.dates(min_value=dt.date(2015, 6, 1), max_value=dt.date(2029, 12, 31)), min_size=1, max_size=8)
    )
    rates = [(d, draw(st.decimals(min_value=D("0.25"), max_value=D("30"), places=2))) for d in sorted(set(starts))]
    cap = None
    if draw(st.booleans()):
        start = draw(st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2028, 12, 31)))
        last = start + dt.timedelta(days=draw(st.integers(min_value=0, max_value=2000)))
        cap = (start, last, draw(st.decimals(min_value=D("1"), max_value=D("15"), places=2)))
    moratoria = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        start = draw(st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2029, 12, 31)))
        moratoria.append((start, start + dt.timedelta(days=draw(st.integers(min_value=0, max_value=400)))))
    engine = PenaltyRules(
        rates=tuple(rates),
        caps=((cap[0], cap[1] + DAY, cap[2]),) if cap else (),
        moratoria=tuple((s, e + DAY) for s, e in moratoria),
    )
    return engine, {"rates": rates, "cap": cap, "moratoria": moratoria}


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(case=debts(), rules=random_rules())
def test_the_engine_agrees_with_the_statute_on_any_rate_table_cap_and_moratoria(case, rules):
    amount, due, paid = case
    engine_rules, statute_rules = rules
    days_300, days_130, rate, expected = statute_penalty(amount, due, paid, **statute_rules)
    if expected is None:  # a rate is needed and the table has none for the payment day
        with pytest.raises(PenaltyRefused) as refused:
            penalty_for(amount=amount, due=due, on=paid, paid_on=paid, rules=engine_rules)
        assert f"{paid:%d.%m.%Y}" in refused.value.message
        return
    result = penalty_for(amount=amount, due=due, on=paid, paid_on=paid, rules=engine_rules)
    assert (result.days_300, result.days_130, result.total) == (days_300, days_130, expected)
    if rate is not None:
        assert result.percent == rate
    assert sum((ln.amount for ln in result.lines), D(0)) == result.total
