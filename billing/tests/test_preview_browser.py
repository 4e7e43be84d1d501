"""Browser journey in headless Chromium at 360 px: while the resident types a
reading the preview panel shows what it would add to the month's bill (the
form's script, debounced), a refused value says so, «Рассчитать» works
without the script, and nothing is saved until «Передать показания»."""

from __future__ import annotations

import datetime as dt

from billing.tests.whatif import water_and_upkeep
from eirc.periods import today
from eirc.tests.browser import BROWSER_MARKS, resident_page
from eirc.tests.factories import MeterFactory
from meters.models import Reading
from meters.services import field_name
from meters.tests.conftest import add_history

pytestmark = BROWSER_MARKS
NBSP = "\xa0"


def test_typing_a_reading_shows_its_charge_and_saves_nothing(live_server, client, resident, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    account, water = water_and_upkeep(resident)
    meter = MeterFactory(
        account=account, service=water, serial="CW-7", digits=5, verification_due=today() + dt.timedelta(days=2000)
    )
    add_history(meter, [100, 110, 120], start=dt.date(2020, 1, 1))
    field = f"#id_{field_name(meter.pk, 'single')}"
    stored = Reading.objects.count()

    with resident_page(live_server.url, client, resident) as page:
        page.goto(f"{live_server.url}/cabinet/readings/")
        page.fill(field, "125,5")  # 5,5 m³ × 45,12 = 248,16; upkeep 50 m² × 30 = 1 500,00
        panel = page.wait_for_selector("#readings-preview [data-preview-total]")
        assert panel.inner_text() == f"1{NBSP}748,16{NBSP}₽"
        assert "Предварительный расчёт" in page.inner_text("#readings-preview")
        assert f"248,16{NBSP}₽" in page.inner_text("#readings-preview")
        page.fill(field, "119")
        page.wait_for_selector("#readings-preview:has-text('Исправьте показания')")
        page.fill(field, "130")
        page.click("button:has-text('Рассчитать')")  # the no-script path: the page comes back with the panel
        page.wait_for_url("**/cabinet/readings/calc/")
        assert page.input_value(field) == "130"
        assert page.inner_text("#readings-preview [data-preview-total]") == f"1{NBSP}951,20{NBSP}₽"
        assert Reading.objects.count() == stored
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.click("button[type=submit]:has-text('Передать показания')")
        page.wait_for_selector("#confirmation-code")
    assert Reading.objects.count() == stored + 1
