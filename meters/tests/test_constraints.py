"""The database itself refuses impossible readings.

Writes bypass model validation (``objects.create``, ``QuerySet.update``,
raw SQL); only the database can refuse them.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from eirc.tests.factories import MeterFactory, PeriodFactory, ReadingFactory
from meters.models import Meter, Reading

pytestmark = pytest.mark.django_db


def refused():
    return pytest.raises((IntegrityError, DatabaseError))


def test_two_current_readings_for_one_meter_zone_and_period_are_refused():
    first = ReadingFactory()
    with refused(), transaction.atomic():
        ReadingFactory(meter=first.meter, zone=first.zone, period=first.period, value=Decimal("130.000"))
    assert Reading.objects.count() == 1


def test_a_replaced_reading_and_a_current_one_for_the_same_period_are_accepted():
    old = ReadingFactory(status=Reading.Status.REPLACED, replaced_at=timezone.now(), value=Decimal("120.000"))
    ReadingFactory(meter=old.meter, zone=old.zone, period=old.period, value=Decimal("121.000"))
    assert Reading.objects.filter(meter=old.meter, period=old.period).count() == 2


def test_a_replaced_reading_made_current_again_beside_the_current_one_is_refused():
    old = ReadingFactory(status=Reading.Status.REPLACED, replaced_at=timezone.now(), value=Decimal("120.000"))
    ReadingFactory(meter=old.meter, zone=old.zone, period=old.period, value=Decimal("121.000"))
    with refused(), transaction.atomic():
        Reading.objects.filter(pk=old.pk).update(status=Reading.Status.CURRENT, replaced_at=None)
    assert Reading.objects.get(pk=old.pk).status == Reading.Status.REPLACED


def test_current_readings_of_day_and_night_zones_are_accepted():
    meter = MeterFactory(zones="day,night")
    period = PeriodFactory()
    ReadingFactory(meter=meter, period=period, zone="day")
    ReadingFactory(meter=meter, period=period, zone="night")
    assert Reading.objects.filter(meter=meter, status="current").count() == 2


def test_current_readings_of_consecutive_periods_are_accepted():
    first = ReadingFactory()
    ReadingFactory(meter=first.meter, period=PeriodFactory(month=dt.date(2026, 4, 1)), value=Decimal("130.000"))
    assert Reading.objects.filter(meter=first.meter).count() == 2


def test_replaced_reading_without_a_replacement_time_is_refused():
    with refused(), transaction.atomic():
        ReadingFactory(status=Reading.Status.REPLACED, replaced_at=None)
    assert not Reading.objects.exists()


def test_negative_reading_is_refused():
    with refused(), transaction.atomic():
        ReadingFactory(value=Decimal("-0.001"))
    assert not Reading.objects.exists()


def test_two_meters_of_one_service_with_the_same_serial_are_refused():
    first = MeterFactory(serial="SN-42")
    with refused(), transaction.atomic():
        MeterFactory(service=first.service, serial="SN-42")
    assert Meter.objects.count() == 1


def test_meter_verification_due_before_installation_is_refused():
    with refused(), transaction.atomic():
        MeterFactory(installed_on=dt.date(2024, 5, 1), verification_due=dt.date(2024, 4, 1))
    assert not Meter.objects.exists()
