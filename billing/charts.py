"""Server-rendered SVG charts of the money pages: pure functions, data in,
markup out.

Each chart comes in the two sizes of :mod:`eirc.charts` (compact for
phones, wide from 768 px; the CSS shows one), so its text is at least 12 px
on any screen; the compact one shows the last 12 months. Months are labelled
in Russian ("янв", the year under January), ticks are round, labels never
overlap. The legend is HTML under the chart (:func:`legend_html`: real text
that wraps, never a truncated name). No JavaScript, no external fonts, no
``style`` attributes (the CSP forbids inline styles). Every chart carries its
text alternative: ``role="img"``, ``aria-labelledby`` pointing at its
``<title>`` and ``<desc>``; the page shows the same numbers as a table under
the chart (:class:`ChartTable`). Series have plain colours (Okabe–Ito,
distinguishable with colour blindness); a pattern only from the ninth series
on, where the colours repeat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from eirc.charts import (
    INK,
    Frame,
    both,
    f1,
    left_margin,
    month_genitive,
    month_title,
    nice_ticks,
    open_svg,
    scale,
    x_months,
    y_axis,
)
from eirc.money import format_rub

# Plain colours, each 3:1 or more against white; from the ninth series on
# the colours repeat with a hatching.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#7a5c00", "#56b4e9", "#1f2933", "#e69f00")
OVERDUE_FILL = "#b42318"
ADVANCE_FILL = "#1e6b35"
COMPACT_MONTHS = 12


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
    """ "март 2026": a month as words, never "03.26" (which reads like an amount)."""
    return month_title(month)


def _hatched(k: int) -> bool:
    return k >= len(COLOURS)


def _fill(chart_id: str, k: int) -> str:
    return f"url(#{chart_id}-p{k})" if _hatched(k) else COLOURS[k % len(COLOURS)]


def _pattern(pid: str, k: int) -> str:
    colour = COLOURS[k % len(COLOURS)]
    return (
        f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{colour}"/><path d="M0,6 L6,0" stroke="#ffffff" stroke-width="1.6"/>'
        "</pattern>"
    )


def _defs(chart_id: str, count: int) -> str:
    patterns = [_pattern(f"{chart_id}-p{k}", k) for k in range(count) if _hatched(k)]
    return "<defs>" + "".join(patterns) + "</defs>" if patterns else ""


def _swatch(pid: str, fill: str, k: int | None = None) -> str:
    defs = f"<defs>{_pattern(pid, k)}</defs>" if k is not None and _hatched(k) else ""
    return (
        f'<svg class="legend-swatch" width="16" height="14" viewBox="0 0 16 14" aria-hidden="true" focusable="false">'
        f'{defs}<rect x="0.5" y="0.5" width="15" height="13" fill="{fill}" stroke="{INK}" stroke-width="1"/></svg>'
    )


def legend_html(*, chart_id: str, names: list[str]) -> str:
    """The legend of a stacked chart as an HTML list: a swatch and the
    whole name of every series."""
    items = []
    for k, name in enumerate(names):
        pid = f"{chart_id}-lg{k}"
        fill = f"url(#{pid})" if _hatched(k) else COLOURS[k % len(COLOURS)]
        items.append(f'<li class="legend-item">{_swatch(pid, fill, k)} {escape(name)}</li>')
    return '<ul class="chart-legend list-unstyled">' + "".join(items) + "</ul>"


def balance_legend_html() -> str:
    return (
        '<ul class="chart-legend list-unstyled">'
        f'<li class="legend-item">{_swatch("", OVERDUE_FILL)} Просрочено на конец месяца</li>'
        f'<li class="legend-item">{_swatch("", ADVANCE_FILL)} Аванс (переплата) на конец месяца</li>'
        "</ul>"
    )


def _last(months: list, frame: Frame, *columns: list) -> tuple:
    """The compact chart shows the last 12 months."""
    if frame.name == "compact" and len(months) > COMPACT_MONTHS:
        return (months[-COMPACT_MONTHS:], *[c[-COMPACT_MONTHS:] for c in columns])
    return (months, *columns)


def stacked_bars_svg(*, chart_id: str, months: list[dt.date], series: list[Series], title: str, desc: str) -> str:
    """Bars per month stacked by series, a y-axis in ₽, month labels; both
    sizes. One ``<g class="bar">`` per month whatever its total; negative
    values (a month of net refunds) are drawn as zero."""

    def render(frame: Frame) -> str:
        shown, *values = _last(months, frame, *[s.values for s in series])
        font = frame.font
        height = 300 if frame.name == "wide" else 260
        totals = [sum((max(v[i], Decimal(0)) for v in values), Decimal(0)) for i in range(len(shown))]
        ticks = nice_ticks(Decimal(0), max(totals, default=Decimal(0)) or Decimal(1000))
        left, right, top, bottom = left_margin(ticks, font), frame.width - 8.0, 10.0, height - font * 3.2
        y_of = scale(ticks, top, bottom)
        slot = (right - left) / max(len(shown), 1)
        cid = f"{chart_id}-{frame.name}"
        out = open_svg(chart_id=chart_id, frame=frame, height=height, title=title, desc=desc)
        out.append(_defs(cid, len(series)))
        y_axis(out, ticks=ticks, y_of=y_of, left=left, right=right, font=font)
        bar_w = max(slot * 0.72, 1.0)
        for i, month in enumerate(shown):
            x = left + i * slot + (slot - bar_w) / 2
            out.append(f'<g class="bar" data-month="{month:%Y-%m}">')
            base = Decimal(0)
            for k, s in enumerate(series):
                v = max(values[k][i], Decimal(0))
                if v <= 0:
                    continue
                y1, y2 = y_of(base + v), y_of(base)
                out.append(
                    f'<rect x="{f1(x)}" y="{f1(y1)}" width="{f1(bar_w)}" height="{f1(max(y2 - y1, 0.5))}" '
                    f'fill="{_fill(cid, k)}" stroke="#ffffff" stroke-width="0.8">'
                    f"<title>{escape(s.name)}, {month_title(month)}: {escape(format_rub(v))}</title></rect>"
                )
                base += v
            out.append("</g>")
        x_months(
            out,
            months=shown,
            x_center=lambda i: left + (i + 0.5) * slot,
            baseline=bottom + font * 1.3,
            font=font,
            slot=slot,
        )
        out.append("</svg>")
        return "".join(out)

    return both(render)


def balance_bars_svg(*, chart_id: str, months: list[dt.date], values: list[Decimal], title: str, desc: str) -> str:
    """What was overdue (above the zero line, dark red) or paid in advance
    (below it, green) at the end of each month; both sizes. The month's own
    bill, not yet due at its end, is not a debt and is not drawn."""

    def render(frame: Frame) -> str:
        shown, shown_values = _last(months, frame, values)
        font = frame.font
        height = 260 if frame.name == "wide" else 230
        ticks = nice_ticks(min(shown_values, default=Decimal(0)), max(shown_values, default=Decimal(0)) or Decimal(0))
        if ticks[-1] == ticks[0]:  # pragma: no cover - nice_ticks never returns one tick
            ticks.append(ticks[0] + 1000)
        left, right, top, bottom = left_margin(ticks, font), frame.width - 8.0, 10.0, height - font * 3.2
        y_of = scale(ticks, top, bottom)
        slot = (right - left) / max(len(shown), 1)
        out = open_svg(chart_id=chart_id, frame=frame, height=height, title=title, desc=desc)
        y_axis(out, ticks=ticks, y_of=y_of, left=left, right=right, font=font)
        bar_w = max(slot * 0.72, 1.0)
        zero = y_of(Decimal(0))
        for i, (month, v) in enumerate(zip(shown, shown_values, strict=True)):
            x = left + i * slot + (slot - bar_w) / 2
            y = y_of(v)
            kind, fill, label = ("advance", ADVANCE_FILL, "аванс") if v < 0 else ("debt", OVERDUE_FILL, "просрочено")
            y1, h = (zero, y - zero) if v < 0 else (y, zero - y)
            out.append(
                f'<g class="bar {kind}" data-month="{month:%Y-%m}"><rect x="{f1(x)}" y="{f1(y1)}" '
                f'width="{f1(bar_w)}" height="{f1(max(h, 0.5) if v else 0)}" fill="{fill}">'
                f"<title>{month_title(month)}: {label} {escape(format_rub(abs(v)))}</title></rect></g>"
            )
        out.append(
            f'<line class="zero-line" x1="{f1(left)}" y1="{f1(zero)}" x2="{f1(right)}" y2="{f1(zero)}" '
            f'stroke="{INK}" stroke-width="1.5"/>'
        )
        x_months(
            out,
            months=shown,
            x_center=lambda i: left + (i + 0.5) * slot,
            baseline=bottom + font * 1.3,
            font=font,
            slot=slot,
        )
        out.append("</svg>")
        return "".join(out)

    return both(render)


def charges_desc(months: list[dt.date], series: list[Series]) -> str:
    """The charges chart in words (its ``<desc>``)."""
    if not series or not months:
        return "Начислений за этот срок нет."
    totals = [sum(s.values[i] for s in series) for i in range(len(months))]
    peak = max(range(len(totals)), key=lambda i: totals[i])
    return (
        f"Столбец на каждый месяц с {month_genitive(months[0])} по {month_title(months[-1])}, "
        f"разделённый по {len(series)} услугам. Больше всего начислено за "
        f"{month_title(months[peak])}: {format_rub(totals[peak])}. Точные суммы — в таблице под графиком."
    )


def balance_desc(months: list[dt.date], values: list[Decimal]) -> str:
    """The overdue/advance chart in words (its ``<desc>``)."""
    if not months:
        return "Данных пока нет."
    last = values[-1]
    state = (
        f"просрочено {format_rub(last)}" if last > 0 else f"аванс {format_rub(-last)}" if last < 0 else "просрочки нет"
    )
    late = sum(1 for v in values if v > 0)
    return (
        f"Просроченный долг и аванс на конец каждого месяца с {month_genitive(months[0])} по "
        f"{month_title(months[-1])}: выше нулевой линии — просрочено, ниже — аванс. Месяцев с просрочкой: {late}. "
        f"На конец {month_genitive(months[-1])} — {state}. Точные суммы — в таблице под графиком."
    )


__all__ = [
    "ChartTable",
    "Series",
    "balance_bars_svg",
    "balance_desc",
    "balance_legend_html",
    "charges_desc",
    "legend_html",
    "month_label",
    "stacked_bars_svg",
]
