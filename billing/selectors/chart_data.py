"""The numbers behind the charts: charges by month stacked by service, and
the closing balance per period. Three queries."""

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
        table = ChartTable(caption="Долг на конец месяца, ₽ (минус — аванс)", columns=["Сальдо"], rows=[])
        for m, v in zip(self.balance_months, self.balances, strict=True):
            table.rows.append((month_label(m), [v]))
        return table


def chart_data(*, account, months: int = CHART_MONTHS) -> ChartData:
    """The numbers of both charts for the last ``months`` months that have
    charges (ending at the latest charged period): charges by month stacked
    by service, and the closing balance per period. Three queries."""
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

    balances = list(
        Statement.objects.filter(account=account, period__month__gte=start, period__month__lte=end)
        .order_by("period__month")
        .values_list("period__month", "closing")
    )
    return ChartData(
        months=month_list,
        series=series,
        balance_months=[m for m, _ in balances],
        balances=[v for _, v in balances],
    )
