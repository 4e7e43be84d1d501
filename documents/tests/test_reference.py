"""Reference information: offices, contacts, tariffs in force, articles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site

from billing.models import Service
from documents.models import Office
from eirc.tests.factories import ProviderFactory, ServiceFactory, TariffFactory
from meters.models import Zone

TODAY = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def _flatpage(url, title, *, content="<p>Текст статьи.</p>", registration_required=False):
    page = FlatPage.objects.create(url=url, title=title, content=content, registration_required=registration_required)
    page.sites.add(Site.objects.get_current())
    return page


# --- tariffs ------------------------------------------------------------------


def test_tariffs_page_shows_the_tariff_in_force_not_expired_or_future(client, db, frozen):
    provider = ProviderFactory(name="ГУП «Водоканал»")
    water = ServiceFactory(name="Холодное водоснабжение", provider=provider, method=Service.Method.METER, unit="м³")
    TariffFactory(service=water, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 6, 30), rate=Decimal("40.1100"))
    TariffFactory(service=water, valid_from=dt.date(2025, 7, 1), rate=Decimal("45.6700"))
    TariffFactory(service=water, valid_from=dt.date(2026, 7, 1), rate=Decimal("52.9900"))

    html = client.get("/info/tariffs/").content.decode()

    assert "ГУП «Водоканал»" in html
    assert "Холодное водоснабжение" in html
    assert "45,67" in html
    assert "действует с 01.07.2025" in html
    assert "м³" in html
    assert "40,11" not in html
    assert "52,99" not in html


def test_tariff_ending_yesterday_is_not_shown(client, db, frozen):
    service = ServiceFactory(name="Отопление")
    TariffFactory(
        service=service, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2026, 3, 9), rate=Decimal("11.1100")
    )
    TariffFactory(service=service, valid_from=dt.date(2026, 3, 10), rate=Decimal("12.2200"))
    html = client.get("/info/tariffs/").content.decode()
    assert "12,22" in html
    assert "действует с 10.03.2026" in html
    assert "11,11" not in html


def test_tariffs_show_each_zone_of_a_two_zone_service(client, db, frozen):
    power = ServiceFactory(name="Электроэнергия", method=Service.Method.METER, unit="кВт·ч", zones="day,night")
    TariffFactory(service=power, zone=Zone.DAY, valid_from=dt.date(2025, 7, 1), rate=Decimal("5.1200"))
    TariffFactory(service=power, zone=Zone.NIGHT, valid_from=dt.date(2025, 7, 1), rate=Decimal("2.9400"))
    html = client.get("/info/tariffs/").content.decode()
    assert "(день)" in html and "5,12" in html
    assert "(ночь)" in html and "2,94" in html
    assert html.index("5,12") < html.index("2,94")


def test_tariffs_are_grouped_by_provider(client, db, frozen):
    water = ProviderFactory(name="ГУП «Водоканал»")
    heat = ProviderFactory(name="ГУП «Севтеплоэнерго»")
    TariffFactory(service=ServiceFactory(name="Горячее водоснабжение", provider=water))
    TariffFactory(service=ServiceFactory(name="Отопление", provider=heat))
    TariffFactory(service=ServiceFactory(name="Водоотведение", provider=water))
    html = client.get("/info/tariffs/").content.decode()
    assert html.count('<h2 class="h4"') == 2
    water_at, heat_at = html.index("ГУП «Водоканал»"), html.index("ГУП «Севтеплоэнерго»")
    assert water_at < html.index("Горячее водоснабжение") < heat_at
    assert water_at < html.index("Водоотведение") < heat_at
    assert heat_at < html.index("Отопление")


def test_inactive_service_is_not_listed(client, db, frozen):
    TariffFactory(service=ServiceFactory(name="Радиоточка", is_active=False))
    assert "Радиоточка" not in client.get("/info/tariffs/").content.decode()


@pytest.mark.parametrize("services", [1, 12])
def test_tariffs_page_runs_a_bounded_number_of_queries(client, db, frozen, django_assert_max_num_queries, services):
    for i in range(services):
        service = ServiceFactory(provider=ProviderFactory(), zones="day,night")
        TariffFactory(service=service, zone=Zone.DAY, rate=Decimal(f"{i + 5}.1000"))
        TariffFactory(service=service, zone=Zone.NIGHT, rate=Decimal(f"{i + 1}.2000"))
        TariffFactory(service=service, zone=Zone.DAY, valid_from=dt.date(2030, 1, 1))
    with django_assert_max_num_queries(2):
        response = client.get("/info/tariffs/")
    assert response.status_code == 200
    assert response.content.decode().count("действует с 01.01.2020") == 2 * services


# --- offices, contacts ----------------------------------------------------------


def test_offices_page_lists_active_offices_only_in_order(client, db):
    Office.objects.create(
        name="Офис на Остряках",
        address="ул. Генерала Острякова, 100",
        hours="Пн–Пт 9:00–18:00",
        phones="+7 (8692) 11-22-33, +7 (8692) 44-55-66",
        position=2,
    )
    Office.objects.create(
        name="Центральный офис",
        address="ул. Большая Морская, 1",
        hours="Пн–Пт 8:00–17:00\nСб 9:00–13:00",
        phones="+7 (8692) 00-00-01",
        position=1,
    )
    Office.objects.create(name="Закрытый офис", address="ул. Закрытая, 1", hours="—", phones="—", is_active=False)

    html = client.get("/info/offices/").content.decode()

    assert "Закрытый офис" not in html
    assert html.index("Центральный офис") < html.index("Офис на Остряках")
    assert "Сб 9:00–13:00" in html
    assert '<a href="tel:+78692445566">+7 (8692) 44-55-66</a>' in html


def test_contacts_page_shows_the_centres_settings(client, db, settings):
    settings.EIRC = {
        **settings.EIRC,
        "HOTLINE": "+7 (8692) 12-34-56",
        "EMAIL": "help@example.ru",
        "WEBSITE": "https://eirc.example.ru",
        "ADDRESS": "г. Севастополь, ул. Примерная, 5",
    }
    html = client.get("/info/contacts/").content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert '<a href="tel:+78692123456">+7 (8692) 12-34-56</a>' in main
    assert 'href="mailto:help@example.ru"' in main
    assert "https://eirc.example.ru" in main
    assert "г. Севастополь, ул. Примерная, 5" in main


# --- articles (flatpages) ---------------------------------------------------------


def test_flatpage_under_info_renders_in_the_layout_and_is_listed(client, db):
    _flatpage("/info/faq/", "Частые вопросы", content="<p>Как передать показания?</p>")

    page = client.get("/info/faq/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Частые вопросы</h1>" in html
    assert "<p>Как передать показания?</p>" in html
    assert '<main id="main"' in html and "<footer" in html
    assert "<title>Частые вопросы — ЕИРЦ Севастополь</title>" in html

    index = client.get("/info/").content.decode()
    assert '<a href="/info/faq/">Частые вопросы</a>' in index


def test_info_index_leaves_out_private_and_foreign_flatpages(client, db):
    _flatpage("/info/public/", "Открытая статья")
    _flatpage("/info/private/", "Статья для жителей", registration_required=True)
    _flatpage("/about/", "Статья не из справки")
    elsewhere = FlatPage.objects.create(url="/info/other-site/", title="Статья другого сайта", content="")
    elsewhere.sites.add(Site.objects.create(domain="other.example.ru", name="other"))

    html = client.get("/info/").content.decode()

    assert "Открытая статья" in html
    assert "Статья для жителей" not in html
    assert "Статья не из справки" not in html
    assert "Статья другого сайта" not in html


def test_info_index_links_the_reference_pages(client, db):
    html = client.get("/info/").content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    for url in ("/info/offices/", "/info/contacts/", "/info/tariffs/"):
        assert f'href="{url}"' in main
