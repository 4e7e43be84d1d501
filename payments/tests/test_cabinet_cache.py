"""The cabinet's cached pages (eirc/pagecache.py) are never stale: a payment,
a bulk insert into the ledger (one statement, COPY), a reading, a renamed
service or a new day shows at once; another account never sees a cached
page; a Redis outage serves the page from the database. Warm pages run
fewer queries than cold ones, and cold ones no more than before."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import DataVersion
from billing.models import LedgerEntry
from billing.tests.money_history import build_history
from eirc import periods
from eirc.models import Period
from eirc.tests.factories import MeterFactory, PeriodFactory, ReadingFactory
from meters.services import reading_submit
from payments.models import Payment
from payments.registry import registry_import
from payments.tests.test_pages import pay_form

pytestmark = pytest.mark.django_db

DASHBOARD, CHARGES, PAYMENTS = "/cabinet/", "/cabinet/charges/", "/cabinet/payments/"


def rub(amount: str) -> str:
    """``amount`` as the pages print it: 3 765,44 ₽ with no-break spaces."""
    whole, kopecks = f"{Decimal(amount):.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", "\xa0")
    return f"{groups},{kopecks}\xa0₽"


def debt_line(page: str) -> str:
    """The debt the dashboard's first line names."""
    return page.split('class="debt-total text-nowrap">', 1)[1].split("<", 1)[0]


def get(client, url) -> tuple[str, int]:
    """The page's text and the number of SQL queries it ran."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def warm(client, url) -> str:
    """Open ``url`` twice; the second time is served from the cache (fewer queries)."""
    _, cold = get(client, url)
    body, warm_count = get(client, url)
    assert warm_count < cold
    return body


def test_a_payment_shows_at_once_on_the_cached_dashboard_and_history(client, resident, debt, sandbox):
    client.force_login(resident)
    assert debt_line(warm(client, DASHBOARD)) == rub("5000.00")
    assert "Платежей пока нет." in warm(client, PAYMENTS)

    client.post("/payments/pay/", pay_form("1234,56"))
    payment = Payment.objects.get()
    client.post(f"/payments/sandbox/{payment.provider_payment_id}/", {"decision": "pay"})

    dashboard, _ = get(client, DASHBOARD)
    assert debt_line(dashboard) == rub("3765.44")
    history, _ = get(client, PAYMENTS)
    assert rub("1234.56") in history
    assert "Платежей пока нет." not in history


def test_a_started_payment_shows_on_the_cached_history_before_any_credit(client, resident, debt, sandbox):
    client.force_login(resident)
    warm(client, PAYMENTS)
    client.post("/payments/pay/", pay_form("700,00"))
    history, _ = get(client, PAYMENTS)
    assert rub("700.00") in history


def _march():
    period, _ = Period.objects.get_or_create(month=dt.date(2026, 3, 1))
    return period


def test_ledger_rows_inserted_in_one_statement_show_at_once(client, resident, debt):
    client.force_login(resident)
    warm(client, DASHBOARD)
    entry = {
        "account": debt,
        "period": _march(),
        "kind": LedgerEntry.Kind.CORRECTION,
        "occurred_on": dt.date(2026, 3, 5),
    }
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(amount=Decimal("100.10"), **entry), LedgerEntry(amount=Decimal("-0.10"), **entry)]
    )
    assert debt_line(get(client, DASHBOARD)[0]) == rub("5100.00")


def test_ledger_rows_loaded_with_copy_show_at_once(client, resident, debt):
    """The set-based bank registry import loads with COPY: the triggers fire for it too."""
    client.force_login(resident)
    warm(client, DASHBOARD)
    period = _march()
    columns = "account_id, period_id, kind, amount, occurred_on, description, details, created_at"
    rows = "".join(
        f"{debt.pk}\t{period.pk}\tcorrection\t{amount}\t2026-03-05\t\t{{}}\t2026-03-05T12:00:00Z\n"
        for amount in ("250.00", "-50.00")
    )
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY billing_ledgerentry ({columns}) FROM STDIN", io.StringIO(rows))
    assert debt_line(get(client, DASHBOARD)[0]) == rub("5200.00")


def test_a_bank_registry_shows_at_once_on_the_cached_pages(client, resident, debt):
    """The set-based registry import (payments by COPY, statements upserted
    per chunk) moves the cached dashboard and history in its own commit."""
    client.force_login(resident)
    warm(client, DASHBOARD)
    warm(client, PAYMENTS)
    content = f"date;time;transaction_id;account;amount;period\n01.03.2026;10:15;TX-9;{debt.number};800,00;02.2026\n"
    report = registry_import(content=content.encode(), filename="rnkb-0301.csv")
    assert report.ok and report.applied == 1
    assert debt_line(get(client, DASHBOARD)[0]) == rub("4200.00")
    assert rub("800.00") in get(client, PAYMENTS)[0]


def test_a_reading_bumps_the_accounts_version_in_its_transaction(client, resident, account_with_meter):
    account, meter = account_with_meter
    client.force_login(resident)
    warm(client, DASHBOARD)
    before = DataVersion.objects.get(account_id=account.pk).value
    reading_submit(account=account, user=resident, values={(meter.pk, "single"): "160"}, now=IN_WINDOW)
    assert DataVersion.objects.get(account_id=account.pk).value > before
    _, after_reading = get(client, DASHBOARD)
    _, warm_again = get(client, DASHBOARD)
    assert after_reading > warm_again  # the reading made the cached body miss


IN_WINDOW = dt.datetime(2026, 4, 22, 12, tzinfo=periods.TZ)


@pytest.fixture
def account_with_meter(resident):
    account = resident.account_links.get().account
    meter = MeterFactory(account=account, serial="CW-0001", digits=5, verification_due=dt.date(2030, 1, 1))
    ReadingFactory(meter=meter, period=PeriodFactory(month=dt.date(2026, 3, 1)), value=Decimal("150"))
    return account, meter


def test_a_renamed_service_shows_at_once_on_the_cached_charges(client, resident):
    account = resident.account_links.get().account
    build_history(account, months=2)
    client.force_login(resident)
    warm(client, CHARGES)
    service = account.charges.first().service
    service.name = "Вывоз ТКО (новое название)"
    service.save()
    assert "Вывоз ТКО (новое название)" in get(client, CHARGES)[0]


def test_the_dashboard_is_never_served_from_yesterday(client, resident, debt):
    client.force_login(resident)
    with time_machine.travel(dt.datetime(2026, 4, 2, 23, 59, tzinfo=periods.TZ), tick=False):
        assert "02.04.2026" in warm(client, DASHBOARD)
    with time_machine.travel(dt.datetime(2026, 4, 3, 0, 1, tzinfo=periods.TZ), tick=False):
        body, _ = get(client, DASHBOARD)
    assert "03.04.2026" in body
    assert "02.04.2026" not in body


def test_another_account_never_sees_a_cached_page(client, resident, other_resident, debt):
    client.force_login(resident)
    warm(client, DASHBOARD)
    warm(client, CHARGES)
    client.force_login(other_resident)
    body, _ = get(client, DASHBOARD)
    assert 'class="debt-total' not in body  # the other account owes nothing
    assert "1000000202" in body and "1000000101" not in body


def test_a_redis_outage_serves_the_cabinet_from_the_database(client, resident, debt, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "eirc.cache.OutageTolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    client.force_login(resident)
    for url in (DASHBOARD, CHARGES, PAYMENTS):
        assert client.get(url).status_code == 200
    assert debt_line(get(client, DASHBOARD)[0]) == rub("5000.00")


def test_a_lost_shared_version_row_is_made_again_by_the_next_shared_write(client, resident):
    """A test flush (TRUNCATE) or a careless DELETE loses the shared row: the
    pages still cache (it reads as 0) and the next write to shared data bumps it."""
    account = resident.account_links.get().account
    build_history(account, months=2)
    DataVersion.objects.all().delete()
    client.force_login(resident)
    warm(client, CHARGES)
    service = account.charges.first().service
    service.name = "Отопление (новое название)"
    service.save()
    assert DataVersion.objects.get(account_id=DataVersion.SITE).value > 0
    assert "Отопление (новое название)" in get(client, CHARGES)[0]
