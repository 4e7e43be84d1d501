import datetime as dt
from decimal import Decimal

import pytest

from billing.models import LedgerEntry
from billing.services import statement_refresh
from eirc.models import Period
from payments.tests.yookassa_stub import YooKassaStub

ALLOWED_IP = "185.71.76.5"


@pytest.fixture
def stub():
    server = YooKassaStub().start()
    yield server
    server.stop()


@pytest.fixture
def yookassa(settings, stub):
    """The real YooKassa provider, pointed at the local stub."""
    settings.PAYMENT_PROVIDER = "payments.providers.yookassa.YooKassaProvider"
    settings.YOOKASSA_SHOP_ID = stub.shop_id
    settings.YOOKASSA_SECRET_KEY = stub.secret
    settings.YOOKASSA_API_URL = stub.url
    settings.YOOKASSA_TIMEOUT = 1.5
    from payments import providers

    providers._load.cache_clear()
    yield stub
    providers._load.cache_clear()


@pytest.fixture
def sandbox(settings):
    from payments import providers

    settings.PAYMENT_PROVIDER = "payments.providers.sandbox.SandboxProvider"
    providers._load.cache_clear()
    yield
    providers._load.cache_clear()


@pytest.fixture
def debt(resident):
    """The resident's account owes 5 000,00 ₽ from February 2026."""
    account = resident.account_links.get().account
    period, _ = Period.objects.get_or_create(month=dt.date(2026, 2, 1))
    LedgerEntry.objects.create(
        account=account,
        period=period,
        kind=LedgerEntry.Kind.OPENING,
        amount=Decimal("5000.00"),
        occurred_on=dt.date(2026, 2, 28),
        description="входящее сальдо",
    )
    statement_refresh(account=account, period=period)
    return account


@pytest.fixture
def receipt(debt):
    """February 2026 closed: its receipt asks 5 000,00 ₽ by 10.03.2026. The
    resident's account is flat 7 of ул. Ленина, д. 12."""
    debt.street, debt.house, debt.flat = "ул. Ленина", "12", "7"
    debt.save(update_fields=["street", "house", "flat"])
    Period.objects.filter(month=dt.date(2026, 2, 1)).update(status=Period.Status.CLOSED)
    return debt


@pytest.fixture
def clear_throttle():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
