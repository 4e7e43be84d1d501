"""Resident pages: the form, the confirmation, the download, the history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from eirc.tests.factories import MeterFactory
from meters.charts import consumption_svg
from meters.models import Reading, Submission
from meters.selectors import meters_due_soon
from meters.services import field_name
from meters.tests.conftest import at

pytestmark = pytest.mark.django_db


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_form_shows_last_reading_verification_and_days_left(client, resident, meter, history):
    client.force_login(resident)
    page = client.get("/cabinet/readings/").content.decode()
    assert "Приём показаний с 20 по 25 число, осталось 4 дня." in page
    assert "Последнее принятое: 150 от 22.03.2026" in page
    assert "Поверка до 01.01.2030" in page
    assert 'href="/cabinet/readings/"' in page  # the nav item


@time_machine.travel(at(2026, 4, 26), tick=False)
def test_form_outside_the_window_says_where_the_reading_goes(client, resident, meter):
    client.force_login(resident)
    page = client.get("/cabinet/readings/").content.decode()
    assert "Сейчас приём закрыт" in page and "май 2026" in page


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_posting_readings_redirects_to_the_confirmation(client, resident, meter, history):
    client.force_login(resident)
    response = client.post("/cabinet/readings/", {field_name(meter.pk, "single"): "155,5"})
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cabinet/readings/confirmation/{submission.code}/"
    page = client.get(response["Location"]).content.decode()
    assert submission.code in page and "155,5" in page and "принято" in page
    download = client.get(f"/cabinet/readings/confirmation/{submission.code}/download/")
    assert download["Content-Disposition"].startswith("attachment")
    assert submission.code in download.content.decode("utf-8")


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_refusal_is_shown_next_to_the_field_and_nothing_is_saved(client, resident, meter, history):
    client.force_login(resident)
    response = client.post("/cabinet/readings/", {field_name(meter.pk, "single"): "140"})
    page = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_{field_name(meter.pk, "single")}-error"' in page
    assert "меньше предыдущего" in page
    assert not Reading.objects.filter(period__month=dt.date(2026, 4, 1)).exists()


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_expired_meter_has_no_input_and_says_what_to_do(client, resident, account):
    MeterFactory(account=account, verification_due=dt.date(2026, 3, 1))
    client.force_login(resident)
    page = client.get("/cabinet/readings/").content.decode()
    assert "Срок поверки истёк 01.03.2026" in page and " disabled" in page


def test_meters_due_within_60_days_are_flagged(account):
    soon = MeterFactory(account=account, verification_due=dt.date(2026, 6, 1))
    MeterFactory(account=account, verification_due=dt.date(2026, 8, 1))
    assert list(meters_due_soon(account=account, today=dt.date(2026, 4, 22))) == [soon]


def test_another_residents_confirmation_and_history_are_404(client, other_resident, resident, meter, history):
    from meters.services import reading_submit

    submission = reading_submit(
        account=meter.account, user=resident, values={(meter.pk, "single"): "151"}, now=at(2026, 4, 22)
    )
    client.force_login(other_resident)
    assert client.get(f"/cabinet/readings/confirmation/{submission.code}/").status_code == 404
    assert client.get(f"/cabinet/readings/confirmation/{submission.code}/download/").status_code == 404
    assert client.get(f"/cabinet/readings/meter/{meter.pk}/").status_code == 404


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_history_shows_chart_table_and_replaced_readings(client, resident, meter, history):
    from meters.services import reading_submit

    reading_submit(account=meter.account, user=resident, values={(meter.pk, "single"): "158"}, now=at(2026, 4, 21))
    reading_submit(account=meter.account, user=resident, values={(meter.pk, "single"): "157"}, now=at(2026, 4, 22))
    client.force_login(resident)
    page = client.get(f"/cabinet/readings/meter/{meter.pk}/").content.decode()
    assert 'role="img"' in page and "<title id=" in page
    assert "заменено" in page and "158" in page
    assert "Средний расход" in page


def test_chart_has_a_bar_per_month_with_data_and_an_average_line():
    from decimal import Decimal

    points = [(dt.date(2026, m, 1), Decimal(v) if v is not None else None) for m, v in [(1, 10), (2, None), (3, 20)]]
    svg = consumption_svg(points, Decimal(15), unit="м³", title="Расход <вода>")
    assert svg.count('<rect class="bar"') == 2 * 2  # in both sizes (the CSS shows one)
    assert svg.count('stroke-dasharray="6 4"') == 2
    assert "Расход &lt;вода&gt;" in svg and "style=" not in svg


def test_consumption_chart_has_round_ticks_russian_months_and_no_label_over_the_bars():
    import re
    from decimal import Decimal

    from meters.charts import legend_html

    values = [Decimal("312.457"), Decimal("356.000"), Decimal("89.125"), Decimal("267.000")]
    points = [(dt.date(2026, m + 1, 1), v) for m, v in enumerate(values)]
    average = sum(values) / len(values)
    svg = consumption_svg(points, average, unit="кВт·ч", title="Расход")
    ticks = [t.replace("\xa0", "") for t in re.findall(r'class="y-tick"[^>]*>([^<]+)<', svg)]
    assert ticks[:5] == ["0", "100", "200", "300", "400"]
    assert re.findall(r'class="x-label"[^>]*>([^<]+)<', svg)[0] == "янв"
    assert not re.search(r"<text[^>]*>[^<]*средний", svg)  # named in the legend, not written over the bars
    legend = legend_html(average=average, unit="кВт·ч")
    assert "Средний расход: 256 кВт·ч в месяц" in legend  # not 256,146
