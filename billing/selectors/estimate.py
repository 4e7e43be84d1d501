"""Next month's estimate for the dashboard: the billing run's dry run
(:mod:`billing.dryrun`) of the month after the current one, with each
metered service's volume set to its average over the last 3 billed periods
(per tariff zone, from the posted charges, whatever their basis), so the
run's own rules price it: the tariffs in force in that month (a known future
tariff change included), the benefits, the area and per-resident services.
A metered service without history is left to the run's own fallback (the
norm). With less than 3 periods of history the estimate is a range: the
lowest and the highest month's volumes (one month: ±20 %).

Cached with the dashboard per account, day and data version; a tariff or an
account's service list written moves the version (billing migration 0013),
so a tariff change is never hidden by the cache.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from billing.dryrun import dry_run
from billing.models import Charge, Service, Tariff
from eirc import periods as P
from eirc.money import ZERO

HISTORY = 3
SHORT_SPREAD = Decimal("0.2")
Q3 = Decimal("0.001")


@dataclass
class TariffChange:
    service: str
    unit: str
    valid_from: dt.date
    rate: Decimal
    previous: Decimal | None


@dataclass
class Estimate:
    month: dt.date
    total: Decimal
    low: Decimal | None = None  # a range when history is short
    high: Decimal | None = None
    months_of_history: int = 0
    by_norm: list[str] = field(default_factory=list)  # services estimated by the norm
    changes: list[TariffChange] = field(default_factory=list)

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None and self.low != self.high

    @property
    def title(self) -> str:
        return P.period_title(self.month)


def _charges_total(result) -> Decimal:
    return sum((ln.total for ln in result.lines), ZERO)


def next_month_estimate(*, account, today: dt.date) -> Estimate | None:
    """The estimate of the month after ``today``'s, or None when the account
    receives no service then. Reads only."""
    month = P.next_period(P.month_start(today))
    history: dict[int, dict[dt.date, dict[str, Decimal]]] = defaultdict(dict)
    months = list(
        Charge.objects.filter(account=account, period__month__lt=month)
        .values_list("period__month", flat=True)
        .distinct()
        .order_by("-period__month")[:HISTORY]
    )
    for sid, pm, details, qty in Charge.objects.filter(
        account=account, period__month__in=months, service__method=Service.Method.METER
    ).values_list("service_id", "period__month", "details", "quantity"):
        zones = {z["zone"]: Decimal(z["quantity"]) for z in (details or {}).get("zones", []) if "quantity" in z}
        history[sid][pm] = zones or {"single": qty}
    average, low, high = {}, {}, {}
    for sid, by_month in history.items():
        zones = {z for q in by_month.values() for z in q}
        average[sid] = {z: (sum(q.get(z, ZERO) for q in by_month.values()) / len(by_month)).quantize(Q3) for z in zones}
        if len(by_month) == 1:
            low[sid] = {z: (v * (1 - SHORT_SPREAD)).quantize(Q3) for z, v in average[sid].items()}
            high[sid] = {z: (v * (1 + SHORT_SPREAD)).quantize(Q3) for z, v in average[sid].items()}
        else:
            low[sid] = {z: min(q.get(z, ZERO) for q in by_month.values()) for z in zones}
            high[sid] = {z: max(q.get(z, ZERO) for q in by_month.values()) for z in zones}
    result = dry_run(account=account, month=month, volumes=average)
    if not result.lines:
        return None
    est = Estimate(month=month, total=_charges_total(result), months_of_history=len(months))
    est.by_norm = [ln.service.name for ln in result.lines if ln.basis == Charge.Basis.NORM]
    if len(months) < HISTORY and history:
        est.low = _charges_total(dry_run(account=account, month=month, volumes=low))
        est.high = _charges_total(dry_run(account=account, month=month, volumes=high))
    est.changes = _tariff_changes(result, today=today, month=month)
    return est


def _tariff_changes(result, *, today: dt.date, month: dt.date) -> list[TariffChange]:
    """Tariffs of the account's services that take effect after today and by
    the estimated month's end: the change the estimate already includes."""
    services = {ln.service.pk: ln.service for ln in result.lines}
    end = P.add_months(month, 1) - dt.timedelta(days=1)
    out = []
    for t in Tariff.objects.filter(service_id__in=services, valid_from__gt=today, valid_from__lte=end).order_by(
        "valid_from", "service_id"
    ):
        before = (
            Tariff.objects.filter(service_id=t.service_id, zone=t.zone, valid_from__lt=t.valid_from)
            .order_by("-valid_from")
            .values_list("rate", flat=True)
            .first()
        )
        svc = services[t.service_id]
        out.append(TariffChange(service=svc.name, unit=svc.unit, valid_from=t.valid_from, rate=t.rate, previous=before))
    return out
