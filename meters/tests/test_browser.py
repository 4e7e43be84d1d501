"""Browser journey in headless Chromium: the resident submits readings, sees
the confirmation, then sees a refusal for a value below the previous one."""

from __future__ import annotations

import datetime as dt

from eirc.periods import today
from eirc.tests.browser import BROWSER_MARKS, resident_page
from eirc.tests.factories import MeterFactory
from meters.services import field_name
from meters.tests.conftest import add_history

pytestmark = BROWSER_MARKS


def test_resident_submits_readings_sees_the_confirmation_then_a_refusal(live_server, client, resident, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    account = resident.account_links.get().account
    meter = MeterFactory(account=account, serial="CW-0001", verification_due=today() + dt.timedelta(days=2000))
    add_history(meter, [100, 110, 120], start=dt.date(2020, 1, 1))
    field = f"#id_{field_name(meter.pk, 'single')}"

    with resident_page(live_server.url, client, resident) as page:
        page.goto(f"{live_server.url}/cabinet/readings/")
        assert "Приём показаний с 20 по 25 число" in page.inner_text("#window-info")
        page.fill(field, "125,5")
        page.click("button[type=submit]:has-text('Передать показания')")
        page.wait_for_selector("#confirmation-code")
        code = page.inner_text("#confirmation-code")
        assert len(code) == 9
        assert "125,5" in page.inner_text("main")

        page.goto(f"{live_server.url}/cabinet/readings/")
        page.fill(field, "119")
        page.click("button[type=submit]:has-text('Передать показания')")
        error = page.wait_for_selector(".invalid-feedback")
        assert "меньше предыдущего" in error.inner_text()
