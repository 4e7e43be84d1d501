"""The monthly consumption chart of a meter: a pure function, data in, SVG
markup out. No scripts, no ``style`` attributes (CSP), presentation
attributes only; ``role="img"`` with ``<title>``/``<desc>`` named by
``aria-labelledby``; the page shows the same numbers as a table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 40
BAR = "#1b4f8a"
AVG = "#c0392b"
GRID = "#d0d0d0"
FONT = 'font-family="sans-serif"'


def _num(value: Decimal) -> str:
    text = f"{value.normalize():f}" if value else "0"
    return text.replace(".", ",")


def consumption_svg(
    points: list[tuple[dt.date, Decimal | None]],
    average: Decimal,
    *,
    unit: str,
    title: str,
    chart_id: str = "consumption",
) -> str:
    """A bar per period (no bar where there is no data), a dashed line at the
    average, the axis in ``unit``. Returns SVG markup (escaped text)."""
    values = [v for _p, v in points if v is not None]
    top = max([*values, average, Decimal(1)])
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    n = max(len(points), 1)
    step = plot_w / n
    bar_w = max(step * 0.7, 1)

    def y(value: Decimal) -> float:
        return TOP + plot_h - float(value / top) * plot_h

    desc = (
        f"Расход по месяцам за {len(points)} мес., {unit}; средний — {_num(average)} {unit} в месяц. "
        "Те же числа — в таблице под графиком."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="consumption-chart">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i in range(5):
        level = top * i / 4
        yy = y(level)
        out.append(f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{WIDTH - RIGHT}" y2="{yy:.1f}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="11" {FONT}>'
            f"{escape(_num(level.quantize(Decimal('0.1'))))}</text>"
        )
    for i, (period, value) in enumerate(points):
        x = LEFT + i * step + (step - bar_w) / 2
        if value is not None:
            yy = y(value)
            out.append(
                f'<rect x="{x:.1f}" y="{yy:.1f}" width="{bar_w:.1f}" height="{TOP + plot_h - yy:.1f}" fill="{BAR}">'
                f"<title>{period:%m.%Y}: {escape(_num(value))} {escape(unit)}</title></rect>"
            )
        if i % 3 == 0 or i == len(points) - 1:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11" '
                f"{FONT}>{period:%m.%y}</text>"
            )
    ya = y(average)
    out.append(
        f'<line x1="{LEFT}" y1="{ya:.1f}" x2="{WIDTH - RIGHT}" y2="{ya:.1f}" stroke="{AVG}" stroke-width="2" '
        'stroke-dasharray="6 4"/>'
    )
    out.append(
        f'<text x="{WIDTH - RIGHT}" y="{ya - 5:.1f}" text-anchor="end" font-size="12" fill="{AVG}" {FONT}>'
        f"средний: {escape(_num(average))} {escape(unit)}</text>"
    )
    out.append(f'<text x="4" y="{TOP + 4}" font-size="11" {FONT}>{escape(unit)}</text>')
    out.append("</svg>")
    return "".join(out)
