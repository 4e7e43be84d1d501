"""Celery beat tasks of the meters app (schedule: settings, ``# --- meters ---``)."""

from __future__ import annotations

from celery import shared_task

from eirc.periods import today
from meters.reminders import reminders_send_verification, reminders_send_window


@shared_task
def readings_window_reminders() -> int:
    """Window open / closing reminders for today; safe to run any number of times."""
    return reminders_send_window(today=today())


@shared_task
def verification_reminders() -> int:
    """Verification due within 30 days; safe to run any number of times."""
    return reminders_send_verification(today=today())
