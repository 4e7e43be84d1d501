"""«Пересчитать без записи» in the admin: the dry run of any account and
period beside what was posted, with the difference; nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import AccountService, Benefit, BenefitCategory, Charge, LedgerEntry, Service
from billing.services import billing_run
from eirc.tests.factories import PersonalAccountFactory, ServiceFactory, TariffFactory

pytestmark = pytest.mark.django_db
D = Decimal
NBSP = "\xa0"
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def billed():
    account = PersonalAccountFactory(number="4000000001", area=D("50.00"), residents=2)
    upkeep = ServiceFactory(name="Содержание жилья", method=Service.Method.AREA, unit="м²")
    TariffFactory(service=upkeep, rate=D("30.0000"))
    AccountService.objects.create(account=account, service=upkeep, started_on=dt.date(2020, 1, 1))
    billing_run(period=MARCH)
    return account, upkeep


def page(client, **params):
    return client.get(reverse("admin:billing_charge_dryrun"), params)


def test_an_unchanged_account_recomputes_to_what_was_posted(client, operator, billed):
    client.force_login(operator)
    text = page(client, account="4000000001", period="03.2026").content.decode()
    assert "Лицевой счёт 4000000001, 03.2026" in text
    assert text.count(f"1{NBSP}500,00{NBSP}₽") >= 4  # posted and recomputed, line and total
    assert "dry-diff" not in text  # no difference anywhere


def test_a_benefit_entered_later_shows_as_the_difference_and_nothing_is_written(client, operator, billed):
    account, upkeep = billed
    cat = BenefitCategory.objects.create(code="vet", name="Ветеран труда", percent=D("50"))
    cat.services.add(upkeep)
    Benefit.objects.create(account=account, category=cat, valid_from=dt.date(2026, 1, 1))
    counts = (Charge.objects.count(), LedgerEntry.objects.count())
    client.force_login(operator)
    text = page(client, account="4000000001", period="03.2026").content.decode()
    assert text.count(f'class="dry-diff">-750,00{NBSP}₽') == 2  # the line and the total
    assert (Charge.objects.count(), LedgerEntry.objects.count()) == counts


def test_an_unknown_account_and_a_bad_period_are_refused(client, operator, billed):
    client.force_login(operator)
    text = page(client, account="4999999999", period="2026").content.decode()
    assert "Лицевой счёт не найден." in text and "Период в формате ММ.ГГГГ" in text


def test_residents_cannot_open_it_and_the_charges_list_links_to_it(client, resident, operator, billed):
    client.force_login(resident)
    assert page(client, account="4000000001", period="03.2026").status_code == 302
    client.force_login(operator)
    changelist = client.get(reverse("admin:billing_charge_changelist")).content.decode()
    assert reverse("admin:billing_charge_dryrun") in changelist
