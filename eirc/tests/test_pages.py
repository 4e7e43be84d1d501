"""Public pages, the shared layout, the static Bootstrap, /health/."""

from __future__ import annotations

from decimal import Decimal

import pytest
import redis
from django.contrib import messages
from django.contrib.flatpages.models import FlatPage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.contrib.sites.models import Site
from django.template import Context, Template
from django.test import override_settings

from documents import views as documents_views
from eirc import views

PUBLIC_PAGES = [
    ("/", "Личный кабинет жителя Севастополя"),
    ("/info/", "Справочная информация"),
    ("/info/offices/", "Офисы обслуживания"),
    ("/info/contacts/", "Контакты"),
    ("/info/tariffs/", "Действующие тарифы"),
]


@pytest.mark.parametrize(("url", "heading"), PUBLIC_PAGES)
def test_public_page_answers_in_russian_with_its_heading(client, db, url, heading):
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    assert f">{heading}</h1>" in html
    assert "<title>" in html and "ЕИРЦ Севастополь</title>" in html


def test_layout_has_skip_link_landmarks_and_hotline_in_footer(client, db, settings):
    settings.EIRC = {**settings.EIRC, "HOTLINE": "+7 (8692) 55-44-33"}
    html = client.get("/info/").content.decode()
    assert '<a class="visually-hidden-focusable skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<nav" in html
    footer = html[html.index("<footer") : html.index("</footer>")]
    assert '<a href="tel:+78692554433">+7 (8692) 55-44-33</a>' in footer
    assert settings.EIRC["FULL_NAME"] in footer


def test_layout_loads_bootstrap_from_static_not_a_cdn(client, db):
    html = client.get("/").content.decode()
    assert '<link rel="stylesheet" href="/static/bootstrap/css/bootstrap.min.css">' in html
    assert '<script src="/static/bootstrap/js/bootstrap.bundle.min.js"></script>' in html
    assert "cdn" not in html.lower()
    assert "style=" not in html
    assert "<script>" not in html


def test_guest_sees_login_link_and_no_logout(client, db):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert "Выйти" not in html


def test_logged_in_resident_gets_a_logout_button_on_every_page(client, resident):
    client.force_login(resident)
    for url, _heading in PUBLIC_PAGES:
        html = client.get(url).content.decode()
        assert '<form method="post" action="/accounts/logout/"' in html, url
        assert 'type="submit">Выйти</button>' in html, url


def test_messages_are_shown_in_the_layout(rf, resident):
    request = rf.get("/")
    request.user = resident
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    messages.error(request, "Платёж отклонён банком")
    html = documents_views.home(request).content.decode()
    assert "alert alert-danger" in html
    assert "Платёж отклонён банком" in html


def test_bootstrap_css_is_served_from_the_package(client, db):
    response = client.get("/static/bootstrap/css/bootstrap.min.css")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Bootstrap" in body[:300]


def test_site_css_is_served(client, db):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200


def test_home_page_leads_to_login_and_shows_hotline(client, db):
    html = client.get("/").content.decode()
    assert "Передать показания счётчиков" in html
    assert "Заказать справки" in html
    assert 'class="btn btn-primary btn-lg" href="/accounts/login/"' in html
    assert "tel:" in html


def test_home_page_lists_published_articles(client, db):
    page = FlatPage.objects.create(url="/info/how-to-pay/", title="Как оплатить без комиссии", content="<p>…</p>")
    page.sites.add(Site.objects.get_current())
    html = client.get("/").content.decode()
    assert '<a href="/info/how-to-pay/">Как оплатить без комиссии</a>' in html


# --- filters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "arg", "expected"),
    [
        (Decimal("45.6700"), None, "45,67"),
        (Decimal("45.6700"), 4, "45,6700"),
        (Decimal("4.1235"), None, "4,1235"),
        (Decimal("4.1000"), None, "4,10"),
        (Decimal("1234.5000"), None, "1\xa0234,50"),
        (Decimal("0.0000"), None, "0,00"),
        (None, None, ""),
    ],
)
def test_rate_filter_formats_tariffs(value, arg, expected):
    source = "{% load eirc %}{{ v|rate:a }}" if arg is not None else "{% load eirc %}{{ v|rate }}"
    assert Template(source).render(Context({"v": value, "a": arg})) == expected


def test_tel_filter_keeps_plus_and_digits_only():
    assert Template("{% load eirc %}{{ p|tel }}").render(Context({"p": "+7 (8692) 00-11-22"})) == "+78692001122"


# --- /health/ ---------------------------------------------------------------


class _BrokenConnection:
    def cursor(self):
        from django.db import OperationalError

        raise OperationalError("connection refused")


def test_health_is_200_when_the_database_answers(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_is_503_when_the_database_fails(client, db, monkeypatch):
    monkeypatch.setattr(views, "connection", _BrokenConnection())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["checks"]["database"] == "unavailable"


def test_health_does_not_report_the_broker_when_tasks_run_eagerly(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert "broker" not in client.get("/health/").json()["checks"]


def test_health_reports_a_reachable_broker(client, db, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(redis.Redis, "ping", lambda self: True)
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_health_is_503_when_the_broker_fails(client, db, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def refuse(self):
        raise redis.ConnectionError("refused")

    monkeypatch.setattr(redis.Redis, "ping", refuse)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {"database": "ok", "broker": "unavailable"}}


@override_settings(DEBUG=False)
def test_unknown_article_under_info_is_404(client, db):
    assert client.get("/info/no-such-article/").status_code == 404
