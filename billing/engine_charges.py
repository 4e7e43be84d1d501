"""Computing one service's charge for one account (the methods and their
fallbacks); see :mod:`billing.engine` for the rules. Pure over the chunk's
preloaded data: no queries here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from billing.models import Charge, Service
from eirc import periods as P
from eirc.money import READING_QUANT, ZERO, round_money
from meters.models import Zone

if TYPE_CHECKING:  # pragma: no cover
    from billing.engine import ChunkData, Context

B = Charge.Basis
ESTIMATE_PERIODS = 3
AVERAGE_MONTHS = 6
ONE = Decimal(1)


# --- computing one service's charge -----------------------------------------------


def compute_line(ctx, data, acc: dict, svc: Service, override) -> dict | None:
    """One line: basis, quantity, rate, amount, details (plain data). None
    when there is no tariff."""
    m = svc.method
    if m == Service.Method.METER:
        return _metered(ctx, data, acc, svc, override)
    if m == Service.Method.AREA:
        qty = override if override is not None else Decimal(acc["area"])
        return _simple(ctx, svc, B.AREA, qty, {"area": str(acc["area"]), "basis_note": "площадь × тариф"})
    if m == Service.Method.PER_RESIDENT:
        residents = acc["residents"]
        if override is not None:
            qty, note = override, "особый объём × тариф"
        elif svc.norm is not None:
            qty, note = (svc.norm * residents).quantize(READING_QUANT), "норматив × число проживающих × тариф"
        else:
            qty, note = Decimal(residents), "число проживающих × тариф"
        det = {"residents": residents, "basis_note": note}
        if svc.norm is not None:
            det["norm"] = str(svc.norm)
        return _simple(ctx, svc, B.PER_RESIDENT, qty, det)
    qty = override if override is not None else ONE
    return _simple(ctx, svc, B.FIXED, qty, {"basis_note": "фиксированная сумма"})


def _simple(ctx: Context, svc: Service, basis: str, qty: Decimal, details: dict) -> dict | None:
    zone = svc.zone_list[0] if svc.zone_list else Zone.SINGLE
    rate = ctx.tariff(svc.pk, zone)
    if rate is None:
        return None
    qty = Decimal(qty).quantize(READING_QUANT)
    amount = round_money(qty * rate)
    details |= {"zones": [{"zone": zone, "quantity": str(qty), "rate": str(rate), "amount": str(amount)}]}
    return {"basis": basis, "quantity": qty, "rate": rate, "amount": amount, "details": details}


def _metered(ctx: Context, data: ChunkData, acc: dict, svc: Service, override) -> dict | None:
    month = ctx.month
    aid = acc["id"]
    meters = data.meters.get((aid, svc.pk), [])
    active = [mt for mt in meters if mt["removed_on"] is None or mt["removed_on"] > ctx.end]
    residents = acc["residents"]
    if override is not None:
        # A dict is per zone (the dry run's estimate of a future month); a
        # number is the account's fixed volume, in the first zone.
        quantities = (
            override if isinstance(override, dict) else dict.fromkeys(svc.zone_list[:1] or [Zone.SINGLE], override)
        )
        return _priced(ctx, svc, B.METER, dict(quantities), {})
    if not active:
        return _norm(ctx, svc, residents, svc.no_meter_factor, "no_meter", "прибор учёта отсутствует")
    meter = active[-1]
    zones = meter["zone_list"] or svc.zone_list or [Zone.SINGLE]
    expiry = P.month_start(meter["verification_due"])
    expired = meter["verification_due"] < P.next_period(month)
    meter_info = {"serial": meter["serial"], "verification_due": meter["verification_due"].isoformat()}
    if not expired and all(month in data.readings.get((meter["id"], z), {}) for z in zones):
        return _by_readings(ctx, data, aid, svc, meters, zones, meter_info)
    # estimate: average for up to 3 periods, then the norm
    limit = expiry if expired else P.next_period(month)
    last = _last_reading_month(data, meter["id"], zones, before=limit)
    if expired:
        seq = P.months_between(expiry, month) + 1
        why, factor = "verification_expired", svc.no_meter_factor
        why_text = f"истёк срок поверки прибора учёта ({meter['verification_due']:%d.%m.%Y})"
    else:
        seq = P.months_between(last, month) if last else ESTIMATE_PERIODS + 1
        why, factor = "no_reading", ONE
        why_text = "показания не переданы"
    if last and seq <= ESTIMATE_PERIODS:
        avg = _average(data, meter, zones, last)
        if avg is not None:
            quantities, months = avg
            details = {
                "reason": why,
                "basis_note": f"{why_text}: по среднему потреблению за {months} мес.",
                "average_months": months,
                "estimate_seq": seq,
                "meter": meter_info,
            }
            return _priced(ctx, svc, B.AVERAGE, quantities, details)
    line = _norm(ctx, svc, residents, factor, why, why_text)
    if line is not None:
        line["details"]["meter"] = meter_info
        line["details"]["estimate_seq"] = seq
    return line


def _by_readings(ctx, data, aid, svc, meters, zones, meter_info) -> dict | None:
    month = ctx.month
    quantities = {}
    rows = []
    est = data.estimates.get((aid, svc.pk), {})
    for z in zones:
        total = ZERO
        prev_month = None
        for mt in meters:
            vals = data.readings.get((mt["id"], z), {})
            if month not in vals:
                continue
            curr = vals[month]
            earlier = [pm for pm in vals if pm < month]
            if not earlier:  # an install reading: the start of a new meter
                rows.append({"zone": z, "serial": mt["serial"], "prev": None, "curr": str(curr), "quantity": "0.000"})
                continue
            pm = max(earlier)
            prev_month = pm if prev_month is None else min(prev_month, pm)
            prev = vals[pm]
            q = curr - prev
            rollover = q < 0
            if rollover:
                q += Decimal(10) ** mt["digits"]
            total += q
            row = {"zone": z, "serial": mt["serial"], "prev": str(prev), "curr": str(curr), "quantity": str(q)}
            if rollover:
                row["rollover"] = True
            rows.append(row)
        offset = ZERO
        if prev_month is not None:
            offset = sum((q.get(z, ZERO) for pm, q in est.items() if prev_month < pm < month), ZERO)
        if offset:
            total = max(total - offset, ZERO)
        quantities[z] = total
        if offset:
            rows.append({"zone": z, "estimated_before": str(offset)})
    details = {"basis_note": "по показаниям прибора учёта", "readings": rows, "meter": meter_info}
    return _priced(ctx, svc, B.METER, quantities, details)


def _priced(ctx: Context, svc: Service, basis: str, quantities: dict, details: dict) -> dict | None:
    zone_rows = []
    amount = ZERO
    qty_total = ZERO
    rates = []
    for z, q in quantities.items():
        rate = ctx.tariff(svc.pk, z)
        if rate is None and z != Zone.SINGLE:
            rate = ctx.tariff(svc.pk, Zone.SINGLE)
        if rate is None:
            return None
        q = Decimal(q).quantize(READING_QUANT)
        a = round_money(q * rate)
        amount += a
        qty_total += q
        rates.append(rate)
        zone_rows.append({"zone": z, "quantity": str(q), "rate": str(rate), "amount": str(a)})
    # keep the per-meter reading rows (prev/curr) on the zone rows the page shows
    for row in details.get("readings", []):
        for zr in zone_rows:
            if zr["zone"] == row["zone"] and row.get("prev") is not None and "prev" not in zr:
                zr["prev"], zr["curr"] = row["prev"], row["curr"]
    details["zones"] = zone_rows
    rate = rates[0] if len(set(rates)) == 1 else None
    return {"basis": basis, "quantity": qty_total, "rate": rate, "amount": amount, "details": details}


def _norm(ctx: Context, svc: Service, residents: int, factor: Decimal, why: str, why_text: str) -> dict | None:
    if svc.norm is None:
        zone = svc.zone_list[0] if svc.zone_list else Zone.SINGLE
        if ctx.tariff(svc.pk, zone) is None:
            return None
        line = _priced(ctx, svc, B.NORM, {zone: ZERO}, {"reason": why})
        line["warning"] = f"у услуги «{svc.name}» не задан норматив, начислено 0 ({why_text})"
        return line
    qty = (svc.norm * residents * factor).quantize(READING_QUANT)
    zone = Zone.SINGLE if ctx.tariff(svc.pk, Zone.SINGLE) is not None else (svc.zone_list or [Zone.SINGLE])[0]
    note = f"{why_text}: норматив × число проживающих" + (f" × коэффициент {factor}" if factor != 1 else "")
    details = {"reason": why, "basis_note": note, "norm": str(svc.norm), "residents": residents, "factor": str(factor)}
    return _priced(ctx, svc, B.NORM, {zone: qty}, details)


def _last_reading_month(data: ChunkData, meter_id: int, zones, *, before: dt.date) -> dt.date | None:
    lasts = []
    for z in zones:
        months = [pm for pm in data.readings.get((meter_id, z), {}) if pm < before]
        if not months:
            return None
        lasts.append(max(months))
    return min(lasts)


def _average(data: ChunkData, meter: dict, zones, last: dt.date) -> tuple[dict, int] | None:
    """Monthly average per zone from the meter's readings up to ``last``:
    over at least 6 months where the history has them, else what there is."""
    quantities = {}
    months_used = None
    for z in zones:
        vals = data.readings.get((meter["id"], z), {})
        if last not in vals:
            return None
        earlier = sorted(pm for pm in vals if pm < last)
        if not earlier:
            return None
        cutoff = P.add_months(last, -AVERAGE_MONTHS)
        old_enough = [pm for pm in earlier if pm <= cutoff]
        first = max(old_enough) if old_enough else earlier[0]
        months = P.months_between(first, last)
        diff = vals[last] - vals[first]
        if diff < 0:
            diff += Decimal(10) ** meter["digits"]
        quantities[z] = (diff / months).quantize(READING_QUANT)
        months_used = months if months_used is None else min(months_used, months)
    return quantities, months_used
