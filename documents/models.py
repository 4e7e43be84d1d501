"""Receipts (ЕПД), certificate requests, issued-document register, offices."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import F, Q
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalAccount
from eirc.models import Period


class PrivateStorage(LazyObject):
    """Receipts and certificates: never a public URL; views check ownership."""

    def _setup(self):
        self._wrapped = storages["private"]


private_storage = PrivateStorage()


def _private():
    return private_storage


class IssuedDocument(models.Model):
    """Every generated document, with the short code printed on it and a
    fingerprint of its content, for the public authenticity check."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("единый платёжный документ")
        NO_DEBT = "no_debt", _("справка об отсутствии задолженности")
        EXTRACT = "extract", _("выписка из лицевого счёта")
        STATEMENT = "statement", _("справка о начислениях и оплатах")
        OTHER = "other", _("документ")

    code = models.CharField(_("код проверки"), max_length=16, unique=True)
    kind = models.CharField(_("вид"), max_length=12, choices=Kind.choices)
    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="issued_documents", verbose_name=_("лицевой счёт")
    )
    title = models.CharField(_("название"), max_length=200)
    sha256 = models.CharField(_("SHA-256 файла"), max_length=64, blank=True)
    issued_at = models.DateTimeField(_("выдан"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)

    class Meta:
        verbose_name = _("выданный документ")
        verbose_name_plural = _("выданные документы")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.code} — {self.title}"


class Receipt(models.Model):
    """The rendered ЕПД of an account for a period. ``statement_hash`` tells
    whether the file still matches the statement (re-render when not)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("готовится")
        READY = "ready", _("готова")
        FAILED = "failed", _("ошибка")

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("лицевой счёт")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("период"))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("файл"), storage=_private, upload_to="receipts/%Y/%m/", blank=True)
    statement_hash = models.CharField(max_length=64, blank=True, verbose_name=_("отпечаток данных"))
    total_due = models.DecimalField(_("к оплате"), max_digits=12, decimal_places=2, null=True, blank=True)
    document = models.OneToOneField(
        IssuedDocument, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("документ")
    )
    rendered_at = models.DateTimeField(_("сформирована"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("отправлена"), null=True, blank=True)
    checked_at = models.DateTimeField(
        _("сверена с начислениями"),
        null=True,
        blank=True,
        help_text=_("Когда последний раз проверено, что файл актуален."),
    )
    error = models.CharField(max_length=250, blank=True, verbose_name=_("ошибка"))

    class Meta:
        verbose_name = _("квитанция")
        verbose_name_plural = _("квитанции")
        ordering = ["account", "-period__month"]
        constraints = [models.UniqueConstraint(fields=["account", "period"], name="documents_receipt_unique")]

    def __str__(self):
        return f"ЕПД {self.account.number} за {self.period}"


class CertificateRequest(models.Model):
    class Kind(models.TextChoices):
        NO_DEBT = "no_debt", _("справка об отсутствии задолженности")
        EXTRACT = "extract", _("выписка из лицевого счёта")
        STATEMENT = "statement", _("справка о начислениях и оплатах за период")
        OTHER = "other", _("другой документ (в свободной форме)")

    class Status(models.TextChoices):
        NEW = "new", _("новый")
        IN_PROGRESS = "in_progress", _("в работе")
        READY = "ready", _("готов")
        REJECTED = "rejected", _("отказано")

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="certificate_requests", verbose_name=_("лицевой счёт")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("пользователь")
    )
    kind = models.CharField(_("вид"), max_length=12, choices=Kind.choices)
    date_from = models.DateField(_("с"), null=True, blank=True)
    date_to = models.DateField(_("по"), null=True, blank=True)
    text = models.TextField(_("текст запроса"), blank=True)
    status = models.CharField(_("состояние"), max_length=12, choices=Status.choices, default=Status.NEW)
    reject_reason = models.CharField(_("причина отказа"), max_length=500, blank=True)
    file = models.FileField(_("файл"), storage=_private, upload_to="certificates/%Y/%m/", blank=True)
    document = models.OneToOneField(
        IssuedDocument, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("документ")
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("обработал"),
    )
    created_at = models.DateTimeField(_("заказан"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("изменён"))
    ready_at = models.DateTimeField(_("готов"), null=True, blank=True)

    class Meta:
        verbose_name = _("заказ справки")
        verbose_name_plural = _("заказы справок")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="statement") | Q(date_from__isnull=False, date_to__isnull=False),
                name="documents_cert_statement_has_range",
            ),
            models.CheckConstraint(
                condition=Q(date_from__isnull=True) | Q(date_to__isnull=True) | Q(date_to__gte=F("date_from")),
                name="documents_cert_range_ordered",
            ),
            models.CheckConstraint(condition=~Q(kind="other") | ~Q(text=""), name="documents_cert_other_has_text"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="documents_cert_rejected_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.account.number}"


class Office(models.Model):
    """A customer service office (reference information)."""

    name = models.CharField(_("название"), max_length=120)
    address = models.CharField(_("адрес"), max_length=250)
    hours = models.TextField(_("часы работы"))
    phones = models.CharField(_("телефоны"), max_length=200)
    email = models.EmailField(_("почта"), blank=True)
    note = models.CharField(_("примечание"), max_length=250, blank=True)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    is_active = models.BooleanField(_("показывать"), default=True)

    class Meta:
        verbose_name = _("офис обслуживания")
        verbose_name_plural = _("офисы обслуживания")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ReceiptBatch(models.Model):
    """One issuing of a period's receipts: chunks run on the workers and
    count their progress here. Re-running a period resumes: receipts that are
    already current are skipped (the statement hash), so only what is
    missing, failed or stale is rendered."""

    class Status(models.TextChoices):
        RUNNING = "running", _("выполняется")
        DONE = "done", _("завершён")

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="receipt_batches", verbose_name=_("период")
    )
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(_("счетов"), default=0)
    chunks = models.PositiveIntegerField(_("частей"), default=0)
    chunks_done = models.PositiveIntegerField(_("частей готово"), default=0)
    processed = models.PositiveIntegerField(_("обработано"), default=0)
    rendered = models.PositiveIntegerField(_("сформировано"), default=0)
    failed = models.PositiveIntegerField(_("ошибок"), default=0)
    started_at = models.DateTimeField(_("начат"), auto_now_add=True)
    finished_at = models.DateTimeField(_("завершён"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("запустил"),
    )

    class Meta:
        verbose_name = _("выпуск квитанций")
        verbose_name_plural = _("выпуски квитанций")
        ordering = ["-started_at"]

    def __str__(self):
        return f"ЕПД за {self.period}: {self.processed}/{self.total}"
