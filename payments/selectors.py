"""Reads for the payment pages, scoped to the resident's account."""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.selectors import accounts_for_user
from billing.models import Charge, LedgerEntry
from eirc.money import split_proportionally
from payments.models import Payment

PAYMENTS_PER_PAGE = 20


def current_debt(*, account) -> Decimal:
    """What the account owes now: the sum of its ledger (negative = advance)."""
    total = LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def latest_charges_by_provider(*, account) -> tuple:
    """(the last billed period, [{"provider", "total"}]): that period's
    charges per provider. Two queries."""
    last = (
        Charge.objects.filter(account=account).order_by("-period__month").values_list("period", "period__month").first()
    )
    if last is None:
        return None, []
    rows = (
        Charge.objects.filter(account=account, period=last[0])
        .values("service__provider__name")
        .annotate(total=Sum("total"))
        .order_by("service__provider__name")
    )
    return last[1], [{"provider": r["service__provider__name"], "total": r["total"]} for r in rows]


def amount_by_provider(*, account, amount: Decimal) -> dict | None:
    """``amount`` split between the providers in proportion to their charges
    of the last billed period (largest remainder: the parts add up to
    ``amount`` exactly). None when there is nothing to split or to weigh by."""
    month, rows = latest_charges_by_provider(account=account)
    rows = [r for r in rows if r["total"] > 0]
    if amount <= 0 or not rows:
        return None
    parts = split_proportionally(amount, [r["total"] for r in rows])
    return {
        "month": month,
        "amount": amount,
        "rows": [{"provider": r["provider"], "total": part} for r, part in zip(rows, parts, strict=True)],
    }


def payment_for_account(*, account, payment_id) -> Payment:
    try:
        return Payment.objects.select_related("account").get(pk=payment_id, account=account)
    except (Payment.DoesNotExist, ValueError):
        raise Http404 from None


def payment_for_user(*, user, payment_id) -> Payment:
    """A payment of any account the user holds; another resident's is a 404."""
    try:
        return Payment.objects.select_related("account").get(pk=payment_id, account__in=accounts_for_user(user=user))
    except (Payment.DoesNotExist, ValueError):
        raise Http404 from None


def payments_history(*, account, page=1, credits_page=1) -> dict:
    """Every payment attempt of the account (newest first, with its status
    and the ledger entry that credited it, if any) and the ledger's payment
    and refund entries. Paginated; four queries."""
    attempts = Paginator(
        Payment.objects.filter(account=account)
        .select_related("for_period", "ledger_entry", "ledger_entry__period")
        # The payment's own date: when it was paid (a bank registry's payment
        # is recorded days later), else when it was attempted.
        .annotate(day=Coalesce("paid_at", "created_at"))
        .order_by("-day", "-created_at"),
        PAYMENTS_PER_PAGE,
    ).get_page(page)
    credits = Paginator(
        LedgerEntry.objects.filter(account=account, kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND])
        .select_related("period", "for_period", "payment")
        .order_by("-occurred_on", "-id"),
        PAYMENTS_PER_PAGE,
    ).get_page(credits_page)
    return {"attempts": attempts, "credits": credits}
