"""Payments: start, confirm (exactly once), webhooks, reconciliation, refunds.

The rules (DESIGN §4, DOMAIN "Online card payments"):
- one ``Payment`` row per attempt, created with its own idempotence key
  BEFORE any call to the gateway; the same key on every retry;
- a webhook is a hint: the source address is checked, the event stored once,
  and a task re-fetches the payment from the gateway; only the gateway's
  answer (status succeeded, paid, amount, currency, metadata) credits;
- crediting locks the payment row and returns early if it is already
  credited; the ledger's one-to-one link to the payment makes a second
  credit impossible even if the lock were bypassed;
- a late ``canceled`` never overrides ``succeeded``.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Consent, SecurityEvent
from accounts.notifications import Kind, email_context
from eirc import jobs, mail
from eirc.errors import DomainError
from eirc.money import format_rub, round_money
from payments.models import Payment, Refund, SavedCard, WebhookEvent
from payments.providers import (
    GatewayPayment,
    GatewayRefused,
    GatewayUnavailable,
    ReceiptItem,
    StartRequest,
    get_provider,
)

log = logging.getLogger("eirc.payments")
security_log = logging.getLogger("eirc.security")

FINAL = {Payment.Status.SUCCEEDED, Payment.Status.CANCELED, Payment.Status.EXPIRED}


def _security_event(kind: str, *, account_number: str = "", ip: str | None = None, **detail) -> None:
    SecurityEvent.objects.create(kind=kind, account_number=account_number, ip_address=ip, detail=detail)
    security_log.warning("event=%s account=%s ip=%s %s", kind, account_number or "-", ip or "-", detail)


# --- amounts -------------------------------------------------------------
def amount_validate(text: str) -> Decimal:
    """Parse an amount typed by a resident: more than zero, at most the cap,
    whole roubles or roubles and kopecks ("1000", "1234,56", "1234.5",
    "1 234,56"). Raises DomainError. (Kopecks are required only where the
    amount proves who holds an account: registration, linking.)"""
    raw = (text or "").strip().replace("\xa0", "").replace(" ", "").replace(",", ".")
    whole, dot, frac = raw.partition(".")
    digits = str.isascii(raw) and whole.isdigit() and len(whole) <= 12
    if not digits or (dot and not (1 <= len(frac) <= 2 and frac.isdigit())):
        raise DomainError(_("Укажите сумму в рублях, например 1000 или 1234,56."), code="amount_format", field="amount")
    value = round_money(Decimal(raw))
    if value <= 0:
        raise DomainError(_("Сумма должна быть больше нуля."), code="amount_zero", field="amount")
    cap = Decimal(settings.PAYMENT_MAX_AMOUNT)
    if value > cap:
        raise DomainError(
            _("Сумма одного платежа не может превышать %(cap)s.") % {"cap": format_rub(cap)},
            code="amount_cap",
            field="amount",
        )
    return value


# --- start ---------------------------------------------------------------
def _start_request(payment: Payment) -> StartRequest:
    account = payment.account
    period = payment.for_period.month if payment.for_period_id else None
    description = _("Оплата ЖКУ, лицевой счёт %(number)s") % {"number": account.number}
    if period:
        description += _(" за %(period)s") % {"period": f"{period:%m.%Y}"}
    return StartRequest(
        payment_id=str(payment.id),
        idempotence_key=str(payment.idempotence_key),
        amount=payment.amount,
        description=description,
        # A payer who is not logged in (quick pay) comes back to a page
        # that needs no login and shows nothing but this payment's state.
        return_url=settings.SITE_URL
        + reverse("payments:quick_return" if payment.user_id is None else "payments:return", args=[payment.id]),
        account_number=account.number,
        customer_email=payment.receipt_email,
        receipt_items=(ReceiptItem(description=description, amount=payment.amount),),
        period_month=period.month if period else None,
        period_year=period.year if period else None,
        payee=getattr(settings, "YOOKASSA_PAYEE", {}) or {},
        method="sbp" if payment.method == Payment.Method.SBP else "card",
        save_payment_method=payment.save_card,
        payment_method_id=payment.saved_card.gateway_method_id if payment.saved_card_id else "",
        confirm=payment.method != Payment.Method.AUTOPAY,
    )


def payment_create(
    *,
    account,
    user,
    amount: Decimal,
    email: str = "",
    form_token=None,
    for_period=None,
    method: str = Payment.Method.CARD,
    save_card: bool = False,
    saved_card=None,
    ip: str | None = None,
) -> Payment:
    """Record an attempt (status created) with its idempotence key. The same
    ``form_token`` returns the attempt already made from that form, so a
    double click or a repeated POST never makes a second payment.

    ``method``: card or СБП through the gateway's page, or a ``saved_card``
    of the user (``saved_card`` method; ``autopay`` comes from
    ``payments.autopay``). ``save_card`` asks the gateway to keep the card
    for a logged-in payer; the consent is recorded with its text version."""
    if method not in Payment.Method.values or method in (Payment.Method.REGISTRY, Payment.Method.CASH):
        raise DomainError(_("Выберите способ оплаты."), code="method", field="method")
    authenticated = getattr(user, "is_authenticated", False)
    if saved_card is not None and (not authenticated or saved_card.user_id != user.pk):
        raise DomainError(_("Эта карта не сохранена в вашем профиле."), code="card", field="method")
    if method in (Payment.Method.SAVED_CARD, Payment.Method.AUTOPAY) and saved_card is None:
        raise DomainError(_("Выберите сохранённую карту."), code="card", field="method")
    save_card = bool(save_card and authenticated and method == Payment.Method.CARD)
    if form_token is not None:
        existing = Payment.objects.filter(form_token=form_token, account=account).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                account=account,
                user=user if authenticated else None,
                amount=round_money(amount),
                receipt_email=email,
                form_token=form_token,
                for_period=for_period,
                provider=get_provider().name,
                method=method,
                save_card=save_card,
                saved_card=saved_card,
            )
            if save_card:
                Consent.objects.create(
                    user=user,
                    kind=Consent.Kind.SAVED_CARD,
                    text_version=settings.SAVED_CARD_CONSENT_VERSION,
                    given=True,
                    ip_address=ip,
                )
            return payment
    except IntegrityError:
        existing = Payment.objects.filter(form_token=form_token, account=account).first()
        if existing is None:
            raise
        return existing


def payment_start(*, payment_id) -> Payment:
    """Ask the gateway for a confirmation URL (idempotent by the stored key).

    Safe to call again for the same payment: an attempt that already has a
    confirmation URL is returned as is; after a timeout or HTTP 500 the next
    call repeats the request with the same idempotence key. Raises
    DomainError when the gateway refuses; GatewayUnavailable is raised to the
    caller (the view says "try again", the reconciliation task retries)."""
    payment = Payment.objects.select_related("account", "for_period", "saved_card").get(pk=payment_id)
    # An autopay attempt has no confirmation URL: its gateway id says it started.
    if payment.confirmation_url or payment.provider_payment_id or payment.status in FINAL:
        return payment
    provider = get_provider()
    try:
        result = provider.start(_start_request(payment))
    except GatewayRefused as exc:
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
            status=Payment.Status.CANCELED, failure_reason=str(exc)[:250]
        )
        raise DomainError(_("Платёжный сервис отклонил платёж. Попробуйте позже."), code="gateway_refused") from exc
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if not payment.provider_payment_id:
            payment.provider_payment_id = result.provider_payment_id
            payment.confirmation_url = result.confirmation_url
            if payment.status == Payment.Status.CREATED:
                payment.status = Payment.Status.PENDING
            payment.save(update_fields=["provider_payment_id", "confirmation_url", "status", "updated_at"])
    return payment


# --- confirm -------------------------------------------------------------
@dataclass(frozen=True)
class ConfirmOutcome:
    payment: Payment
    credited: bool
    reason: str = ""


def _mismatch(payment: Payment, remote: GatewayPayment) -> str:
    if remote.id != payment.provider_payment_id:
        return "gateway id differs"
    if remote.currency != "RUB" or remote.amount != payment.amount:
        return f"amount {remote.amount} {remote.currency} differs from {payment.amount} RUB"
    if str(remote.metadata.get("payment_id", "")) != str(payment.id):
        return "metadata names another payment"
    if remote.metadata.get("account") not in (None, payment.account.number):
        return "metadata names another account"
    return ""


def payment_confirm(*, payment_id, remote: GatewayPayment | None = None) -> ConfirmOutcome:
    """Bring our payment in line with the gateway's authoritative state.

    Credits the ledger exactly once, and only when the gateway says
    succeeded + paid with our amount, currency and metadata. Idempotent:
    a succeeded payment returns at once. ``remote`` may be passed when the
    caller has just fetched it (it must come from ``provider.fetch``)."""
    from billing.services import ledger_post_payment

    payment = Payment.objects.select_related("account").get(pk=payment_id)
    if payment.status == Payment.Status.SUCCEEDED:
        return ConfirmOutcome(payment, credited=False, reason="already credited")
    if not payment.provider_payment_id:
        return ConfirmOutcome(payment, credited=False, reason="not started at the gateway")
    if remote is None:
        remote = get_provider().fetch(payment.provider_payment_id)

    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("account").get(pk=payment_id)
        payment.last_checked_at = timezone.now()
        if payment.status == Payment.Status.SUCCEEDED:
            return ConfirmOutcome(payment, credited=False, reason="already credited")
        if remote.status == "succeeded" and remote.paid:
            problem = _mismatch(payment, remote)
            if problem:
                payment.save(update_fields=["last_checked_at"])
                _security_event(
                    SecurityEvent.Kind.CREDIT_REFUSED,
                    account_number=payment.account.number,
                    payment=str(payment.id),
                    reason=problem,
                )
                return ConfirmOutcome(payment, credited=False, reason=problem)
            payment.status = Payment.Status.SUCCEEDED
            # The gateway's capture time, not the moment we learnt of it: a
            # late webhook must not move a payment into the next period or
            # past a penalty threshold.
            payment.paid_at = remote.captured_at or timezone.now()
            payment.save(update_fields=["status", "paid_at", "last_checked_at", "updated_at"])
            ledger_post_payment(payment=payment)
            if payment.save_card and payment.user_id:
                _card_keep(payment, remote.payment_method)
            _schedule_receipt_email(payment)
            return ConfirmOutcome(payment, credited=True)
        if remote.status == "canceled":
            payment.status = Payment.Status.CANCELED
            payment.failure_reason = remote.cancellation_reason[:250]
            payment.save(update_fields=["status", "failure_reason", "last_checked_at", "updated_at"])
            return ConfirmOutcome(payment, credited=False, reason="canceled")
        if remote.status == "waiting_for_capture":
            payment.status = Payment.Status.WAITING_FOR_CAPTURE
        payment.save(update_fields=["status", "last_checked_at", "updated_at"])
        return ConfirmOutcome(payment, credited=False, reason=f"gateway says {remote.status}")


def _card_keep(payment: Payment, method: dict) -> None:
    """Keep the card the payer asked to save — when the gateway says it
    saved it, with its id, last four digits, type and expiry only."""
    if not method.get("saved") or not method.get("id") or len(str(method.get("last4", ""))) != 4:
        return
    SavedCard.objects.get_or_create(
        provider=payment.provider,
        gateway_method_id=method["id"],
        defaults={
            "user_id": payment.user_id,
            "last4": method["last4"],
            "card_type": method.get("card_type", "")[:30],
            "expiry_month": method.get("expiry_month") or 12,
            "expiry_year": method.get("expiry_year") or 2099,
            "consent_version": settings.SAVED_CARD_CONSENT_VERSION,
        },
    )


def _schedule_receipt_email(payment: Payment) -> None:
    to = payment.receipt_email or (payment.user.email if payment.user_id and payment.user.email else "")
    if not to or (payment.user_id and not payment.user.notify_payments and not payment.receipt_email):
        return
    mail.send(
        name="payment_succeeded",
        to=to,
        context={
            "account_number": payment.account.number,
            "amount": format_rub(payment.amount),
            "paid_at": timezone.localtime(payment.paid_at).strftime("%d.%m.%Y %H:%M"),
            "payment_id": str(payment.id),
            # The link turns off the login's own emails, so only in one sent to its address.
            **(email_context(payment.user, Kind.PAYMENT) if payment.user_id and to == payment.user.email else {}),
        },
    )


# --- webhooks ------------------------------------------------------------
def _networks(values):
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


def client_address(*, remote_addr: str, forwarded_for: str = "") -> str:
    """The sender's address: the direct peer, unless the peer is a
    configured proxy, in which case the right-most address in
    X-Forwarded-For that is not itself a trusted proxy."""
    proxies = _networks(settings.TRUSTED_PROXIES)

    def trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in proxies)

    if not trusted(remote_addr) or not forwarded_for:
        return remote_addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not trusted(hop):
            return hop
    return remote_addr


def address_allowed(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in net for net in _networks(settings.YOOKASSA_WEBHOOK_NETWORKS))


def webhook_sender(*, remote_addr: str, forwarded_for: str) -> str | None:
    """The notification's sender when it is on the allow-list, else None
    (a security event is logged). Checked before the body is even read."""
    addr = client_address(remote_addr=remote_addr, forwarded_for=forwarded_for)
    if not address_allowed(addr):
        _security_event(
            SecurityEvent.Kind.WEBHOOK_REJECTED, ip=_ip_or_none(addr), reason="address not allowed", peer=remote_addr
        )
        return None
    return addr


def webhook_body_rejected(*, addr: str, reason: str) -> None:
    """Log an allow-listed sender's body that was refused unread or unparsed."""
    _security_event(SecurityEvent.Kind.WEBHOOK_REJECTED, ip=_ip_or_none(addr), reason=reason)


def webhook_receive(*, provider_name: str, remote_addr: str, forwarded_for: str, body) -> WebhookEvent | None:
    """Store a gateway notification once and schedule its verification.

    Returns None (and logs a security event) when the sender is outside the
    allow-list or the body is malformed; nothing else happens then. A
    repeated notification is stored once; it re-schedules the check only
    while the first has not been processed."""
    addr = webhook_sender(remote_addr=remote_addr, forwarded_for=forwarded_for)
    if addr is None:
        return None
    try:
        event_name, object_id = get_provider().notification_object(body)
    except ValueError:
        webhook_body_rejected(addr=addr, reason="malformed body")
        return None
    with transaction.atomic():
        event, created = WebhookEvent.objects.get_or_create(
            provider=provider_name,
            event=event_name[:60],
            object_id=object_id[:64],
            defaults={"remote_addr": _ip_or_none(addr), "body": body},
        )
        if created or event.status == WebhookEvent.Status.RECEIVED:
            jobs.enqueue("payments.tasks.webhook_process", event_id=event.pk)
    return event


def _ip_or_none(addr: str) -> str | None:
    try:
        return str(ipaddress.ip_address(addr))
    except ValueError:
        return None


def webhook_process(*, event_id: int) -> None:
    """Verify a stored notification by fetching its object from the gateway."""
    event = WebhookEvent.objects.get(pk=event_id)
    if event.status != WebhookEvent.Status.RECEIVED:
        return
    note = ""
    if event.event.startswith("payment."):
        payment = Payment.objects.filter(provider=event.provider, provider_payment_id=event.object_id).first()
        if payment is None:
            note = "unknown payment"
            _security_event(
                SecurityEvent.Kind.WEBHOOK_REJECTED, ip=event.remote_addr, reason=note, object_id=event.object_id
            )
        else:
            note = payment_confirm(payment_id=payment.pk).reason or "credited"
    elif event.event.startswith("refund."):
        refund = Refund.objects.filter(provider_refund_id=event.object_id).first()
        # A hint like any other: ask the gateway again (same key) and post once.
        note = "unknown refund" if refund is None else f"refund {refund_execute(refund_id=refund.pk).status}"
    WebhookEvent.objects.filter(pk=event.pk).update(
        status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now(), note=note[:250]
    )


# --- reconciliation ------------------------------------------------------
def payments_reconcile(*, now=None) -> dict:
    """Converge attempts left open: a created attempt (its start timed out)
    is started again with the same key; a pending one is fetched and
    confirmed; an attempt older than the expiry is given up (at the
    gateway it was never paid, or it would have said so)."""
    now = now or timezone.now()
    after = timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    expire = timedelta(hours=settings.PAYMENT_EXPIRE_AFTER_HOURS)
    counts = {"checked": 0, "credited": 0, "expired": 0, "unavailable": 0}
    open_statuses = [Payment.Status.CREATED, Payment.Status.PENDING, Payment.Status.WAITING_FOR_CAPTURE]
    candidates = Payment.objects.filter(
        status__in=open_statuses, source=Payment.Source.ONLINE, created_at__lte=now - after
    ).values_list("pk", flat=True)
    for pk in list(candidates[:1000]):
        counts["checked"] += 1
        try:
            payment = Payment.objects.get(pk=pk)
            if not payment.provider_payment_id:
                payment = payment_start(payment_id=pk)
            outcome = payment_confirm(payment_id=pk)
            counts["credited"] += int(outcome.credited)
            payment = outcome.payment
        except GatewayUnavailable:
            # Outcome unknown: never expire what we could not ask about.
            counts["unavailable"] += 1
            continue
        except DomainError:
            continue
        if payment.status in open_statuses and payment.created_at <= now - expire:
            Payment.objects.filter(pk=pk, status__in=open_statuses).update(
                status=Payment.Status.EXPIRED, failure_reason="no confirmation in time"
            )
            counts["expired"] += 1
    counts["refunds"] = refunds_reconcile(now=now)
    return counts


def refunds_reconcile(*, now=None) -> int:
    """Refunds left pending (the gateway timed out, or answered ``pending``)
    are sent again with their own idempotence key until final."""
    now = now or timezone.now()
    after = timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    done = 0
    pending = Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=now - after)
    for pk in list(pending.values_list("pk", flat=True)[:200]):
        try:
            refund = refund_execute(refund_id=pk)
        except (GatewayUnavailable, DomainError):
            continue
        done += int(refund.status != Refund.Status.PENDING)
    return done


# --- refunds ---------------------------------------------------------------
def refund_create(*, payment_id, amount: Decimal, reason: str, user, key: uuid.UUID | None = None) -> Refund:
    """Refund a succeeded payment fully or partly. Never more than was paid,
    also under concurrent requests (the payment row is locked while the
    refunded total is checked). Idempotent by ``key``. Raises DomainError."""
    from billing.services import ledger_post_refund

    amount = round_money(amount)
    if amount <= 0:
        raise DomainError(_("Сумма возврата должна быть больше нуля."), field="amount")
    if not (reason or "").strip():
        raise DomainError(_("Укажите причину возврата."), field="reason")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if key is not None:
            existing = Refund.objects.filter(idempotence_key=key).first()
            if existing is not None:
                return existing
        if payment.status != Payment.Status.SUCCEEDED:
            raise DomainError(_("Вернуть можно только проведённый платёж."), code="not_succeeded")
        taken = sum((r.amount for r in payment.refunds.exclude(status=Refund.Status.CANCELED)), start=Decimal("0.00"))
        if taken + amount > payment.amount:
            raise DomainError(
                _("Нельзя вернуть больше, чем оплачено: доступно %(left)s.")
                % {"left": format_rub(payment.amount - taken)},
                code="refund_exceeds",
                field="amount",
            )
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            reason=reason.strip(),
            created_by=user,
            **({"idempotence_key": key} if key else {}),
        )
    return refund_execute(refund_id=refund.pk, post=ledger_post_refund)


def refund_execute(*, refund_id, post=None) -> Refund:
    """Send a pending refund to the gateway (same key on every retry) and,
    when it succeeds, post it to the ledger once."""
    if post is None:
        from billing.services import ledger_post_refund as post
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    payment = refund.payment
    if payment.source == Payment.Source.ONLINE and payment.provider_payment_id:
        try:
            remote = get_provider().refund(
                provider_payment_id=payment.provider_payment_id,
                amount=refund.amount,
                idempotence_key=str(refund.idempotence_key),
                description=refund.reason,
            )
        except GatewayRefused as exc:
            Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(status=Refund.Status.CANCELED)
            raise DomainError(_("Платёжный сервис отклонил возврат: %(why)s") % {"why": exc}) from exc
        status, remote_id = remote.status, remote.id
    else:  # an offline payment is returned by the accountant's bank transfer
        status, remote_id = "succeeded", None
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != Refund.Status.PENDING:
            return refund
        refund.provider_refund_id = remote_id
        if status == "succeeded":
            refund.status = Refund.Status.SUCCEEDED
            refund.completed_at = timezone.now()
            refund.save(update_fields=["provider_refund_id", "status", "completed_at"])
            post(refund=refund)
        elif status == "canceled":
            refund.status = Refund.Status.CANCELED
            refund.save(update_fields=["provider_refund_id", "status"])
        else:
            refund.save(update_fields=["provider_refund_id"])
    return refund
