"""The dated data of penalties that staff edit — key rates, rate caps,
moratoria (read by :func:`billing.penalties.penalty_rules`). Declared here,
registered by ``billing.models``."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class KeyRate(models.Model):
    """The key rate of the Bank of Russia, in force from a date."""

    valid_from = models.DateField(_("действует с"), unique=True)
    rate = models.DecimalField(_("ставка, %"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("ключевая ставка")
        verbose_name_plural = _("ключевые ставки")
        ordering = ["-valid_from"]
        constraints = [models.CheckConstraint(condition=Q(rate__gt=0), name="billing_keyrate_positive")]

    def __str__(self):
        return f"{self.rate}% с {self.valid_from:%d.%m.%Y}"


class RateCap(models.Model):
    """A cap on the rate used for penalties (e.g. 9.5 % under ПП РФ № 474)."""

    valid_from = models.DateField(_("с"))
    valid_to = models.DateField(_("по (не включая)"), null=True, blank=True)
    rate = models.DecimalField(_("предельная ставка, %"), max_digits=6, decimal_places=2)
    basis = models.CharField(_("основание"), max_length=250)

    class Meta:
        verbose_name = _("ограничение ставки")
        verbose_name_plural = _("ограничения ставки")
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="billing_ratecap_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")), name="billing_ratecap_dates"
            ),
        ]

    def __str__(self):
        return f"{self.rate}% ({self.basis})"


class Moratorium(models.Model):
    """Days on which no penalty accrues, [start, end)."""

    start = models.DateField(_("с"))
    end = models.DateField(_("по (не включая)"))
    basis = models.CharField(_("основание"), max_length=250)

    class Meta:
        verbose_name = _("мораторий на пени")
        verbose_name_plural = _("моратории на пени")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="billing_moratorium_dates")]

    def __str__(self):
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y} ({self.basis})"
