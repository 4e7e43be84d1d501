"""The demo resident's saved card and autopay (demo/cards.py): shown on the
cards and autopay pages, seeded once, and chargeable by the sandbox when the
autopay task runs."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import Consent, PersonalAccount, User
from billing.models import LedgerEntry
from demo.cards import DEMO_CARD_METHOD_ID
from eirc import periods
from eirc.money import format_rub
from payments import autopay
from payments.models import Autopay, AutopayCharge, Payment, SavedCard

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", stdout=StringIO(), accounts=3, months=4)


def counts() -> dict[str, int]:
    return {
        "cards": SavedCard.objects.count(),
        "autopays": Autopay.objects.count(),
        "charges": AutopayCharge.objects.count(),
        "card consents": Consent.objects.filter(kind=Consent.Kind.SAVED_CARD).count(),
        "autopay consents": Consent.objects.filter(kind=Consent.Kind.AUTOPAY).count(),
        "autopay payments": Payment.objects.filter(method=Payment.Method.AUTOPAY).count(),
    }


def test_the_demo_resident_sees_the_card_and_the_autopay(client):
    seed()
    resident = User.objects.get(username="resident")
    card = SavedCard.objects.get(user=resident)
    assert card.provider == "sandbox" and card.gateway_method_id == DEMO_CARD_METHOD_ID
    client.force_login(resident)

    cards = client.get("/cabinet/cards/").content.decode()
    assert "Visa •••• 4242</strong>, до 12/30" in cards
    assert "Автоплатёж по счёту 1000000001" in cards

    page = client.get("/cabinet/autopay/").content.decode()
    assert "Включён" in page
    limit = Autopay.objects.get().limit
    assert f"Карта Visa •••• 4242, не больше {format_rub(limit)}" in page
    past = AutopayCharge.objects.get()
    assert past.status == "succeeded" and past.payment.method == "autopay" and past.payment.saved_card == card
    assert f"{past.charge_on:%d.%m.%Y}" in page and "оплачен" in page
    # The charge is of an older receipt than the latest: the next run may plan the latest.
    latest = PersonalAccount.objects.get(number="1000000001").statements.order_by("-period__month").first()
    assert past.period.month < latest.period.month


def test_seeding_twice_creates_nothing_twice():
    seed()
    first = counts()
    assert first == {
        "cards": 1,
        "autopays": 1,
        "charges": 1,
        "card consents": 1,
        "autopay consents": 1,
        "autopay payments": 1,
    }
    seed()
    assert counts() == first


def test_the_autopay_task_charges_the_demo_card_in_the_sandbox(settings):
    from payments import providers

    settings.PAYMENT_PROVIDER = "payments.providers.sandbox.SandboxProvider"
    providers._load.cache_clear()
    seed()
    account = PersonalAccount.objects.get(number="1000000001")

    def debt():
        return LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]

    owed = debt()
    day = periods.today() + dt.timedelta(days=40)
    assert autopay.autopay_run(today=day)["planned"] == 1
    charge = AutopayCharge.objects.exclude(status="succeeded").get()
    assert autopay.autopay_run(today=charge.charge_on)["charged"] == 1
    charge.refresh_from_db()
    assert charge.status == "succeeded"
    assert charge.payment.status == "succeeded" and charge.payment.saved_card.gateway_method_id == DEMO_CARD_METHOD_ID
    assert debt() == owed - charge.amount
    providers._load.cache_clear()
