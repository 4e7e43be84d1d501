"""Pages that wait for the worker, in headless Chromium: a receipt being
rendered and a certificate being prepared. Neither reloads itself (WCAG
2.2.1, axe's «meta-refresh»): js/pending-watch.js asks again and updates the
page in place when the work is done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from documents import services
from documents.models import CertificateRequest
from documents.tests.conftest import DEMO_NUMBER
from eirc.tests.a11y import axe_violations, ensure_axe
from eirc.tests.browser import BROWSER_MARKS, resident_page
from payments.tests.test_return_browser import in_own_thread

pytestmark = BROWSER_MARKS


@pytest.fixture
def demo_user(demo):
    return User.objects.get(account_links__account__number=DEMO_NUMBER)


def test_a_receipt_being_rendered_says_when_it_is_ready_without_a_reload(live_server, client, demo_user, closed_period):
    url = reverse("documents:receipt_print", args=[closed_period.month.year, closed_period.month.month])
    with resident_page(live_server.url, client, demo_user) as page:
        page.context.add_init_script(path=str(ensure_axe()))  # before the page's scripts (its CSP allows no inline one)
        page.goto(live_server.url + url)  # not rendered yet: the pending page (the render is queued)
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        status = page.locator(".receipt-pending")
        assert "готовится" in status.inner_text()
        assert page.locator("[data-watch-ready]").is_hidden()
        assert axe_violations(page) == []  # at 360 px, pending
        page.evaluate("window.sameDocument = true")  # gone if the page reloads

        page.wait_for_selector(".receipt-pending:text('Квитанция готова')", timeout=20_000)
        assert page.evaluate("window.sameDocument") is True
        ready = page.locator("[data-watch-ready]")
        assert ready.is_visible() and "для печати" in ready.inner_text()
        ready.click()
        page.wait_for_selector("text=Итого к оплате")


def test_a_certificate_being_prepared_appears_in_the_list_without_a_reload(
    live_server, client, demo_user, demo_account, closed_period
):
    order = CertificateRequest.objects.create(
        account=demo_account,
        user=demo_user,
        kind="statement",
        date_from=closed_period.month - dt.timedelta(days=40),
        date_to=closed_period.month,
    )  # ordered, not yet prepared by the worker
    with resident_page(live_server.url, client, demo_user) as page:
        page.context.add_init_script(path=str(ensure_axe()))
        page.goto(live_server.url + reverse("documents:certificates"))
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        assert page.locator(".certificate-row a:text('Скачать PDF')").count() == 0
        assert axe_violations(page) == []  # at 360 px, pending
        page.evaluate("window.sameDocument = true")

        in_own_thread(lambda: services.certificate_generate(request_id=order.pk))

        page.wait_for_selector(".certificate-row a:text('Скачать PDF')", timeout=20_000)
        assert page.evaluate("window.sameDocument") is True
        assert "Документы готовы" in page.locator("[data-watch-url]").inner_text()
