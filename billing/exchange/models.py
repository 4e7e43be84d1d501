"""Records of the city exchange: each import run (with its per-row change log)
and each export file. Declared here, registered by ``billing.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    """One run of ``import_city`` (command or admin upload): what was read,
    what it did, how far it got (a crash resumes from ``progress``)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("выполняется")
        DONE = "done", _("загружен")
        REFUSED = "refused", _("отклонён: ошибки в файлах")
        CHECKED = "checked", _("проверен (без записи)")
        FAILED = "failed", _("прерван")

    source = models.CharField(_("источник"), max_length=250)
    checksum = models.CharField(_("контрольная сумма файлов (SHA-256)"), max_length=64, db_index=True)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("начат"), auto_now_add=True)
    finished_at = models.DateTimeField(_("закончен"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("запустил"),
    )  # fmt: skip
    counts = models.JSONField(_("итоги по файлам"), default=dict, blank=True)
    progress = models.JSONField(_("ход загрузки"), default=dict, blank=True)
    errors = models.JSONField(_("ошибки"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("ошибочных строк"), default=0)

    class Meta:
        app_label = "billing"
        verbose_name = _("загрузка данных города")
        verbose_name_plural = _("загрузки данных города")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.source} ({self.started_at:%d.%m.%Y %H:%M}) — {self.get_status_display()}"

    def total(self, what: str) -> int:
        return sum(int(c.get(what, 0)) for c in self.counts.values())


class ImportChange(models.Model):
    """A row an import changed: its natural key and the fields, old → new."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="changes", verbose_name=_("загрузка"))
    entity = models.CharField(_("файл"), max_length=40)
    key = models.CharField(_("ключ"), max_length=200)
    changes = models.JSONField(_("изменения (было → стало)"), default=dict)

    class Meta:
        app_label = "billing"
        verbose_name = _("изменение при загрузке")
        verbose_name_plural = _("изменения при загрузке")
        indexes = [models.Index(fields=["run", "entity"], name="billing_importchange_run")]

    def __str__(self):
        return f"{self.entity} {self.key}"


class ExchangeExport(models.Model):
    """One export file written (readings of a period, payments of a day):
    who, when, how many rows, and the SHA-256 of its bytes."""

    class Kind(models.TextChoices):
        READINGS = "readings", _("показания")
        PAYMENTS = "payments", _("платежи")

    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("за"), max_length=20, help_text=_("Период ММ.ГГГГ или день ДД.ММ.ГГГГ"))
    provider = models.ForeignKey(
        "billing.Provider", on_delete=models.PROTECT, related_name="+", verbose_name=_("поставщик")
    )
    filename = models.CharField(_("файл"), max_length=250)
    rows = models.PositiveIntegerField(_("строк"))
    sha256 = models.CharField(_("контрольная сумма (SHA-256)"), max_length=64)
    created_at = models.DateTimeField(_("выгружен"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("выгрузил"),
    )  # fmt: skip
    actor = models.CharField(_("кто"), max_length=150, blank=True, help_text=_("Пользователь ОС для команды"))

    class Meta:
        app_label = "billing"
        verbose_name = _("выгрузка")
        verbose_name_plural = _("выгрузки")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.subject}: {self.filename}"
