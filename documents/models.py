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


# --- Appeals (обращения): requests of residents with a statutory deadline ---


class AppealKind(models.Model):
    """A kind of request, as data staff edit: its term, the documents it
    needs and whether it ends in a recalculation. ``form`` picks the fields
    the resident's form asks for."""

    class Form(models.TextChoices):
        ABSENCE = "absence", _("временное отсутствие")
        QUALITY = "quality", _("качество услуги")
        CHARGE = "charge", _("проверка начислений")
        METER = "meter", _("прибор учёта")
        HOUSEHOLD = "household", _("состав проживающих, собственник")
        FREE = "free", _("свободный вопрос")

    class Unit(models.TextChoices):
        WORKING = "working", _("рабочих дней")
        CALENDAR = "calendar", _("календарных дней")

    code = models.SlugField(_("код"), max_length=40, unique=True)
    title = models.CharField(_("название"), max_length=200)
    form = models.CharField(_("форма"), max_length=12, choices=Form.choices)
    basis = models.CharField(_("основание"), max_length=250, blank=True)
    term_days = models.PositiveSmallIntegerField(_("срок ответа"))
    term_unit = models.CharField(_("срок в"), max_length=10, choices=Unit.choices, default=Unit.WORKING)
    documents_needed = models.TextField(_("нужные документы"), blank=True)
    ends_in_recalculation = models.BooleanField(_("завершается перерасчётом"), default=False)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    is_active = models.BooleanField(_("принимается"), default=True)

    class Meta:
        verbose_name = _("вид обращения")
        verbose_name_plural = _("виды обращений")
        ordering = ["position", "title"]
        constraints = [models.CheckConstraint(condition=Q(term_days__gte=1), name="documents_appealkind_term_pos")]

    def __str__(self):
        return self.title


class Appeal(models.Model):
    """A resident's request. Never deleted (PROTECT everywhere, no delete
    permission): a withdrawn one stays, marked. ``token`` is the form's
    one-time key: a double submit finds the request already filed. Filed in
    the cabinet by ``user``, or registered by an operator (``registered_by``;
    ``user`` the holder's login if any) from a contact at ``filed_at``."""

    class Channel(models.TextChoices):
        CABINET = "cabinet", _("личный кабинет")
        PHONE = "phone", _("телефон")
        OFFICE = "office", _("лично в офисе")
        LETTER = "letter", _("письмо")

    class Status(models.TextChoices):
        NEW = "new", _("принято")
        IN_PROGRESS = "in_progress", _("в работе")
        NEEDS_INFO = "needs_info", _("нужны сведения от заявителя")
        CLOSED = "closed", _("закрыто")

    class Outcome(models.TextChoices):
        RECALCULATED = "recalculated", _("выполнен перерасчёт")
        ANSWERED = "answered", _("дан ответ")
        REFUSED = "refused", _("отказано")
        WITHDRAWN = "withdrawn", _("отозвано заявителем")

    number = models.CharField(_("номер"), max_length=20, unique=True)
    token = models.UUIDField(_("ключ формы"), unique=True)
    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("лицевой счёт")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("заявитель (вход в кабинет)"),
    )
    channel = models.CharField(_("способ подачи"), max_length=10, choices=Channel.choices, default=Channel.CABINET)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("зарегистрировал оператор"),
    )
    applicant_name = models.CharField(_("заявитель (Ф. И. О.)"), max_length=200, blank=True)
    applicant_contact = models.CharField(_("контакт заявителя (телефон или эл. почта)"), max_length=120, blank=True)
    kind = models.ForeignKey(AppealKind, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("вид"))
    fields = models.JSONField(_("сведения"), default=dict, blank=True)
    text = models.TextField(_("текст"), blank=True)
    status = models.CharField(_("состояние"), max_length=12, choices=Status.choices, default=Status.NEW)
    filed_at = models.DateTimeField(_("подано"))
    deadline = models.DateField(_("ответить до"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_appeals",
        verbose_name=_("исполнитель"),
    )
    outcome = models.CharField(_("итог"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_text = models.TextField(_("ответ по существу"), blank=True)
    closed_at = models.DateTimeField(_("закрыто"), null=True, blank=True)
    withdrawn = models.BooleanField(_("отозвано"), default=False)
    escalated_at = models.DateTimeField(_("передано руководителям"), null=True, blank=True)
    recalculation = models.ForeignKey(
        "billing.Recalculation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("перерасчёт"),
    )
    document = models.OneToOneField(
        IssuedDocument, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("расписка")
    )
    ack_file = models.FileField(_("файл расписки"), storage=_private, upload_to="appeals/ack/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("обращение")
        verbose_name_plural = _("обращения")
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (~Q(outcome="") & Q(closed_at__isnull=False)),
                name="documents_appeal_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(withdrawn=True) | Q(outcome="withdrawn"), name="documents_appeal_withdrawn_outcome"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="recalculated") | Q(recalculation__isnull=False),
                name="documents_appeal_recalc_has_line",
            ),
            models.CheckConstraint(
                condition=(Q(channel="cabinet") & Q(user__isnull=False) & Q(registered_by__isnull=True))
                | (~Q(channel="cabinet") & Q(registered_by__isnull=False)),
                name="documents_appeal_channel_who",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | (~Q(applicant_name="") & ~Q(applicant_contact="")),
                name="documents_appeal_applicant_known",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="documents_appeal_queue")]

    def __str__(self):
        return f"№ {self.number} — {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def by_operator(self) -> bool:
        return self.channel != self.Channel.CABINET


class AppealMessage(models.Model):
    """One message of the thread between the resident and the operators."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="messages", verbose_name=_("обращение"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("автор")
    )
    from_staff = models.BooleanField(_("от оператора"), default=False)
    text = models.TextField(_("текст"))
    created_at = models.DateTimeField(_("написано"), auto_now_add=True)

    class Meta:
        verbose_name = _("сообщение по обращению")
        verbose_name_plural = _("сообщения по обращениям")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.appeal.number}: {self.text[:40]}"


class AppealAttachment(models.Model):
    """A file of a request (personal data, 152-ФЗ): private storage, served
    only to the owner and to staff; images are stored re-encoded, without
    their metadata."""

    appeal = models.ForeignKey(
        Appeal, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("обращение")
    )
    message = models.ForeignKey(
        AppealMessage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("сообщение"),
    )
    file = models.FileField(_("файл"), storage=_private, upload_to="appeals/%Y/%m/")
    name = models.CharField(_("имя файла"), max_length=200)
    content_type = models.CharField(_("тип"), max_length=40)
    size = models.PositiveIntegerField(_("размер, байт"))
    sha256 = models.CharField(_("SHA-256 файла"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("загрузил")
    )
    from_staff = models.BooleanField(_("от оператора"), default=False)
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    class Meta:
        verbose_name = _("вложение обращения")
        verbose_name_plural = _("вложения обращений")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class AppealStatusChange(models.Model):
    """Every change of a request's status: who, when, from, to."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="history", verbose_name=_("обращение"))
    from_status = models.CharField(_("было"), max_length=12, blank=True)
    to_status = models.CharField(_("стало"), max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("кто")
    )
    at = models.DateTimeField(_("когда"), auto_now_add=True)
    note = models.CharField(_("примечание"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("смена состояния обращения")
        verbose_name_plural = _("история состояний обращений")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.appeal.number}: {self.from_status or '—'} → {self.to_status}"

    @property
    def to_label(self) -> str:
        return str(dict(Appeal.Status.choices).get(self.to_status, self.to_status))


class AppealDigest(models.Model):
    """One morning email of an operator's overdue list: unique per operator
    and day, so a second run of the task sends nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("оператор")
    )
    day = models.DateField(_("день"))
    count = models.PositiveIntegerField(_("обращений в письме"), default=0)

    class Meta:
        verbose_name = _("утренняя сводка оператору")
        verbose_name_plural = _("утренние сводки операторам")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="documents_appealdigest_once")]

    def __str__(self):
        return f"{self.user_id} {self.day:%d.%m.%Y}"


from documents.models_notices import Notice, NoticeDelivery  # noqa: E402  (split for size)

__all__ = [
    "Appeal",
    "AppealAttachment",
    "AppealDigest",
    "AppealKind",
    "AppealMessage",
    "AppealStatusChange",
    "CertificateRequest",
    "IssuedDocument",
    "Notice",
    "NoticeDelivery",
    "Office",
    "Receipt",
    "ReceiptBatch",
    "private_storage",
]
