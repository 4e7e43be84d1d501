"""YooKassa through the official SDK.

The SDK sets no HTTP timeout and, with a logger configured, logs the
Basic-auth secret (DOMAIN). So: every call goes through a client subclass
that gives each request a timeout, the SDK's logger is never configured
(``settings.LOGGING`` silences the ``yookassa`` logger as well), and amounts
go in as strings built from Decimals and come back checked as Decimals.
``settings.YOOKASSA_API_URL`` points the SDK at a stub server in tests.
"""

from __future__ import annotations

import functools
from decimal import Decimal

import requests
from django.conf import settings
from django.utils.dateparse import parse_datetime
from yookassa import Configuration
from yookassa import Payment as SdkPayment
from yookassa import Refund as SdkRefund
from yookassa.client import ApiClient
from yookassa.domain.exceptions import ApiError, InternalServerError

from eirc.money import round_money
from payments.providers import (
    GatewayPayment,
    GatewayRefund,
    GatewayRefused,
    GatewayUnavailable,
    PaymentProvider,
    StartRequest,
    StartResult,
)

DEFAULT_API_URL = "https://api.yookassa.ru/v3"


class TimeoutApiClient(ApiClient):
    """The SDK's client with an HTTP timeout and errors mapped to ours."""

    http_timeout: float = 10.0

    def get_session(self):
        session = super().get_session()
        session.request = functools.partial(session.request, timeout=self.http_timeout)
        return session

    def request(self, method="", path="", query_params=None, headers=None, body=None):
        try:
            return super().request(method, path, query_params, headers, body)
        except InternalServerError as exc:
            raise GatewayUnavailable(f"YooKassa HTTP 500 on {method} {path}") from exc
        except ApiError as exc:
            raise GatewayRefused(f"YooKassa refused {method} {path}: {getattr(exc, 'args', [''])[0]}") from exc
        except requests.RequestException as exc:
            raise GatewayUnavailable(f"YooKassa unreachable on {method} {path}: {exc.__class__.__name__}") from exc
        except AttributeError as exc:
            # The SDK handles a response-less exception (timeout, refused
            # connection) by reading ``None.status_code``.
            if isinstance(exc.__context__, requests.RequestException):
                raise GatewayUnavailable(
                    f"YooKassa unreachable on {method} {path}: {exc.__context__.__class__.__name__}"
                ) from exc.__context__
            raise


def _client_class(timeout: float):
    return type("ConfiguredClient", (TimeoutApiClient,), {"http_timeout": timeout})


class _Payment(SdkPayment):
    client_class = TimeoutApiClient

    def __init__(self):
        super().__init__()
        self.client = self.client_class()


class _Refund(SdkRefund):
    client_class = TimeoutApiClient

    def __init__(self):
        super().__init__()
        self.client = self.client_class()


def _method(pm) -> dict:
    """The gateway's payment method as plain data (never a card number:
    the API has none, and only the last four digits are kept)."""
    if pm is None:
        return {}
    card = getattr(pm, "card", None)
    out = {"type": str(pm.type or ""), "id": str(pm.id or ""), "saved": bool(pm.saved)}
    if card is not None:
        out |= {
            "last4": str(card.last4 or ""),
            "card_type": str(card.card_type or ""),
            "expiry_month": int(card.expiry_month or 0),
            "expiry_year": int(card.expiry_year or 0),
        }
    return out


def _money(value: Decimal) -> str:
    return f"{round_money(value):.2f}"


class YooKassaProvider(PaymentProvider):
    name = "yookassa"

    def __init__(self):
        Configuration.configure(
            settings.YOOKASSA_SHOP_ID,
            settings.YOOKASSA_SECRET_KEY,
            logger=None,
            api_url=settings.YOOKASSA_API_URL or DEFAULT_API_URL,
            max_attempts=1,
        )
        client = _client_class(settings.YOOKASSA_TIMEOUT)
        self._payment = type("P", (_Payment,), {"client_class": client})
        self._refund = type("R", (_Refund,), {"client_class": client})

    # -- requests ------------------------------------------------------------
    def build_params(self, req: StartRequest) -> dict:
        """The body of POST /payments (kept separate so tests can read it)."""
        params: dict = {
            "amount": {"value": _money(req.amount), "currency": "RUB"},
            "capture": True,
            "description": req.description[:128],
            "metadata": {"payment_id": req.payment_id, "account": req.account_number},
        }
        if req.confirm:
            params["confirmation"] = {"type": "redirect", "return_url": req.return_url}
        if req.payment_method_id:
            params["payment_method_id"] = req.payment_method_id
        elif req.method == "sbp":
            params["payment_method_data"] = {"type": "sbp"}
        elif req.save_payment_method:
            params["payment_method_data"] = {"type": "bank_card"}
            params["save_payment_method"] = True
        fiscal = getattr(settings, "YOOKASSA_RECEIPT", {}) or {}
        if fiscal.get("enabled") and req.customer_email:
            items = req.receipt_items or ()
            params["receipt"] = {
                "customer": {"email": req.customer_email},
                "items": [
                    {
                        "description": item.description[:128],
                        "quantity": f"{item.quantity:.2f}",
                        "amount": {"value": _money(item.amount), "currency": "RUB"},
                        "vat_code": fiscal["vat_code"],
                        "payment_subject": fiscal["payment_subject"],
                        "payment_mode": fiscal["payment_mode"],
                    }
                    for item in items
                ],
            }
        if getattr(settings, "YOOKASSA_PAYMENT_ORDER", False) and req.payee:
            order = {
                "type": "utilities",
                "amount": {"value": _money(req.amount), "currency": "RUB"},
                "payment_purpose": req.description[:210],
                "recipient": req.payee,
                "account_number": req.account_number,
            }
            if req.period_month and req.period_year:
                order["payment_period"] = {"month": req.period_month, "year": req.period_year}
            params["payment_order"] = order
        return params

    def start(self, req: StartRequest) -> StartResult:
        response = self._payment.create(self.build_params(req), req.idempotence_key)
        self._check_amount(response, req.amount)
        url = getattr(getattr(response, "confirmation", None), "confirmation_url", "") or ""
        return StartResult(provider_payment_id=response.id, confirmation_url=url, status=response.status)

    def fetch(self, provider_payment_id: str) -> GatewayPayment:
        response = self._payment.find_one(provider_payment_id)
        cancellation = getattr(response, "cancellation_details", None)
        return GatewayPayment(
            id=response.id,
            status=response.status,
            paid=bool(response.paid),
            amount=Decimal(str(response.amount.value)).quantize(Decimal("0.01")),
            currency=response.amount.currency,
            metadata=dict(response.metadata or {}),
            cancellation_reason=getattr(cancellation, "reason", "") or "",
            captured_at=parse_datetime(str(getattr(response, "captured_at", "") or "")) or None,
            payment_method=_method(getattr(response, "payment_method", None)),
        )

    def notification_object(self, body: dict) -> tuple[str, str]:
        if not isinstance(body, dict) or body.get("type") != "notification":
            raise ValueError("not a notification")
        event = body.get("event")
        obj = body.get("object") or {}
        object_id = obj.get("id") if isinstance(obj, dict) else None
        if not isinstance(event, str) or not isinstance(object_id, str) or not object_id:
            raise ValueError("notification without event or object id")
        return event, object_id

    def refund(
        self, *, provider_payment_id: str, amount: Decimal, idempotence_key: str, description: str = ""
    ) -> GatewayRefund:
        params = {"payment_id": provider_payment_id, "amount": {"value": _money(amount), "currency": "RUB"}}
        if description:
            params["description"] = description[:250]
        response = self._refund.create(params, idempotence_key)
        return GatewayRefund(
            id=response.id,
            status=response.status,
            amount=Decimal(str(response.amount.value)).quantize(Decimal("0.01")),
        )

    @staticmethod
    def _check_amount(response, expected: Decimal) -> None:
        got = Decimal(str(response.amount.value)).quantize(Decimal("0.01"))
        if got != round_money(expected):
            raise GatewayRefused(f"gateway echoed amount {got}, expected {expected}")
