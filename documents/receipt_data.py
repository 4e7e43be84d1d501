"""What a receipt (ЕПД) shows, gathered from the billing tables.

:func:`receipt_data` returns plain data (strings, Decimals, dates, lists and
dicts) that the PDF template and the print view render, and
:func:`data_hash` fingerprints it: the stored ``Receipt.statement_hash`` is
that fingerprint, so a receipt is re-rendered exactly when something it shows
changed (a recalculation, a late payment, a corrected reading). A fixed
number of queries (six) whatever the account's history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import OrderedDict
from decimal import Decimal

from django.conf import settings

from billing.models import Charge, Recalculation, Statement
from documents.qr import Payee, payment_payload
from eirc import periods as P
from eirc.models import Period
from eirc.money import ZERO, round_money, split_proportionally
from meters.models import Meter, Reading, Zone
from meters.window import window_days
from payments.quickpay import receipt_pay_url

ZONE_NAMES = dict(Zone.choices)


def _dec(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value))


def _service_line(charge: Charge) -> dict:
    details = charge.details or {}
    zones = details.get("zones") or []
    sub = []
    if len(zones) > 1:
        for z in zones:
            sub.append(
                {
                    "zone": str(ZONE_NAMES.get(z.get("zone"), z.get("zone"))),
                    "quantity": _dec(z.get("quantity")),
                    "rate": _dec(z.get("rate")),
                    "amount": _dec(z.get("amount")),
                }
            )
    return {
        "service": charge.service.name,
        "unit": charge.service.unit,
        "basis": details.get("basis_note") or charge.get_basis_display(),
        "quantity": charge.quantity,
        "rate": charge.rate,
        "amount": charge.amount,
        "benefit": charge.benefit,
        "recalculation": charge.recalculation,
        "total": charge.total,
        "zones": sub,
    }


def _meters(account, month: dt.date) -> list[dict]:
    """Active meters (and those removed during the period) with the reading
    of the period and the one before it, per zone; and the meters' services."""
    meters = list(
        Meter.objects.filter(account=account, installed_on__lt=P.next_period(month))
        .exclude(status=Meter.Status.REMOVED, removed_on__lt=month)
        .select_related("service")
        .order_by("service__position", "service__name", "serial")
    )
    if not meters:
        return [], []
    latest: dict[tuple[int, str], list] = {}
    for meter_id, zone, per, value in (
        Reading.objects.filter(meter__in=meters, status=Reading.Status.CURRENT, period__month__lte=month)
        .order_by("meter_id", "zone", "-period__month")
        .values_list("meter_id", "zone", "period__month", "value")
    ):
        rows = latest.setdefault((meter_id, zone), [])
        if len(rows) < 2:
            rows.append((per, value))
    out = []
    for m in meters:
        for zone in m.zone_list:
            rows = latest.get((m.pk, zone), [])
            curr = rows[0][1] if rows and rows[0][0] == month else None
            prev_rows = [r for r in rows if r[0] < month]
            prev = prev_rows[0][1] if prev_rows else None
            out.append(
                {
                    "service": m.service.name,
                    "unit": m.service.unit,
                    "serial": m.serial,
                    "zone": str(ZONE_NAMES.get(zone, zone)) if len(m.zone_list) > 1 else "",
                    "previous": prev,
                    "current": curr,
                    "consumption": (curr - prev) if curr is not None and prev is not None and curr >= prev else None,
                    "verification_due": m.verification_due,
                    "verification_expired": m.verification_due < P.next_period(month),
                }
            )
    return out, [m.service for m in meters]


def _readings_window(services) -> str:
    """When readings are taken, from the settings (and a service's own days
    where it has them): «с 20 по 25 число», or «с 20 по 25 число (Электроснабжение —
    с 15 по 25 число)»."""
    default = window_days(None)
    text = f"с {default[0]} по {default[1]} число"
    own = {}
    for service in services:
        days = window_days(service)
        if days != default:
            own.setdefault(service.name, days)
    if own:
        text += " (" + "; ".join(f"{name} — с {a} по {b} число" for name, (a, b) in own.items()) + ")"
    return text


def centre_payee() -> Payee:
    return Payee.from_settings(settings.EIRC_PAYEE)


_NO_PROVIDER_SHARE = "no-provider-share"


def _split_by_provider(groups: list[dict], payees: list, *, total_due, account, month, address) -> str:
    """Fill ``qr_amount`` / ``qr_payload`` of each provider group when every
    provider is paid by its own code. The codes together must carry the whole
    total due — debt or advance brought forward, payments and penalties
    included — so the total due is spread over the providers in proportion to
    their (positive) charges of the period (:func:`split_proportionally`,
    exact to the kopeck). A provider whose share is zero gets no code.

    Returns ``"split"``, ``"advance"`` (nothing to pay: no codes at all) or
    :data:`_NO_PROVIDER_SHARE` (something to pay but no provider charged
    anything positive: the caller falls back to the centre's single code)."""
    for group in groups:
        group["qr_amount"] = ZERO
    if total_due <= 0:
        return "advance"
    weights = [max(group["total"], ZERO) for group in groups]
    if not any(weights):
        for group in groups:
            del group["qr_amount"]
        return _NO_PROVIDER_SHARE
    for group, payee, amount in zip(groups, payees, split_proportionally(total_due, weights), strict=True):
        group["qr_amount"] = amount
        if amount > 0:
            group["qr_payload"] = payment_payload(
                payee=payee, amount=amount, account_number=account.number, period=month, payer_address=address
            )
    return "split"


def receipt_data(*, account, period: Period) -> dict:
    """Everything the ЕПД of ``account`` for ``period`` shows. Raises
    ``Statement.DoesNotExist`` when the period has no statement."""
    month = period.month
    st = Statement.objects.get(account=account, period=period)
    charges = list(
        Charge.objects.filter(account=account, period=period)
        .select_related("service", "service__provider")
        .order_by("service__provider__name", "service__provider_id", "service__position", "service__name")
    )
    recalcs = list(
        Recalculation.objects.filter(account=account, period=period)
        .select_related("service", "for_period")
        .order_by("service__position", "id")
    )
    per_provider = bool(settings.RECEIPT_QR_PER_PROVIDER)
    providers: OrderedDict[int, dict] = OrderedDict()
    for c in charges:
        p = c.service.provider
        group = providers.get(p.pk)
        if group is None:
            group = providers[p.pk] = {
                "name": p.name,
                "short_name": p.short_name,
                "inn": p.inn,
                "kpp": p.kpp,
                "bank_name": p.bank_name,
                "bik": p.bik,
                "account": p.settlement_account,
                "corr_account": p.corr_account,
                "phone": p.phone,
                "lines": [],
                "total": ZERO,
                "qr_payload": "",
                "_payee": Payee.from_provider(p),
            }
        group["lines"].append(_service_line(c))
        group["total"] += c.total
    closing = st.closing
    total_due = round_money(closing if closing > 0 else ZERO)
    address = account.address if not account.postcode else f"{account.postcode}, {account.address}"
    payees = [group.pop("_payee") for group in providers.values()]
    centre_qr = ""
    qr_split = ""
    if per_provider:
        qr_split = _split_by_provider(
            list(providers.values()), payees, total_due=total_due, account=account, month=month, address=address
        )
        if qr_split == _NO_PROVIDER_SHARE:
            per_provider = False  # nothing to weigh the total by: the centre's single code carries it
    if not per_provider:
        centre_qr = payment_payload(
            payee=centre_payee(), amount=total_due, account_number=account.number, period=month, payer_address=address
        )
    due = st.due_date or P.due_date(month)
    meters, meter_services = _meters(account, month)
    return {
        "account": {
            "number": account.number,
            "els": account.els,
            "ipd": account.gis_document_id,
            "owner": account.owner_name,
            "address": address,
            "area": account.area,
            "heated_area": account.heated_area,
            "residents": account.residents,
        },
        "period": {"month": month, "label": P.period_label(month), "title": P.period_title(month)},
        "due_date": due,
        "per_provider": per_provider,
        "providers": list(providers.values()),
        "recalculations": [
            {
                "service": r.service.name,
                "for_period": P.period_label(r.for_period.month) if r.for_period_id else "",
                "amount": r.amount,
                "reason": r.reason,
            }
            for r in recalcs
        ],
        "summary": {
            "opening": st.opening,
            "debt_brought": st.opening if st.opening > 0 else ZERO,
            "advance_brought": -st.opening if st.opening < 0 else ZERO,
            "charged": st.charged,
            "benefits": st.benefits,
            "recalculations": st.recalculations,
            "services_total": sum((c.total for c in charges), ZERO),
            "penalties": st.penalties,
            "paid": st.paid,
            "refunds": st.refunds,
            "corrections": st.corrections,
            "closing": closing,
            "advance": -closing if closing < 0 else ZERO,
            "total_due": total_due,
        },
        "meters": meters,
        "readings_window": _readings_window(meter_services),
        "centre": {
            "name": settings.EIRC["NAME"],
            "full_name": settings.EIRC["FULL_NAME"],
            "hotline": settings.EIRC["HOTLINE"],
            "email": settings.EIRC["EMAIL"],
            "address": settings.EIRC["ADDRESS"],
            "website": settings.EIRC["WEBSITE"],
            "site": settings.SITE_URL,
        },
        "centre_payee": centre_payee().__dict__ if not per_provider else None,
        # The «Оплатить онлайн» short link (quick pay, no login): only when something is due.
        "pay_url": receipt_pay_url(account_number=account.number, month=month) if total_due > 0 else "",
        "qr_payload": centre_qr,
        **({"qr_split": qr_split} if per_provider else {}),
    }


def data_hash(data: dict) -> str:
    """SHA-256 of the data in a canonical JSON form."""
    blob = json.dumps(data, default=str, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
