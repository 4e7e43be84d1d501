"""«Почему изменилось»: the latest billed month of an account beside the month
before and the same month a year earlier, per service — quantity, tariff,
benefit, recalculation — and penalties, with the change split into causes
that add up to the change of the month's total, and the largest cause in one
sentence («Выросло потребление горячей воды на 3,2 м³»).

The split of one service's change (base month *b*, latest *c*), per tariff
zone of the charge's own details: quantity effect = Σ round((q_c − q_b) ×
rate_b); tariff effect = the rest of the change of the amount (so the two add
up exactly, rounding included); benefit effect = −(benefit_c − benefit_b);
recalculation effect = recalc_c − recalc_b; a service only in one month is
one cause («добавилась» / «нет начислений»). Penalties are one more cause.
Reads the posted charges and ledger only: nothing is recomputed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from billing.models import Charge, LedgerEntry
from billing.selectors.explain import fmt_number, fmt_rate
from eirc import periods as P
from eirc.money import ZERO, format_rub, round_money

K = LedgerEntry.Kind
# «Выросло потребление …» needs the genitive; services not named here read
# «Вырос объём по услуге «…»».
CONSUMPTION_GENITIVE = {
    "cold_water": "холодной воды",
    "hot_water": "горячей воды",
    "electricity": "электроэнергии",
    "gas": "газа",
    "heating": "тепла",
}


@dataclass
class Cause:
    kind: str  # quantity | tariff | benefit | recalculation | penalty | new | gone
    amount: Decimal  # its effect on the month's total
    sentence: str


@dataclass
class Side:
    """One month of one service (None fields: no charge that month)."""

    quantity: Decimal | None = None
    rate: Decimal | None = None
    benefit: Decimal | None = None
    recalculation: Decimal | None = None
    total: Decimal | None = None


@dataclass
class ServiceRow:
    name: str
    unit: str
    now: Side
    prev: Side
    year: Side


@dataclass
class Comparison:
    base: dt.date
    causes: list[Cause]
    change: Decimal

    @property
    def label(self) -> str:
        return P.period_label(self.base)

    @property
    def headline(self) -> str:
        if not self.causes:
            return "Сумма не изменилась."
        top = max(self.causes, key=lambda c: abs(c.amount))
        sign = "+" if top.amount > 0 else "−"
        return f"{top.sentence} ({sign}{format_rub(abs(top.amount))})."


@dataclass
class WhyChanged:
    month: dt.date
    rows: list[ServiceRow]
    penalties: dict[str, Decimal]
    totals: dict[str, Decimal | None]
    vs_prev: Comparison | None
    vs_year: Comparison | None
    months: dict[str, dt.date] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return P.period_label(self.month)


def _side(c: Charge | None) -> Side:
    if c is None:
        return Side()
    return Side(c.quantity, c.rate, c.benefit, c.recalculation, c.total)


def _zones(c: Charge) -> dict[str, tuple[Decimal, Decimal | None]]:
    out = {}
    for z in (c.details or {}).get("zones", []) or []:
        try:
            out[z["zone"]] = (Decimal(z["quantity"]), Decimal(z["rate"]) if z.get("rate") else None)
        except (KeyError, ArithmeticError, TypeError, ValueError):
            continue
    return out or {"single": (c.quantity, c.rate)}


def _service_causes(b: Charge | None, c: Charge | None) -> list[Cause]:
    svc = (c or b).service
    name = f"«{svc.name}»"
    if b is None:
        return [Cause("new", c.total, f"Добавилась услуга {name}")] if c.total else []
    if c is None:
        return [Cause("gone", -b.total, f"Нет начислений по услуге {name}")] if b.total else []
    causes = []
    zb, zc = _zones(b), _zones(c)
    qty_effect = ZERO
    for zone, (qc, rc) in zc.items():
        qb, rb = zb.get(zone, (ZERO, rc))
        rate = rb if rb is not None else rc
        if rate is not None:
            qty_effect += round_money((qc - qb) * rate)
    tariff_effect = (c.amount - b.amount) - qty_effect
    dq = c.quantity - b.quantity
    if qty_effect:
        what = CONSUMPTION_GENITIVE.get(svc.code)
        unit = f"{fmt_number(abs(dq))} {svc.unit}".strip()
        if what:
            text = f"{'Выросло' if dq > 0 else 'Снизилось'} потребление {what} на {unit}"
        else:
            text = f"{'Вырос' if dq > 0 else 'Уменьшился'} объём по услуге {name} на {unit}"
        causes.append(Cause("quantity", qty_effect, text))
    if tariff_effect:
        if b.rate is not None and c.rate is not None and b.rate != c.rate:
            text = (
                f"{'Вырос' if c.rate > b.rate else 'Снизился'} тариф на {name}: "
                f"{fmt_rate(b.rate)} → {fmt_rate(c.rate)} ₽ за {svc.unit}"
            )
        else:
            text = f"Изменились тарифы на {name}"
        causes.append(Cause("tariff", tariff_effect, text))
    if c.benefit != b.benefit:
        more = c.benefit > b.benefit
        text = f"Льгота по услуге {name} {'выросла' if more else 'уменьшилась'} на {format_rub(abs(c.benefit - b.benefit))}"
        causes.append(Cause("benefit", b.benefit - c.benefit, text))
    if c.recalculation != b.recalculation:
        text = f"Перерасчёт по услуге {name}: {format_rub(c.recalculation)} (был {format_rub(b.recalculation)})"
        causes.append(Cause("recalculation", c.recalculation - b.recalculation, text))
    return causes


def _compare(base: dt.date, charges: dict, penalties: dict, now: dt.date) -> Comparison | None:
    if base not in charges:
        return None
    causes = []
    b_rows, c_rows = charges[base], charges[now]
    for sid in dict.fromkeys([*c_rows, *b_rows]):
        causes.extend(_service_causes(b_rows.get(sid), c_rows.get(sid)))
    dp = penalties.get(now, ZERO) - penalties.get(base, ZERO)
    if dp:
        causes.append(Cause("penalty", dp, f"Пени {'выросли' if dp > 0 else 'уменьшились'} на {format_rub(abs(dp))}"))
    change = sum((c.amount for c in causes), ZERO)
    return Comparison(base=base, causes=sorted(causes, key=lambda c: -abs(c.amount)), change=change)


def why_changed(*, account) -> WhyChanged | None:
    """The comparison for ``account``'s latest billed month, or None when
    nothing is billed yet. Three queries."""
    latest = Charge.objects.filter(account=account).order_by("-period__month").values_list("period__month", flat=True)
    now = latest.first()
    if now is None:
        return None
    months = {"now": now, "prev": P.add_months(now, -1), "year": P.add_months(now, -12)}
    charges: dict[dt.date, dict[int, Charge]] = {m: {} for m in months.values()}
    for c in (
        Charge.objects.filter(account=account, period__month__in=list(months.values()))
        .select_related("service", "period")
        .order_by("service__position", "service_id")
    ):
        charges[c.period.month][c.service_id] = c
    penalties = dict(
        LedgerEntry.objects.filter(account=account, kind=K.PENALTY, period__month__in=list(months.values()))
        .values("period__month")
        .annotate(s=Sum("amount"))
        .values_list("period__month", "s")
    )
    rows = []
    for sid in dict.fromkeys([*charges[now], *charges[months["prev"]], *charges[months["year"]]]):
        any_charge = next(charges[m][sid] for m in months.values() if sid in charges[m])
        rows.append(
            ServiceRow(
                name=any_charge.service.name,
                unit=any_charge.service.unit,
                now=_side(charges[now].get(sid)),
                prev=_side(charges[months["prev"]].get(sid)),
                year=_side(charges[months["year"]].get(sid)),
            )
        )
    totals = {
        key: (sum((c.total for c in charges[m].values()), ZERO) + penalties.get(m, ZERO)) if charges[m] else None
        for key, m in months.items()
    }
    return WhyChanged(
        month=now,
        rows=rows,
        penalties={key: penalties.get(m, ZERO) for key, m in months.items()},
        totals=totals,
        vs_prev=_compare(months["prev"], charges, penalties, now),
        vs_year=_compare(months["year"], charges, penalties, now),
        months=months,
    )
