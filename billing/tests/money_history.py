"""A long, consistent money history for one account (tests of the resident
pages): statements, charges of 9 services, ledger entries and payments,
written with ``bulk_create`` so 60 periods take a fraction of a second."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from billing.models import Charge, LedgerEntry, Statement
from eirc import periods
from eirc.models import Period
from eirc.tests.factories import ServiceFactory
from payments.models import Payment

BASES = ["meter", "average", "norm", "area", "per_resident", "fixed", "meter", "area", "fixed"]


def build_history(account, *, end=dt.date(2026, 3, 1), months=60, services=9, pay_ratio=Decimal("0.9")):
    """``months`` periods ending at ``end``: each service charged every month
    (amounts vary by month), a benefit on the first service, one succeeded
    payment a month of ``pay_ratio`` of the previous month's bill, and one
    cancelled attempt a month. Returns the services and the periods."""
    svc = [ServiceFactory(name=f"Услуга {i + 1:02d}", position=i + 1, unit="м³") for i in range(services)]
    start = periods.add_months(end, -(months - 1))
    months_list = [periods.add_months(start, i) for i in range(months)]
    Period.objects.bulk_create([Period(month=m) for m in months_list], ignore_conflicts=True)
    period_by_month = {p.month: p for p in Period.objects.filter(month__in=months_list)}

    charges, statements, payments = [], [], []
    opening = Decimal("0.00")
    prev_bill = Decimal("0.00")
    for n, month in enumerate(months_list):
        period = period_by_month[month]
        bill_amount = Decimal("0.00")
        bill_benefit = Decimal("0.00")
        for k, s in enumerate(svc):
            amount = Decimal(100 + 10 * k + (n % 12) * 7) + Decimal("0.45")
            benefit = (amount / 2).quantize(Decimal("0.01")) if k == 0 else Decimal("0.00")
            charges.append(
                Charge(
                    account=account,
                    period=period,
                    service=s,
                    basis=BASES[k % len(BASES)],
                    quantity=Decimal("3.000"),
                    rate=(amount / 3).quantize(Decimal("0.0001")),
                    amount=amount,
                    benefit=benefit,
                    total=amount - benefit,
                    details={"residents": 2, "norm": "1.5", "area": "54.3"},
                )
            )
            bill_amount += amount
            bill_benefit += benefit
        paid = (prev_bill * pay_ratio).quantize(Decimal("0.01"))
        if paid:
            pay_day = month.replace(day=8)
            payments.append(
                Payment(
                    account=account,
                    amount=paid,
                    status=Payment.Status.SUCCEEDED,
                    paid_at=timezone.make_aware(dt.datetime.combine(pay_day, dt.time(12))),
                    provider="sandbox",
                )
            )
            payments.append(Payment(account=account, amount=paid, status=Payment.Status.CANCELED, provider="sandbox"))
        closing = opening + bill_amount - bill_benefit - paid
        statements.append(
            Statement(
                account=account,
                period=period,
                opening=opening,
                charged=bill_amount,
                benefits=bill_benefit,
                paid=paid,
                closing=closing,
                due_date=periods.due_date(month),
            )
        )
        opening = closing
        prev_bill = bill_amount - bill_benefit
    Charge.objects.bulk_create(charges)
    Statement.objects.bulk_create(statements)
    Payment.objects.bulk_create(payments)

    entries = []
    for c in Charge.objects.filter(account=account).select_related("period"):
        entries.append(
            LedgerEntry(
                account=account,
                period=c.period,
                kind="charge",
                amount=c.amount,
                service_id=c.service_id,
                charge=c,
                occurred_on=c.period.month,
            )
        )
        if c.benefit:
            entries.append(
                LedgerEntry(
                    account=account,
                    period=c.period,
                    kind="benefit",
                    amount=-c.benefit,
                    service_id=c.service_id,
                    charge=c,
                    occurred_on=c.period.month,
                )
            )
    for p in Payment.objects.filter(account=account, status=Payment.Status.SUCCEEDED):
        day = p.paid_at.astimezone(periods.TZ).date()
        entries.append(
            LedgerEntry(
                account=account,
                period=period_by_month[day.replace(day=1)],
                kind="payment",
                amount=-p.amount,
                payment=p,
                occurred_on=day,
            )
        )
    LedgerEntry.objects.bulk_create(entries)
    return svc, months_list
