"""Headless Chromium for browser tests: Debian's chromium driven by
Playwright (never `playwright install`), the marks every browser test module
sets as `pytestmark`, and pages opened anonymously or as a logged-in user."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not shutil.which("chromium"), reason="chromium not installed (scripts/ensure-debian-packages test)"
    ),
]


@contextmanager
def browser_page(*, width: int = 360, height: int = 740, cookies: list[dict] | None = None) -> Iterator[Page]:
    """A fresh Chromium with one page of `width`×`height` in Russian; closed on exit."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
            if cookies:
                context.add_cookies(cookies)
            yield context.new_page()
        finally:
            browser.close()


@contextmanager
def resident_page(live_server_url: str, client, user, *, width: int = 360, height: int = 740) -> Iterator[Page]:
    """A page logged in as `user`: `client.force_login`, then its session
    cookie goes into the browser (do the ORM work before: Playwright's loop
    makes the ORM refuse to run in the test's thread)."""
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server_url}
    with browser_page(width=width, height=height, cookies=[cookie]) as page:
        yield page
