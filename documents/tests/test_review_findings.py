"""Findings of the second security review (issue 12) on documents: receipt
addresses with a huge year, the e-receipt switch on the receipts page,
unsubscribe links that expire, and flatpages that cannot carry scripts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.utils import timezone

from accounts.models import Consent
from documents import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("what", ["download", "print"])
@pytest.mark.parametrize("year_month", ["2147483648-1", "99999999999999999999-1", "2026-99999999999", "0-1"])
def test_a_receipt_of_an_impossible_month_is_a_404(client, resident, what, year_month):
    client.force_login(resident)
    assert client.get(f"/cabinet/receipts/{year_month}/{what}/").status_code == 404


def test_a_resident_switches_to_e_receipts_on_the_receipts_page(client, resident):
    resident.email_confirmed_at = timezone.now()
    resident.save(update_fields=["email_confirmed_at"])
    client.force_login(resident)
    response = client.post("/cabinet/receipts/paperless/", {"paperless": "on"}, REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.paperless_receipts is True
    consent = Consent.objects.get(user=resident, kind=Consent.Kind.PAPERLESS)
    assert consent.given is True and consent.ip_address == "192.0.2.44"
    assert client.post("/cabinet/receipts/paperless/", {}).status_code == 302
    resident.refresh_from_db()
    assert resident.paperless_receipts is False
    assert list(
        Consent.objects.filter(user=resident, kind="paperless").order_by("pk").values_list("given", flat=True)
    ) == [
        True,
        False,
    ]


def test_an_unsubscribe_link_expires_after_its_lifetime(client, resident, settings):
    resident.email_confirmed_at = timezone.now()
    resident.paperless_receipts = True
    resident.save()
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        path = services.unsubscribe_url(resident).removeprefix(settings.SITE_URL)
        traveller.shift(settings.UNSUBSCRIBE_LINK_LIFETIME - dt.timedelta(minutes=1))
        assert client.get(path).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        expired = client.get(path)
        assert expired.status_code == 400
        assert "устарела" in expired.content.decode()
        assert client.post(path).status_code == 400
    resident.refresh_from_db()
    assert resident.paperless_receipts is True


HOSTILE = (
    "<h2>Оплата</h2><p>Текст <strong>важный</strong> и <a href='https://sev-eirc.ru/pay'>ссылка</a>.</p>"
    "<script>alert(1)</script><img src=x onerror=alert(2)>"
    "<a href='javascript:alert(3)'>клик</a><a href='data:text/html,<script>alert(4)</script>'>данные</a>"
    "<iframe src='https://evil.example'></iframe><form action='https://evil.example'><input name=p></form>"
    "<p style='background:url(https://evil.example)' onclick='alert(5)'>стиль</p>"
    "<meta http-equiv='refresh' content='0;url=https://evil.example'>"
)


def _assert_harmless(html: str) -> None:
    lowered = html.lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "data:text",
        "<iframe",
        "<form",
        "<input",
        "style=",
        "<meta",
    ):
        assert bad not in lowered, bad


def test_a_flatpage_written_straight_to_the_database_is_sanitised_when_shown(client):
    page = FlatPage.objects.create(url="/info/oplata/", title="Оплата", content=HOSTILE)
    page.sites.add(Site.objects.get_current())
    html = client.get("/info/oplata/").content.decode()
    body = html[html.index("<h1>Оплата</h1>") : html.index("</article>")]
    _assert_harmless(body)
    assert "<h2>Оплата</h2>" in body and "<strong>важный</strong>" in body
    assert 'href="https://sev-eirc.ru/pay"' in body and 'rel="noopener noreferrer"' in body


def test_an_operator_saving_a_flatpage_stores_it_sanitised(client, operator):
    client.force_login(operator)
    site = Site.objects.get_current()
    response = client.post(
        "/admin/flatpages/flatpage/add/",
        {"url": "/info/novosti/", "title": "Новости", "content": HOSTILE, "sites": [site.pk], "template_name": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = FlatPage.objects.get(url="/info/novosti/").content
    _assert_harmless(stored)
    assert "<strong>важный</strong>" in stored and "https://sev-eirc.ru/pay" in stored


def test_the_admin_has_a_script_policy_too(client, operator):
    client.force_login(operator)
    policy = client.get("/admin/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
