"""The demo resident downloads a receipt and orders a certificate, in
headless Chromium (Debian's chromium driven by Playwright; Celery eager)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from documents.tests.conftest import DEMO_NUMBER, pdf_text
from eirc.tests.browser import BROWSER_MARKS, resident_page

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(demo, live_server, settings):
    settings.SITE_URL = live_server.url
    user = User.objects.get(account_links__account__number=DEMO_NUMBER)
    with resident_page(live_server.url, Client(), user) as page:  # Playwright accepts downloads by default
        page.set_default_timeout(15000)
        yield page


def test_resident_downloads_a_receipt_and_orders_a_certificate(page, live_server, tmp_path):
    page.goto(live_server.url + "/cabinet/receipts/")
    assert page.get_by_role("heading", name="Квитанции (ЕПД)").is_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать PDF").first.click()
    target = tmp_path / "epd.pdf"
    info.value.save_as(target)
    assert DEMO_NUMBER in pdf_text(target.read_bytes())

    page.goto(live_server.url + "/cabinet/certificates/")
    page.get_by_label("выписка из лицевого счёта").check()
    page.get_by_role("button", name="Заказать").click()
    page.wait_for_url("**/cabinet/certificates/")
    row = page.locator("tr.certificate-row").first
    assert row.get_attribute("data-status") == "ready"
    with page.expect_download() as info:
        row.get_by_role("link", name="Скачать PDF").click()
    cert = tmp_path / "cert.pdf"
    info.value.save_as(cert)
    assert "Выписка из лицевого счёта" in pdf_text(cert.read_bytes())
