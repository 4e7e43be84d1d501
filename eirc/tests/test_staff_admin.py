"""The staff admin is Russian and readable (issue 13): every field and choice
of the portal's models is named in Russian, money reads «1 234,56», raw codes
(«single», «day,night», «sandbox») are shown as words, and the refund and
registry pages print their heading once."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from eirc.tests.factories import LedgerEntryFactory, PaymentFactory, PersonalAccountFactory, ServiceFactory

CYRILLIC = re.compile("[а-яё]", re.I)
PORTAL_APPS = ("eirc", "accounts", "meters", "billing", "payments", "documents")


def test_every_field_and_choice_of_the_portal_is_named_in_russian():
    english = []
    for label in PORTAL_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                name = getattr(field, "verbose_name", None)
                if name is None or field.name == "id" and str(name).lower() == "id":
                    continue
                if not CYRILLIC.search(str(name)):
                    english.append(f"{model._meta.label}.{field.name}: {name}")
                for value, text in getattr(field, "flatchoices", None) or []:
                    if not CYRILLIC.search(str(text)):
                        english.append(f"{model._meta.label}.{field.name}={value}: {text}")
    assert english == []


def _cells(body: str, column: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(rf'<td class="field-{column}[^"]*">(.*?)</td>', body, re.S)]


@pytest.mark.django_db
def test_money_reads_with_a_thousands_space_and_codes_as_words(admin_client):
    account = PersonalAccountFactory(number="5000000001")
    PaymentFactory(
        account=account, amount=Decimal("12345.60"), provider="sandbox", status="succeeded", paid_at=timezone.now()
    )
    LedgerEntryFactory(account=account, amount=Decimal("1234.56"))
    ServiceFactory(name="Электроснабжение", zones="day,night")

    payments = admin_client.get("/admin/payments/payment/").content.decode()
    assert _cells(payments, "amount") == ["12\xa0345,60"]
    assert _cells(payments, "provider") == ["песочница (демо)"]
    ledger = admin_client.get("/admin/billing/ledgerentry/").content.decode()
    assert _cells(ledger, "amount") == ["1\xa0234,56"]
    services = admin_client.get("/admin/billing/service/").content.decode()
    assert _cells(services, "zones") == ["две зоны: день и ночь"]
    assert ">day,night<" not in services and ">sandbox<" not in payments
    assert 'class="column-account_number"' in ledger or "ЛИЦЕВОЙ СЧЁТ" in ledger.upper()


@pytest.mark.django_db
def test_refund_and_registry_pages_print_their_heading_once(client, accountant):
    account = PersonalAccountFactory(number="5000000002")
    payment = PaymentFactory(
        account=account,
        amount=Decimal("500.00"),
        status="succeeded",
        paid_at=timezone.make_aware(dt.datetime(2026, 11, 5, 12)),
    )
    client.force_login(accountant)
    for url, heading in (
        (f"/admin/payments/payment/{payment.pk}/refund/", "Возврат платежа"),
        ("/admin/payments/registryimport/upload/", "Загрузка реестра платежей"),
    ):
        body = client.get(url).content.decode()
        assert body.count(f">{heading}</h1>") == 1, url
        assert body.count("<h1") == 1, url


@pytest.mark.django_db
def test_the_register_request_page_names_every_field_in_russian(client, operator):
    from django.urls import reverse

    account = PersonalAccountFactory(number="5000000003")
    client.force_login(operator)
    for kind in ("absence", "quality", "charge", "meter_check", "household", "free"):
        body = client.get(reverse("admin:documents_appeal_register") + f"?account={account.number}&kind={kind}")
        body = body.content.decode()
        labels = [re.sub(r"<[^>]+>", "", x).strip() for x in re.findall(r"<label[^>]*>(.*?)</label>", body, re.S)]
        assert "Способ обращения:" in labels and "Дата и время обращения:" in labels, kind
        assert [x for x in labels if not CYRILLIC.search(x)] == [], kind
        options = re.findall(r'<option value="(phone|office|letter|cabinet)"[^>]*>([^<]*)<', body)
        assert options == [("phone", "телефон"), ("office", "лично в офисе"), ("letter", "письмо")], kind
