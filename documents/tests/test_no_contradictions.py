"""The site does not contradict itself (issue 13): the verify page is an
empty form until asked and is linked; the ЕПД names the readings window of
the settings and prints ЕЛС and ИПД only when known; the central office has
one address; the tariffs page names its legal bases itself; no page sends
anyone to a file of the repository; the centre's site link is https."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.models import User
from documents import services
from documents.models import Office
from documents.tests.conftest import DEMO_NUMBER
from eirc.tests.factories import ProviderFactory, ServiceFactory, TariffFactory

pytestmark = pytest.mark.django_db


def main_of(body: str) -> str:
    return body.split("<main", 1)[1].split("</main>", 1)[0]


# --- 8. the verify page ------------------------------------------------------------


def test_the_verify_page_opens_as_an_empty_form_without_a_verdict(client):
    response = client.get("/documents/verify/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="code"' in body
    assert "data-result" not in body and "не выдавался" not in body
    empty = client.get("/documents/verify/?code=")
    assert empty.status_code == 200 and "data-result" not in empty.content.decode()


def test_the_verify_page_is_linked_from_every_page_and_the_reference_index(client):
    for url in ("/", "/info/", "/info/contacts/"):
        assert 'href="/documents/verify/"' in client.get(url).content.decode(), url
    assert 'href="/documents/verify/"' in main_of(client.get("/info/").content.decode())


# --- 12. contradictions ------------------------------------------------------------


def test_the_receipt_names_the_readings_window_of_the_settings(client, settings, demo_account, closed_period):
    settings.BILLING = {**settings.BILLING, "READINGS_WINDOW": (15, 23)}
    services.receipt_render(account=demo_account, period=closed_period)
    client.force_login(User.objects.get(account_links__account__number=DEMO_NUMBER))
    url = reverse("documents:receipt_print", args=[closed_period.month.year, closed_period.month.month])
    body = client.get(url).content.decode()
    assert "передавайте с 15 по 23 число" in body
    assert "с 20 по 25" not in body


def test_the_receipt_prints_els_and_ipd_when_known_and_no_dash_when_not(client, demo_account, closed_period):
    user = User.objects.get(account_links__account__number=DEMO_NUMBER)
    client.force_login(user)
    url = reverse("documents:receipt_print", args=[closed_period.month.year, closed_period.month.month])
    assert demo_account.els and demo_account.gis_document_id  # the demo stores them per account
    services.receipt_render(account=demo_account, period=closed_period)
    body = client.get(url).content.decode()
    assert f'<td class="els">{demo_account.els}</td>' in body
    assert f'<td class="ipd">{demo_account.gis_document_id}</td>' in body

    type(demo_account).objects.filter(pk=demo_account.pk).update(els="", gis_document_id="")
    demo_account.refresh_from_db()
    services.receipt_render(account=demo_account, period=closed_period)
    body = client.get(url).content.decode()
    payer = re.search(r'<table class="epd-payer">.*?</table>', body, re.S).group(0)
    assert "ЕЛС" not in payer and "ИПД" not in payer and "—" not in payer


def test_the_central_office_and_the_footer_give_one_address(client, demo):
    central = Office.objects.order_by("position").first()
    assert central.address == django_settings.EIRC["ADDRESS"]
    body = client.get("/info/offices/").content.decode()
    footer = body.split("<footer", 1)[1]
    assert f'<address class="mb-0">{central.address}</address>' in main_of(body)
    assert central.address in footer


def test_the_tariffs_page_shows_the_legal_basis_it_mentions(client):
    provider = ProviderFactory(name="ГУП «Водоканал»")
    water = ServiceFactory(name="Холодное водоснабжение", provider=provider, unit="м³")
    TariffFactory(service=water, rate=Decimal("45.6700"), basis="Приказ УТЦ г. Севастополя № 123-ВК от 18.12.2025")
    body = main_of(client.get("/info/tariffs/").content.decode())
    assert "Приказ УТЦ г. Севастополя № 123-ВК от 18.12.2025" in body
    assert "указываются в квитанции" not in body


def test_no_page_sends_residents_or_staff_to_a_file_of_the_repository(client, resident, operator, accountant):
    pages = [(resident, "/cabinet/readings/tokens/"), (operator, "/admin/meters/meter/import/")]
    pages.append((accountant, "/admin/payments/registryimport/upload/"))
    for user, url in pages:
        client.force_login(user)
        body = client.get(url).content.decode()
        assert client.get(url).status_code == 200, url
        assert not re.search(r"docs/[\w-]+\.(md|yaml)", body), url


def test_the_centres_site_link_is_https(client):
    body = client.get("/info/contacts/").content.decode()
    link = re.search(r'<a href="([^"]+)" rel="noopener">', body).group(1)
    assert link.startswith("https://")
    assert django_settings.EIRC["WEBSITE"].startswith("https://")
