"""Resident access journeys in headless Chromium (Debian's chromium driven by
Playwright), captcha in test mode, emails from the locmem outbox (Celery eager)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail

from accounts.tests.conftest import NEW_PASSWORD
from eirc.tests.browser import BROWSER_MARKS, browser_page

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(live_server, settings):
    settings.SITE_URL = live_server.url
    with browser_page() as page:
        page.set_default_timeout(10000)
        yield page


def _emailed_link(live_server) -> str:
    assert mail.outbox, "no email was sent"
    match = re.search(re.escape(live_server.url) + r"/accounts/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def _captcha(page):
    page.locator("input[name='captcha_1']").fill("PASSED")


def _on_dashboard(page, live_server) -> bool:
    return page.url == live_server.url + settings.LOGIN_REDIRECT_URL


def test_register_follow_the_emailed_link_set_a_password_and_land_on_the_dashboard(billed_account, live_server, page):
    page.goto(live_server.url + "/accounts/register/")
    page.get_by_label("Номер лицевого счёта").fill(billed_account.number)
    page.get_by_label("Сумма из последней или предпоследней квитанции, ₽").fill("1234,56")
    page.get_by_label("Электронная почта").fill("browser@example.ru")
    _captcha(page)
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_url("**/accounts/register/sent/")

    page.goto(_emailed_link(live_server))
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Пароль ещё раз").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Задать пароль и войти").click()
    page.wait_for_load_state()
    assert _on_dashboard(page, live_server)
    assert (
        page.get_by_role("button", name="Выйти").is_visible()
        or page.locator("form[action='/accounts/logout/']").count()
    )


def test_log_in_with_the_account_number(resident, password, live_server, page):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Номер лицевого счёта или электронная почта").fill("1000000101")
    page.get_by_label("Пароль").fill(password)
    _captcha(page)
    page.locator("main").get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    assert _on_dashboard(page, live_server)


def test_recover_a_password_and_log_in_with_the_new_one(resident, live_server, page):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Забыли пароль?").click()
    page.get_by_label("Номер лицевого счёта").fill("1000000101")
    page.get_by_label("Электронная почта").fill("resident@example.ru")
    _captcha(page)
    page.get_by_role("button", name="Отправить ссылку").click()
    page.wait_for_url("**/accounts/password-reset/sent/")

    page.goto(_emailed_link(live_server))
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Пароль ещё раз").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Сохранить пароль").click()
    page.wait_for_url("**/accounts/login/")

    page.get_by_label("Номер лицевого счёта или электронная почта").fill("1000000101")
    page.get_by_label("Пароль").fill(NEW_PASSWORD)
    _captcha(page)
    page.locator("main").get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    assert _on_dashboard(page, live_server)
