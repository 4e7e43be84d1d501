"""Browser journey in headless Chromium on the demo city: the demo resident
sees the dashboard, opens a charge's explanation and sees both charts."""

from __future__ import annotations

import shutil

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

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


def test_demo_resident_sees_dashboard_explanation_and_charts(live_server, client, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    call_command("seed_demo", "--accounts", "3", "--months", "4")
    client.force_login(get_user_model().objects.get(username="resident"))
    session = client.cookies["sessionid"].value

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740})
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
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
        browser.close()
