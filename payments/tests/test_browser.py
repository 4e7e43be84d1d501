"""Browser journey in headless Chromium: the resident pays part of the debt
through the sandbox and sees the debt drop and the payment in the history."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not shutil.which("chromium"), reason="chromium not installed (scripts/ensure-debian-packages test)"
    ),
]

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def test_resident_pays_part_of_the_debt_in_the_sandbox(
    live_server, client, resident, debt, sandbox, settings, monkeypatch
):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    settings.SITE_URL = live_server.url  # the sandbox "gateway" redirects to the site's own address
    client.force_login(resident)
    session = client.cookies["sessionid"].value

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740})
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/cabinet/")
        assert "5\xa0000,00" in page.inner_text("main")
        page.click("main a:has-text('Оплатить')")
        assert page.input_value("#id_amount") == "5000,00"
        page.fill("#id_amount", "1200,50")
        page.click("button[type=submit]:has-text('Оплатить')")
        page.wait_for_selector("text=Тестовая оплата")
        page.click("button:has-text('Оплатить')")
        page.wait_for_selector("text=Сумма зачислена")

        page.goto(f"{live_server.url}/cabinet/")
        assert "3\xa0799,50" in page.inner_text("main")
        page.goto(f"{live_server.url}/cabinet/payments/")
        history = page.inner_text("main")
        assert "1\xa0200,50" in history
        assert "оплачен" in history.lower()
        browser.close()
