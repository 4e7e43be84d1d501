"""Browser journey in headless Chromium: the resident pays part of the debt
through the sandbox and sees the debt drop and the payment in the history."""

from __future__ import annotations

from eirc.tests.browser import BROWSER_MARKS, resident_page

pytestmark = BROWSER_MARKS


def test_resident_pays_part_of_the_debt_in_the_sandbox(
    live_server, client, resident, debt, sandbox, settings, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    settings.SITE_URL = live_server.url  # the sandbox "gateway" redirects to the site's own address

    with resident_page(live_server.url, client, resident) as page:
        page.goto(f"{live_server.url}/cabinet/")
        assert "5\xa0000,00" in page.inner_text("main")
        page.click("main a:has-text('Оплатить всё')")
        assert page.input_value("#id_amount") == "5000,00"
        page.fill("#id_amount", "1200,50")
        page.click("button[type=submit]:has-text('Перейти к оплате')")  # the button's words since issue 13
        page.wait_for_selector("text=Тестовая оплата")
        page.click("button:has-text('Оплатить')")
        page.wait_for_selector("text=Сумма зачислена")

        page.goto(f"{live_server.url}/cabinet/")
        assert "3\xa0799,50" in page.inner_text("main")
        page.goto(f"{live_server.url}/cabinet/payments/")
        history = page.inner_text("main")
        assert "1\xa0200,50" in history
        assert "оплачен" in history.lower()
