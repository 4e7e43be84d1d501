"""Models of the core layer: the period calendar every app shares.

A period is a billing month, stored as its first day, open or closed.
Readings (meters), charges and the ledger (billing), payments and receipts
name it; closing it is billing's service (``billing.services.period_close``),
issuing its receipts is documents' (``documents.services.period_close_and_issue``).
The rules about dates (due dates, windows) are pure functions in
:mod:`eirc.periods`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Period(models.Model):
    """A billing month, stored as its first day."""

    class Status(models.TextChoices):
        OPEN = "open", _("открыт")
        CLOSED = "closed", _("закрыт")

    month = models.DateField(_("месяц"), unique=True)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("закрыт"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("закрыл"),
    )

    class Meta:
        # The table keeps the name it had when the model lived in billing:
        # the ledger's database triggers name it.
        db_table = "billing_period"
        verbose_name = _("период")
        verbose_name_plural = _("периоды")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="billing_period_first_of_month",
                violation_error_message=_("Период — это первое число месяца."),
            ),
        ]

    def __str__(self):
        return f"{self.month:%m.%Y}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Job(models.Model):
    """A task a request (or any service) has accepted: the outbox of DESIGN §6.

    :func:`eirc.jobs.enqueue` writes the row in the caller's transaction, so
    the work is recorded exactly when the caller's data is; after commit it
    publishes the task to the broker with the Celery task id ``job-<id>``.
    When the broker is down the row stays unpublished and the beat sweep
    (``eirc.tasks.outbox_sweep``) publishes it later. ``done_at`` is set when
    a run of the task finishes; tasks whose duplicates would hurt (email)
    check it under a row lock (:func:`eirc.jobs.once`). The embedded mode
    (Celery eager, no broker) writes no rows.
    """

    name = models.CharField(_("задача"), max_length=200)
    kwargs = models.JSONField(_("аргументы"), default=dict)
    created_at = models.DateTimeField(_("принята"), default=timezone.now)
    published_at = models.DateTimeField(_("передана брокеру"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("попыток передачи"), default=0)
    last_error = models.CharField(_("последняя ошибка"), max_length=250, blank=True)
    done_at = models.DateTimeField(_("выполнена"), null=True, blank=True)
    state = models.CharField(_("итог"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("задача (очередь отправки)")
        verbose_name_plural = _("задачи (очередь отправки)")
        indexes = [
            # The sweep reads only what is still unpublished.
            models.Index(fields=["created_at"], name="eirc_job_unpublished", condition=Q(published_at__isnull=True)),
            models.Index(fields=["done_at"], name="eirc_job_done_at"),
        ]

    def __str__(self):
        return f"job-{self.pk} {self.name}"


class PeriodicRun(models.Model):
    """One run of a scheduled task in one period (``slot``: the period's
    start). Unique per task and slot, so a second beat, or a beat restarted
    in the middle of a period, cannot run a task twice in it: the duplicate
    trigger only counts itself in ``skipped`` (``eirc.tasks.scheduled``)."""

    task = models.CharField(_("задача"), max_length=200)
    slot = models.DateTimeField(_("период (начало)"))
    started_at = models.DateTimeField(_("начата"), default=timezone.now)
    finished_at = models.DateTimeField(_("закончена"), null=True, blank=True)
    result = models.CharField(_("результат"), max_length=250, blank=True)
    skipped = models.PositiveIntegerField(_("повторных запусков пропущено"), default=0)

    class Meta:
        verbose_name = _("запуск по расписанию")
        verbose_name_plural = _("запуски по расписанию")
        constraints = [models.UniqueConstraint(fields=["task", "slot"], name="eirc_periodicrun_once_per_slot")]

    def __str__(self):
        return f"{self.task} @ {self.slot:%Y-%m-%d %H:%M}"


class CalendarDay(models.Model):
    """An exception to the five-day week in the production calendar of
    Russia: a non-working holiday (ТК РФ ст. 112), a day off moved by a
    Government decree or by ст. 112 ч. 2, or a weekend day made a working day
    by a transfer. Every other Monday–Friday is a working day, every other
    Saturday and Sunday is not (:mod:`eirc.workdays`)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("нерабочий праздничный день")
        DAY_OFF = "day_off", _("выходной (перенесённый)")
        WORKING = "working", _("рабочий день (перенесённый)")

    date = models.DateField(_("дата"), unique=True)
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("основание"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("день производственного календаря")
        verbose_name_plural = _("производственный календарь")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d.%m.%Y} — {self.get_kind_display()}"
