"""Meters, readings, submissions with confirmation codes, sent reminders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalAccount
from eirc.models import Period


class Zone(models.TextChoices):
    """Tariff zones. Single-rate services and meters use ``SINGLE``."""

    SINGLE = "single", _("однотарифный")
    DAY = "day", _("день")
    NIGHT = "night", _("ночь")


class ZoneSet(models.TextChoices):
    """The zones a meter counts or a service is priced by (stored as a
    comma-separated list of :class:`Zone` values)."""

    SINGLE = "single", _("одна зона (однотарифный)")
    DAY_NIGHT = "day,night", _("две зоны: день и ночь")


class Meter(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("работает")
        REMOVED = "removed", _("снят")

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="meters", verbose_name=_("лицевой счёт")
    )
    # Named by string: billing sits above meters and imports this module; the
    # database ties a meter to the service it measures, the code of meters
    # only reads the service's name, unit and readings window through it.
    service = models.ForeignKey(
        "billing.Service", on_delete=models.PROTECT, related_name="meters", verbose_name=_("услуга")
    )
    serial = models.CharField(_("заводской номер"), max_length=40)
    model_name = models.CharField(_("модель"), max_length=80, blank=True)
    zones = models.CharField(_("зоны"), max_length=40, choices=ZoneSet.choices, default=ZoneSet.SINGLE)
    digits = models.PositiveSmallIntegerField(_("разрядность (целая часть)"), default=5)
    installed_on = models.DateField(_("установлен"))
    verification_due = models.DateField(_("следующая поверка"))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    removed_on = models.DateField(_("снят"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces", verbose_name=_("заменён на")
    )

    class Meta:
        verbose_name = _("прибор учёта")
        verbose_name_plural = _("приборы учёта")
        ordering = ["account", "service__position", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["service", "serial"], name="meters_meter_serial_unique"),
            models.CheckConstraint(condition=Q(digits__gte=3, digits__lte=9), name="meters_meter_digits"),
            models.CheckConstraint(
                condition=Q(status="active", removed_on__isnull=True) | Q(status="removed", removed_on__isnull=False),
                name="meters_meter_removed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(verification_due__gt=F("installed_on")), name="meters_meter_verification_after_install"
            ),
        ]

    def __str__(self):
        return f"{self.service} № {self.serial}"

    @property
    def zone_list(self) -> list[str]:
        return [z.strip() for z in self.zones.split(",") if z.strip()]

    @property
    def capacity(self) -> int:
        """The value after which the counter rolls over to zero."""
        return 10**self.digits


class Submission(models.Model):
    """One accepted hand-in of readings, with the code the resident keeps."""

    class Channel(models.TextChoices):
        WEB = "web", _("личный кабинет")
        API = "api", _("программа (API)")
        OPERATOR = "operator", _("оператор")
        IMPORT = "import", _("импорт")

    code = models.CharField(_("код подтверждения"), max_length=16, unique=True)
    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("лицевой счёт")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("пользователь")
    )
    channel = models.CharField(_("канал"), max_length=10, choices=Channel.choices)
    client_key = models.CharField(_("ключ идемпотентности"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)
    result = models.JSONField(_("результат"), default=dict, blank=True)

    class Meta:
        verbose_name = _("передача показаний")
        verbose_name_plural = _("передачи показаний")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "client_key"], condition=~Q(client_key=""), name="meters_submission_client_key"
            ),
        ]

    def __str__(self):
        return self.code


class Reading(models.Model):
    """A meter reading for one zone. At most one *current* reading per meter,
    zone and period (a partial unique index); a replaced one stays in the
    history with status ``replaced``."""

    class Source(models.TextChoices):
        RESIDENT = "resident", _("житель")
        OPERATOR = "operator", _("оператор")
        IMPORT = "import", _("импорт (АСКУЭ)")
        ESTIMATE = "estimate", _("расчётное")
        INSTALL = "install", _("при установке")
        REMOVAL = "removal", _("при снятии")

    class Status(models.TextChoices):
        CURRENT = "current", _("принято")
        REPLACED = "replaced", _("заменено")

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("счётчик"))
    zone = models.CharField(_("зона"), max_length=10, choices=Zone.choices, default=Zone.SINGLE)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="readings", verbose_name=_("период"))
    value = models.DecimalField(_("показание"), max_digits=14, decimal_places=3)
    taken_on = models.DateField(_("дата снятия"))
    source = models.CharField(_("источник"), max_length=10, choices=Source.choices)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.CURRENT)
    submission = models.ForeignKey(
        Submission,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="readings",
        verbose_name=_("передача показаний"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто внёс"),
    )
    created_at = models.DateTimeField(_("когда внесено"), auto_now_add=True)
    replaced_at = models.DateTimeField(_("заменено"), null=True, blank=True)

    class Meta:
        verbose_name = _("показание")
        verbose_name_plural = _("показания")
        ordering = ["meter", "period", "zone", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "zone", "period"],
                condition=Q(status="current"),
                name="meters_reading_one_current",
                violation_error_message=_("Показание за этот период уже принято."),
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="meters_reading_value_nonneg"),
            models.CheckConstraint(
                condition=Q(status="current", replaced_at__isnull=True)
                | Q(status="replaced", replaced_at__isnull=False),
                name="meters_reading_replaced_has_time",
            ),
        ]
        indexes = [models.Index(fields=["meter", "zone", "status", "period"], name="meters_reading_lookup")]

    def __str__(self):
        return f"{self.meter} {self.period} {self.zone}: {self.value}"


class ReminderSent(models.Model):
    """One row per reminder sent: the unique key makes the beat task idempotent."""

    class Kind(models.TextChoices):
        WINDOW_OPEN = "window_open", _("открыт приём показаний")
        WINDOW_CLOSING = "window_closing", _("приём показаний заканчивается")
        VERIFICATION = "verification", _("скоро поверка")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("пользователь")
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("вид"))
    key = models.CharField(_("ключ"), max_length=64, help_text=_("Период или прибор учёта"))
    sent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("отправлено"))

    class Meta:
        verbose_name = _("отправленное напоминание")
        verbose_name_plural = _("отправленные напоминания")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "key"], name="meters_reminder_once")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key} → {self.user}"
