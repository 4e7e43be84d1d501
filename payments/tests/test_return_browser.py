"""The pending return page in headless Chromium: when the payment becomes
final, the script updates the live region in place — no reload."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.db import connections

from eirc.tests.browser import BROWSER_MARKS, resident_page
from payments.models import Payment
from payments.providers.sandbox import SandboxProvider
from payments.services import payment_confirm
from payments.tests.test_pages import pay_form

pytestmark = BROWSER_MARKS


def test_pending_payment_that_succeeds_updates_the_page_without_a_reload(live_server, client, resident, debt, sandbox):
    client.force_login(resident)
    client.post("/payments/pay/", pay_form())
    payment = Payment.objects.get()

    with resident_page(live_server.url, client, resident) as page:
        page.goto(f"{live_server.url}/payments/{payment.pk}/")
        status = page.locator("#payment-status")
        assert "обрабатывается" in status.inner_text()
        assert page.locator("[data-payment-final]").is_hidden()
        page.evaluate("window.sameDocument = true")  # gone if the page reloads

        in_own_thread(lambda: _pay(payment))

        page.wait_for_selector("#payment-status :text('Сумма зачислена')")
        assert page.evaluate("window.sameDocument") is True
        assert page.locator("text=Проверить статус").is_hidden()
        assert page.locator("[data-payment-final] a").is_visible()


def _pay(payment):
    SandboxProvider.decide(payment.provider_payment_id, pay=True)
    payment_confirm(payment_id=payment.pk)


def in_own_thread(work):
    """Run ORM work while Playwright's loop runs in this thread: in a thread
    of its own (the ORM refuses an async context), whose connection is
    closed after, so the test database can be dropped."""

    def run():
        try:
            work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()  # its exception, if any, is raised here
