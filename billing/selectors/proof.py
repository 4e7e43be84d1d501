"""The bill amounts that prove a resident holds an account (registration and
linking, in accounts): accounts reads them through the setting
``ACCOUNTS_BILL_AMOUNTS``, which names :func:`recent_bill_amounts`."""

from __future__ import annotations

from billing.models import Statement


def recent_bill_amounts(*, account) -> list:
    """The «итого к оплате» of the account's last two receipts: the
    ``closing`` of its two latest statements, newest first. One query."""
    return list(
        Statement.objects.filter(account=account).order_by("-period__month").values_list("closing", flat=True)[:2]
    )
