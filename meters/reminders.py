"""Reminder emails: the readings window and the coming verification.

Idempotent: each reminder is first recorded in ``ReminderSent`` under its
unique (user, kind, key) — inside a savepoint, so a duplicate (a rerun, or a
second worker that got there first: its insert waits on the unique index and
then fails) is skipped — and the email is scheduled with
``transaction.on_commit`` (:func:`eirc.mail.send`), so nothing is sent for a
row that was rolled back. One transaction per user keeps a failure for one
resident from blocking the others.

Who: on each account, its holder and every household member whose role may
hand in readings (accounts/access.py: representative, «оплата»,
«показания»; never «просмотр»), each only if the login is active, has an
email address and chose that kind of email (``notify_readings`` for the
window, ``notify_verification`` for the verification). A member removed
before the run is no longer a member and gets nothing. Window reminders go
only for accounts where not every zone of every working meter with valid
verification has a reading (any source but an estimate) for the window's
period; they list what is missing, by account (number and address).

* window open: on any day from the window's first day until 3 days before its
  end (so a missed beat catches up); key ``YYYY-MM:<account id>``, so a login
  gets it once per account and period — one email per run lists every
  account newly claimed, and an account the login joins later in the window
  is still reminded. (Keys of plain ``YYYY-MM``, written before reminders
  were per account, stand for the accounts the login holds.)
* window closing: from 2 days before the end day to the end day; same keys;
* verification: a meter whose verification is due within 30 days (key: the
  meter and its due date, so a renewed verification is reminded again); one
  email per login and meter.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from accounts.access import HOLDER, Capability, role_allows, role_label
from accounts.models import AccountLink, MemberRole, Membership
from accounts.notifications import FIELDS, Kind, email_context
from eirc import mail
from eirc.periods import period_title
from meters.models import Meter, Reading, ReminderSent
from meters.window import window_for

VERIFICATION_DAYS = 30
CLOSING_DAYS_BEFORE = 2

# The member roles that may hand in readings: only they (and the holder) are reminded.
READINGS_ROLES = [role for role in MemberRole.values if role_allows(role, Capability.READINGS)]


def _claim(user, kind: str, key: str) -> bool:
    try:
        with transaction.atomic():
            ReminderSent.objects.create(user=user, kind=kind, key=key)
    except IntegrityError:
        return False
    return True


def _recipients(kind: str):
    """Logins that chose emails of ``kind`` and can receive them."""
    User = get_user_model()
    return User.objects.filter(**{FIELDS[kind]: True, "is_active": True}).exclude(email="").order_by("pk")


def _readings_roles(user) -> dict[int, str]:
    """Account id → the login's role there, for every account where it may
    hand in readings (held, or a member with such a role)."""
    roles = dict(Membership.objects.filter(user=user, role__in=READINGS_ROLES).values_list("account_id", "role"))
    roles.update(
        (account_id, HOLDER)
        for account_id in AccountLink.objects.filter(user=user).values_list("account_id", flat=True)
    )
    return roles


def _account_line(account, role: str) -> dict:
    """How an email names the account (JSON-serialisable): number and
    address always, and for a member the role it is written to them as."""
    return {
        "number": account.number,
        "address": account.address,
        "member_role": "" if role == HOLDER else str(role_label(role)),
    }


def _missing(meter: Meter, period: dt.date) -> list[str]:
    have = set(
        Reading.objects.filter(meter=meter, period__month=period, status=Reading.Status.CURRENT)
        .exclude(source=Reading.Source.ESTIMATE)
        .values_list("zone", flat=True)
    )
    return [z for z in meter.zone_list if z not in have]


def window_kind(window) -> str | None:
    if not window.is_open:
        return None
    if window.today.day >= window.end_day - CLOSING_DAYS_BEFORE:
        return ReminderSent.Kind.WINDOW_CLOSING
    return ReminderSent.Kind.WINDOW_OPEN


def _window_claim(user, kind: str, period: dt.date, account_id: int, role: str) -> bool:
    if role == HOLDER and ReminderSent.objects.filter(user=user, kind=kind, key=f"{period:%Y-%m}").exists():
        return False  # sent before reminders were per account: it covered the held accounts
    return _claim(user, kind, f"{period:%Y-%m}:{account_id}")


def reminders_send_window(*, today: dt.date) -> int:
    """Send today's window reminders; returns how many emails were scheduled."""
    sent = 0
    for user in _recipients(Kind.READINGS):
        roles = _readings_roles(user)
        if not roles:
            continue
        meters = (
            Meter.objects.filter(account_id__in=roles, status=Meter.Status.ACTIVE, verification_due__gte=today)
            .select_related("service", "account")
            .order_by("account__number", "pk")
        )
        groups: dict[tuple[str, dt.date], dict] = {}
        windows = {}
        for meter in meters:
            window = window_for(meter.service, today=today)
            kind = window_kind(window)
            if kind is None or not _missing(meter, window.period):
                continue
            by_account = groups.setdefault((kind, window.period), {})
            by_account.setdefault(meter.account, []).append(f"{meter.service.name}, № {meter.serial}")
            windows[(kind, window.period)] = window
        for (kind, period), by_account in groups.items():
            with transaction.atomic():
                accounts = [
                    {**_account_line(account, roles[account.pk]), "meters": names}
                    for account, names in by_account.items()
                    if _window_claim(user, kind, period, account.pk, roles[account.pk])
                ]
                if not accounts:
                    continue
                mail.send(
                    name=f"readings_{kind}",
                    to=user.email,
                    context={
                        "period_title": period_title(period),
                        "window": windows[(kind, period)].describe(),
                        "accounts": accounts,
                        **email_context(user, Kind.READINGS),
                    },
                )
                sent += 1
    return sent


def _verification_recipients(account_ids) -> dict[int, list[tuple]]:
    """Account id → [(login, role)] of those to remind there: the holder
    first, then the members whose role may hand in readings."""
    wants = {"user__notify_verification": True, "user__is_active": True}
    found: dict[int, list[tuple]] = {}
    links = AccountLink.objects.filter(account_id__in=account_ids, **wants).exclude(user__email="")
    for link in links.select_related("user"):
        found.setdefault(link.account_id, []).append((link.user, HOLDER))
    members = Membership.objects.filter(account_id__in=account_ids, role__in=READINGS_ROLES, **wants)
    for member in members.exclude(user__email="").select_related("user").order_by("pk"):
        found.setdefault(member.account_id, []).append((member.user, member.role))
    return found


def reminders_send_verification(*, today: dt.date) -> int:
    """Remind of verifications due within 30 days; returns the count of emails."""
    sent = 0
    horizon = today + dt.timedelta(days=VERIFICATION_DAYS)
    meters = Meter.objects.filter(
        status=Meter.Status.ACTIVE, verification_due__gte=today, verification_due__lte=horizon
    ).select_related("service", "account")
    recipients = _verification_recipients(meters.values("account_id"))
    for meter in meters.filter(account_id__in=list(recipients)).order_by("pk"):
        for user, role in recipients[meter.account_id]:
            with transaction.atomic():
                if not _claim(
                    user, ReminderSent.Kind.VERIFICATION, f"meter:{meter.pk}:{meter.verification_due:%Y-%m-%d}"
                ):
                    continue
                mail.send(
                    name="readings_verification",
                    to=user.email,
                    context={
                        "service": meter.service.name,
                        "serial": meter.serial,
                        "account": meter.account.number,
                        **_account_line(meter.account, role),
                        "due": f"{meter.verification_due:%d.%m.%Y}",
                        **email_context(user, Kind.VERIFICATION),
                    },
                )
                sent += 1
    return sent
