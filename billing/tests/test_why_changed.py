"""«Почему изменилось»: the latest month against the month before and a year
before, causes that add up to the change, the largest one in a sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Service
from billing.selectors.why import why_changed
from eirc.tests.factories import ChargeFactory, LedgerEntryFactory, PeriodFactory, ServiceFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW, PREV, YEAR = dt.date(2026, 3, 1), dt.date(2026, 2, 1), dt.date(2025, 3, 1)


def charge(account, service, month, qty, rate, benefit="0.00", recalc="0.00"):
    qty, rate = D(qty), D(rate)
    amount = (qty * rate).quantize(D("0.01"))
    return ChargeFactory(
        account=account,
        service=service,
        period=PeriodFactory(month=month),
        basis="meter",
        quantity=qty,
        rate=rate,
        amount=amount,
        benefit=D(benefit),
        recalculation=D(recalc),
        details={"zones": [{"zone": "single", "quantity": str(qty), "rate": str(rate), "amount": str(amount)}]},
    )


@pytest.fixture
def history(resident):
    account = resident.account_links.get().account
    hot = ServiceFactory(code="hot_water", name="Горячее водоснабжение", method=Service.Method.METER, unit="м³")
    upkeep = ServiceFactory(code="maintenance", name="Содержание жилого помещения", unit="м²")
    charge(account, hot, YEAR, "5.000", "190.0000")
    charge(account, hot, PREV, "4.000", "200.0000")
    charge(account, hot, NOW, "7.200", "200.0000")  # +3,2 m³ × 200 = +640,00
    charge(account, upkeep, YEAR, "50.000", "28.0000", benefit="100.00")
    charge(account, upkeep, PREV, "50.000", "30.0000", benefit="100.00")
    charge(account, upkeep, NOW, "50.000", "31.0000", benefit="50.00")  # tariff +50,00, benefit −50,00 → +100
    LedgerEntryFactory(account=account, period=PeriodFactory(month=NOW), kind="penalty", amount=D("12.34"))
    return account


def test_the_largest_cause_is_one_sentence_and_the_causes_add_up(history):
    w = why_changed(account=history)
    assert w.month == NOW
    assert w.vs_prev.headline == "Выросло потребление горячей воды на 3,2 м³ (+640,00\xa0₽)."
    assert w.vs_prev.change == w.totals["now"] - w.totals["prev"]
    kinds = {c.kind: c.amount for c in w.vs_prev.causes}
    assert kinds == {"quantity": D("640.00"), "tariff": D("50.00"), "benefit": D("50.00"), "penalty": D("12.34")}
    assert w.vs_year.change == w.totals["now"] - w.totals["year"]
    # a year ago: 5 m³ at 190 → now 7,2 m³ at 200: quantity 2,2 × 190 = 418,00, tariff the rest
    year = {c.kind: c.amount for c in w.vs_year.causes}
    assert year["quantity"] == D("418.00") and year["quantity"] + year["tariff"] == D("1440.00") - D("950.00")


def test_the_page_shows_the_sentence_and_the_three_months(client, resident, history):
    client.force_login(resident)
    page = client.get("/cabinet/charges/why/").content.decode()
    assert "Выросло потребление горячей воды на 3,2 м³" in page
    assert "март 2026: по сравнению с прошлым месяцем (февраль 2026)" in page
    assert "по сравнению с тем же месяцем год назад (март 2025)" in page
    assert "31,00" in page and "30,00" in page and "28,00" in page
    assert 'href="/cabinet/charges/why/"' in client.get("/cabinet/charges/").content.decode()


def test_without_charges_there_is_nothing_to_compare(client, resident):
    client.force_login(resident)
    assert "сравнивать не с чем" in client.get("/cabinet/charges/why/").content.decode()
