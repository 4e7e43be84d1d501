"""Browser journeys of issue 17 in headless Chromium: a payer who is not
logged in pays a receipt from its «Оплатить онлайн» link; a resident turns
on autopay and sees the next charge date."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from eirc.tests.browser import BROWSER_MARKS, browser_page, resident_page
from payments.models import Autopay, Payment, SavedCard
from payments.quickpay import receipt_pay_url
from payments.tests.helpers import assert_billing_consistent, balance

pytestmark = BROWSER_MARKS


def test_a_payer_pays_a_receipt_from_its_pay_online_link_without_logging_in(
    live_server, receipt, sandbox, settings, monkeypatch, clear_throttle
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    settings.SITE_URL = live_server.url  # the printed link and the sandbox "gateway" use the site's address
    link = receipt_pay_url(account_number=receipt.number, month=dt.date(2026, 2, 1))

    with browser_page() as page:
        page.goto(link)
        main = page.inner_text("main")
        assert "5\xa0000,00" in main and "ул. Ленина, д. 12" in main and receipt.owner_last_name not in main
        assert page.input_value("#id_amount") == "5000,00"
        page.fill("#id_email", "payer@example.ru")
        page.check("input[name=method][value=card]")
        page.click("button[type=submit]:has-text('Перейти к оплате')")
        page.wait_for_selector("text=Тестовая оплата")
        page.click("button:has-text('Оплатить')")
        page.wait_for_selector("text=Сумма зачислена")
        assert "/pay/done/" in page.url

    payment = Payment.objects.get()
    assert payment.user is None and payment.status == "succeeded" and payment.receipt_email == "payer@example.ru"
    assert balance(receipt) == Decimal("0.00")
    assert_billing_consistent()


def test_a_resident_turns_on_autopay_and_sees_the_next_charge_date(live_server, client, receipt, resident, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SavedCard.objects.create(
        user=resident,
        provider="sandbox",
        gateway_method_id=f"sbpm_{uuid.uuid4().hex}",
        last4="4242",
        card_type="Visa",
        expiry_month=12,
        expiry_year=2030,
        consent_version="2026-12",
    )
    with resident_page(live_server.url, client, resident) as page:
        page.goto(f"{live_server.url}/cabinet/autopay/")
        assert "Автоплатёж не включён" in page.inner_text("main")
        page.fill("#id_limit", "6000")
        page.check("input[name=when][value=day]")
        page.fill("#id_day", "12")
        page.check("#id_consent")
        page.click("button:has-text('Сохранить автоплатёж')")
        page.wait_for_selector("text=Автоплатёж включён")
        state = page.inner_text("main")
        assert "Visa •••• 4242" in state
        next_line = page.inner_text(".next-charge")
        assert re.search(r"\d{2}\.\d{2}\.\d{4}", next_line) and "5\xa0000,00" in next_line, next_line

    autopay = Autopay.objects.get(account=receipt)
    assert (autopay.status, autopay.day, autopay.limit) == ("active", 12, Decimal("6000.00"))
