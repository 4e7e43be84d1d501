"""Next month's estimate on the dashboard: the average volume of the last 3
periods priced by the run's rules at next month's tariffs (a known future
change included), a range when history is short, never masked by the
dashboard's cache when a tariff changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache

from billing.models import Tariff
from billing.selectors.estimate import next_month_estimate
from billing.tests.whatif import water_and_upkeep
from eirc import periods
from eirc.tests.factories import ChargeFactory, PeriodFactory

pytestmark = pytest.mark.django_db
D = Decimal
NBSP = "\xa0"
NOW = dt.datetime(2026, 4, 2, 12, 0, tzinfo=periods.TZ)
TODAY = NOW.date()


@pytest.fixture
def setup(resident):
    return water_and_upkeep(resident)


@pytest.fixture
def account(setup):
    return setup[0]


@pytest.fixture
def water(setup):
    return setup[1]


def used(account, service, month, qty):
    qty = D(qty)
    ChargeFactory(
        account=account,
        service=service,
        period=PeriodFactory(month=month),
        basis="meter",
        quantity=qty,
        rate=D("45.1200"),
        amount=(qty * D("45.12")).quantize(D("0.01")),
        details={"zones": [{"zone": "single", "quantity": str(qty), "rate": "45.1200"}]},
    )


def test_the_average_of_3_months_at_next_months_tariff(account, water):
    for month, qty in ((1, "10"), (2, "12"), (3, "14")):
        used(account, water, dt.date(2026, month, 1), qty)
    Tariff.objects.create(service=water, valid_from=dt.date(2026, 5, 1), rate=D("50.0000"))
    est = next_month_estimate(account=account, today=TODAY)
    assert est.month == dt.date(2026, 5, 1) and not est.is_range
    assert est.total == D("2100.00")  # 12 m³ × 50,00 + 50 m² × 30,00
    (change,) = est.changes
    assert (change.valid_from, change.rate, change.previous) == (dt.date(2026, 5, 1), D("50.0000"), D("45.1200"))


def test_a_short_history_gives_a_range(account, water):
    used(account, water, dt.date(2026, 3, 1), "10")
    est = next_month_estimate(account=account, today=TODAY)
    assert est.is_range and (est.low, est.total, est.high) == (D("1860.96"), D("1951.20"), D("2041.44"))


def test_no_history_is_the_norm(account, water):
    water.norm = D("3.5")
    water.save()
    est = next_month_estimate(account=account, today=TODAY)
    assert est.by_norm == ["Холодная вода"]
    assert est.total == D("1500.00") + (D("7.000") * D("45.12")).quantize(D("0.01"))


@time_machine.travel(NOW, tick=False)
def test_a_tariff_change_is_never_masked_by_the_dashboards_cache(client, resident, account, water):
    cache.clear()
    for month, qty in ((1, "10"), (2, "12"), (3, "14")):
        used(account, water, dt.date(2026, month, 1), qty)
    client.force_login(resident)
    page = client.get("/cabinet/").content.decode()
    assert f"около 2{NBSP}041,44{NBSP}₽" in page  # 12 × 45,12 + 1 500
    Tariff.objects.create(service=water, valid_from=dt.date(2026, 5, 1), rate=D("60.0000"))
    page = client.get("/cabinet/").content.decode()
    assert f"около 2{NBSP}220,00{NBSP}₽" in page
    assert "С 01.05.2026 новый тариф на «Холодная вода»: 60,00 ₽ за м³ (было 45,12 ₽)." in page
