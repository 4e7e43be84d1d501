"""The demo resident's saved card and autopay, so that ``make run`` shows
/cabinet/cards/ and /cabinet/autopay/ with content (docs/payments.md).

The rows are the ones the real path writes: a ``SavedCard`` of the sandbox
gateway with what the gateway tells us of a card (last 4 digits, type,
expiry — ``SANDBOX_CARD``) and the gateway's method id, here an obviously
fake one (``sandbox-demo-card-…``) that only the sandbox accepts (it charges
any saved method id without confirmation, as a gateway charges a saved
card); the ``Consent`` of kind ``saved_card`` that the payment which saved it
records; an active ``Autopay`` of the demo account with a limit, turned on
by ``payments.autopay.autopay_set`` as the autopay page does (it records the
``Consent`` of kind ``autopay``). Its history: the resident's latest online
payment of an older receipt (not the latest, which the autopay task may
still plan) becomes the autopay's past ``AutopayCharge`` — the payment is
marked as paid by autopay with this card.

Idempotent: found by natural keys (the card by gateway and method id, the
autopay by account, the charge by account and period); a consent is written
only with the row it goes with. What the resident changed in the demo (a
deleted card, autopay turned off) is left as it is, but a deleted card is
saved again.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Consent, PersonalAccount
from billing.models import Statement
from eirc import periods
from eirc.models import Period
from payments.autopay import autopay_set
from payments.models import Autopay, AutopayCharge, Payment, SavedCard
from payments.providers.sandbox import SANDBOX_CARD

DEMO_CARD_METHOD_ID = "sandbox-demo-card-resident"
DEMO_AUTOPAY_LIMIT = Decimal("15000.00")  # at least; more when the latest receipt is larger
DEMO_AUTOPAY_DAY = 10


def cards_and_autopay(*, user, account: PersonalAccount) -> None:
    with transaction.atomic():
        card = _card(user)
        past = _past_payment(user, account)
        paid_on = timezone.localtime(past.paid_at, periods.TZ).date() if past else None
        autopay = Autopay.objects.filter(account=account).first()
        if autopay is None:  # as the autopay page turns it on: with its consent
            autopay = autopay_set(
                user=user,
                account=account,
                card_id=card.pk,
                limit=_limit(account),
                when=Autopay.When.DAY_OF_MONTH,
                day=min(paid_on.day, 28) if paid_on else DEMO_AUTOPAY_DAY,
                ip=None,
            )
        if past is not None and not autopay.charges.exists():
            AutopayCharge.objects.create(
                autopay=autopay,
                account=account,
                period=past.for_period,
                amount=past.amount,
                charge_on=paid_on,
                status=AutopayCharge.Status.SUCCEEDED,
                attempts=1,
                payment=past,
                notified_at=past.paid_at - dt.timedelta(days=settings.AUTOPAY_NOTICE_DAYS),
            )
            Payment.objects.filter(pk=past.pk).update(method=Payment.Method.AUTOPAY, saved_card=card)


def _card(user) -> SavedCard:
    card, created = SavedCard.objects.get_or_create(
        provider=Payment.Provider.SANDBOX,
        gateway_method_id=DEMO_CARD_METHOD_ID,
        defaults={
            "user": user,
            "last4": SANDBOX_CARD["last4"],
            "card_type": SANDBOX_CARD["card_type"],
            "expiry_month": SANDBOX_CARD["expiry_month"],
            "expiry_year": SANDBOX_CARD["expiry_year"],
            "consent_version": settings.SAVED_CARD_CONSENT_VERSION,
        },
    )
    if created:
        Consent.objects.create(
            user=user, kind=Consent.Kind.SAVED_CARD, text_version=settings.SAVED_CARD_CONSENT_VERSION, given=True
        )
    return card


def _limit(account: PersonalAccount) -> Decimal:
    """A limit the latest receipt fits under (the demo resident is behind,
    so it may be large), in whole thousands: the autopay task then charges
    it instead of reporting it over the limit."""
    latest = Statement.objects.filter(account=account, period__status=Period.Status.CLOSED).order_by("-period__month")
    closing = latest.values_list("closing", flat=True).first() or Decimal("0")
    return max(DEMO_AUTOPAY_LIMIT, (closing / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000)


def _past_payment(user, account: PersonalAccount) -> Payment | None:
    """The resident's latest online payment of a receipt older than the
    latest one: the autopay's past charge."""
    latest = (
        Period.objects.filter(status=Period.Status.CLOSED, statements__account=account)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if latest is None:
        return None
    return (
        Payment.objects.filter(
            account=account,
            user=user,
            source=Payment.Source.ONLINE,
            status=Payment.Status.SUCCEEDED,
            for_period__status=Period.Status.CLOSED,
            for_period__month__lt=latest,
        )
        .select_related("for_period")
        .order_by("-paid_at")
        .first()
    )
