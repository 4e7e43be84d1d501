"""Reads of the meters app, scoped to the requesting user: a foreign id is a
404 (``Http404``), never a 403."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.http import Http404

from accounts.selectors import accounts_for_user
from eirc.periods import add_months, month_start
from meters.models import Meter, Reading, Submission
from meters.validation import delta, zone_title
from meters.window import Window, window_for

DUE_SOON_DAYS = 60


def meters_for_account(*, account):
    """The account's meters in service, in display order."""
    return Meter.objects.filter(account=account, status=Meter.Status.ACTIVE).select_related("service")


def meter_for_user(*, user, meter_id) -> Meter:
    """One meter of one of the user's accounts (removed ones too), or 404."""
    try:
        return Meter.objects.select_related("service", "account").get(
            pk=meter_id, account__in=accounts_for_user(user=user)
        )
    except (Meter.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def meters_due_soon(*, account, today: dt.date, days: int = DUE_SOON_DAYS):
    """Meters in service whose verification is due within ``days`` days or
    has expired, soonest first (for the dashboard and the readings page)."""
    return (
        meters_for_account(account=account)
        .filter(verification_due__lte=today + dt.timedelta(days=days))
        .order_by("verification_due")
    )


def submission_for_user(*, user, code: str) -> Submission:
    try:
        return Submission.objects.select_related("account").get(code=code, account__in=accounts_for_user(user=user))
    except Submission.DoesNotExist:
        raise Http404 from None


def last_reading(meter: Meter, zone: str) -> Reading | None:
    """The latest current reading (any source) of a meter and zone."""
    return (
        Reading.objects.filter(meter=meter, zone=zone, status=Reading.Status.CURRENT)
        .select_related("period")
        .order_by("-period__month", "-created_at")
        .first()
    )


@dataclass
class ZoneRow:
    zone: str
    title: str
    field_name: str
    last: Reading | None


@dataclass
class MeterRow:
    meter: Meter
    window: Window
    expired: bool
    due_soon: bool
    zones: list[ZoneRow] = field(default_factory=list)


def meter_rows(*, account, today: dt.date) -> list[MeterRow]:
    """What the readings form shows: per meter its window, verification
    state and, per zone, the last accepted reading."""
    from meters.services import field_name

    rows = []
    for meter in meters_for_account(account=account):
        rows.append(
            MeterRow(
                meter=meter,
                window=window_for(meter.service, today=today),
                expired=meter.verification_due < today,
                due_soon=meter.verification_due <= today + dt.timedelta(days=DUE_SOON_DAYS),
                zones=[
                    ZoneRow(z, zone_title(z), field_name(meter.pk, z), last_reading(meter, z)) for z in meter.zone_list
                ],
            )
        )
    return rows


def meter_chain(meter: Meter) -> list[Meter]:
    """The meter and the meters it replaced, oldest first."""
    chain = [meter]
    seen = {meter.pk}
    while True:
        before = Meter.objects.filter(replaced_by=chain[0]).select_related("service").first()
        if before is None or before.pk in seen:
            return chain
        seen.add(before.pk)
        chain.insert(0, before)


def reading_history(*, meter: Meter):
    """Every reading of the meter and its predecessors, replaced ones
    included, newest first."""
    return (
        Reading.objects.filter(meter__in=meter_chain(meter))
        .select_related("period", "meter", "submission")
        .order_by("-period__month", "zone", "-created_at")
    )


def monthly_consumption(
    *, meter: Meter, today: dt.date, months: int = 24
) -> tuple[list[tuple[dt.date, Decimal]], Decimal]:
    """Consumption per period (all zones summed) over the ``months`` periods
    up to today's, following the chain of replaced meters so a replacement
    does not break the history; and the average over periods that have data.
    Consumption of a reading is its value minus the previous current reading
    of the same meter and zone (rollover-aware), booked to its period."""
    last = month_start(today)
    first = add_months(last, -(months - 1))
    totals: dict[dt.date, Decimal] = {}
    for m in meter_chain(meter):
        for zone in m.zone_list:
            rows = list(
                Reading.objects.filter(meter=m, zone=zone, status=Reading.Status.CURRENT)
                .filter(Q(period__month__lte=last))
                .select_related("period")
                .order_by("period__month")
            )
            for a, b in zip(rows, rows[1:], strict=False):
                step = delta(m, a.value, b.value)
                if step is None or b.period.month < first:
                    continue
                totals[b.period.month] = totals.get(b.period.month, Decimal(0)) + step[0]
    points = [(add_months(first, i), totals.get(add_months(first, i))) for i in range(months)]
    known = [v for _p, v in points if v is not None]
    average = (sum(known, Decimal(0)) / len(known)).quantize(Decimal("0.001")) if known else Decimal(0)
    return points, average


# --- for the billing run (system reads over a chunk of accounts, no user) ----------


def meters_for_billing(*, account_ids: list[int], start: dt.date, end: dt.date) -> list[dict]:
    """The meters of ``account_ids`` in service at some point of
    [``start``, ``end``], oldest installation first, as plain dicts (id,
    account_id, service_id, zones, zone_list, digits, verification_due,
    removed_on, serial). One query."""
    rows = list(
        Meter.objects.filter(account_id__in=account_ids, installed_on__lte=end)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gte=start))
        .order_by("installed_on", "pk")
        .values("id", "account_id", "service_id", "zones", "digits", "verification_due", "removed_on", "serial")
    )
    for m in rows:
        m["zone_list"] = [z.strip() for z in m["zones"].split(",") if z.strip()]
    return rows


def readings_for_billing(
    *, meter_ids: list[int], month: dt.date, history_months: int, override: dict | None = None
) -> dict:
    """Current readings of ``meter_ids`` from ``history_months`` before
    ``month`` up to ``month``: ``{(meter_id, zone): {period month: value}}``.
    ``override`` ({(meter_id, zone): value}) stands for ``month``'s current
    readings as if they were stored (a preview: nothing is written). A meter
    whose only reading in that window is ``month``'s also gets its latest
    earlier reading (its consumption needs a previous value). Two queries at
    most."""
    readings: dict = {}
    if not meter_ids:
        return readings
    window = add_months(month, -history_months)
    for mid, zone, pm, value in Reading.objects.filter(
        meter_id__in=meter_ids, status=Reading.Status.CURRENT, period__month__gte=window, period__month__lte=month
    ).values_list("meter_id", "zone", "period__month", "value"):
        readings.setdefault((mid, zone), {})[pm] = value
    wanted = set(meter_ids)
    for (mid, zone), value in (override or {}).items():
        if mid in wanted:
            readings.setdefault((mid, zone), {})[month] = Decimal(value)
    lonely = {mid for (mid, zone), vals in readings.items() if month in vals and len(vals) == 1}
    if lonely:
        seen = set()
        for mid, zone, pm, value in (
            Reading.objects.filter(meter_id__in=lonely, status=Reading.Status.CURRENT, period__month__lt=window)
            .order_by("meter_id", "zone", "-period__month")
            .values_list("meter_id", "zone", "period__month", "value")
        ):
            if (mid, zone) not in seen:
                seen.add((mid, zone))
                readings[(mid, zone)][pm] = value
    return readings


def readings_for_export(*, month: dt.date):
    """The current readings of a period for the exchange file out: rows of
    (provider id, account number, serial, service code, zone, value, taken on,
    source), in a stable order (account, service, serial, zone)."""
    return (
        Reading.objects.filter(period__month=month, status=Reading.Status.CURRENT)
        .order_by("meter__account__number", "meter__service__code", "meter__serial", "zone", "pk")
        .values_list(
            "meter__service__provider_id",
            "meter__account__number",
            "meter__serial",
            "meter__service__code",
            "zone",
            "value",
            "taken_on",
            "source",
        )
        .iterator(chunk_size=5000)
    )
