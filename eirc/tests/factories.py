"""factory_boy factories for every app's main models (tests only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from accounts.models import AccountLink, PersonalAccount
from billing.models import Period, Provider, Service, Tariff
from meters.models import Meter

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.ru")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)


class PersonalAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalAccount
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"{2000000000 + n:010d}")
    owner_last_name = "Иванов"
    owner_first_name = "Иван"
    owner_middle_name = "Иванович"
    street = "ул. Ленина"
    house = factory.Sequence(lambda n: str(n % 50 + 1))
    flat = factory.Sequence(lambda n: str(n % 120 + 1))
    area = Decimal("54.30")
    residents = 2
    opened_on = dt.date(2020, 1, 1)


class AccountLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountLink

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(PersonalAccountFactory)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"ГУП «Поставщик {n}»")
    short_name = factory.Sequence(lambda n: f"Поставщик {n}")
    inn = factory.Sequence(lambda n: f"{9200000000 + n:010d}")
    kpp = "920401001"
    bank_name = "РНКБ Банк (ПАО)"
    bik = "043510607"
    settlement_account = factory.Sequence(lambda n: f"{40702810000000000000 + n:020d}")
    corr_account = "30101810335100000607"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    code = factory.Sequence(lambda n: f"svc-{n}")
    name = factory.Sequence(lambda n: f"Услуга {n}")
    provider = factory.SubFactory(ProviderFactory)
    method = Service.Method.AREA
    unit = "м²"


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    service = factory.SubFactory(ServiceFactory)
    valid_from = dt.date(2020, 1, 1)
    rate = Decimal("25.5000")


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period
        django_get_or_create = ("month",)

    month = dt.date(2026, 3, 1)


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    account = factory.SubFactory(PersonalAccountFactory)
    service = factory.SubFactory(ServiceFactory, method=Service.Method.METER, unit="м³")
    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    installed_on = dt.date(2021, 1, 15)
    verification_due = dt.date(2027, 1, 15)
