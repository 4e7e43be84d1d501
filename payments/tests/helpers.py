from decimal import Decimal

from django.core.management import call_command
from django.db.models import Sum

from billing.models import LedgerEntry
from payments import services
from payments.models import Payment


def started_payment(account, user, amount="1000.00", email="resident@example.ru") -> Payment:
    payment = services.payment_create(account=account, user=user, amount=Decimal(amount), email=email)
    return services.payment_start(payment_id=payment.pk)


def payment_entries(payment) -> int:
    return LedgerEntry.objects.filter(payment=payment).count()


def balance(account) -> Decimal:
    return LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or Decimal("0")


def notification(pid: str, event: str = "payment.succeeded") -> dict:
    return {"type": "notification", "event": event, "object": {"id": pid, "status": event.split(".")[1]}}


def assert_billing_consistent():
    """`billing_check` proves every statement equals its ledger."""
    call_command("billing_check")
