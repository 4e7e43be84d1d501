"""Browser journey in headless Chromium on the demo city: the demo resident
sees the dashboard, opens a charge's explanation and sees both charts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command

from eirc.tests.browser import BROWSER_MARKS, resident_page

pytestmark = BROWSER_MARKS


def test_demo_resident_sees_dashboard_explanation_and_charts(live_server, client, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    call_command("seed_demo", "--accounts", "3", "--months", "4")
    user = get_user_model().objects.get(username="resident")

    with resident_page(live_server.url, client, user) as page:
        page.goto(f"{live_server.url}/cabinet/")
        main = page.inner_text("main")
        assert "1000000001" in page.content()
        assert "₽" in main
        page.click("main a[href*='/cabinet/charges/']:visible >> nth=0")
        page.wait_for_url("**/cabinet/charges/*/")
        explanation = page.inner_text("main")
        assert "тариф" in explanation.lower() or "норматив" in explanation.lower()
        page.goto(f"{live_server.url}/cabinet/charts/")
        charts = page.locator("main svg[role=img]")
        assert charts.count() >= 2
        assert page.locator("main svg[role=img] rect").count() > 4
