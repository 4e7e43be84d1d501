"""factory_boy factories for every app's main models (tests only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from accounts.models import AccountLink, PersonalAccount
from billing.models import Provider, Service, Tariff
from eirc.models import Period
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


# --- infra: factories for the constraint tests (charges, ledger, payments, readings) ---
class ChargeFactory(factory.django.DjangoModelFactory):
    """A charge whose total adds up: amount - benefit + recalculation."""

    class Meta:
        model = "billing.Charge"

    account = factory.SubFactory(PersonalAccountFactory)
    period = factory.SubFactory(PeriodFactory)
    service = factory.SubFactory(ServiceFactory)
    basis = "area"
    quantity = Decimal("54.300")
    rate = Decimal("25.5000")
    amount = Decimal("1384.65")
    benefit = Decimal("0.00")
    recalculation = Decimal("0.00")
    total = factory.LazyAttribute(lambda o: o.amount - o.benefit + o.recalculation)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "payments.Payment"

    account = factory.SubFactory(PersonalAccountFactory)
    amount = Decimal("1500.00")
    provider = "sandbox"


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """A charge-kind entry by default; pass kind/amount/payment for others."""

    class Meta:
        model = "billing.LedgerEntry"

    account = factory.SubFactory(PersonalAccountFactory)
    period = factory.SubFactory(PeriodFactory)
    kind = "charge"
    amount = Decimal("1384.65")
    occurred_on = factory.LazyAttribute(lambda o: o.period.month)


class StatementFactory(factory.django.DjangoModelFactory):
    """A statement whose closing adds up from its columns."""

    class Meta:
        model = "billing.Statement"

    account = factory.SubFactory(PersonalAccountFactory)
    period = factory.SubFactory(PeriodFactory)
    opening = Decimal("100.00")
    charged = Decimal("1384.65")
    benefits = Decimal("0.00")
    recalculations = Decimal("0.00")
    penalties = Decimal("0.00")
    paid = Decimal("1000.00")
    refunds = Decimal("0.00")
    corrections = Decimal("0.00")
    closing = factory.LazyAttribute(
        lambda o: (
            o.opening + o.charged - o.benefits + o.recalculations + o.penalties - o.paid + o.refunds + o.corrections
        )
    )


class ReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meters.Reading"

    meter = factory.SubFactory(MeterFactory)
    period = factory.SubFactory(PeriodFactory)
    zone = "single"
    value = Decimal("123.456")
    taken_on = factory.LazyAttribute(lambda o: o.period.month.replace(day=22))
    source = "resident"


# --- money: benefits (resident money pages) ---
class BenefitCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.BenefitCategory"
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Категория льготы {n}")
    code = factory.Sequence(lambda n: f"benefit-{n}")
    percent = Decimal("50.00")


class BenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Benefit"

    account = factory.SubFactory(PersonalAccountFactory)
    category = factory.SubFactory(BenefitCategoryFactory)
    valid_from = dt.date(2024, 1, 1)
    valid_to = None
