"""Reads for the documents app.

Reference information (offices, tariffs in force, articles) is public: it is
the same for every visitor, so these selectors take no user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.flatpages.models import FlatPage
from django.db.models import Prefetch, Q

from billing.models import Provider, Service, Tariff
from documents.models import Office
from eirc import periods
from meters.models import Zone

INFO_URL_PREFIX = "/info/"
_ZONE_ORDER = {zone: i for i, zone in enumerate(Zone.values)}


def offices_active():
    """Offices shown to the public, in the order staff set."""
    return Office.objects.filter(is_active=True).order_by("position", "name")


def tariffs_in_force(*, on: dt.date):
    """Tariffs in force on ``on``: started on or before it, not ended before it."""
    return Tariff.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)


@dataclass
class ServiceTariffs:
    service: Service
    tariffs: list[Tariff]


@dataclass
class ProviderTariffs:
    provider: Provider
    services: list[ServiceTariffs] = field(default_factory=list)


def tariff_table(*, on: dt.date | None = None) -> list[ProviderTariffs]:
    """Active services grouped by provider, each with the tariff in force on
    ``on`` (default: today in Europe/Simferopol) per zone.

    Two queries whatever the number of services: services with their provider,
    and the tariffs in force. Where two tariffs of one zone overlap, the one
    that started last wins. A service without a tariff in force is listed with
    an empty list of tariffs.
    """
    on = on or periods.today()
    services = (
        Service.objects.filter(is_active=True)
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "tariffs",
                queryset=tariffs_in_force(on=on).order_by("zone", "-valid_from"),
                to_attr="tariffs_in_force",
            )
        )
        .order_by("provider__name", "provider_id", "position", "name")
    )
    groups: list[ProviderTariffs] = []
    for service in services:
        latest: dict[str, Tariff] = {}
        for tariff in service.tariffs_in_force:
            latest.setdefault(tariff.zone, tariff)
        tariffs = sorted(latest.values(), key=lambda t: _ZONE_ORDER.get(t.zone, len(_ZONE_ORDER)))
        if not groups or groups[-1].provider.pk != service.provider_id:
            groups.append(ProviderTariffs(provider=service.provider))
        groups[-1].services.append(ServiceTariffs(service=service, tariffs=tariffs))
    return groups


def reference_articles():
    """Staff-edited articles and FAQ under /info/ that anyone may read, on
    this site, by title."""
    return (
        FlatPage.objects.filter(
            url__startswith=INFO_URL_PREFIX, registration_required=False, sites__id=settings.SITE_ID
        )
        .only("url", "title")
        .order_by("title")
    )


# --- receipts and certificates of the resident (scoped to the account) ------------


@dataclass
class ReceiptRow:
    month: dt.date
    period_id: int
    charged: object  # Decimal: the month's services after benefits and recalculations («Начислено»)
    penalties: object  # Decimal: penalties of the month («Пени»)
    amount: object  # Decimal: what the period added to the debt (charged + penalties + refunds + corrections)
    total_due: object  # Decimal: the closing balance (to pay), never negative
    remaining: object  # Decimal: what of ``amount`` is still unpaid (FIFO)
    due_date: dt.date | None
    receipt: object | None

    @property
    def status(self) -> str:
        if self.amount <= 0 or self.remaining <= 0:
            return "paid"
        return "unpaid" if self.remaining >= self.amount else "partly"

    @property
    def status_label(self) -> str:
        return {"paid": "оплачено", "partly": "оплачено частично", "unpaid": "не оплачено"}[self.status]


def receipts_for(*, account) -> list[ReceiptRow]:
    """Every closed period of the account that has a statement, newest first,
    with its amount, what remains unpaid of it (payments cover the oldest
    debt first) and the receipt if one exists. Three queries."""
    from billing.models import LedgerEntry, Statement
    from billing.selectors import split_debt
    from documents.models import Receipt

    statements = list(
        Statement.objects.filter(account=account, period__status="closed")
        .select_related("period")
        .order_by("period__month")
    )
    if not statements:
        return []
    debt = sum(LedgerEntry.objects.filter(account=account).values_list("amount", flat=True), start=0)
    increases = []
    if statements[0].opening > 0:
        increases.append((None, statements[0].opening, None))
    for st in statements:
        inc = st.charged - st.benefits + st.recalculations + st.penalties + st.refunds + st.corrections
        increases.append((st.period.month, inc, st.due_date))
    remaining = {p.period: p.amount for p in split_debt(debt=debt, increases=increases)}
    receipts = {r.period_id: r for r in Receipt.objects.filter(account=account)}
    rows = []
    for (month, inc, due), st in zip(increases[-len(statements) :], statements, strict=True):
        rows.append(
            ReceiptRow(
                month=month,
                period_id=st.period_id,
                charged=st.charged - st.benefits + st.recalculations,
                penalties=st.penalties,
                amount=inc,
                total_due=st.closing if st.closing > 0 else 0,
                remaining=remaining.get(month, 0),
                due_date=due,
                receipt=receipts.get(st.period_id),
            )
        )
    rows.reverse()
    return rows


def receipt_period_for(*, account, year: int, month: int):
    """The closed period ``year-month`` of the account's statements, or Http404."""
    from django.http import Http404

    from billing.models import Statement
    from eirc.models import Period

    try:
        period = Period.objects.get(month=dt.date(year, month, 1), status="closed")
    except (Period.DoesNotExist, ValueError, OverflowError):
        # A month that cannot exist («2147483648-1» is an OverflowError, not
        # a ValueError) is no receipt either.
        raise Http404 from None
    if not Statement.objects.filter(account=account, period=period).exists():
        raise Http404
    return period


def receipt_file_for(*, account, period):
    """The account's ready receipt of ``period`` (Http404 for any other)."""
    from django.shortcuts import get_object_or_404

    from documents.models import Receipt

    return get_object_or_404(Receipt, account=account, period=period, status="ready")


def _holders_requests(account):
    """Certificate requests made since the account was linked to its present
    login: a new holder never reads the previous holder's requests (their
    free text, their documents)."""
    from accounts.models import AccountLink
    from documents.models import CertificateRequest

    linked_at = AccountLink.objects.filter(account=account).values_list("linked_at", flat=True).first()
    qs = CertificateRequest.objects.filter(account=account)
    return qs.filter(created_at__gte=linked_at) if linked_at else qs.none()


def certificates_for(*, account):
    return _holders_requests(account).select_related("document").order_by("-created_at")


def certificate_for(*, account, request_id):
    """The account's ready certificate ``request_id`` (Http404 otherwise, a
    foreign id included)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(_holders_requests(account), pk=request_id, status="ready")


def document_by_code(code: str):
    from documents.models import IssuedDocument

    return IssuedDocument.objects.select_related("account").filter(code=code).first()


def paperless_users():
    """Logins that chose e-receipts, with their accounts (staff list)."""
    from accounts.models import User

    return (
        User.objects.filter(paperless_receipts=True, is_active=True)
        .prefetch_related("account_links__account")
        .order_by("last_name", "username")
    )
