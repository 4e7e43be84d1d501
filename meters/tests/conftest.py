"""Fixtures of the meters tests: the resident's water meter with history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from eirc.periods import TZ
from eirc.tests.factories import MeterFactory, PeriodFactory, ReadingFactory


def at(year, month, day, hour=12):
    """An aware moment in Europe/Simferopol."""
    return dt.datetime(year, month, day, hour, tzinfo=TZ)


@pytest.fixture
def account(resident):
    return resident.account_links.get().account


@pytest.fixture
def meter(account):
    return MeterFactory(account=account, serial="CW-0001", digits=5, verification_due=dt.date(2030, 1, 1))


def add_history(meter, values, *, start=dt.date(2025, 10, 1), zone="single", source="resident"):
    """Current readings for consecutive periods from ``start``."""
    from eirc.periods import add_months

    rows = []
    for i, value in enumerate(values):
        period = PeriodFactory(month=add_months(start, i))
        rows.append(ReadingFactory(meter=meter, period=period, zone=zone, value=Decimal(str(value)), source=source))
    return rows


@pytest.fixture
def history(meter):
    """Oct 2025 – Mar 2026: 10 m³ a month, last 150."""
    return add_history(meter, [100, 110, 120, 130, 140, 150])


@pytest.fixture(autouse=True)
def eager_tasks():
    """Run Celery tasks in process (the suite may have a broker URL set)."""
    from eirc.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved
