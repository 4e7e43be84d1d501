"""Reminder emails: the readings window and the coming verification.

Idempotent: each reminder is first recorded in ``ReminderSent`` under its
unique (user, kind, key) — inside a savepoint, so a duplicate (a rerun, or a
second worker that got there first: its insert waits on the unique index and
then fails) is skipped — and the email is scheduled with
``transaction.on_commit`` (:func:`eirc.mail.send`), so nothing is sent for a
row that was rolled back. One transaction per user keeps a failure for one
resident from blocking the others.

Who: logins with ``notify_readings`` and an email address. Window reminders
go only to those who have not yet submitted a reading (any source but an
estimate) for every zone of every working meter with valid verification, for
the period of the window; they list what is missing.

* window open: on any day from the window's first day until 3 days before its
  end (so a missed beat catches up);
* window closing: from 2 days before the end day to the end day;
* verification: a meter whose verification is due within 30 days (key: the
  meter and its due date, so a renewed verification is reminded again).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from accounts.notifications import Kind, email_context
from eirc import mail
from eirc.periods import period_title
from meters.models import Meter, Reading, ReminderSent
from meters.window import window_for

VERIFICATION_DAYS = 30
CLOSING_DAYS_BEFORE = 2


def _claim(user, kind: str, key: str) -> bool:
    try:
        with transaction.atomic():
            ReminderSent.objects.create(user=user, kind=kind, key=key)
    except IntegrityError:
        return False
    return True


def _recipients():
    User = get_user_model()
    return User.objects.filter(notify_readings=True, is_active=True).exclude(email="").order_by("pk")


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


def reminders_send_window(*, today: dt.date) -> int:
    """Send today's window reminders; returns how many were scheduled."""
    sent = 0
    for user in _recipients():
        meters = Meter.objects.filter(
            account__link__user=user, status=Meter.Status.ACTIVE, verification_due__gte=today
        ).select_related("service", "account")
        groups: dict[tuple[str, dt.date], list[str]] = {}
        windows = {}
        for meter in meters:
            window = window_for(meter.service, today=today)
            kind = window_kind(window)
            if kind is None or not _missing(meter, window.period):
                continue
            groups.setdefault((kind, window.period), []).append(
                f"{meter.service.name}, № {meter.serial} (л/с {meter.account.number})"
            )
            windows[(kind, window.period)] = window
        for (kind, period), names in groups.items():
            with transaction.atomic():
                if not _claim(user, kind, period.strftime("%Y-%m")):
                    continue
                mail.send(
                    name=f"readings_{kind}",
                    to=user.email,
                    context={
                        "period_title": period_title(period),
                        "window": windows[(kind, period)].describe(),
                        "meters": names,
                        **email_context(user, Kind.READINGS),
                    },
                )
                sent += 1
    return sent


def reminders_send_verification(*, today: dt.date) -> int:
    """Remind of verifications due within 30 days; returns the count."""
    sent = 0
    horizon = today + dt.timedelta(days=VERIFICATION_DAYS)
    meters = (
        Meter.objects.filter(
            status=Meter.Status.ACTIVE,
            verification_due__gte=today,
            verification_due__lte=horizon,
            account__link__user__notify_verification=True,
            account__link__user__is_active=True,
        )
        .exclude(account__link__user__email="")
        .select_related("service", "account__link__user")
    )
    for meter in meters:
        user = meter.account.link.user
        with transaction.atomic():
            if not _claim(user, ReminderSent.Kind.VERIFICATION, f"meter:{meter.pk}:{meter.verification_due:%Y-%m-%d}"):
                continue
            mail.send(
                name="readings_verification",
                to=user.email,
                context={
                    "service": meter.service.name,
                    "serial": meter.serial,
                    "account": meter.account.number,
                    "due": f"{meter.verification_due:%d.%m.%Y}",
                    **email_context(user, Kind.VERIFICATION),
                },
            )
            sent += 1
    return sent
