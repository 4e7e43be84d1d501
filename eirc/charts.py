"""What every server-rendered SVG chart of the site shares (billing's money
charts, meters' consumption chart): two sizes, Russian month labels that never
overlap, round ticks, text that stays at least 12 px on screen.

An SVG scales with its box, and its text with it: a 760-wide chart squeezed
onto a 336 px phone shows 11-unit text at 5 px. So each chart is drawn twice,
and the CSS (``static/css/site.css``, ``.eirc-chart--compact`` /
``--wide``) shows one:

* **compact** — 320 units wide, text 13 units, shown below 768 px and at most
  480 px wide: on the narrowest phone (320 px, a 296 px box) the text is
  13 × 296 / 320 = 12.0 px, on a 360 px phone 13.7 px;
* **wide** — 760 units wide, text 14 units, shown from 768 px and at most
  760 px wide: in the narrowest box (696 px) the text is 14 × 696 / 760 =
  12.8 px.

Pure functions, no database. No ``style`` attributes (the CSP forbids inline
styles): presentation attributes only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from html import escape

from eirc.money import NBSP, format_amount

MONTH_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
MONTH_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
FONT = 'font-family="sans-serif"'
INK = "#1f2933"
GRID = "#c8ced6"
MIN_TEXT_PX = 12


@dataclass(frozen=True)
class Frame:
    """One of the two sizes of a chart (see the module docstring)."""

    name: str
    width: int
    font: int
    narrowest_box: int  # px: the narrowest box the CSS shows this size in

    @property
    def smallest_text_px(self) -> float:
        return self.font * min(self.narrowest_box, self.width) / self.width


COMPACT = Frame("compact", 320, 13, 296)
WIDE = Frame("wide", 760, 14, 696)
FRAMES = (COMPACT, WIDE)


def month_title(month: dt.date) -> str:
    """ "март 2026" (the tables under the charts, tooltips)."""
    from eirc.periods import period_title

    return period_title(month)


def month_genitive(month: dt.date) -> str:
    """ "марта 2026" («с марта 2026», «на конец марта 2026»)."""
    return f"{MONTH_GENITIVE[month.month - 1]} {month.year}"


def text_width(text: str, font: float) -> float:
    """A generous estimate of the width of ``text`` in a sans-serif font."""
    return len(text) * font * 0.62


def nice_step(span: Decimal, ticks: int = 5) -> Decimal:
    """A round step (1, 2, 2.5 or 5 × 10^n) giving about ``ticks`` intervals."""
    if span <= 0:
        return Decimal(1)
    raw = span / ticks
    base = Decimal(10) ** raw.adjusted()
    for mult in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if raw <= mult * base:
            return mult * base
    return 10 * base  # pragma: no cover - the loop ends at 10 × base


def nice_ticks(low: Decimal, high: Decimal, ticks: int = 5) -> list[Decimal]:
    """Round tick values covering [low, high] (low ≤ 0 ≤ high), 0 included:
    0, 2 500, 5 000 … — never 89, 178, 267."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = Decimal(1)
    step = nice_step(high - low, ticks)
    top = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    bottom = -((-low / step).to_integral_value(rounding=ROUND_CEILING) * step)
    values, v = [], bottom
    while v <= top:
        values.append(v)
        v += step
    return values


def number(value: Decimal) -> str:
    """A tick or an average without noise: 12 500 → "12 500", 2.5 → "2,5",
    123.457 → "123" (at most three significant digits after the whole part
    matters: 0,25 stays 0,25)."""
    value = Decimal(value)
    if value == value.to_integral_value() or abs(value) >= 100:
        places = 0
    elif abs(value) >= 10:
        places = 1
    else:
        places = 2
    text = format_amount(value) if places == 2 else f"{value:,.{places}f}".replace(",", NBSP)
    whole, _, frac = text.replace(".", ",").partition(",")
    frac = frac.rstrip("0")
    return f"{whole},{frac}" if frac else whole


def rub_tick(value: Decimal) -> str:
    """A y-axis label in roubles without kopecks: "12 000 ₽"."""
    return f"{number(Decimal(value).quantize(Decimal(1)))}{NBSP}₽"


def label_every(slot: float, widest: float, gap: float = 8) -> int:
    """Label every n-th month (n from 1, 2, 3, 4, 6, 12) so that labels
    ``widest`` units wide on slots ``slot`` units apart never touch."""
    for n in (1, 2, 3, 4, 6, 12):
        if slot * n >= widest + gap:
            return n
    return 12


def f1(x: float) -> str:
    return f"{x:.1f}"


def open_svg(*, chart_id: str, frame: Frame, height: int, title: str, desc: str, css: str = "") -> list[str]:
    """The opening of one size of a chart: ``<svg role="img">`` named by its
    own ``<title>`` and ``<desc>``, on a white ground."""
    sid = f"{chart_id}-{frame.name}"
    classes = f"eirc-chart eirc-chart--{frame.name} {css}".strip()
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" id="{sid}" '
        f'viewBox="0 0 {frame.width} {height}" width="{frame.width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="{sid}-title {sid}-desc">',
        f'<title id="{sid}-title">{escape(title)}</title>',
        f'<desc id="{sid}-desc">{escape(desc)}</desc>',
        f'<rect width="{frame.width}" height="{height}" fill="#ffffff"/>',
    ]


def y_axis(out: list[str], *, ticks, y_of, left: float, right: float, font: int, label=rub_tick) -> None:
    """Grid lines at the ticks (the zero line darker) with their labels."""
    for t in ticks:
        y = y_of(t)
        zero = t == 0
        cls = ' class="zero-line"' if zero else ""
        out.append(
            f'<line{cls} x1="{f1(left)}" y1="{f1(y)}" x2="{f1(right)}" y2="{f1(y)}" '
            f'stroke="{INK if zero else GRID}" stroke-width="{1.5 if zero else 1}"/>'
        )
        out.append(
            f'<text class="y-tick" x="{f1(left - 6)}" y="{f1(y + font * 0.35)}" text-anchor="end" '
            f'font-size="{font}" {FONT} fill="{INK}">{escape(label(t))}</text>'
        )


def x_months(out: list[str], *, months: list[dt.date], x_center, baseline: float, font: int, slot: float) -> None:
    """Month labels under the bars ("янв", "фев" …), every n-th month so
    they never overlap, January and the first label carrying the year on a
    second line."""
    every = label_every(slot, max(text_width("ноя", font), text_width("2026", font) if slot < 40 else 0))
    first = True
    for i, month in enumerate(months):
        if (month.month - 1) % every:
            continue
        x = x_center(i)
        out.append(
            f'<text class="x-label" x="{f1(x)}" y="{f1(baseline)}" text-anchor="middle" font-size="{font}" '
            f'{FONT} fill="{INK}">{MONTH_SHORT[month.month - 1]}</text>'
        )
        if first or month.month == 1:
            out.append(
                f'<text class="x-year" x="{f1(x)}" y="{f1(baseline + font * 1.25)}" text-anchor="middle" '
                f'font-size="{font}" {FONT} fill="{INK}">{month.year}</text>'
            )
            first = False


def scale(ticks: list[Decimal], top: float, bottom: float):
    """Value → y in units (money stays Decimal until this last step)."""
    span = ticks[-1] - ticks[0]
    per = Decimal(str(bottom - top)) / span

    def y_of(v: Decimal) -> float:
        return bottom - float((Decimal(v) - ticks[0]) * per)

    return y_of


def both(render) -> str:
    """Both sizes of a chart: ``render(frame)`` for the compact, then the wide."""
    return "".join(render(frame) for frame in FRAMES)


def left_margin(ticks: list[Decimal], font: int, label=rub_tick) -> float:
    return math.ceil(max(text_width(label(t), font) for t in ticks)) + 12
