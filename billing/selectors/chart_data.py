"""The numbers behind the charts: charges by month stacked by service, and
what was overdue (or paid in advance) at the end of each month. Three queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from billing.charts import ChartTable, Series, month_label
from billing.models import Charge, Statement
from eirc import periods
from eirc.money import ZERO

CHART_MONTHS = 24


# --- charts --------------------------------------------------------------------------


@dataclass
class ChartData:
    months: list[dt.date]
    series: list[Series]
    balance_months: list[dt.date]
    balances: list[Decimal]

    def charges_table(self) -> ChartTable:
        table = ChartTable(
            caption="Начисления по месяцам, ₽", columns=[s.name for s in self.series] + ["Всего"], rows=[]
        )
        for i, m in enumerate(self.months):
            values = [s.values[i] for s in self.series]
            table.rows.append((month_label(m), [*values, sum(values, ZERO)]))
        return table

    def balance_table(self) -> ChartTable:
        table = ChartTable(
            caption="Просрочено на конец месяца, ₽ (минус — аванс)", columns=["Просрочено или аванс"], rows=[]
        )
        for m, v in zip(self.balance_months, self.balances, strict=True):
            table.rows.append((month_label(m), [v]))
        return table


STATEMENT_COLUMNS = ("closing", "charged", "benefits", "recalculations", "penalties", "refunds", "corrections")


def overdue_at_month_end(st: dict) -> Decimal:
    """What was overdue at the end of a statement's month, or minus the
    advance. The month's own bill (what the month added: charges after
    benefits and recalculations, penalties, refunds, corrections) falls due
    only next month, so it is not overdue yet: someone who pays every bill on
    time ends every month with nothing overdue, not with "a debt" of the bill."""
    closing = st["closing"]
    if closing <= 0:
        return closing
    added = st["charged"] - st["benefits"] + st["recalculations"] + st["penalties"] + st["refunds"] + st["corrections"]
    return max(closing - max(added, ZERO), ZERO)


def chart_data(*, account, months: int = CHART_MONTHS) -> ChartData:
    """The numbers of both charts for the last ``months`` months that have
    charges (ending at the latest charged period): charges by month stacked
    by service, and what was overdue (minus: the advance) at the end of each
    month (:func:`overdue_at_month_end`). Three queries."""
    latest = Charge.objects.filter(account=account).aggregate(m=Max("period__month"))["m"]
    end = latest or periods.current_period()
    start = periods.add_months(end, -(months - 1))
    month_list = [periods.add_months(start, i) for i in range(months)]
    index = {m: i for i, m in enumerate(month_list)}

    rows = (
        Charge.objects.filter(account=account, period__month__gte=start, period__month__lte=end)
        .values_list("period__month", "service_id", "service__name", "service__position", "total")
        .order_by("service__position", "service__name")
    )
    names: dict[int, tuple[int, str]] = {}
    values: dict[int, list[Decimal]] = {}
    for month, service_id, name, position, total in rows:
        names[service_id] = (position, name)
        values.setdefault(service_id, [ZERO] * months)[index[month]] += total
    order = sorted(names, key=lambda sid: names[sid])
    series = [Series(name=names[sid][1], values=values[sid]) for sid in order]

    statements = list(
        Statement.objects.filter(account=account, period__month__gte=start, period__month__lte=end)
        .order_by("period__month")
        .values("period__month", *STATEMENT_COLUMNS)
    )
    return ChartData(
        months=month_list,
        series=series,
        balance_months=[st["period__month"] for st in statements],
        balances=[overdue_at_month_end(st) for st in statements],
    )
