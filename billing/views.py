"""The resident's money pages: dashboard, charges, one charge explained,
benefits, charts. Thin: one selector each, then render."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from accounts.decorators import account_required
from billing import charts, selectors
from eirc import periods
from eirc.money import format_rub

CHARGES_TITLE = "Начисления по месяцам за последние 24 месяца"
BALANCE_TITLE = "Долг и аванс на конец каждого месяца"


@require_GET
@account_required
def dashboard(request):
    data = selectors.dashboard_for(account=request.account, today=periods.today())
    months = [m for m, _ in data.balances]
    values = [v for _, v in data.balances]
    chart = None
    if months:
        chart = {
            "svg": mark_safe(  # noqa: S308 - built by billing.charts, every text escaped there
                charts.balance_bars_svg(
                    chart_id="dash-balance",
                    months=months,
                    values=values,
                    title=BALANCE_TITLE,
                    desc=_balance_desc(months, values),
                    width=560,
                    height=240,
                )
            ),
            "table": selectors.ChartData(months=[], series=[], balance_months=months, balances=values).balance_table(),
        }
    return render(request, "billing/dashboard.html", {"d": data, "chart": chart})


@require_GET
@account_required
def charges(request):
    page_obj, items = selectors.charges_history(account=request.account, page=request.GET.get("page", 1))
    return render(request, "billing/charges.html", {"page_obj": page_obj, "items": items})


@require_GET
@account_required
def charge_detail(request, charge_id):
    detail = selectors.charge_detail(account=request.account, charge_id=charge_id)
    return render(request, "billing/charge_detail.html", {"detail": detail, "charge": detail.charge})


@require_GET
@account_required
def benefits(request):
    return render(request, "billing/benefits.html", selectors.benefits_for(account=request.account))


def _charges_desc(data: selectors.ChartData) -> str:
    totals = [sum(s.values[i] for s in data.series) for i in range(len(data.months))]
    if not data.series:
        return "Начислений за этот срок нет."
    peak = max(range(len(totals)), key=lambda i: totals[i])
    return (
        f"Столбец на каждый месяц с {charts.month_label(data.months[0])} по {charts.month_label(data.months[-1])}, "
        f"разделённый по {len(data.series)} услугам. Больше всего начислено за "
        f"{charts.month_label(data.months[peak])}: {format_rub(totals[peak])}. "
        "Точные суммы — в таблице под графиком."
    )


def _balance_desc(months, values) -> str:
    if not months:
        return "Данных о задолженности пока нет."
    last = values[-1]
    state = f"долг {format_rub(last)}" if last > 0 else f"аванс {format_rub(-last)}" if last < 0 else "без долга"
    return (
        f"Сальдо на конец каждого месяца с {charts.month_label(months[0])} по {charts.month_label(months[-1])}: "
        f"выше нулевой линии — долг, ниже — аванс. На конец {charts.month_label(months[-1])} — {state}. "
        "Точные суммы — в таблице под графиком."
    )


@require_GET
@account_required
def charts_page(request):
    data = selectors.chart_data(account=request.account)
    charges_chart = {
        "svg": mark_safe(  # noqa: S308 - built by billing.charts, every text escaped there
            charts.stacked_bars_svg(
                chart_id="chart-charges",
                months=data.months,
                series=data.series,
                title=CHARGES_TITLE,
                desc=_charges_desc(data),
            )
        ),
        "table": data.charges_table(),
    }
    balance_chart = {
        "svg": mark_safe(  # noqa: S308 - built by billing.charts, every text escaped there
            charts.balance_bars_svg(
                chart_id="chart-balance",
                months=data.balance_months,
                values=data.balances,
                title=BALANCE_TITLE,
                desc=_balance_desc(data.balance_months, data.balances),
            )
        ),
        "table": data.balance_table(),
    }
    return render(
        request, "billing/charts.html", {"charges_chart": charges_chart, "balance_chart": balance_chart, "data": data}
    )
