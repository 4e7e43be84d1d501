"""The account's benefits and its charges by period, with one charge
explained. A fixed number of queries whatever the length of the history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404

from billing.models import Benefit, Charge, LedgerEntry, Recalculation, Statement
from billing.selectors.explain import explain_charge, explain_penalty
from eirc import periods
from eirc.models import Period
from eirc.money import ZERO

PERIODS_PER_PAGE = 12


# --- benefits -------------------------------------------------------------------


def benefits_in_force(*, account, today: dt.date) -> list[Benefit]:
    """The account's benefits valid on ``today`` (two queries)."""
    return list(
        Benefit.objects.filter(account=account, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("category")
        .prefetch_related("category__services")
        .order_by("category__name")
    )


def benefits_for(*, account, today: dt.date | None = None) -> dict:
    """Every benefit of the account, those in force first (two queries)."""
    today = today or periods.today()
    rows = list(
        Benefit.objects.filter(account=account)
        .select_related("category")
        .prefetch_related("category__services")
        .order_by("-valid_from")
    )
    current, past, future = [], [], []
    for b in rows:
        if b.valid_from > today:
            future.append(b)
        elif b.valid_to is not None and b.valid_to < today:
            past.append(b)
        else:
            current.append(b)
    return {"current": current, "future": future, "past": past, "today": today}


# --- charges ----------------------------------------------------------------------


@dataclass
class PenaltyExplained:
    """A penalty line of the period and its explanation (``explain_penalty``)."""

    amount: Decimal
    description: str
    lines: list[str]


@dataclass
class PeriodCharges:
    period: Period
    charges: list
    statement: Statement | None
    penalties: list[PenaltyExplained] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.charges), ZERO)

    @property
    def amount(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def benefit(self) -> Decimal:
        return sum((c.benefit for c in self.charges), ZERO)

    @property
    def recalculation(self) -> Decimal:
        return sum((c.recalculation for c in self.charges), ZERO)


def charges_history(*, account, page=1):
    """The account's charges by period, newest first, 12 periods a page.

    Returns ``(page_obj, [PeriodCharges])``; an out-of-range page number
    gives the last page. Each period carries its penalty lines explained.
    Five queries (count, periods, charges, statements, penalty lines).
    """
    qs = Period.objects.filter(charges__account=account).distinct().order_by("-month")
    page_obj = Paginator(qs, PERIODS_PER_PAGE).get_page(page)
    period_list = list(page_obj.object_list)
    if not period_list:
        return page_obj, []
    ids = [p.pk for p in period_list]
    by_period: dict[int, list] = defaultdict(list)
    for c in (
        Charge.objects.filter(account=account, period_id__in=ids)
        .select_related("service")
        .order_by("service__position", "service__name")
    ):
        by_period[c.period_id].append(c)
    statements = {s.period_id: s for s in Statement.objects.filter(account=account, period_id__in=ids)}
    penalties: dict[int, list[PenaltyExplained]] = defaultdict(list)
    for period_id, amount, description, details in (
        LedgerEntry.objects.filter(account=account, period_id__in=ids, kind=LedgerEntry.Kind.PENALTY)
        .order_by("for_period__month", "id")
        .values_list("period_id", "amount", "description", "details")
    ):
        penalties[period_id].append(
            PenaltyExplained(
                amount=amount, description=description, lines=explain_penalty(amount=amount, details=details)
            )
        )
    return page_obj, [
        PeriodCharges(period=p, charges=by_period[p.pk], statement=statements.get(p.pk), penalties=penalties[p.pk])
        for p in period_list
    ]


@dataclass
class ChargeDetail:
    charge: Charge
    lines: list[str]
    recalculations: list


def charge_detail(*, account, charge_id) -> ChargeDetail:
    """One charge of the account with its explanation in plain Russian;
    Http404 for another account's (or a missing) charge. Two queries."""
    try:
        charge = Charge.objects.select_related("service", "service__provider", "period").get(
            pk=int(charge_id), account=account
        )
    except (Charge.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    recalcs = list(
        Recalculation.objects.filter(account=account, period_id=charge.period_id, service_id=charge.service_id)
        .select_related("for_period")
        .order_by("created_at")
    )
    return ChargeDetail(charge=charge, lines=explain_charge(charge, recalculations=recalcs), recalculations=recalcs)
