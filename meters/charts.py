"""The monthly consumption chart of a meter: a pure function, data in, SVG
markup out, in the two sizes of :mod:`eirc.charts` (text at least 12 px on
any screen; the compact one shows the last 12 months). Round ticks in the
meter's unit, Russian month labels that never overlap, the average as a
dashed line named in the legend under the chart (never a label over the
bars). No scripts, no ``style`` attributes (CSP); ``role="img"`` with
``<title>``/``<desc>``; the page shows the same numbers as a table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import escape

from eirc.charts import (
    INK,
    Frame,
    both,
    f1,
    left_margin,
    month_title,
    nice_ticks,
    number,
    open_svg,
    scale,
    x_months,
    y_axis,
)

BAR = "#1b4f8a"
AVG = "#b42318"
COMPACT_MONTHS = 12


def consumption_svg(
    points: list[tuple[dt.date, Decimal | None]],
    average: Decimal,
    *,
    unit: str,
    title: str,
    chart_id: str = "consumption",
) -> str:
    """A bar per period (no bar where there is no data) and a dashed line at
    the average, the axis in ``unit``; both sizes. Returns SVG markup (every
    text escaped)."""
    desc = (
        f"Расход по месяцам за {len(points)} мес., {unit}; средний — {number(average)} {unit} в месяц. "
        "Те же числа — в таблице под графиком."
    )

    def render(frame: Frame) -> str:
        shown = points[-COMPACT_MONTHS:] if frame.name == "compact" else points
        font = frame.font
        height = 250 if frame.name == "wide" else 220
        values = [v for _p, v in shown if v is not None]
        ticks = nice_ticks(Decimal(0), max([*values, average, Decimal(0)]) or Decimal(1), ticks=4)
        left, right, top, bottom = left_margin(ticks, font, label=number), frame.width - 8.0, 10.0, height - font * 3.2
        y_of = scale(ticks, top, bottom)
        slot = (right - left) / max(len(shown), 1)
        bar_w = max(slot * 0.7, 1.0)
        out = open_svg(chart_id=chart_id, frame=frame, height=height, title=title, desc=desc, css="consumption-chart")
        y_axis(out, ticks=ticks, y_of=y_of, left=left, right=right, font=font, label=number)
        for i, (period, value) in enumerate(shown):
            if value is None:
                continue
            x = left + i * slot + (slot - bar_w) / 2
            y = y_of(value)
            out.append(
                f'<rect class="bar" x="{f1(x)}" y="{f1(y)}" width="{f1(bar_w)}" height="{f1(max(y_of(0) - y, 0))}" '
                f'fill="{BAR}"><title>{month_title(period)}: {escape(number(value))} {escape(unit)}</title></rect>'
            )
        ya = y_of(average)
        out.append(
            f'<line class="average" x1="{f1(left)}" y1="{f1(ya)}" x2="{f1(right)}" y2="{f1(ya)}" stroke="{AVG}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        x_months(
            out,
            months=[p for p, _v in shown],
            x_center=lambda i: left + (i + 0.5) * slot,
            baseline=bottom + font * 1.3,
            font=font,
            slot=slot,
        )
        out.append("</svg>")
        return "".join(out)

    return both(render)


def legend_html(*, average: Decimal, unit: str) -> str:
    """The legend under the chart: the bars and the dashed average, in words."""
    bar = (
        '<svg class="legend-swatch" width="16" height="14" viewBox="0 0 16 14" aria-hidden="true" focusable="false">'
        f'<rect x="0.5" y="0.5" width="15" height="13" fill="{BAR}" stroke="{INK}" stroke-width="1"/></svg>'
    )
    line = (
        '<svg class="legend-swatch" width="24" height="14" viewBox="0 0 24 14" aria-hidden="true" focusable="false">'
        f'<line x1="0" y1="7" x2="24" y2="7" stroke="{AVG}" stroke-width="2" stroke-dasharray="6 4"/></svg>'
    )
    return (
        '<ul class="chart-legend list-unstyled">'
        f'<li class="legend-item">{bar} Расход за месяц, {escape(unit)}</li>'
        f'<li class="legend-item">{line} Средний расход: {escape(number(average))} {escape(unit)} в месяц</li>'
        "</ul>"
    )
