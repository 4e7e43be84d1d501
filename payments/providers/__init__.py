"""The payment provider interface (DESIGN §4) and the registry by dotted path.

A provider knows how to:
- ``start`` a payment at the gateway and return where to send the payer;
- ``fetch`` the authoritative state of a payment (webhooks are only hints);
- ``notification_object`` — read which object a webhook body points at;
- ``refund`` a payment (fully or partly).

Every call that may create something at the gateway carries our stored
idempotence key, so a retry after a timeout or an HTTP 500 never creates a
second payment. ``GatewayUnavailable`` means "outcome unknown: retry with the
same key, or fetch"; ``GatewayRefused`` means the gateway said no.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class GatewayError(Exception):
    """Base of the provider errors."""


class GatewayUnavailable(GatewayError):
    """Timeout, connection error or HTTP 5xx: the outcome is unknown."""


class GatewayRefused(GatewayError):
    """The gateway refused the request (4xx): retrying will not help."""


@dataclass(frozen=True)
class ReceiptItem:
    """A line of the 54-ФЗ fiscal receipt."""

    description: str
    amount: Decimal
    quantity: Decimal = Decimal("1.00")


@dataclass(frozen=True)
class StartRequest:
    payment_id: str
    idempotence_key: str
    amount: Decimal
    description: str
    return_url: str
    account_number: str
    customer_email: str = ""
    receipt_items: tuple[ReceiptItem, ...] = ()
    period_month: int | None = None
    period_year: int | None = None
    payee: dict = field(default_factory=dict)
    # How to pay (issue 17): "card" or "sbp" through the gateway's page; a
    # saved card by its gateway id — with a redirect when the payer is
    # present, without any confirmation for autopay.
    method: str = "card"
    save_payment_method: bool = False
    payment_method_id: str = ""
    confirm: bool = True


@dataclass(frozen=True)
class StartResult:
    provider_payment_id: str
    confirmation_url: str
    status: str


@dataclass(frozen=True)
class GatewayPayment:
    """What the gateway says of a payment; the only basis for crediting."""

    id: str
    status: str  # pending | waiting_for_capture | succeeded | canceled
    paid: bool
    amount: Decimal
    currency: str
    metadata: dict
    cancellation_reason: str = ""
    captured_at: datetime | None = None  # when the money was taken (the payment's date)
    # The gateway's payment method: {"type", "id", "saved", "last4",
    # "card_type", "expiry_month", "expiry_year"} (card fields for cards only).
    payment_method: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayRefund:
    id: str
    status: str  # pending | succeeded | canceled
    amount: Decimal


class PaymentProvider:
    name = "base"

    def start(self, request: StartRequest) -> StartResult:  # pragma: no cover - interface
        raise NotImplementedError

    def fetch(self, provider_payment_id: str) -> GatewayPayment:  # pragma: no cover - interface
        raise NotImplementedError

    def notification_object(self, body: dict) -> tuple[str, str]:  # pragma: no cover - interface
        """(event, object id) named by a webhook body; ValueError if malformed."""
        raise NotImplementedError

    def refund(
        self, *, provider_payment_id: str, amount: Decimal, idempotence_key: str, description: str = ""
    ) -> GatewayRefund:  # pragma: no cover - interface
        raise NotImplementedError


@cache
def _load(path: str) -> PaymentProvider:
    return import_string(path)()


def get_provider(path: str | None = None) -> PaymentProvider:
    """The provider configured by ``settings.PAYMENT_PROVIDER`` (or ``path``)."""
    return _load(path or settings.PAYMENT_PROVIDER)
