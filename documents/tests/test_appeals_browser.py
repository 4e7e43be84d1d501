"""The journey of a disputed receipt line, in headless Chromium at 360 px
(Debian's chromium via Playwright; Celery eager): the resident disputes a
line of the receipt and attaches a photo, the operator answers in the admin
with a recalculation, the next billing run bills it, and the resident sees
the answer, the status and the new line."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.test import Client

from documents.tests.conftest import DEMO_NUMBER
from documents.tests.test_appeals import _jpeg_with_gps
from eirc.tests.browser import BROWSER_MARKS, resident_page

pytestmark = BROWSER_MARKS


def test_resident_disputes_a_line_and_sees_the_recalculation(
    demo, live_server, settings, monkeypatch, operator, closed_period, tmp_path
):
    from billing.models import Charge, LedgerEntry
    from billing.services import billing_run
    from documents.models import Appeal

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM runs beside Playwright's loop
    settings.SITE_URL = live_server.url
    settings.ADMIN_REQUIRE_OTP = False
    resident = get_user_model().objects.get(account_links__account__number=DEMO_NUMBER)
    month = closed_period.month
    photo = tmp_path / "heater.jpg"
    photo.write_bytes(_jpeg_with_gps())

    with resident_page(live_server.url, Client(), resident) as page:
        page.set_default_timeout(20000)
        page.goto(f"{live_server.url}/cabinet/receipts/{month.year}-{month.month}/print/")
        # Not rendered yet: the «готовится» page says when it is ready (no reload of its own).
        page.get_by_role("link", name="Открыть квитанцию для печати").click()
        link = page.locator("a.dispute-link").first
        service = re.search(r"«(.+)»", link.inner_text()).group(1)
        link.click()
        page.wait_for_url("**/cabinet/appeals/new/charge/**")
        assert page.get_by_label("Услуга").input_value() == service
        page.get_by_label("Суть обращения").fill("Прошу проверить: начислено больше, чем обычно.")
        page.get_by_label("Файлы").set_input_files(str(photo))
        page.get_by_role("button", name="Отправить обращение").click()
        page.wait_for_url(re.compile(r".*/cabinet/appeals/\d+/$"))
        assert "ответ до" in page.locator(".appeal-summary").inner_text()
        assert page.get_by_role("link", name="heater.jpg").is_visible()
        detail_url = page.url

    appeal = Appeal.objects.get(user=resident)
    assert appeal.attachments.get().content_type == "image/jpeg"
    charge = Charge.objects.get(pk=appeal.fields["charge_id"])

    with resident_page(live_server.url, Client(), operator, width=1280, height=900) as page:
        page.set_default_timeout(20000)
        page.goto(f"{live_server.url}/admin/documents/appeal/{appeal.pk}/work/")
        page.get_by_label("Шаблон ответа").select_option("recalculated")
        page.get_by_label("Закрыть с итогом").select_option("recalculated")
        page.get_by_label("Услуга перерасчёта").select_option(str(charge.service_id))
        page.get_by_label("Сумма перерасчёта, ₽").fill("-150.00")
        page.get_by_role("button", name="Сохранить").click()
        page.wait_for_url(f"**/admin/documents/appeal/{appeal.pk}/change/")

    appeal.refresh_from_db()
    period = appeal.recalculation.period
    billing_run(period=period.month)
    entry = LedgerEntry.objects.get(account=appeal.account, period=period, kind="recalculation")
    new_line = Charge.objects.get(account=appeal.account, period=period, service=charge.service)

    with resident_page(live_server.url, Client(), resident) as page:
        page.set_default_timeout(20000)
        page.goto(detail_url)
        assert "закрыто — выполнен перерасчёт" in page.locator(".appeal-status").inner_text()
        outcome = page.locator(".appeal-outcome").inner_text()
        assert "Перерасчёт выполнен" in outcome and "150,00" in outcome
        page.goto(f"{live_server.url}/cabinet/charges/{new_line.pk}/")
        sums = page.get_by_role("region", name="Суммы").inner_text()
        assert "Перерасчёт" in sums and "150,00" in sums
    assert appeal.number in entry.description
