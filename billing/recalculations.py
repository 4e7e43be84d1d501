"""Posting a recalculation (перерасчёт) from another part of the portal (a
resident's request closed by an operator): the same row staff enter in the
admin, applied by the next billing run of its period as its own line and
ledger entry."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from billing.models import Recalculation, Service
from eirc import periods as P
from eirc.errors import DomainError
from eirc.models import Period
from eirc.money import round_money


def recalculation_period() -> Period:
    """The period the next billing run bills: the current month, or the first
    open month after it when that one is closed."""
    month = P.current_period()
    per, _ = Period.objects.get_or_create(month=month)
    while per.is_closed:
        month = P.next_period(month)
        per, _ = Period.objects.get_or_create(month=month)
    return per


def recalculation_post(
    *, account, service: Service, amount: Decimal, reason: str, user=None, for_period: Period | None = None
) -> Recalculation:
    """Record a recalculation of ``amount`` (negative lowers the charge) for
    the next billing run. Raises ``DomainError`` for a zero amount or an
    empty reason. Not idempotent by itself: the caller ties the returned row
    to its own record under a lock."""
    if not isinstance(amount, Decimal):
        raise DomainError("Сумма перерасчёта должна быть точной.", code="amount", field="amount")
    amount = round_money(amount)
    if amount == 0:
        raise DomainError("Сумма перерасчёта не может быть нулевой.", code="amount", field="amount")
    reason = (reason or "").strip()[:250]
    if not reason:
        raise DomainError("Укажите причину перерасчёта.", code="reason", field="reason")
    with transaction.atomic():
        return Recalculation.objects.create(
            account=account,
            service=service,
            period=recalculation_period(),
            for_period=for_period,
            amount=amount,
            reason=reason,
            created_by=user,
        )
