"""Loading one chunk of the billing run: the accounts, their services,
meters and readings (through :mod:`meters.selectors`), earlier estimates,
benefits, recalculations, and the ledger history that penalties and
statements need. Plain data out (:class:`ChunkData`); nothing is written."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from accounts.models import PersonalAccount
from billing.ledger import PRINCIPAL_KINDS, PRINCIPAL_RULE, add_principal
from billing.models import AccountService, Benefit, Charge, LedgerEntry, Recalculation, Service, Statement
from billing.penalties import Credit
from eirc import periods as P
from eirc.models import Period
from eirc.money import ZERO
from meters.selectors import meters_for_billing, readings_for_billing

K = LedgerEntry.Kind
B = Charge.Basis
HISTORY_MONTHS = 12  # readings window loaded per chunk


@dataclass
class ChunkData:
    accounts: list[dict]
    services: dict
    overrides: dict
    meters: dict  # (account, service) -> [meter dicts]
    readings: dict  # (meter, zone) -> {month: value}
    estimates: dict  # (account, service) -> {month: {zone: qty}}
    benefits: dict
    recalcs: dict
    principal: dict  # account -> {month: {statute rule: amount}} (billing.ledger.add_principal)
    credits: dict  # account -> [Credit]
    penalty_charged: dict  # (account, month) -> amount
    prior: dict  # account -> sum of entries before the period
    current_flows: dict  # account -> {kind: sum} of non-run entries in the period
    period_ids: dict  # month -> period id
    has_later: list


def load_chunk(ctx, ids: list[int], *, readings: dict | None = None) -> ChunkData:
    """Everything the run needs to bill the accounts ``ids`` for the period of
    ``ctx`` (the run's ``Context``: ``month``, ``start``, ``end``,
    ``period``, which may be unsaved in a dry run), read set-based: a fixed
    number of queries whatever the chunk holds. Meters and readings come
    through meters' selectors; ``readings`` ({(meter id, zone): value}) are
    taken as the period's current readings in place of the stored ones (the
    preview of readings being entered). The period's entries of earlier runs
    are left out (the run deletes them before loading; a dry run does not)."""
    month, start, end = ctx.month, ctx.start, ctx.end
    accounts = list(
        PersonalAccount.objects.filter(pk__in=ids).order_by("pk").values("id", "number", "area", "residents")
    )
    services = defaultdict(list)
    overrides = {}
    for aid, sid, override in (
        AccountService.objects.filter(account_id__in=ids, started_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .order_by("account_id", "service__position", "service_id")
        .values_list("account_id", "service_id", "quantity_override")
    ):
        services[aid].append(sid)
        if override is not None:
            overrides[(aid, sid)] = override
    meters = defaultdict(list)
    for m in meters_for_billing(account_ids=ids, start=start, end=end):
        meters[(m["account_id"], m["service_id"])].append(m)
    readings = defaultdict(
        dict,
        readings_for_billing(
            meter_ids=[m["id"] for ms in meters.values() for m in ms],
            month=month,
            history_months=HISTORY_MONTHS,
            override=readings,
        ),
    )
    estimates = defaultdict(dict)
    for aid, sid, pm, details in Charge.objects.filter(
        account_id__in=ids,
        period__month__lt=month,
        period__month__gte=P.add_months(month, -HISTORY_MONTHS),
        basis__in=[B.AVERAGE, B.NORM],
        service__method=Service.Method.METER,
    ).values_list("account_id", "service_id", "period__month", "details"):
        estimates[(aid, sid)][pm] = {
            z["zone"]: Decimal(z["quantity"]) for z in (details or {}).get("zones", []) if "quantity" in z
        }
    benefits = defaultdict(list)
    for aid, cat in (
        Benefit.objects.filter(account_id__in=ids, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .values_list("account_id", "category_id")
    ):
        benefits[aid].append(cat)
    recalcs = defaultdict(lambda: defaultdict(list))
    for aid, sid, amount, reason, fid, fm in (
        Recalculation.objects.filter(period_id=ctx.period.pk, account_id__in=ids)
        .order_by("pk")
        .values_list("account_id", "service_id", "amount", "reason", "for_period_id", "for_period__month")
    ):
        recalcs[aid][sid].append({"amount": amount, "reason": reason, "for_id": fid, "for": fm})
    principal = defaultdict(dict)
    prior = defaultdict(lambda: ZERO)
    penalty_charged = {}
    period_ids = dict(Period.objects.filter(month__lt=month).values_list("month", "pk"))
    # The principal per statute: the entry's service's penalty rule (one
    # LEFT JOIN to the few service rows; at most two groups a kind and month).
    for aid, pm, kind, fm, rule, s in (
        LedgerEntry.objects.filter(account_id__in=ids, period__month__lt=month)
        .values("account_id", "period__month", "kind", "for_period__month", PRINCIPAL_RULE)
        .annotate(s=Sum("amount"))
        .values_list("account_id", "period__month", "kind", "for_period__month", PRINCIPAL_RULE, "s")
    ):
        prior[aid] += s
        if kind in PRINCIPAL_KINDS:
            add_principal(principal[aid], pm, rule, s)
        elif kind == K.PENALTY and fm is not None:
            penalty_charged[(aid, fm)] = penalty_charged.get((aid, fm), ZERO) + s
    credits = defaultdict(list)
    current_flows = defaultdict(dict)
    for aid, day, amount, fm in LedgerEntry.objects.filter(
        account_id__in=ids, period__month__lte=month, kind__in=(K.PAYMENT, K.REFUND), occurred_on__lte=end
    ).values_list("account_id", "occurred_on", "amount", "for_period__month"):
        credits[aid].append(Credit(on=day, amount=-amount, for_period=fm))
    for aid, kind, s in (
        LedgerEntry.objects.filter(account_id__in=ids, period_id=ctx.period.pk, run__isnull=True)
        .values("account_id", "kind")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "kind", "s")
    ):
        current_flows[aid][kind] = s
    has_later = sorted(
        set(Statement.objects.filter(account_id__in=ids, period__month__gt=month).values_list("account_id", flat=True))
    )
    return ChunkData(
        accounts=accounts,
        services=services,
        overrides=overrides,
        meters=meters,
        readings=readings,
        estimates=estimates,
        benefits=benefits,
        recalcs=recalcs,
        principal=principal,
        credits=credits,
        penalty_charged=penalty_charged,
        prior=prior,
        current_flows=current_flows,
        period_ids=period_ids,
        has_later=has_later,
    )
