"""Reads for the payment pages, scoped to the resident's account."""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404

from billing.models import Charge, LedgerEntry
from payments.models import Payment

PAYMENTS_PER_PAGE = 20


def current_debt(*, account) -> Decimal:
    """What the account owes now: the sum of its ledger (negative = advance)."""
    total = LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def latest_charges_by_provider(*, account) -> list[dict]:
    """The last billed period's totals per provider (what the payment covers)."""
    last = Charge.objects.filter(account=account).order_by("-period__month").values_list("period", flat=True).first()
    if last is None:
        return []
    rows = (
        Charge.objects.filter(account=account, period=last)
        .values("service__provider__name")
        .annotate(total=Sum("total"))
        .order_by("service__provider__name")
    )
    return [{"provider": r["service__provider__name"], "total": r["total"]} for r in rows]


def payment_for_account(*, account, payment_id) -> Payment:
    try:
        return Payment.objects.select_related("account").get(pk=payment_id, account=account)
    except (Payment.DoesNotExist, ValueError):
        raise Http404 from None


def payment_for_user(*, user, payment_id) -> Payment:
    """A payment of any account the user holds; another resident's is a 404."""
    try:
        return Payment.objects.select_related("account").get(pk=payment_id, account__link__user=user)
    except (Payment.DoesNotExist, ValueError):
        raise Http404 from None


def payments_history(*, account, page=1, credits_page=1) -> dict:
    """Every payment attempt of the account (newest first, with its status
    and the ledger entry that credited it, if any) and the ledger's payment
    and refund entries. Paginated; four queries."""
    attempts = Paginator(
        Payment.objects.filter(account=account)
        .select_related("for_period", "ledger_entry", "ledger_entry__period")
        .order_by("-created_at"),
        PAYMENTS_PER_PAGE,
    ).get_page(page)
    credits = Paginator(
        LedgerEntry.objects.filter(account=account, kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND])
        .select_related("period", "for_period", "payment")
        .order_by("-occurred_on", "-id"),
        PAYMENTS_PER_PAGE,
    ).get_page(credits_page)
    return {"attempts": attempts, "credits": credits}
