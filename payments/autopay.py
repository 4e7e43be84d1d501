"""Saved cards and autopay (issue 17, docs/payments.md).

A saved card belongs to a login; autopay belongs to a personal account: a
saved card of the resident who turned it on, a limit per payment, and when —
on the day the receipt is issued or on a day of the month (1–28).

The daily task (:func:`autopay_run`) does four idempotent steps:

1. **plan** — for every active autopay, the latest receipt (a closed
   period's statement) with something due gets one ``AutopayCharge``; the
   unique (account, period) constraint makes that one per receipt even when
   two workers plan at once. The charge day is the chosen day, but never
   sooner than ``AUTOPAY_NOTICE_DAYS`` after the receipt is issued or the
   plan is made: the warning always comes three days ahead, so "on the day
   the receipt is issued" charges three days after it. Above the limit the
   charge is recorded as such, nothing is charged and the resident is told.
2. **warn** — three days before the charge an email says how much and when,
   with a link to skip this month (signed, no login needed).
3. **charge** — the charge row is locked (``skip_locked``: a second worker
   passes it by), its attempt becomes a ``Payment`` (method autopay, the
   saved card's gateway id, no confirmation) whose idempotence key is derived
   from the charge and the attempt number, so a re-run after a crash sends
   the same key and the gateway holds one payment. The amount is the
   receipt's, but never more than the account owes by then.
4. **settle** — a succeeded payment is credited once by the usual
   ``payment_confirm``; a decline sends one email and retries once, the next
   day; two declines in a row pause autopay and say so.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Capability, user_can
from accounts.models import Consent
from billing.models import Statement
from eirc import mail
from eirc import periods as P
from eirc.errors import DomainError
from eirc.models import Period
from eirc.money import ZERO, format_rub, round_money
from payments import services
from payments.models import Autopay, AutopayCharge, Payment, SavedCard
from payments.providers import GatewayUnavailable, get_provider
from payments.selectors import current_debt

SKIP_SALT = "payments.autopay.skip"
SKIP_LINK_LIFETIME = timedelta(days=40)
BAD_LINK = "Ссылка устарела или повреждена. Управлять автоплатежом можно в личном кабинете."
OPEN = (AutopayCharge.Status.SCHEDULED, AutopayCharge.Status.RETRY)


# --- saved cards ---------------------------------------------------------------------
def saved_card_delete(*, user, card_id: int) -> None:
    """Delete the user's card; every autopay using it stops (status off, the
    reason said) and its planned charges are cancelled. A foreign id raises."""
    with transaction.atomic():
        card = SavedCard.objects.select_for_update().filter(pk=card_id, user=user).first()
        if card is None:
            raise DomainError(_("Карта не найдена."), code="not_found")
        autopays = list(Autopay.objects.select_for_update().filter(card=card))
        for autopay in autopays:
            _stop(autopay, status=Autopay.Status.OFF, note=_("Карта %(card)s удалена.") % {"card": card})
        card.delete()


def _stop(autopay: Autopay, *, status: str, note: str) -> None:
    autopay.status, autopay.status_note = status, note[:250]
    autopay.save(update_fields=["status", "status_note", "updated_at"])
    AutopayCharge.objects.filter(autopay=autopay, status__in=OPEN).update(
        status=AutopayCharge.Status.CANCELED, updated_at=timezone.now()
    )


# --- turning autopay on and off ----------------------------------------------------
def autopay_set(*, user, account, card_id: int, limit: Decimal, when: str, day: int | None, ip: str | None) -> Autopay:
    """Turn autopay on (or change it) for ``account`` with a saved card of
    ``user``. Records the autopay consent with its text version. Raises
    DomainError naming the field."""
    card = SavedCard.objects.filter(pk=card_id, user=user).first()
    if card is None:
        raise DomainError(_("Выберите сохранённую карту."), field="card")
    limit = round_money(limit)
    cap = Decimal(settings.PAYMENT_MAX_AMOUNT)
    if limit <= 0 or limit > cap:
        raise DomainError(_("Лимит — от 1 ₽ до %(cap)s.") % {"cap": format_rub(cap)}, field="limit", code="limit")
    if when not in Autopay.When.values:
        raise DomainError(_("Выберите, когда списывать."), field="when")
    if when == Autopay.When.DAY_OF_MONTH:
        if day is None or not 1 <= day <= 28:
            raise DomainError(_("День месяца — от 1 до 28."), field="day", code="day")
    else:
        day = None
    with transaction.atomic():
        autopay, _created = Autopay.objects.update_or_create(
            account=account,
            defaults={
                "user": user,
                "card": card,
                "limit": limit,
                "when": when,
                "day": day,
                "status": Autopay.Status.ACTIVE,
                "status_note": "",
                "declines_in_row": 0,
            },
        )
        Consent.objects.create(
            user=user, kind=Consent.Kind.AUTOPAY, text_version=settings.AUTOPAY_CONSENT_VERSION, ip_address=ip
        )
    return autopay


def autopay_off(*, user, account, ip: str | None) -> None:
    """Turn autopay off; planned charges are cancelled. Idempotent."""
    with transaction.atomic():
        autopay = Autopay.objects.select_for_update().filter(account=account).first()
        if autopay is None or autopay.status == Autopay.Status.OFF:
            return
        _stop(autopay, status=Autopay.Status.OFF, note=_("Выключен в личном кабинете."))
        Consent.objects.create(
            user=user,
            kind=Consent.Kind.AUTOPAY,
            text_version=settings.AUTOPAY_CONSENT_VERSION,
            given=False,
            ip_address=ip,
        )


# --- dates -------------------------------------------------------------------------
def _issued_on(period: Period) -> dt.date:
    """The day the period's receipts came out: when it was closed."""
    if period.closed_at:
        return timezone.localtime(period.closed_at, P.TZ).date()
    return P.issue_date(period.month)


def charge_day(*, autopay: Autopay, month: dt.date, issued_on: dt.date, today: dt.date) -> dt.date:
    """The day the receipt of ``month`` is charged (see the module's rule)."""
    earliest = max(issued_on, today) + timedelta(days=settings.AUTOPAY_NOTICE_DAYS)
    if autopay.when == Autopay.When.ISSUE_DAY:
        return earliest
    return max(P.next_period(month).replace(day=autopay.day), earliest)


def next_charge(*, autopay: Autopay, today: dt.date) -> tuple[dt.date, Decimal | None] | None:
    """(when, how much — None when not known yet) of the next charge: the
    planned one, or the projection for the next receipt. None when off."""
    if autopay.status != Autopay.Status.ACTIVE:
        return None
    planned = autopay.charges.filter(status__in=OPEN).order_by("charge_on").first()
    if planned is not None:
        return planned.charge_on, planned.amount
    st = _unplanned_receipt(autopay)
    if st is not None:  # the next run plans it
        when = charge_day(autopay=autopay, month=st.period.month, issued_on=_issued_on(st.period), today=today)
        return when, min(round_money(st.closing), current_debt(account=autopay.account))
    month = P.current_period()
    return charge_day(autopay=autopay, month=month, issued_on=P.issue_date(month), today=today), None


# --- the daily task ----------------------------------------------------------------
def autopay_run(*, today: dt.date | None = None) -> dict:
    """Plan, warn, charge and settle (module docstring). Idempotent: run it
    twice, or in two workers at once, and each receipt is paid at most once."""
    today = today or P.today()
    counts = {"planned": 0, "over_limit": 0, "warned": 0, "charged": 0, "settled": 0}
    for autopay_id in list(
        Autopay.objects.filter(status=Autopay.Status.ACTIVE, card__isnull=False).values_list("pk", flat=True)
    ):
        outcome = _plan(autopay_id, today)
        if outcome:
            counts[outcome] += 1
    for pk in list(
        AutopayCharge.objects.filter(status=AutopayCharge.Status.SCHEDULED, notified_at__isnull=True)
        .filter(charge_on__lte=today + timedelta(days=settings.AUTOPAY_NOTICE_DAYS))
        .values_list("pk", flat=True)
    ):
        counts["warned"] += _warn(pk)
    for pk in list(
        AutopayCharge.objects.filter(status__in=OPEN, charge_on__lte=today, notified_at__isnull=False).values_list(
            "pk", flat=True
        )
    ):
        counts["charged"] += _charge(pk, today)
    for pk in list(AutopayCharge.objects.filter(status=AutopayCharge.Status.CHARGING).values_list("pk", flat=True)):
        counts["settled"] += _execute(pk, today)
    return counts


def _unplanned_receipt(autopay: Autopay) -> Statement | None:
    """The account's latest receipt when something is due on it and it has no charge yet."""
    st = (
        Statement.objects.filter(account=autopay.account, period__status=Period.Status.CLOSED)
        .select_related("period")
        .order_by("-period__month")
        .first()
    )
    if st is None or st.closing <= 0:
        return None
    if AutopayCharge.objects.filter(account=autopay.account, period=st.period).exists():
        return None
    return st


def _plan(autopay_id: int, today: dt.date) -> str:
    autopay = Autopay.objects.select_related("account", "user").get(pk=autopay_id)
    st = _unplanned_receipt(autopay)
    if st is None:
        return ""
    amount = min(round_money(st.closing), current_debt(account=autopay.account))
    if amount <= ZERO:
        return ""
    over = amount > autopay.limit
    when = charge_day(autopay=autopay, month=st.period.month, issued_on=_issued_on(st.period), today=today)
    try:
        with transaction.atomic():
            charge = AutopayCharge.objects.create(
                autopay=autopay,
                account=autopay.account,
                period=st.period,
                amount=amount,
                charge_on=when,
                status=AutopayCharge.Status.OVER_LIMIT if over else AutopayCharge.Status.SCHEDULED,
            )
            if over:
                _mail(autopay, "autopay_over_limit", charge, limit=format_rub(autopay.limit))
    except IntegrityError:  # another worker planned this receipt first
        return ""
    return "over_limit" if over else "planned"


def _warn(pk: int) -> int:
    with transaction.atomic():
        charge = (
            AutopayCharge.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("autopay__user", "autopay__card", "account", "period")
            .filter(pk=pk, status=AutopayCharge.Status.SCHEDULED, notified_at__isnull=True)
            .first()
        )
        if charge is None:
            return 0
        charge.notified_at = timezone.now()
        charge.save(update_fields=["notified_at", "updated_at"])
        _mail(charge.autopay, "autopay_notice", charge, skip_url=skip_url(charge))
    return 1


def _charge(pk: int, today: dt.date) -> int:
    """Turn the charge's next attempt into a payment (under the row lock);
    the gateway call happens after the commit (:func:`_execute`)."""
    with transaction.atomic():
        charge = (
            AutopayCharge.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("autopay__user", "autopay__card", "account")
            .filter(pk=pk, status__in=OPEN, charge_on__lte=today)
            .first()
        )
        if charge is None:
            return 0
        autopay = charge.autopay
        if not user_can(user=autopay.user, account_id=charge.account_id, capability=Capability.PAY):
            # Whoever turned autopay on may no longer pay for the account (unlinked, removed from
            # the household, a role without «оплата»): never charge their card for it.
            _stop(
                autopay,
                status=Autopay.Status.OFF,
                note=_("Карта принадлежит пользователю, который больше не привязан к счёту."),
            )
            return 0
        if autopay.status != Autopay.Status.ACTIVE or autopay.card_id is None:
            charge.status = AutopayCharge.Status.CANCELED
            charge.save(update_fields=["status", "updated_at"])
            return 0
        amount = min(charge.amount, current_debt(account=charge.account))
        if amount <= ZERO:  # paid some other way meanwhile
            charge.status = AutopayCharge.Status.NOT_NEEDED
            charge.save(update_fields=["status", "updated_at"])
            return 0
        attempt = charge.attempts + 1
        payment = Payment.objects.create(
            account=charge.account,
            user=autopay.user,
            amount=amount,
            receipt_email=autopay.user.email,
            for_period=charge.period,
            provider=get_provider().name,
            method=Payment.Method.AUTOPAY,
            saved_card=autopay.card,
            # The same key for every retry of this attempt: the gateway holds one payment.
            idempotence_key=uuid.uuid5(charge.key, f"attempt-{attempt}"),
        )
        charge.attempts, charge.payment, charge.status = attempt, payment, AutopayCharge.Status.CHARGING
        charge.save(update_fields=["attempts", "payment", "status", "updated_at"])
    _execute(pk, today)
    return 1


def _execute(pk: int, today: dt.date) -> int:
    """Send the charging attempt to the gateway (same key on every retry),
    confirm it and settle the outcome. Unknown outcome: left for the next run."""
    charge = AutopayCharge.objects.get(pk=pk)
    if charge.status != AutopayCharge.Status.CHARGING:
        return 0
    try:
        services.payment_start(payment_id=charge.payment_id)
        services.payment_confirm(payment_id=charge.payment_id)
    except GatewayUnavailable:
        return 0
    except DomainError:
        pass  # refused at start: the payment is canceled, settled as a decline
    return _settle(pk, today)


def _settle(pk: int, today: dt.date) -> int:
    with transaction.atomic():
        charge = (
            AutopayCharge.objects.select_for_update(of=("self",))
            .select_related("payment", "autopay__user", "autopay__card", "account", "period")
            .get(pk=pk)
        )
        if charge.status != AutopayCharge.Status.CHARGING:
            return 0
        autopay = (
            Autopay.objects.select_for_update(of=("self",)).select_related("user", "card").get(pk=charge.autopay_id)
        )
        status = charge.payment.status
        if status == Payment.Status.SUCCEEDED:
            charge.status = AutopayCharge.Status.SUCCEEDED
            autopay.declines_in_row = 0
        elif status in (Payment.Status.CANCELED, Payment.Status.EXPIRED):
            autopay.declines_in_row += 1
            if autopay.declines_in_row >= 2:
                charge.status = AutopayCharge.Status.DECLINED
                autopay.status = Autopay.Status.PAUSED
                autopay.status_note = _("Карта отклонила два списания подряд: автоплатёж приостановлен.")
                _mail(autopay, "autopay_paused", charge)
            elif charge.attempts < 2:
                charge.status, charge.charge_on = AutopayCharge.Status.RETRY, today + timedelta(days=1)
                _mail(autopay, "autopay_declined", charge, retry=True)
            else:
                charge.status = AutopayCharge.Status.DECLINED
                _mail(autopay, "autopay_declined", charge, retry=False)
        else:
            return 0  # still pending at the gateway: the next run asks again
        charge.save(update_fields=["status", "charge_on", "updated_at"])
        autopay.save(update_fields=["declines_in_row", "status", "status_note", "updated_at"])
    return 1


def _mail(autopay: Autopay, name: str, charge: AutopayCharge, **extra) -> None:
    if not autopay.user.email:
        return
    mail.send(
        name=name,
        to=autopay.user.email,
        context={
            "account_number": charge.account.number,
            "period": P.period_label(charge.period.month),
            "amount": format_rub(charge.amount),
            "charge_on": charge.charge_on.strftime("%d.%m.%Y"),
            "card": str(autopay.card) if autopay.card_id else "",
            "cabinet_url": settings.SITE_URL + reverse("payments:autopay"),
            **extra,
        },
    )


# --- skipping a month by the emailed link ------------------------------------------
def skip_token(charge: AutopayCharge) -> str:
    return signing.dumps({"c": charge.pk, "k": str(charge.key)[:8]}, salt=SKIP_SALT)


def skip_url(charge: AutopayCharge) -> str:
    return settings.SITE_URL + reverse("payments:autopay_skip", args=[skip_token(charge)])


def skip_charge(token: str) -> AutopayCharge:
    """The charge a skip link names; DomainError when the link is bad or old."""
    try:
        data = signing.loads(token, salt=SKIP_SALT, max_age=SKIP_LINK_LIFETIME)
    except signing.BadSignature:
        raise DomainError(_(BAD_LINK)) from None
    charge = AutopayCharge.objects.select_related("account", "period").filter(pk=data.get("c")).first()
    if charge is None or str(charge.key)[:8] != data.get("k"):
        raise DomainError(_(BAD_LINK))
    return charge


def autopay_skip(*, token: str) -> AutopayCharge:
    """Skip the month a link names: nothing is charged for that receipt.
    Idempotent; too late once the charge has started."""
    charge = skip_charge(token)
    with transaction.atomic():
        charge = AutopayCharge.objects.select_for_update().get(pk=charge.pk)
        if charge.status == AutopayCharge.Status.SKIPPED:
            return charge
        if charge.status not in OPEN:
            raise DomainError(
                _("Этот месяц пропустить уже нельзя: %(state)s.") % {"state": charge.get_status_display()}
            )
        charge.status = AutopayCharge.Status.SKIPPED
        charge.save(update_fields=["status", "updated_at"])
    return charge
