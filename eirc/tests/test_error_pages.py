"""Error pages are Russian, in production settings (issue 13): 400, 403
(and a refused form), 404, 429 and 500 — never Django's English pages."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import include, path

# This URLconf serves the site's own 500 page (Django's default if the site had none).
handler500 = getattr(import_module("eirc.urls"), "handler500", "django.views.defaults.server_error")


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("a bad request")


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("boom/403/", _forbidden),
    path("boom/400/", _bad),
    path("boom/500/", _broken),
    path("", include("eirc.urls")),
]

ENGLISH = ("Not Found", "Server Error", "Forbidden", "Bad Request", "CSRF verification failed")


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def answer(client, url, status, method="get", **data):
    response = getattr(client, method)(url, data)
    assert response.status_code == status, url
    body = response.content.decode()
    assert '<html lang="ru">' in body
    assert f"Ошибка {status}" in body
    for phrase in ENGLISH:
        assert phrase not in body, (url, phrase)
    return body


@pytest.mark.django_db
def test_404_403_400_pages_are_russian(production):
    client = Client(raise_request_exception=False)
    assert "Страница не найдена" in answer(client, "/no-such-page/", 404)
    assert "Доступ запрещён" in answer(client, "/boom/403/", 403)
    assert "Неверный запрос" in answer(client, "/boom/400/", 400)


@pytest.mark.django_db
def test_the_500_page_is_russian_and_needs_no_request(production):
    client = Client(raise_request_exception=False)
    body = answer(client, "/boom/500/", 500)
    assert "Ошибка на сайте" in body and "ЕИРЦ Севастополь" in body


@pytest.mark.django_db
def test_a_refused_form_is_explained_in_russian(production):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    body = answer(client, "/accounts/login/", 403, method="post", username="1000000101", password="x")
    assert "Форма устарела" in body


@pytest.mark.django_db
def test_the_429_page_is_russian(production, settings, resident):
    from captcha.conf import settings as captcha_settings

    captcha_settings.CAPTCHA_TEST_MODE, saved = True, captcha_settings.CAPTCHA_TEST_MODE
    try:
        client = Client(raise_request_exception=False)
        form = {"username": "1000000101", "password": "wrong-password-123", "captcha_0": "t", "captcha_1": "PASSED"}
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post("/accounts/login/", form)
        body = answer(client, "/accounts/login/", 429, method="post", **form)
    finally:
        captcha_settings.CAPTCHA_TEST_MODE = saved
    assert "Вход временно заблокирован" in body
