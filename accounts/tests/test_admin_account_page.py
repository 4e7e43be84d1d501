"""The staff page of a personal account stays small and cheap whatever the
length of its history (issue 13): five years of charges, payments and
ledger entries give the same page as four months — the latest entries, and
links to the lists of the whole history."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import LedgerEntry
from billing.tests.money_history import build_history
from eirc.tests.factories import MeterFactory, PersonalAccountFactory
from meters.tests.conftest import add_history

pytestmark = pytest.mark.django_db

MAX_BYTES = 200 * 1024
MAX_QUERIES = 40


def account_with_history(number: str, months: int):
    account = PersonalAccountFactory(number=number)
    build_history(account, months=months)
    meter = MeterFactory(account=account, serial=f"CW-{number[-4:]}", verification_due=dt.date(2031, 1, 1))
    add_history(
        meter, [100 + 7 * i for i in range(months)], start=dt.date(2021, 4, 1) if months > 12 else dt.date(2025, 12, 1)
    )
    return account


def open_page(client, account) -> tuple[int, int, str]:
    url = f"/admin/accounts/personalaccount/{account.pk}/change/"
    client.get(url)  # warm the session and the content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.content), len(queries.captured_queries), response.content.decode()


def test_five_years_of_history_give_a_small_page_with_a_fixed_number_of_queries(admin_client):
    short = account_with_history("4000000004", months=4)
    long = account_with_history("4000000060", months=60)
    assert LedgerEntry.objects.filter(account=long).count() > 600

    size, queries, body = open_page(admin_client, long)
    short_size, short_queries, _ = open_page(admin_client, short)
    print(
        f"admin account page, 60 months: {size} bytes, {queries} queries; 4 months: {short_size} bytes, {short_queries}"
    )
    assert size < MAX_BYTES, f"{size} bytes"
    assert queries <= MAX_QUERIES, queries
    assert queries == short_queries  # does not grow with the history
    # The latest entries are on the page, the whole history one click away.
    assert body.count('<tr class="form-row') <= 24 + 2 * 10
    assert f"/admin/billing/ledgerentry/?account__id__exact={long.pk}" in body
    assert f"/admin/billing/charge/?account__id__exact={long.pk}" in body
    assert f"/admin/payments/payment/?account__id__exact={long.pk}" in body


def test_the_ledger_list_of_one_account_is_the_whole_history(admin_client):
    account = account_with_history("4000000061", months=30)
    response = admin_client.get(f"/admin/billing/ledgerentry/?account__id__exact={account.pk}")
    assert response.status_code == 200
    rows = re.findall(r'<td class="field-occurred_on', response.content.decode()) or re.findall(
        r'<th class="field-occurred_on', response.content.decode()
    )
    assert len(rows) == 50  # the first page of the filtered journal


def test_a_meter_page_shows_its_latest_readings_and_links_to_all(admin_client):
    account = account_with_history("4000000062", months=60)
    meter = account.meters.get()
    body = admin_client.get(f"/admin/meters/meter/{meter.pk}/change/").content.decode()
    assert f"/admin/meters/reading/?meter__id__exact={meter.pk}" in body
    assert len(body) < MAX_BYTES
