"""The resident's money pages: dashboard, charges, one charge explained,
benefits, charts. Thin: one selector each, then render."""

from __future__ import annotations

from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from accounts.access import Capability, role_allows
from accounts.decorators import account_required
from billing import charts, selectors
from billing.selectors.estimate import next_month_estimate
from eirc import pagecache, periods

CHARGES_TITLE = "Начисления по месяцам"
BALANCE_TITLE = "Просроченный долг и аванс на конец каждого месяца"


def _chart(svg: str, table, legend: str) -> dict:
    return {
        "svg": mark_safe(svg),  # noqa: S308 - built by billing.charts, every text escaped there
        "legend": mark_safe(legend),  # noqa: S308 - built by billing.charts, every text escaped there
        "table": table,
    }


def _dashboard_body(account, today) -> str:
    data = selectors.dashboard_for(account=account, today=today)
    months = [m for m, _ in data.balances]
    values = [v for _, v in data.balances]
    chart = None
    if months:
        svg = charts.balance_bars_svg(
            chart_id="dash-balance",
            months=months,
            values=values,
            title=BALANCE_TITLE,
            desc=charts.balance_desc(months, values),
        )
        table = selectors.ChartData(months=[], series=[], balance_months=months, balances=values).balance_table()
        chart = _chart(svg, table, charts.balance_legend_html())
    return render_to_string(
        "billing/_dashboard_body.html",
        {"d": data, "chart": chart, "charge_url": _charge_url_prefix(), "pay_url": _pay_url_for(account)},
    )


def _pay_url_for(account) -> str | None:
    """The pay page, for a role that may pay; None hides the pay buttons
    (the body is cached per role: eirc/pagecache.page_key)."""
    return reverse("payments:pay") if role_allows(getattr(account, "role", None), Capability.PAY) else None


def _charge_url_prefix() -> str:
    """The charge pages' common prefix: one reverse() per page, not per row."""
    return reverse("billing:charge_detail", args=[0]).removesuffix("0/")


@require_GET
@account_required
def dashboard(request):
    """The dashboard; its body cached per account and day (eirc/pagecache.py)."""
    account, today = request.account, periods.today()
    parts = pagecache.cached_bodies(
        account=account,
        today=today,
        renders={
            "dashboard": lambda: _dashboard_body(account, today),
            "estimate": lambda: _estimate_body(account, today),
        },
    )
    return render(
        request,
        "billing/dashboard.html",
        {"account": account, "body": parts["dashboard"], "estimate": parts["estimate"]},
    )


def _estimate_body(account, today) -> str:
    return render_to_string("billing/_estimate.html", {"e": next_month_estimate(account=account, today=today)})


def _charges_body(account, page) -> str:
    page_obj, items = selectors.charges_history(account=account, page=page)
    return render_to_string(
        "billing/_charges_body.html", {"page_obj": page_obj, "items": items, "charge_url": _charge_url_prefix()}
    )


@require_GET
@account_required
def charges(request):
    """Charges by period; each page's body cached per account (eirc/pagecache.py)."""
    account, page = request.account, request.GET.get("page", "1")
    body = pagecache.cached_body(
        name="charges", account=account, params=(page,), render=lambda: _charges_body(account, page)
    )
    return render(request, "billing/charges.html", {"body": body})


@require_GET
@account_required
def charge_detail(request, charge_id):
    detail = selectors.charge_detail(account=request.account, charge_id=charge_id)
    return render(request, "billing/charge_detail.html", {"detail": detail, "charge": detail.charge})


@require_GET
@account_required
def benefits(request):
    return render(request, "billing/benefits.html", selectors.benefits_for(account=request.account))


@require_GET
@account_required
def charts_page(request):
    data = selectors.chart_data(account=request.account)
    charges_chart = _chart(
        charts.stacked_bars_svg(
            chart_id="chart-charges",
            months=data.months,
            series=data.series,
            title=CHARGES_TITLE,
            desc=charts.charges_desc(data.months, data.series),
        ),
        data.charges_table(),
        charts.legend_html(chart_id="chart-charges", names=[s.name for s in data.series]),
    )
    balance_chart = _chart(
        charts.balance_bars_svg(
            chart_id="chart-balance",
            months=data.balance_months,
            values=data.balances,
            title=BALANCE_TITLE,
            desc=charts.balance_desc(data.balance_months, data.balances),
        ),
        data.balance_table(),
        charts.balance_legend_html(),
    )
    return render(
        request, "billing/charts.html", {"charges_chart": charges_chart, "balance_chart": balance_chart, "data": data}
    )
