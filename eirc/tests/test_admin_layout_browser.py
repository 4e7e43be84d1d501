"""The staff admin in Chromium at 1280 px (issue 13): every column of a wide
change list (monthly statements have twelve) is on screen, none under the
filter panel; breadcrumb links are told apart from their text by more than
colour."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from billing.ledger import statement_refresh
from billing.models import LedgerEntry
from eirc.models import Period
from eirc.tests.browser import BROWSER_MARKS, resident_page
from eirc.tests.factories import PersonalAccountFactory

pytestmark = BROWSER_MARKS

LAYOUT = """() => {
    const filter = document.querySelector('#changelist-filter').getBoundingClientRect();
    const headers = [...document.querySelectorAll('#result_list thead th')].map(th => {
        const box = th.getBoundingClientRect();
        return {text: th.innerText.trim(), left: box.left, right: box.right, top: box.top, bottom: box.bottom};
    });
    const results = document.querySelector('#result_list').getBoundingClientRect();
    const link = document.querySelector('div.breadcrumbs a');
    return {filter: {left: filter.left, right: filter.right, top: filter.top, bottom: filter.bottom},
            headers, results: {right: results.right}, viewport: window.innerWidth,
            underline: getComputedStyle(link).textDecorationLine};
}"""


def overlaps(a, b) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_every_column_of_a_wide_list_is_on_screen_and_none_under_the_filters(live_server, client, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    account = PersonalAccountFactory(number="6000000001")
    for month in (dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        period, _ = Period.objects.get_or_create(month=month)
        LedgerEntry.objects.create(account=account, period=period, kind="opening", amount=12345, occurred_on=month)
        statement_refresh(account=account, period=period)
    staff = get_user_model().objects.create_superuser("boss", "boss@sev-eirc.ru", "x-Admin-Pass-2026-xx")

    with resident_page(live_server.url, client, staff, width=1280, height=800) as page:
        page.goto(live_server.url + "/admin/billing/statement/")
        found = page.evaluate(LAYOUT)
    assert len(found["headers"]) >= 12
    for header in found["headers"]:
        assert header["right"] <= found["viewport"], header
        assert not overlaps(header, found["filter"]), header
    assert found["results"]["right"] <= found["viewport"]
    assert "underline" in found["underline"]
