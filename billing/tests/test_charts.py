"""The SVG charts: pure functions, one bar per month, a legend, a text
alternative, and readable in black and white."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from billing import charts
from billing.selectors import chart_data
from billing.tests.money_history import build_history
from eirc import periods
from eirc.tests.factories import PersonalAccountFactory

MONTHS = [periods.add_months(dt.date(2024, 4, 1), i) for i in range(24)]


def _series(n=3):
    return [charts.Series(name=f"Услуга {k}", values=[Decimal(100 + k + i) for i in range(24)]) for k in range(n)]


def test_stacked_chart_has_one_bar_per_month_and_a_legend_entry_per_service():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(9), title="Начисления", desc="Описание")
    assert svg.count('<g class="bar"') == 24
    assert svg.count('class="legend-item"') == 9
    for k in range(9):
        assert f">Услуга {k}</text>" in svg
    # Each bar holds one segment per service with a non-zero amount.
    first_bar = svg.split('<g class="bar"')[1].split("</g>")[0]
    assert first_bar.count("<rect") == 9


def test_stacked_chart_labels_months_as_mm_yy_and_ticks_in_roubles():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS[:12], series=_series(2), title="t", desc="d")
    labels = re.findall(r'class="x-label"[^>]*>([^<]+)<', svg)
    assert labels[0] == "04.24"
    assert labels[-1] == "03.25"
    ticks = re.findall(r'class="y-tick"[^>]*>([^<]+)<', svg)
    assert ticks[0] == "0\xa0₽"
    assert all(t.endswith("\xa0₽") for t in ticks)
    # The top tick covers the tallest bar (2 services of at most 112 ₽).
    top = Decimal(ticks[-1].replace("\xa0₽", "").replace("\xa0", ""))
    assert top >= Decimal(224)


def test_chart_carries_its_text_alternative():
    svg = charts.stacked_bars_svg(
        chart_id="ch", months=MONTHS, series=_series(), title="Заголовок", desc="Описание <и>"
    )
    assert 'role="img"' in svg
    assert 'aria-labelledby="ch-title ch-desc"' in svg
    assert '<title id="ch-title">Заголовок</title>' in svg
    assert '<desc id="ch-desc">Описание &lt;и&gt;</desc>' in svg


def test_chart_uses_no_script_no_style_attribute_and_no_external_font():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(12), title="t", desc="d")
    svg += charts.balance_bars_svg(
        chart_id="b", months=MONTHS, values=[Decimal(i - 12) for i in range(24)], title="t", desc="d"
    )
    assert "<script" not in svg
    assert "style=" not in svg
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "@font-face" not in svg


def test_series_are_told_apart_by_patterns_not_only_by_colour():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(6), title="t", desc="d")
    fills = {charts._fill("c", k) for k in range(6)}
    assert len(fills) == 6
    assert svg.count("<pattern") >= 3


def test_service_names_are_escaped():
    series = [charts.Series(name="<b>ГУП «Вода» & Ко</b>", values=[Decimal(1)] * 24)]
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=series, title="t", desc="d")
    assert "<b>" not in svg
    assert "&lt;b&gt;ГУП «Вода» &amp; Ко" in svg


def test_balance_chart_draws_advance_below_the_zero_line_in_another_fill():
    values = [Decimal("1500.00"), Decimal("-300.00"), Decimal("0.00")]
    svg = charts.balance_bars_svg(chart_id="b", months=MONTHS[:3], values=values, title="t", desc="d")
    assert svg.count('<g class="bar') == 3
    assert svg.count('class="bar debt"') == 2
    assert svg.count('class="bar advance"') == 1
    assert 'class="zero-line"' in svg
    debt = re.search(r'class="bar debt"[^>]*><rect[^>]*y="([\d.]+)"[^>]*height="([\d.]+)"[^>]*fill="([^"]+)"', svg)
    adv = re.search(r'class="bar advance"[^>]*><rect[^>]*y="([\d.]+)"[^>]*height="([\d.]+)"[^>]*fill="([^"]+)"', svg)
    zero = float(re.search(r'<line class="zero-line"[^>]*y1="([\d.]+)"', svg).group(1))
    # The debt bar ends on the zero line from above, the advance bar starts on it.
    assert abs(float(debt.group(1)) + float(debt.group(2)) - zero) < 0.2
    assert abs(float(adv.group(1)) - zero) < 0.2
    assert debt.group(3) != adv.group(3)
    assert "Аванс (переплата)" in svg


def test_empty_chart_still_renders_with_its_axis():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=[], title="t", desc="d")
    assert svg.count('<g class="bar"') == 24
    assert 'class="y-tick"' in svg


@pytest.mark.django_db
def test_chart_data_of_five_years_takes_at_most_three_queries(django_assert_max_num_queries):
    account = PersonalAccountFactory()
    build_history(account, months=60)
    with django_assert_max_num_queries(3):
        data = chart_data(account=account)
    assert len(data.months) == 24
    assert data.months[-1] == dt.date(2026, 3, 1)
    assert len(data.series) == 9
    assert len(data.balances) == 24
    # The table under the chart carries the same numbers as the bars.
    table = data.charges_table()
    assert len(table.rows) == 24
    label, values = table.rows[-1]
    assert label == "03.26"
    assert values[-1] == sum(s.values[-1] for s in data.series)
