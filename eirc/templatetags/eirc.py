"""Template filters for the house formats: money "1 234,56 ₽", periods."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.core.signals import setting_changed
from django.template.loader_tags import BlockNode
from django.utils import translation
from django.utils.safestring import mark_safe

from eirc import money, periods
from eirc.html import clean_html as _clean_html

register = template.Library()


@register.filter
def clean_html(value):
    """Staff-written HTML, sanitised (``eirc.html.clean_html``) and safe to show."""
    return mark_safe(_clean_html(str(value or "")))  # noqa: S308 - sanitised just above


@register.filter
def rub(value):
    """Decimal → "1 234,56 ₽"."""
    if value in (None, ""):
        return ""
    return money.format_rub(Decimal(value))


@register.filter
def amount(value):
    """Decimal → "1 234,56"."""
    if value in (None, ""):
        return ""
    return money.format_amount(Decimal(value))


@register.filter
def period(value):
    """Period date → "март 2026"."""
    if isinstance(value, dt.date):
        return periods.period_title(value)
    month = getattr(value, "month", None)
    return periods.period_title(month) if isinstance(month, dt.date) else ""


@register.filter
def qty(value):
    """A volume or reading without trailing zeros, comma decimal: "12,5"."""
    if value in (None, ""):
        return ""
    d = Decimal(value).normalize()
    text = f"{d:f}"
    return text.replace(".", ",")


@register.filter
def rate(value, places=None):
    """A tariff (4 places) → "45,67" (trailing zeros trimmed to at least 2
    decimals) or, with ``|rate:4``, every place: "45,6700". Thousands are
    separated by a no-break space."""
    if value in (None, ""):
        return ""
    if places in (None, ""):
        d = Decimal(value).quantize(money.TARIFF_QUANT, rounding=ROUND_HALF_UP)
        whole, frac = f"{abs(d):.4f}".split(".")
        frac = frac.rstrip("0").ljust(2, "0")
    else:
        n = max(int(places), 0)
        d = Decimal(value).quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP)
        whole, _, frac = f"{abs(d):.{n}f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    sign = "-" if d < 0 else ""
    result = sign + money.NBSP.join(groups)
    return f"{result},{frac}" if frac else result


@register.filter
def tel(value):
    """A phone as written ("+7 (8692) 00-00-00") → a tel: target "+78692000000"."""
    text = str(value or "")
    digits = "".join(ch for ch in text if ch.isdigit())
    return f"+{digits}" if text.strip().startswith("+") else digits


@register.filter
def phone_list(value):
    """ "+7 (8692) 11-22-33, 55-66-77" → [("+7 (8692) 11-22-33", "+78692112233"), …]:
    each phone with its tel: target, for a list of links."""
    parts = [p.strip() for p in str(value or "").replace(";", ",").split(",")]
    return [(p, tel(p)) for p in parts if p]


# --- money: dates and Russian plurals for the resident's money pages ---
@register.filter
def ddmmyyyy(value):
    """A date → "15.04.2026" (the house date format); anything else → ""."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(periods.TZ).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return ""


@register.filter
def plural_ru(value, forms):
    """``3|plural_ru:"день,дня,дней"`` → "3 дня"."""
    try:
        n = abs(int(value))
    except (TypeError, ValueError):
        return ""
    one, few, many = forms.split(",")
    if n % 10 == 1 and n % 100 != 11:
        word = one
    elif n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        word = few
    else:
        word = many
    return f"{value} {word}"


# --- {% memo %}: layout parts rendered once per process -------------------------

MEMO_LIMIT = 512  # distinct renderings kept per process; beyond it, render each time
_memo: dict[tuple, str] = {}
# A test that overrides a setting (the centre's name, a URL) sees it at once.
setting_changed.connect(lambda **kwargs: _memo.clear(), weak=False, dispatch_uid="eirc_memo_clear")


class MemoNode(template.Node):
    # Its body is rendered once and reused, so it can hold no {% block %}:
    # hiding the body from get_nodes_by_type spares {% extends %} walking it
    # on every render to look for blocks.
    child_nodelists = ()

    def __init__(self, nodelist, name: str, variables: list):
        self.nodelist, self.name, self.variables = nodelist, name, variables

    def render(self, context):
        key = (self.name, translation.get_language(), *(str(v.resolve(context)) for v in self.variables))
        html = _memo.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(_memo) < MEMO_LIMIT:
                _memo[key] = html
        return html


@register.tag
def memo(parser, token):
    """``{% memo "name" var ... %}…{% endmemo %}``: the block rendered once
    per process for each language and value of the ``var``s, then reused.

    For the layout's parts that depend only on the code, the settings and the
    named variables (the footer, the menu for the current view name): their
    dozens of ``{% url %}``, ``{% static %}`` and ``{% translate %}`` cost
    once, not on every page. What a block shows must be a function of exactly
    those: nothing of the user, the request or the data (a deploy restarts
    the processes, so the code and settings cannot change under it)."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% memo %} needs a name")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("{% memo %} cannot hold a {% block %}: its body is rendered once")
    return MemoNode(nodelist, bits[1], [parser.compile_filter(b) for b in bits[2:]])
