"""Server-rendered SVG charts: pure functions, data in, SVG markup out.

No JavaScript, no external fonts (the generic ``sans-serif`` family), no
``style`` attributes (the CSP forbids inline styles; SVG presentation
attributes are used instead), so the same markup works on the page, without
scripts and inside a PDF. Every chart carries its text alternative:
``role="img"``, ``aria-labelledby`` pointing at its ``<title>`` and
``<desc>``; the page shows the same numbers as a table under the chart
(:class:`ChartTable`). Series are told apart by distinct greys *and* patterns
so the chart stays readable when printed in black and white.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from html import escape

from eirc.money import NBSP, format_amount, format_rub

# Fill, pattern kind, pattern ink — distinct greys from dark to light, each
# with its own texture; the blues keep the centre's look on screen.
PALETTE: tuple[tuple[str, str, str], ...] = (
    ("#1b4f8a", "solid", ""),
    ("#9bb7d9", "diag", "#123a66"),
    ("#4d4d4d", "solid", ""),
    ("#d9d9d9", "dots", "#333333"),
    ("#6f8fb8", "cross", "#0b2545"),
    ("#bfbfbf", "hlines", "#262626"),
    ("#2e2e2e", "diag", "#f2f2f2"),
    ("#e8f0fa", "vlines", "#1b4f8a"),
    ("#8c8c8c", "dots", "#ffffff"),
    ("#f2f2f2", "cross", "#4d4d4d"),
    ("#536b85", "hlines", "#ffffff"),
    ("#a6a6a6", "diag", "#000000"),
)
DEBT_FILL = "#1b4f8a"
ADVANCE_FILL = "#dfeede"
ADVANCE_INK = "#1e6b35"
FONT = 'font-family="sans-serif"'


@dataclass(frozen=True)
class Series:
    name: str
    values: list[Decimal]


@dataclass
class ChartTable:
    """The numbers of a chart as a table (the ``<details>`` under it)."""

    caption: str
    columns: list[str]
    rows: list[tuple[str, list[Decimal]]] = field(default_factory=list)


def month_label(month: dt.date) -> str:
    """ "03.26"."""
    return f"{month.month:02d}.{month.year % 100:02d}"


def rub_tick(value: Decimal) -> str:
    """A y-axis label without kopecks: "12 000 ₽"."""
    whole = format_amount(value.quantize(Decimal(1))).split(",")[0]
    return f"{whole}{NBSP}₽"


def nice_step(span: Decimal, ticks: int = 5) -> Decimal:
    """A round step (1, 2, 2.5 or 5 × 10^n) giving about ``ticks`` intervals."""
    if span <= 0:
        return Decimal(1)
    raw = span / ticks
    exponent = raw.adjusted()
    base = Decimal(10) ** exponent
    for mult in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if raw <= mult * base:
            return mult * base
    return 10 * base  # pragma: no cover - the loop ends at 10 × base


def _ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    """Tick values covering [low, high] (low ≤ 0 ≤ high), 0 included."""
    step = nice_step(high - low)
    top = (high / step).to_integral_value(rounding=ROUND_CEILING) * step if high > 0 else Decimal(0)
    bottom = -((-low / step).to_integral_value(rounding=ROUND_CEILING) * step) if low < 0 else Decimal(0)
    if top == bottom:
        top = step
    values = []
    v = bottom
    while v <= top:
        values.append(v)
        v += step
    return values


def _f(x: float) -> str:
    return f"{x:.1f}"


def _defs(chart_id: str, count: int) -> str:
    parts = []
    for i in range(count):
        fill, kind, ink = PALETTE[i % len(PALETTE)]
        if kind == "solid":
            continue
        pid = f"{chart_id}-p{i}"
        if kind == "diag":
            mark = f'<path d="M0,6 L6,0" stroke="{ink}" stroke-width="1.2"/>'
        elif kind == "dots":
            mark = f'<circle cx="3" cy="3" r="1.1" fill="{ink}"/>'
        elif kind == "cross":
            mark = f'<path d="M0,6 L6,0 M0,0 L6,6" stroke="{ink}" stroke-width="0.8"/>'
        elif kind == "hlines":
            mark = f'<path d="M0,3 L6,3" stroke="{ink}" stroke-width="1"/>'
        else:  # vlines
            mark = f'<path d="M3,0 L3,6" stroke="{ink}" stroke-width="1"/>'
        parts.append(
            f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{fill}"/>{mark}</pattern>'
        )
    return "<defs>" + "".join(parts) + "</defs>" if parts else ""


def _fill(chart_id: str, i: int) -> str:
    fill, kind, _ink = PALETTE[i % len(PALETTE)]
    return fill if kind == "solid" else f"url(#{chart_id}-p{i})"


def _open_svg(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="eirc-chart" id="{chart_id}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _y_axis(out: list[str], ticks: list[Decimal], y_of, left: float, right: float) -> None:
    for t in ticks:
        y = y_of(t)
        colour = "#000000" if t == 0 else "#d0d0d0"
        width = "1.5" if t == 0 else "0.8"
        cls = ' class="zero-line"' if t == 0 else ""
        out.append(
            f'<line{cls} x1="{_f(left)}" y1="{_f(y)}" x2="{_f(right)}" y2="{_f(y)}" stroke="{colour}" '
            f'stroke-width="{width}"/>'
        )
        out.append(
            f'<text class="y-tick" x="{_f(left - 6)}" y="{_f(y + 4)}" text-anchor="end" font-size="11" {FONT} '
            f'fill="#222222">{escape(rub_tick(t))}</text>'
        )


def _x_labels(out: list[str], months: list[dt.date], x_of, slot: float, baseline: float) -> None:
    # Every label when there is room; every other (or third) when crowded.
    every = 1 if slot >= 34 else (2 if slot >= 17 else 3)
    for i, month in enumerate(months):
        if i % every:
            continue
        x = x_of(i) + slot / 2
        out.append(
            f'<text class="x-label" x="{_f(x)}" y="{_f(baseline)}" text-anchor="middle" font-size="11" {FONT} '
            f'fill="#222222">{month_label(month)}</text>'
        )


def _axes(ticks, months, left: float, right: float, top: float, bottom: float):
    """Value → y (pixels; money stays Decimal until this last step), month
    index → x of its slot, and the slot width."""
    scale = Decimal(str(bottom - top)) / (ticks[-1] - ticks[0])
    slot = (right - left) / max(len(months), 1)

    def y_of(v: Decimal) -> float:
        return bottom - float((v - ticks[0]) * scale)

    def x_of(i: int) -> float:
        return left + i * slot

    return y_of, x_of, slot


def stacked_bars_svg(
    *,
    chart_id: str,
    months: list[dt.date],
    series: list[Series],
    title: str,
    desc: str,
    width: int = 760,
    height: int = 340,
) -> str:
    """Bars per month stacked by series, a y-axis in ₽, month labels
    ("03.26") and a legend. One ``<g class="bar">`` per month, whatever its
    total; negative values (a month of net refunds) are drawn as zero."""
    legend_rows = (len(series) + 2) // 3 if series else 0
    legend_h = 18 * legend_rows + 8
    left, right, top = 76.0, width - 10.0, 12.0
    bottom = height - 28.0 - legend_h
    totals = [sum((max(s.values[i], Decimal(0)) for s in series), Decimal(0)) for i in range(len(months))]
    high = max(totals, default=Decimal(0))
    ticks = _ticks(Decimal(0), high if high > 0 else Decimal(1000))
    y_of, x_of, slot = _axes(ticks, months, left, right, top, bottom)

    out = _open_svg(chart_id, width, height, title, desc)
    out.append(_defs(chart_id, len(series)))
    _y_axis(out, ticks, y_of, left, right)
    bar_w = max(slot * 0.7, 1.0)
    for i, month in enumerate(months):
        x = x_of(i) + (slot - bar_w) / 2
        out.append(f'<g class="bar" data-month="{month_label(month)}">')
        base = Decimal(0)
        for k, s in enumerate(series):
            v = max(s.values[i], Decimal(0))
            if v <= 0:
                continue
            y1, y2 = y_of(base + v), y_of(base)
            out.append(
                f'<rect x="{_f(x)}" y="{_f(y1)}" width="{_f(bar_w)}" height="{_f(max(y2 - y1, 0.5))}" '
                f'fill="{_fill(chart_id, k)}" stroke="#ffffff" stroke-width="0.5">'
                f"<title>{escape(s.name)}, {month_label(month)}: {escape(format_rub(v))}</title></rect>"
            )
            base += v
        out.append("</g>")
    _x_labels(out, months, x_of, slot, bottom + 16)
    # Legend: three columns under the month labels.
    out.append('<g class="legend">')
    col_w = (width - 20) / 3
    for k, s in enumerate(series):
        lx = 10 + (k % 3) * col_w
        ly = bottom + 30 + (k // 3) * 18
        out.append(
            f'<g class="legend-item"><rect x="{_f(lx)}" y="{_f(ly)}" width="14" height="12" '
            f'fill="{_fill(chart_id, k)}" stroke="#000000" stroke-width="0.6"/>'
            f'<text x="{_f(lx + 20)}" y="{_f(ly + 10)}" font-size="12" {FONT} fill="#222222">'
            f"{escape(s.name[:38])}</text></g>"
        )
    out.append("</g></svg>")
    return "".join(out)


def balance_bars_svg(
    *,
    chart_id: str,
    months: list[dt.date],
    values: list[Decimal],
    title: str,
    desc: str,
    width: int = 760,
    height: int = 300,
) -> str:
    """The closing balance per period: debt above the zero line in the
    centre's blue, advance (negative) below it in light green with hatching,
    a legend naming both."""
    left, right, top = 76.0, width - 10.0, 12.0
    bottom = height - 52.0
    low = min(values + [Decimal(0)])
    high = max(values + [Decimal(0)])
    if low == high == 0:
        high = Decimal(1000)
    ticks = _ticks(low, high)
    y_of, x_of, slot = _axes(ticks, months, left, right, top, bottom)

    out = _open_svg(chart_id, width, height, title, desc)
    out.append(
        f'<defs><pattern id="{chart_id}-adv" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{ADVANCE_FILL}"/>'
        f'<path d="M0,6 L6,0" stroke="{ADVANCE_INK}" stroke-width="1.2"/></pattern></defs>'
    )
    _y_axis(out, ticks, y_of, left, right)
    bar_w = max(slot * 0.7, 1.0)
    zero = y_of(Decimal(0))
    for i, (month, v) in enumerate(zip(months, values, strict=True)):
        x = x_of(i) + (slot - bar_w) / 2
        y = y_of(v)
        kind = "advance" if v < 0 else "debt"
        fill = f"url(#{chart_id}-adv)" if v < 0 else DEBT_FILL
        stroke = ADVANCE_INK if v < 0 else DEBT_FILL
        y1, h = (zero, y - zero) if v < 0 else (y, zero - y)
        label = "аванс" if v < 0 else "долг"
        out.append(
            f'<g class="bar {kind}" data-month="{month_label(month)}"><rect x="{_f(x)}" y="{_f(y1)}" '
            f'width="{_f(bar_w)}" height="{_f(max(h, 0.5))}" fill="{fill}" stroke="{stroke}" stroke-width="0.8">'
            f"<title>{month_label(month)}: {label} {escape(format_rub(abs(v)))}</title></rect></g>"
        )
    # The zero line again, over the bars.
    out.append(
        f'<line class="zero-line" x1="{_f(left)}" y1="{_f(zero)}" x2="{_f(right)}" y2="{_f(zero)}" '
        f'stroke="#000000" stroke-width="1.5"/>'
    )
    _x_labels(out, months, x_of, slot, bottom + 16)
    ly = bottom + 30
    out.append(
        f'<g class="legend"><g class="legend-item"><rect x="10" y="{_f(ly)}" width="14" height="12" '
        f'fill="{DEBT_FILL}" stroke="#000000" stroke-width="0.6"/><text x="30" y="{_f(ly + 10)}" font-size="12" '
        f'{FONT} fill="#222222">Долг на конец месяца</text></g>'
        f'<g class="legend-item"><rect x="250" y="{_f(ly)}" width="14" height="12" fill="url(#{chart_id}-adv)" '
        f'stroke="#000000" stroke-width="0.6"/><text x="270" y="{_f(ly + 10)}" font-size="12" {FONT} '
        f'fill="#222222">Аванс (переплата)</text></g></g>'
    )
    out.append("</svg>")
    return "".join(out)
