"""The SVG charts: pure functions, one bar per month in two sizes, legible
text at any width, Russian month names, round ticks, no overlapping labels,
a text alternative, and no "debt" for a resident who pays on time."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from billing import charts
from billing.selectors import chart_data
from billing.selectors.chart_data import overdue_at_month_end
from billing.tests.money_history import build_history
from eirc import periods
from eirc.charts import FRAMES, MIN_TEXT_PX, text_width
from eirc.tests.factories import PersonalAccountFactory

MONTHS = [periods.add_months(dt.date(2024, 4, 1), i) for i in range(24)]


def _series(n=3):
    return [charts.Series(name=f"Услуга {k}", values=[Decimal(100 + k + i) for i in range(24)]) for k in range(n)]


def _sizes(svg: str) -> dict[str, str]:
    """The compact and the wide chart of one markup."""
    found = dict(re.findall(r'(<svg[^>]*class="eirc-chart eirc-chart--(\w+)[^"]*".*?</svg>)', svg, re.S))
    return {size: markup for markup, size in found.items()}


def test_every_chart_comes_in_a_compact_and_a_wide_size():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(9), title="Начисления", desc="Описание")
    sizes = _sizes(svg)
    assert set(sizes) == {"compact", "wide"}
    assert sizes["wide"].count('<g class="bar"') == 24
    assert sizes["compact"].count('<g class="bar"') == 12  # the last 12 months on a phone
    # Each bar holds one segment per service with a non-zero amount.
    first_bar = sizes["wide"].split('<g class="bar"')[1].split("</g>")[0]
    assert first_bar.count("<rect") == 9


def test_text_is_never_below_12_px_in_the_narrowest_box_each_size_is_shown_in():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(3), title="t", desc="d")
    svg += charts.balance_bars_svg(
        chart_id="b", months=MONTHS, values=[Decimal(i - 12) for i in range(24)], title="t", desc="d"
    )
    for frame in FRAMES:
        assert frame.smallest_text_px >= MIN_TEXT_PX
    for size, markup in _sizes(svg).items():
        frame = next(f for f in FRAMES if f.name == size)
        width = int(re.search(r'viewBox="0 0 (\d+) ', markup).group(1))
        assert width == frame.width
        for font in re.findall(r'font-size="([\d.]+)"', markup):
            assert float(font) * frame.narrowest_box / frame.width >= MIN_TEXT_PX, (size, font)


def test_months_are_russian_words_never_mm_yy_and_their_labels_never_overlap():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(2), title="t", desc="d")
    for size, markup in _sizes(svg).items():
        labels = re.findall(r'class="x-label" x="([\d.]+)"[^>]*font-size="(\d+)"[^>]*>([^<]+)<', markup)
        assert labels, size
        assert all(re.fullmatch(r"[а-я]{3}", text) for _x, _f, text in labels), labels
        assert not re.search(r">\d{2}\.\d{2}<", markup)
        xs = [float(x) for x, _f, _t in labels]
        widest = max(text_width(t, float(f)) for _x, f, t in labels)
        assert all(b - a >= widest for a, b in zip(xs, xs[1:], strict=False)), (size, xs)
        years = re.findall(r'class="x-year"[^>]*>(\d{4})<', markup)
        assert years and years[0] in {"2024", "2025"}


def test_ticks_are_round_numbers_of_roubles():
    values = [Decimal("89.13") * k for k in range(1, 5)]
    svg = charts.stacked_bars_svg(
        chart_id="c", months=MONTHS[:4], series=[charts.Series(name="x", values=values)], title="t", desc="d"
    )
    for markup in _sizes(svg).values():
        ticks = [
            Decimal(t.replace("\xa0₽", "").replace("\xa0", ""))
            for t in re.findall(r'class="y-tick"[^>]*>([^<]+)<', markup)
        ]
        assert ticks[0] == 0 and ticks[-1] >= Decimal("356.52")
        step = ticks[1] - ticks[0]
        mantissa = step / Decimal(10) ** step.adjusted()
        assert mantissa in {1, 2, Decimal("2.5"), 5}, ticks
        assert all(t % step == 0 for t in ticks)


def test_chart_carries_its_text_alternative():
    svg = charts.stacked_bars_svg(
        chart_id="ch", months=MONTHS, series=_series(), title="Заголовок", desc="Описание <и>"
    )
    for size in ("compact", "wide"):
        assert f'aria-labelledby="ch-{size}-title ch-{size}-desc"' in svg
        assert f'<title id="ch-{size}-title">Заголовок</title>' in svg
        assert f'<desc id="ch-{size}-desc">Описание &lt;и&gt;</desc>' in svg
    assert svg.count('role="img"') == 2


def test_chart_uses_no_script_no_style_attribute_and_no_external_font():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(12), title="t", desc="d")
    svg += charts.balance_bars_svg(
        chart_id="b", months=MONTHS, values=[Decimal(i - 12) for i in range(24)], title="t", desc="d"
    )
    svg += charts.legend_html(chart_id="c", names=[f"s{k}" for k in range(12)])
    assert "<script" not in svg
    assert "style=" not in svg
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "@font-face" not in svg


def test_series_have_plain_distinct_colours_and_a_pattern_only_when_colours_repeat():
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(8), title="t", desc="d")
    assert "<pattern" not in svg
    assert len({charts._fill("c", k) for k in range(8)}) == 8
    svg = charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=_series(10), title="t", desc="d")
    assert svg.count("<pattern") == 2 * 2  # series 9 and 10, in both sizes


def test_the_legend_is_text_with_the_whole_name_and_escaped():
    legend = charts.legend_html(
        chart_id="c", names=["<b>ГУП «Вода» & Ко</b>", "Содержание жилого помещения и общего имущества"]
    )
    assert legend.count('class="legend-item"') == 2
    assert "&lt;b&gt;ГУП «Вода» &amp; Ко" in legend and "<b>" not in legend
    assert "Содержание жилого помещения и общего имущества" in legend


def test_balance_chart_draws_advance_below_the_zero_line_in_another_fill():
    values = [Decimal("1500.00"), Decimal("-300.00"), Decimal("0.00")]
    svg = _sizes(charts.balance_bars_svg(chart_id="b", months=MONTHS[:3], values=values, title="t", desc="d"))["wide"]
    assert svg.count('<g class="bar') == 3
    assert svg.count('class="bar debt"') == 2
    assert svg.count('class="bar advance"') == 1
    debt = re.search(r'class="bar debt"[^>]*><rect[^>]*y="([\d.]+)"[^>]*height="([\d.]+)"[^>]*fill="([^"]+)"', svg)
    adv = re.search(r'class="bar advance"[^>]*><rect[^>]*y="([\d.]+)"[^>]*height="([\d.]+)"[^>]*fill="([^"]+)"', svg)
    zero = float(re.search(r'<line class="zero-line"[^>]*y1="([\d.]+)"', svg).group(1))
    assert abs(float(debt.group(1)) + float(debt.group(2)) - zero) < 0.2
    assert abs(float(adv.group(1)) - zero) < 0.2
    assert debt.group(3) != adv.group(3)
    assert "Аванс (переплата)" in charts.balance_legend_html()


def test_empty_chart_still_renders_with_its_axis():
    svg = _sizes(charts.stacked_bars_svg(chart_id="c", months=MONTHS, series=[], title="t", desc="d"))["wide"]
    assert svg.count('<g class="bar"') == 24
    assert 'class="y-tick"' in svg


def test_the_bill_of_the_month_itself_is_not_overdue_at_its_end():
    on_time = {"closing": Decimal("5491.19"), "charged": Decimal("5491.19"), "benefits": 0, "recalculations": 0}
    on_time |= {"penalties": 0, "refunds": 0, "corrections": 0}
    assert overdue_at_month_end(on_time) == 0
    late = {**on_time, "closing": Decimal("10491.19")}
    assert overdue_at_month_end(late) == Decimal("5000.00")
    assert overdue_at_month_end({**on_time, "closing": Decimal("-100.00")}) == Decimal("-100.00")


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
    # The table under the chart carries the same numbers as the bars, months in words.
    table = data.charges_table()
    assert len(table.rows) == 24
    label, values = table.rows[-1]
    assert label == "март 2026"
    assert values[-1] == sum(s.values[-1] for s in data.series)
