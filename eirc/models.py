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
