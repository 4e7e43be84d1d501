"""The small account of the what-if tests: 50 m², 2 residents, cold water by
meter at 45,12 ₽/м³ and upkeep by area at 30,00 ₽/м², both since 2020."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billing.models import AccountService, Service
from eirc.tests.factories import ServiceFactory, TariffFactory


def water_and_upkeep(resident, **water) -> tuple:
    """The resident's account set up as above; returns (account, water)."""
    account = resident.account_links.get().account
    account.area, account.residents = Decimal("50.00"), 2
    account.save()
    water_svc = ServiceFactory(
        **{"code": "cold_water", "name": "Холодная вода", "method": Service.Method.METER, "unit": "м³", **water}
    )
    TariffFactory(service=water_svc, rate=Decimal("45.1200"))
    upkeep = ServiceFactory(name="Содержание жилья", method=Service.Method.AREA, unit="м²")
    TariffFactory(service=upkeep, rate=Decimal("30.0000"))
    for svc in (water_svc, upkeep):
        AccountService.objects.create(account=account, service=svc, started_on=dt.date(2020, 1, 1))
    return account, water_svc
