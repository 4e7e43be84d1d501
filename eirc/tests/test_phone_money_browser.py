"""Money on a 360 px phone (issue 13): on the charges, receipts, payments and
meter pages every amount and deadline is on screen without sideways
scrolling — neither the page nor a table box scrolls — and chart text is at
least 12 px on a phone and on a desktop."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core.management import call_command

from eirc.tests.browser import BROWSER_MARKS, resident_page

pytestmark = BROWSER_MARKS

MONEY_OR_DATE = re.compile(r"\d,\d{2}\xa0₽|\d{2}\.\d{2}\.\d{4}")
OFF_SCREEN = """(width) => {
    const out = [];
    for (const cell of document.querySelectorAll('main td, main th')) {
        if (!cell.checkVisibility()) continue;
        const text = cell.innerText.trim();
        if (!/\\d,\\d{2}\\u00a0₽|\\d{2}\\.\\d{2}\\.\\d{4}/.test(text)) continue;
        const box = cell.getBoundingClientRect();
        if (box.right > width + 0.5 || box.left < -0.5) out.push(`${text} at ${box.left.toFixed(0)}…${box.right.toFixed(0)}`);
    }
    const boxes = [...document.querySelectorAll('main .table-responsive')].filter(b => b.scrollWidth > b.clientWidth + 1);
    return {offScreen: out, scrollingBoxes: boxes.length, pageWidth: document.documentElement.scrollWidth};
}"""
CHART_TEXT = """() => [...document.querySelectorAll('svg text')].filter(t => t.ownerSVGElement.checkVisibility()).map(t => {
    const m = t.getScreenCTM();
    return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
})"""


def test_amounts_and_deadlines_are_on_a_360px_screen_and_chart_text_is_legible(live_server, client, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    call_command("seed_demo", "--accounts", "3", "--months", "4")
    user = get_user_model().objects.get(username="resident")
    meter = user.account_links.get().account.meters.order_by("pk").first()
    pages = ["/cabinet/charges/", "/cabinet/receipts/", "/cabinet/payments/", f"/cabinet/readings/meter/{meter.pk}/"]

    with resident_page(live_server.url, client, user, width=360, height=740) as page:
        for url in pages:
            page.goto(live_server.url + url)
            found = page.evaluate(OFF_SCREEN, 360)
            assert found["pageWidth"] <= 360, (url, found)
            assert found["scrollingBoxes"] == 0, (url, found)
            assert found["offScreen"] == [], (url, found)
            assert MONEY_OR_DATE.search(page.inner_text("main")), url
        for url in ("/cabinet/charts/", "/cabinet/", f"/cabinet/readings/meter/{meter.pk}/"):
            page.goto(live_server.url + url)
            sizes = page.evaluate(CHART_TEXT)
            assert sizes and min(sizes) >= 12, (url, min(sizes or [0]))

    client.logout()
    with resident_page(live_server.url, client, user, width=1280, height=800) as page:
        for url in ("/cabinet/charts/", "/cabinet/", f"/cabinet/readings/meter/{meter.pk}/"):
            page.goto(live_server.url + url)
            sizes = page.evaluate(CHART_TEXT)
            assert sizes and min(sizes) >= 12, (url, min(sizes or [0]))
