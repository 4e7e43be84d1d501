"""The shared layout in a real browser on a 360 px phone: no sideways scroll,
the collapsed menu opens through Bootstrap's bundle, the skip link is the
first stop of the keyboard, and the CSP blocks nothing on the public pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Service
from eirc.tests.browser import BROWSER_MARKS, browser_page, resident_page
from eirc.tests.factories import ProviderFactory, ServiceFactory, TariffFactory
from meters.models import Zone

PAGES = ["/", "/info/", "/info/offices/", "/info/contacts/", "/info/tariffs/"]

pytestmark = BROWSER_MARKS


@pytest.fixture
def phone_page():
    with browser_page() as page:
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        yield page


@pytest.fixture
def long_tariffs():
    """Created before the browser starts: Playwright's event loop makes the
    ORM refuse to run in the test's thread afterwards."""
    provider = ProviderFactory(name="Государственное унитарное предприятие «Водоканал города Севастополя»")
    power = ServiceFactory(
        name="Электроснабжение в жилых помещениях", provider=provider, method=Service.Method.METER, zones="day,night"
    )
    TariffFactory(service=power, zone=Zone.DAY, valid_from=dt.date(2025, 7, 1), rate=Decimal("12345.6789"))
    TariffFactory(service=power, zone=Zone.NIGHT, valid_from=dt.date(2025, 7, 1), rate=Decimal("2.9400"))


def test_public_pages_fit_a_360px_phone_without_csp_errors(live_server, long_tariffs, phone_page):
    for url in PAGES:
        phone_page.goto(live_server.url + url)
        page_width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 360, url
        assert phone_page.locator("h1").first.is_visible(), url
    assert phone_page.console_errors == []


def test_menu_collapses_on_a_phone_and_opens_with_the_toggler(live_server, phone_page):
    phone_page.goto(live_server.url + "/")
    login_link = phone_page.locator("#site-nav").get_by_role("link", name="Войти")
    assert not login_link.is_visible()
    toggler = phone_page.get_by_role("button", name="Открыть меню")
    assert toggler.get_attribute("aria-expanded") == "false"
    toggler.click()
    login_link.wait_for(state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"


def test_skip_link_is_the_first_tab_stop_and_moves_to_main(live_server, phone_page):
    phone_page.goto(live_server.url + "/info/")
    phone_page.keyboard.press("Tab")
    focused = phone_page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    assert phone_page.get_by_role("link", name="Перейти к основному содержанию").is_visible()
    phone_page.keyboard.press("Enter")
    assert phone_page.evaluate("document.activeElement.id") == "main"


def test_residents_menu_fits_one_line_at_1280px_and_its_dropdowns_open(live_server, client, resident):
    with resident_page(live_server.url, client, resident, width=1280, height=800) as page:
        page.goto(live_server.url + "/cabinet/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        nav_height = page.evaluate("document.querySelector('.navbar').getBoundingClientRect().height")
        assert nav_height < 80  # one line, not wrapped
        page.click("nav >> text=Документы")
        page.click("nav >> text=Квитанции (ЕПД)")
        page.wait_for_url("**/cabinet/receipts/")
