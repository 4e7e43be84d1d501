"""The readings form's preview through HTTP: the «Рассчитать» button (no
JavaScript) and the JSON endpoint of the form's script; nothing is saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from billing.tests.whatif import water_and_upkeep
from eirc.tests.factories import MeterFactory, PeriodFactory, ReadingFactory
from meters.models import Reading, Submission
from meters.services import field_name
from meters.tests.conftest import at

pytestmark = pytest.mark.django_db
D = Decimal
NBSP = "\xa0"


@pytest.fixture
def meter(resident):
    account, water = water_and_upkeep(resident, norm=D("3.5"))
    meter = MeterFactory(account=account, service=water, serial="CW-1", digits=5, verification_due=dt.date(2030, 1, 1))
    for i, value in enumerate([100, 110, 120]):
        ReadingFactory(meter=meter, period=PeriodFactory(month=dt.date(2026, 1 + i, 1)), value=D(value))
    return meter


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_the_readings_form_has_the_calculate_button_and_the_live_preview(client, resident, meter):
    client.force_login(resident)
    page = client.get("/cabinet/readings/").content.decode()
    assert 'formaction="/cabinet/readings/calc/"' in page and "Рассчитать" in page
    assert 'data-preview-url="/cabinet/readings/calc.json"' in page and "js/readings-preview.js" in page


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_calculate_shows_the_charge_of_the_readings_and_saves_nothing(client, resident, meter):
    client.force_login(resident)
    response = client.post("/cabinet/readings/calc/", {field_name(meter.pk, "single"): "132,5", "calc": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Предварительный расчёт за апрель 2026" in page and "ничего не сохраняет" in page
    # 12,5 m³ × 45,12 = 564,00; upkeep 50 m² × 30 = 1 500,00
    assert f"12,5{NBSP}м³" in page or "12,5 м³" in page
    assert f"564,00{NBSP}₽" in page and f"2{NBSP}064,00{NBSP}₽" in page
    assert 'value="132,5"' in page  # the form keeps what was typed
    assert 'action="/cabinet/readings/"' in page  # «Передать показания» still posts to the readings
    assert not Reading.objects.filter(period__month=dt.date(2026, 4, 1)).exists()
    assert not Submission.objects.exists()


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_calculate_with_a_refused_value_shows_the_error_and_no_preview(client, resident, meter):
    client.force_login(resident)
    response = client.post("/cabinet/readings/calc/", {field_name(meter.pk, "single"): "90"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "меньше предыдущего" in page and "Предварительный расчёт" not in page


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_the_json_endpoint_answers_the_script(client, resident, meter):
    client.force_login(resident)
    response = client.post("/cabinet/readings/calc.json", {field_name(meter.pk, "single"): "130"})
    data = response.json()
    assert response["Cache-Control"] == "no-store"
    assert data["period"] == "2026-04" and data["total"] == "1951.20"
    assert [ln["total"] for ln in data["lines"] if ln["name"] == "Холодная вода"] == ["451.20"]
    assert "Предварительный расчёт" in data["html"]
    refused = client.post("/cabinet/readings/calc.json", {field_name(meter.pk, "single"): "abc"}).json()
    assert refused["errors"] and "total" not in refused and "Исправьте показания" in refused["html"]
    assert not Reading.objects.filter(period__month=dt.date(2026, 4, 1)).exists()


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_without_values_the_preview_is_the_month_by_estimate(client, resident, meter):
    client.force_login(resident)
    data = client.post("/cabinet/readings/calc.json", {}).json()
    # no April reading yet: the average of the history (10 m³) × 45,12
    assert [ln["total"] for ln in data["lines"] if ln["name"] == "Холодная вода"] == ["451.20"]


def test_the_preview_needs_login_and_another_residents_meter_is_refused(client, other_resident, meter):
    assert client.post("/cabinet/readings/calc.json", {}).status_code == 302
    client.force_login(other_resident)
    data = client.post("/cabinet/readings/calc.json", {field_name(meter.pk, "single"): "130"}).json()
    assert "Холодная вода" not in data["html"] and "Холодная вода" not in str(data.get("lines"))
