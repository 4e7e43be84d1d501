"""The daily payments file out (docs/exchange.md, «Выгрузка платежей»): the
payments that succeeded on a day (Europe/Simferopol), one file per provider.

A payment is for the whole bill, so each provider's file carries the
provider's part of it: the payment split in proportion to the account's
charges by provider (``Charge.total``) in the latest period with charges up to
the payment's month; each part rounded to kopecks and the rounding remainder
given to the largest part, so the parts add up exactly to the payment. A
payment of an account with no positive charges to split by is left out of
every file and reported (``unallocated``). Payments sit above billing, so
this module lives here and writes through billing's exchange writer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db.models import Sum

from billing.exchange.export import Written, write_files
from billing.models import Charge, ExchangeExport, Provider
from eirc.money import ZERO, round_money
from eirc.periods import TZ, month_start
from payments.models import Payment

HEADER = ("date", "time", "payment", "account", "period", "amount", "payment_total", "source")


@dataclass
class PaymentsExport:
    files: list[Written] = field(default_factory=list)
    unallocated: list[tuple[str, Decimal]] = field(default_factory=list)  # (payment id, amount)


def split(amount: Decimal, weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """``amount`` split in proportion to positive ``weights``; the parts add
    up to ``amount`` exactly (the remainder goes to the largest weight)."""
    positive = {k: w for k, w in weights.items() if w > 0}
    total = sum(positive.values(), ZERO)
    if total <= 0:
        return {}
    largest = max(sorted(positive), key=lambda k: positive[k])
    parts = {k: round_money(amount * w / total) for k, w in positive.items() if k != largest}
    parts[largest] = amount - sum(parts.values(), ZERO)
    return parts


def _weights(account_ids: set[int], upto: dt.date) -> dict[int, dict[int, Decimal]]:
    """Per account: provider id → charges of its latest charged period ≤ ``upto``."""
    by = defaultdict(lambda: defaultdict(dict))
    for acc, month, provider_id, total in (
        Charge.objects.filter(account_id__in=account_ids, period__month__lte=upto)
        .values("account_id", "period__month", "service__provider_id")
        .annotate(s=Sum("total"))
        .values_list("account_id", "period__month", "service__provider_id", "s")
    ):
        by[acc][month][provider_id] = total
    return {acc: months[max(months)] for acc, months in by.items()}


def payments_export(*, day: dt.date, out: Path, user=None, actor: str = "") -> PaymentsExport:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=TZ)
    payments = list(
        Payment.objects.filter(
            status=Payment.Status.SUCCEEDED, paid_at__gte=start, paid_at__lt=start + dt.timedelta(days=1)
        )
        .order_by("paid_at", "pk")
        .values_list("pk", "account_id", "account__number", "amount", "paid_at", "for_period__month", "source")
    )
    weights = _weights({p[1] for p in payments}, month_start(day))
    providers = {p.pk: p for p in Provider.objects.all()}
    rows: dict[Provider, list] = {}
    result = PaymentsExport()
    for pk, account_id, number, amount, paid_at, for_month, source in payments:
        parts = split(amount, weights.get(account_id, {}))
        if not parts:
            result.unallocated.append((str(pk), amount))
            continue
        local = paid_at.astimezone(TZ)
        period = f"{for_month:%m.%Y}" if for_month else ""
        for provider_id, part in sorted(parts.items()):
            rows.setdefault(providers[provider_id], []).append(
                (local.date(), f"{local:%H:%M:%S}", pk, number, period, part, amount, source)
            )
    result.files = write_files(
        kind=ExchangeExport.Kind.PAYMENTS,
        subject=f"{day:%d.%m.%Y}",
        stem=f"payments-{day:%Y-%m-%d}",
        header=HEADER,
        rows_by_provider=rows,
        out=out,
        user=user,
        actor=actor,
    )
    return result
