"""The penalty calculator («если оплатить N ₽ в дату D»): the same penalty
as ``manage.py penalty`` on drawn debts, payments and days; its page and its
form on the dashboard and the charges page."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
import time_machine

from billing.ledger import term_rules
from billing.selectors.penalty_calc import penalty_calc
from billing.tests.test_penalty_command import penalty, total_of
from eirc import periods
from eirc.tests.factories import LedgerEntryFactory, PeriodFactory, PersonalAccountFactory

pytestmark = pytest.mark.django_db
D = Decimal
NBSP = "\xa0"
NOW = dt.datetime(2026, 4, 2, 12, 0, tzinfo=periods.TZ)


def owe(account, month: dt.date, amount: Decimal):
    LedgerEntryFactory(account=account, period=PeriodFactory(month=month), kind="charge", amount=amount)


def test_the_calculator_agrees_with_the_penalty_command_on_drawn_cases():
    rng = random.Random(1419)
    rules = term_rules()
    checked = partial = 0
    for i in range(60):
        account = PersonalAccountFactory(number=f"70000{i:05d}")
        month = dt.date(rng.randint(2017, 2026), rng.randint(1, 12), 1)
        month = min(month, dt.date(2026, 3, 1))
        amount = D(rng.randint(100_00, 30_000_00)) / 100
        owe(account, month, amount)
        due = periods.due_date(month, rules)
        on = due + dt.timedelta(days=rng.choice([1, 30, 31, 60, 90, 91, 120, rng.randint(1, 1500)]))
        pay = amount if rng.random() < 0.5 else (amount * D(rng.randint(5, 95)) / 100).quantize(D("0.01"))
        calc = penalty_calc(account=account, amount=pay, on=on)
        expected = total_of(penalty(pay, due, on))
        if pay < amount:
            expected += total_of(penalty(amount - pay, due, on=on))
            partial += 1
        got = calc.rows[0].accrued if calc.rows else D("0.00")
        assert got == expected, (amount, due, pay, on)
        assert not calc.rows or calc.rows[0].free_until == due + dt.timedelta(days=30)
        checked += bool(expected)
    assert checked > 30 and partial > 10


def test_the_payment_goes_to_the_oldest_debt_and_the_rest_keeps_accruing():
    account = PersonalAccountFactory()
    owe(account, dt.date(2025, 10, 1), D("1000.00"))  # due 10.11.2025
    owe(account, dt.date(2025, 11, 1), D("2000.00"))  # due 10.12.2025
    on = dt.date(2026, 4, 20)
    calc = penalty_calc(account=account, amount=D("1500.00"), on=on)
    oct_, nov = calc.rows
    assert (oct_.paid_now, oct_.left, nov.paid_now, nov.left) == (D("1000.00"), 0, D("500.00"), D("1500.00"))
    assert oct_.accrued == total_of(penalty(D("1000.00"), oct_.due, on))
    assert nov.accrued == total_of(penalty(D("500.00"), nov.due, on)) + total_of(penalty(D("1500.00"), nov.due, on=on))
    assert calc.free_until == dt.date(2025, 12, 10)
    assert calc.advance == 0
    assert any("1/130" in line for line in oct_.lines)


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident)
    return client


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_the_penalty_by_period_and_the_last_free_day(logged_in, resident):
    account = resident.account_links.get().account
    owe(account, dt.date(2026, 2, 1), D("3000.00"))  # due 10.03.2026 (before the 15th rule)
    page = logged_in.get("/cabinet/penalty/", {"amount": "3 000,00", "on": "20.05.2026"}).content.decode()
    assert "Если оплатить 3" in page and "20.05.2026" in page
    assert "Пени не начисляются, если оплатить долг до 09.04.2026 включительно." in page
    expected = total_of(penalty(D("3000.00"), dt.date(2026, 3, 10), dt.date(2026, 5, 20)))
    assert f"{expected:.2f}".replace(".", ",") in page
    owe(account, dt.date(2025, 12, 1), D("500.00"))  # due 10.01.2026: its free days are over
    page = logged_in.get("/cabinet/penalty/", {"amount": "500,00", "on": "03.04.2026"}).content.decode()
    assert "Последний день без пени по самому старому долгу был 09.02.2026" in page


@time_machine.travel(NOW, tick=False)
def test_the_page_refuses_a_day_in_the_past_and_an_amount_without_kopecks(logged_in):
    response = logged_in.get("/cabinet/penalty/", {"amount": "3000", "on": "01.04.2026"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "с копейками" in page and "не может быть в прошлом" in page


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_and_the_charges_page_carry_the_calculator(logged_in):
    for url in ("/cabinet/", "/cabinet/charges/"):
        page = logged_in.get(url).content.decode()
        assert 'action="/cabinet/penalty/"' in page and "Калькулятор пеней" in page


def test_the_calculator_needs_login(client):
    assert client.get("/cabinet/penalty/").status_code == 302
