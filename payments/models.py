"""Payment attempts, refunds, the webhook inbox, bank registry imports.

One ``Payment`` row per attempt, created with its own idempotence key before
any call to the gateway. A payment is credited to the ledger exactly once:
``billing.LedgerEntry.payment`` is a unique (one-to-one) link, and the
confirming service locks the payment row.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalAccount
from billing.models import MONEY
from eirc.models import Period


class Payment(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("создан")
        PENDING = "pending", _("обрабатывается")
        WAITING_FOR_CAPTURE = "waiting_for_capture", _("ожидает подтверждения")
        SUCCEEDED = "succeeded", _("оплачен")
        CANCELED = "canceled", _("отменён")
        EXPIRED = "expired", _("истёк")

    class Source(models.TextChoices):
        ONLINE = "online", _("онлайн, банковская карта")
        REGISTRY = "registry", _("реестр банка")
        CASH = "cash", _("касса")

    class Method(models.TextChoices):
        """How the payer paid, as the history names it (issue 17)."""

        CARD = "card", _("карта")
        SAVED_CARD = "saved_card", _("сохранённая карта")
        SBP = "sbp", _("СБП")
        AUTOPAY = "autopay", _("автоплатёж")
        REGISTRY = "registry", _("банк по реестру")
        CASH = "cash", _("касса")

    class Provider(models.TextChoices):
        """Who carried the payment (the provider's ``name``; empty for cash)."""

        YOOKASSA = "yookassa", _("ЮKassa")
        SANDBOX = "sandbox", _("песочница (демо)")
        REGISTRY = "registry", _("реестр банка")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("номер платежа"))
    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="payments", verbose_name=_("лицевой счёт")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("пользователь")
    )
    source = models.CharField(_("способ"), max_length=10, choices=Source.choices, default=Source.ONLINE)
    # db_default too: the registry import writes rows by COPY.
    method = models.CharField(
        _("способ оплаты"), max_length=12, choices=Method.choices, default=Method.CARD, db_default=Method.CARD
    )
    save_card = models.BooleanField(
        _("сохранить карту"),
        default=False,
        db_default=False,
        help_text=_("Плательщик попросил сохранить карту для следующих оплат."),
    )
    saved_card = models.ForeignKey(
        "SavedCard",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("сохранённая карта"),
    )
    amount = models.DecimalField(_("сумма"), **MONEY)
    currency = models.CharField(_("валюта"), max_length=3, default="RUB")
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.CREATED)
    for_period = models.ForeignKey(
        Period, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("за период")
    )
    provider = models.CharField(_("платёжный сервис"), max_length=40, blank=True, choices=Provider.choices)
    idempotence_key = models.UUIDField(_("ключ идемпотентности"), default=uuid.uuid4, unique=True, editable=False)
    provider_payment_id = models.CharField(_("id у платёжного сервиса"), max_length=64, null=True, blank=True)
    external_id = models.CharField(
        _("номер операции банка"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("Для платежей из реестра банка"),
    )
    confirmation_url = models.URLField(_("адрес оплаты"), max_length=500, blank=True)
    receipt_email = models.EmailField(_("почта для чека"), blank=True)
    paid_at = models.DateTimeField(_("оплачен"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("изменён"))
    last_checked_at = models.DateTimeField(_("последняя проверка"), null=True, blank=True)
    failure_reason = models.CharField(_("причина отказа"), max_length=250, blank=True)
    registry = models.ForeignKey(
        "RegistryImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("реестр банка"),
    )
    form_token = models.UUIDField(
        _("ключ формы"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Одна форма оплаты — один платёж: повторная отправка формы не создаёт второй."),
    )

    class Meta:
        verbose_name = _("платёж")
        verbose_name_plural = _("платежи")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payments_payment_amount_positive",
                violation_error_message=_("Сумма платежа должна быть больше нуля."),
            ),
            models.CheckConstraint(condition=Q(currency="RUB"), name="payments_payment_rub"),
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=Q(provider_payment_id__isnull=False),
                name="payments_payment_provider_id_unique",
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=Q(external_id__isnull=False),
                name="payments_payment_external_id_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(paid_at__isnull=False),
                name="payments_payment_succeeded_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payments_status_created"),
            models.Index(fields=["account", "-created_at"], name="payments_account_created"),
        ]

    def __str__(self):
        return f"{self.account.number} {self.amount} ₽ ({self.get_status_display()})"

    @property
    def method_label(self) -> str:
        """The method as the history names it; offline rows by their source
        (the demo and older rows carry the default method)."""
        if self.source == self.Source.REGISTRY:
            return str(self.Method.REGISTRY.label)
        if self.source == self.Source.CASH:
            return str(self.Method.CASH.label)
        return self.get_method_display()

    @property
    def is_succeeded(self) -> bool:
        """What the ledger asks before crediting (``billing.ledger.PaymentRow``)."""
        return self.status == self.Status.SUCCEEDED


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("обрабатывается")
        SUCCEEDED = "succeeded", _("выполнен")
        CANCELED = "canceled", _("отклонён")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("номер возврата"))
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("платёж"))
    amount = models.DecimalField(_("сумма"), **MONEY)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.PENDING)
    idempotence_key = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("ключ идемпотентности")
    )
    provider_refund_id = models.CharField(
        max_length=64, null=True, blank=True, unique=True, verbose_name=_("номер возврата в платёжном сервисе")
    )
    reason = models.CharField(_("причина"), max_length=250)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("оформил")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("создан"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("завершён"))

    class Meta:
        verbose_name = _("возврат")
        verbose_name_plural = _("возвраты")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payments_refund_amount_positive",
                violation_error_message=_("Сумма возврата должна быть больше нуля."),
            ),
        ]

    def __str__(self):
        return f"возврат {self.amount} ₽ по {self.payment_id}"

    @property
    def is_succeeded(self) -> bool:
        """What the ledger asks before debiting (``billing.ledger.RefundRow``)."""
        return self.status == self.Status.SUCCEEDED


class WebhookEvent(models.Model):
    """The inbox of gateway notifications. Stored once (unique key); never
    trusted: a task re-fetches the object from the gateway."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("получено")
        PROCESSED = "processed", _("обработано")
        REJECTED = "rejected", _("отклонено")

    provider = models.CharField(max_length=40, choices=Payment.Provider.choices, verbose_name=_("платёжный сервис"))
    event = models.CharField(_("событие"), max_length=60)
    object_id = models.CharField(_("объект"), max_length=64)
    remote_addr = models.GenericIPAddressField(_("адрес отправителя"), null=True, blank=True)
    body = models.JSONField(default=dict, verbose_name=_("тело уведомления"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.RECEIVED, verbose_name=_("состояние")
    )
    note = models.CharField(max_length=250, blank=True, verbose_name=_("примечание"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("получено"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("обработано"))

    class Meta:
        verbose_name = _("уведомление платёжного сервиса")
        verbose_name_plural = _("уведомления платёжного сервиса")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event", "object_id"], name="payments_webhook_once"),
        ]

    def __str__(self):
        return f"{self.event} {self.object_id}"


class RegistryImport(models.Model):
    """A bank's registry file of offline payments, imported once (checksum).
    Applied in chunks: ``completed_at`` is set when the last one is in."""

    filename = models.CharField(_("файл"), max_length=250)
    checksum = models.CharField(_("контрольная сумма (SHA-256)"), max_length=64, unique=True)
    rows = models.PositiveIntegerField(_("строк"), default=0)
    total = models.DecimalField(_("сумма"), **MONEY, default=0)
    imported_at = models.DateTimeField(auto_now_add=True, verbose_name=_("загружен"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("загрузил")
    )
    report = models.JSONField(default=dict, blank=True, verbose_name=_("отчёт"))
    completed_at = models.DateTimeField(
        _("проведён полностью"),
        null=True,
        blank=True,
        help_text=_("Пусто, пока загрузка не завершена: повторная загрузка того же файла проведёт остальное."),
    )

    class Meta:
        verbose_name = _("реестр платежей")
        verbose_name_plural = _("реестры платежей")
        ordering = ["-imported_at"]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="payments_registry_total_nonneg")]

    def __str__(self):
        return f"{self.filename} ({self.imported_at:%d.%m.%Y})"


class SandboxPayment(models.Model):
    """The sandbox gateway's own state: it behaves like a remote gateway
    (idempotent create by key, authoritative status on fetch) but lives in our
    database so that ``make run`` needs nothing outside."""

    id = models.CharField(primary_key=True, max_length=40, verbose_name=_("номер в песочнице"))
    idempotence_key = models.CharField(max_length=64, unique=True, verbose_name=_("ключ идемпотентности"))
    amount = models.DecimalField(**MONEY, verbose_name=_("сумма"))
    status = models.CharField(max_length=20, default="pending", verbose_name=_("состояние"))
    paid = models.BooleanField(default=False, verbose_name=_("оплачен"))
    metadata = models.JSONField(default=dict, verbose_name=_("метаданные"))
    refunded = models.DecimalField(**MONEY, default=0, verbose_name=_("возвращено"))
    payment_method = models.JSONField(default=dict, blank=True, verbose_name=_("способ оплаты"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("создан"))

    class Meta:
        verbose_name = _("платёж песочницы")
        verbose_name_plural = _("платежи песочницы")

    def __str__(self):
        return f"{self.id} {self.amount} {self.status}"


class SavedCard(models.Model):
    """A card the gateway keeps for a login (issue 17): its payment-method
    id and what identifies the card to its holder — never the card number.
    Belongs to the user, not to an account; deleting it stops every
    autopay that uses it (``payments.autopay.saved_card_delete``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_cards", verbose_name=_("пользователь")
    )
    provider = models.CharField(_("платёжный сервис"), max_length=40, choices=Payment.Provider.choices)
    gateway_method_id = models.CharField(_("id способа оплаты у платёжного сервиса"), max_length=64)
    last4 = models.CharField(_("последние 4 цифры"), max_length=4)
    card_type = models.CharField(_("платёжная система"), max_length=30, blank=True)
    expiry_month = models.PositiveSmallIntegerField(_("месяц окончания"))
    expiry_year = models.PositiveSmallIntegerField(_("год окончания"))
    consent_version = models.CharField(_("версия текста согласия"), max_length=20)
    created_at = models.DateTimeField(_("сохранена"), auto_now_add=True)

    class Meta:
        verbose_name = _("сохранённая карта")
        verbose_name_plural = _("сохранённые карты")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "gateway_method_id"], name="payments_savedcard_once"),
            models.CheckConstraint(condition=Q(last4__regex=r"^[0-9]{4}$"), name="payments_savedcard_last4"),
        ]

    def __str__(self):
        return f"{self.card_type or 'карта'} •••• {self.last4}"

    @property
    def expiry(self) -> str:
        return f"{self.expiry_month:02d}/{self.expiry_year % 100:02d}"


class Autopay(models.Model):
    """Autopay of one personal account (issue 17): a saved card, a limit per
    payment and the day. One per account."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("включён")
        PAUSED = "paused", _("приостановлен")
        OFF = "off", _("выключен")

    class When(models.TextChoices):
        ISSUE_DAY = "issue_day", _("в день выхода квитанции")
        DAY_OF_MONTH = "day", _("в выбранный день месяца")

    account = models.OneToOneField(
        PersonalAccount, on_delete=models.PROTECT, related_name="autopay", verbose_name=_("лицевой счёт")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("кто включил")
    )
    card = models.ForeignKey(
        SavedCard, on_delete=models.SET_NULL, null=True, blank=True, related_name="autopays", verbose_name=_("карта")
    )
    limit = models.DecimalField(_("не больше, ₽"), **MONEY)
    when = models.CharField(_("когда"), max_length=10, choices=When.choices, default=When.DAY_OF_MONTH)
    day = models.PositiveSmallIntegerField(_("день месяца"), null=True, blank=True)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_note = models.CharField(_("почему"), max_length=250, blank=True)
    declines_in_row = models.PositiveSmallIntegerField(_("отказов подряд"), default=0)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("автоплатёж")
        verbose_name_plural = _("автоплатежи")
        constraints = [
            models.CheckConstraint(condition=Q(limit__gt=0), name="payments_autopay_limit_positive"),
            models.CheckConstraint(
                condition=Q(when="issue_day", day__isnull=True) | Q(when="day", day__gte=1, day__lte=28),
                name="payments_autopay_day_1_28",
            ),
        ]

    def __str__(self):
        return f"автоплатёж {self.account.number} ({self.get_status_display()})"


class AutopayCharge(models.Model):
    """One receipt of an account under autopay: at most one per account and
    period (the unique constraint), so a task run twice, or by two workers,
    never plans — or pays — a receipt twice. Its attempts are payments with
    ``attempt`` 1 and (after a decline) 2."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("запланирован")
        CHARGING = "charging", _("списывается")
        RETRY = "retry", _("повтор завтра")
        SUCCEEDED = "succeeded", _("оплачен")
        DECLINED = "declined", _("карта отклонена")
        OVER_LIMIT = "over_limit", _("больше лимита — не списан")
        SKIPPED = "skipped", _("пропущен по просьбе")
        NOT_NEEDED = "not_needed", _("не нужен — долга нет")
        CANCELED = "canceled", _("отменён: автоплатёж выключен")

    autopay = models.ForeignKey(Autopay, on_delete=models.CASCADE, related_name="charges", verbose_name=_("автоплатёж"))
    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("лицевой счёт")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("квитанция за"))
    amount = models.DecimalField(_("сумма"), **MONEY)
    charge_on = models.DateField(_("дата списания"))
    status = models.CharField(_("состояние"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("платёж")
    )
    key = models.UUIDField(_("ключ"), default=uuid.uuid4, unique=True, editable=False)
    notified_at = models.DateTimeField(_("предупреждение отправлено"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("списание автоплатежа")
        verbose_name_plural = _("списания автоплатежа")
        ordering = ["-period__month"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="payments_autopaycharge_once"),
            models.CheckConstraint(condition=Q(attempts__lte=2), name="payments_autopaycharge_two_attempts"),
        ]

    def __str__(self):
        return f"{self.account.number} {self.period}: {self.get_status_display()}"
