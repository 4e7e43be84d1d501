"""The sandbox gateway for ``make run`` and tests.

It behaves like a remote gateway — create is idempotent by key, ``fetch`` is
the authority, the payer decides on a page with «Оплатить» / «Отказ» — but
keeps its state in our own table (``payments.SandboxPayment``), so the
embedded default needs nothing outside. Refused at start-up when DEBUG is off
unless ``PAYMENT_SANDBOX_ALLOWED`` (see settings).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from payments.providers import (
    GatewayPayment,
    GatewayRefund,
    GatewayRefused,
    PaymentProvider,
    StartRequest,
    StartResult,
)

SANDBOX_CARD = {"last4": "4242", "card_type": "Visa", "expiry_month": 12, "expiry_year": 2030}


def _method_fields(req: StartRequest) -> dict:
    """A saved card without confirmation (autopay) is charged at once; the
    rest wait for the payer's decision on the sandbox page."""
    if req.payment_method_id:
        method = {"type": "bank_card", "id": req.payment_method_id, "saved": True, **SANDBOX_CARD}
        if not req.confirm:
            return {"payment_method": method, "status": "succeeded", "paid": True}
        return {"payment_method": method}
    if req.method == "sbp":
        return {"payment_method": {"type": "sbp", "id": f"sbpm_{uuid.uuid4().hex}", "saved": False}}
    return {"payment_method": {"type": "bank_card", "id": f"sbpm_{uuid.uuid4().hex}", "save": req.save_payment_method}}


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def start(self, req: StartRequest) -> StartResult:
        from payments.models import SandboxPayment

        try:
            with transaction.atomic():
                obj, _ = SandboxPayment.objects.get_or_create(
                    idempotence_key=req.idempotence_key,
                    defaults={
                        "id": f"sb_{uuid.uuid4().hex}",
                        "amount": req.amount,
                        "metadata": {"payment_id": req.payment_id, "account": req.account_number},
                        **_method_fields(req),
                    },
                )
        except IntegrityError:  # a concurrent create with the same key
            obj = SandboxPayment.objects.get(idempotence_key=req.idempotence_key)
        url = settings.SITE_URL + reverse("payments:sandbox", args=[obj.id])
        return StartResult(provider_payment_id=obj.id, confirmation_url=url, status=obj.status)

    def fetch(self, provider_payment_id: str) -> GatewayPayment:
        from payments.models import SandboxPayment

        obj = SandboxPayment.objects.filter(pk=provider_payment_id).first()
        if obj is None:
            raise GatewayRefused(f"sandbox: no payment {provider_payment_id}")
        return GatewayPayment(
            id=obj.id,
            status=obj.status,
            paid=obj.paid,
            amount=obj.amount,
            currency="RUB",
            metadata=dict(obj.metadata),
            payment_method={k: v for k, v in obj.payment_method.items() if k != "save"},
        )

    def notification_object(self, body: dict) -> tuple[str, str]:
        obj = body.get("object") if isinstance(body, dict) else None
        event, object_id = (
            body.get("event") if isinstance(body, dict) else None,
            obj.get("id") if isinstance(obj, dict) else None,
        )
        if not isinstance(event, str) or not isinstance(object_id, str) or not event or not object_id:
            raise ValueError("malformed")
        return event, object_id

    def refund(
        self, *, provider_payment_id: str, amount: Decimal, idempotence_key: str, description: str = ""
    ) -> GatewayRefund:
        from payments.models import SandboxPayment

        with transaction.atomic():
            obj = SandboxPayment.objects.select_for_update().get(pk=provider_payment_id)
            if obj.status != "succeeded" or obj.refunded + amount > obj.amount:
                raise GatewayRefused("sandbox: refund exceeds the payment")
            obj.refunded += amount
            obj.save(update_fields=["refunded"])
        return GatewayRefund(id=f"sbr_{idempotence_key}", status="succeeded", amount=amount)

    # The payer's decision on the sandbox page (not part of the interface).
    @staticmethod
    def decide(provider_payment_id: str, *, pay: bool) -> None:
        from payments.models import SandboxPayment

        with transaction.atomic():
            obj = SandboxPayment.objects.select_for_update().get(pk=provider_payment_id)
            if obj.status in ("succeeded", "canceled"):
                return
            obj.status, obj.paid = ("succeeded", True) if pay else ("canceled", False)
            if pay and obj.payment_method.get("type") == "bank_card":
                # The sandbox "card": saved when the payer asked for it.
                obj.payment_method |= {**SANDBOX_CARD, "saved": bool(obj.payment_method.get("save"))}
            obj.save(update_fields=["status", "paid", "payment_method"])
