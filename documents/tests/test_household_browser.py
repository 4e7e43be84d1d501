"""Browser journey (issue 18): the holder invites a relative with the role
«показания»; the relative opens the emailed link, sets a password, hands in
a reading and is refused the pay page; the holder removes them and their
open session loses the account."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from playwright.sync_api import sync_playwright

from eirc.periods import today
from eirc.tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS
from eirc.tests.factories import MeterFactory
from meters.services import field_name
from meters.tests.conftest import add_history

pytestmark = BROWSER_MARKS
PASSWORD = "Zelenye-Lodki-Sevastopol-77"


def test_holder_invites_a_reader_who_hands_in_a_reading_cannot_pay_and_is_removed(
    live_server, client, resident, monkeypatch, settings
):
    from eirc.celery import app

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
    saved, app.conf.task_always_eager = app.conf.task_always_eager, True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    account = resident.account_links.get().account
    meter = MeterFactory(account=account, serial="HH-0001", verification_due=today() + dt.timedelta(days=2000))
    add_history(meter, [100, 110, 120], start=dt.date(2020, 1, 1))
    field = f"#id_{field_name(meter.pk, 'single')}"
    client.force_login(resident)
    holder_cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    base = live_server.url

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            holder_ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
            holder_ctx.add_cookies([holder_cookie])
            holder = holder_ctx.new_page()
            holder.goto(f"{base}/accounts/household/")
            holder.fill("#id_email", "relative@example.ru")
            holder.select_option("#id_role", "readings")
            holder.click("button[type=submit]:has-text('Отправить приглашение')")
            holder.wait_for_selector("text=Приглашение отправлено")
            (message,) = mail.outbox
            link = re.search(r"(http://\S+/accounts/invitation/\S+/)", message.body).group(1)

            member = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU").new_page()
            member.goto(link)
            assert "«показания»" in member.inner_text("main")
            member.fill("#id_new_password1", PASSWORD)
            member.fill("#id_new_password2", PASSWORD)
            member.click("button[type=submit]:has-text('Задать пароль и принять')")
            member.wait_for_selector("text=Приглашение принято")
            assert account.number in member.inner_text("main")

            member.goto(f"{base}/cabinet/readings/")
            member.fill(field, "125,5")
            member.click("button[type=submit]:has-text('Передать показания')")
            member.wait_for_selector("#confirmation-code")

            response = member.goto(f"{base}/payments/pay/")
            assert response.status == 403
            assert "Доступ запрещён" in member.inner_text("main")

            holder.goto(f"{base}/accounts/household/")
            assert "relative@example.ru" in holder.inner_text("main")
            holder.click("button:has-text('Удалить')")
            holder.wait_for_selector("text=Участник удалён")
            assert "relative@example.ru" not in holder.inner_text("main")

            member.goto(f"{base}/cabinet/readings/")
            assert "Нет привязанных лицевых счетов" in member.inner_text("main")
            assert account.number not in member.inner_text("body")
        finally:
            browser.close()
            app.conf.task_always_eager = saved
