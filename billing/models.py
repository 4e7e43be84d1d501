"""Providers, services, tariffs, periods, charges, benefits, the ledger.

The ledger (``LedgerEntry``) is the source of truth for what a resident owes:
entries are signed (positive increases the debt) and immutable — the
database refuses an UPDATE, and a DELETE unless the period is still open (an
open period's billing results are replaced on a re-run). ``Statement`` is a
per-account per-period summary derived from the ledger; its arithmetic is a
database constraint and ``billing_check`` proves it equals the ledger.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalAccount
from billing.exchange.models import ExchangeExport, ImportChange, ImportRun  # noqa: F401 (registered here)
from billing.penalties.calc import RULE_14, RULE_14_1
from billing.penalty_data import KeyRate, Moratorium, RateCap  # noqa: F401 (registered here)
from eirc.models import Period
from meters.models import Zone, ZoneSet

MONEY = {"max_digits": 12, "decimal_places": 2}
# Names of the fields many models share.
ACCOUNT, PERIOD, SERVICE = _("лицевой счёт"), _("период"), _("услуга")
HALF_KOPECK = Decimal("0.005")


def _adds_up(field: str, expr) -> Q:
    """``field = expr`` for 2-place money columns, written as "within half a
    kopeck": on PostgreSQL (exact numerics, every difference a multiple of
    0.01) it is exactly equality; on SQLite, which does this arithmetic in
    binary floating point, it does not refuse 0.1 + 0.2 = 0.3."""
    return Q(**{f"{field}__gt": expr - HALF_KOPECK, f"{field}__lt": expr + HALF_KOPECK})


RATE = {"max_digits": 12, "decimal_places": 4}
QTY = {"max_digits": 14, "decimal_places": 3}


class Provider(models.Model):
    """A provider (поставщик / исполнитель) with the bank details that go on
    the receipt and into the payment QR code."""

    name = models.CharField(_("наименование"), max_length=160)
    short_name = models.CharField(_("краткое наименование"), max_length=80)
    inn = models.CharField(_("ИНН"), max_length=12)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    bank_name = models.CharField(_("банк"), max_length=45)
    bik = models.CharField(_("БИК"), max_length=9)
    settlement_account = models.CharField(_("расчётный счёт"), max_length=20)
    corr_account = models.CharField(_("корр. счёт"), max_length=20)
    address = models.CharField(_("адрес"), max_length=250, blank=True)
    phone = models.CharField(_("телефон"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("поставщик")
        verbose_name_plural = _("поставщики")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["inn", "kpp"], name="billing_provider_inn_kpp_unique"),
            models.CheckConstraint(
                condition=Q(inn__regex=r"^([0-9]{10}|[0-9]{12})$"), name="billing_provider_inn_digits"
            ),
            models.CheckConstraint(condition=Q(kpp="") | Q(kpp__regex=r"^[0-9]{9}$"), name="billing_provider_kpp"),
            models.CheckConstraint(condition=Q(bik__regex=r"^[0-9]{9}$"), name="billing_provider_bik"),
            models.CheckConstraint(
                condition=Q(settlement_account__regex=r"^[0-9]{20}$"), name="billing_provider_account"
            ),
            models.CheckConstraint(condition=Q(corr_account__regex=r"^[0-9]{20}$"), name="billing_provider_corr"),
        ]

    def __str__(self):
        return self.short_name or self.name


class Service(models.Model):
    class Method(models.TextChoices):
        METER = "meter", _("по счётчику")
        AREA = "area", _("по площади")
        PER_RESIDENT = "per_resident", _("по числу проживающих")
        FIXED = "fixed", _("фиксированная сумма")

    class PenaltyRule(models.TextChoices):
        """Which statute the penalty on this service's debt follows (the
        values are billing.penalties' RULE_14 / RULE_14_1)."""

        CH14 = RULE_14, _("ЖК РФ ст. 155 ч. 14")
        CH14_1 = RULE_14_1, _("ЖК РФ ст. 155 ч. 14.1 (взносы на капитальный ремонт)")

    code = models.SlugField(_("код"), max_length=40, unique=True)
    name = models.CharField(_("услуга"), max_length=120)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="services", verbose_name=_("поставщик")
    )
    method = models.CharField(_("способ начисления"), max_length=16, choices=Method.choices)
    unit = models.CharField(_("единица"), max_length=20, help_text=_("м³, кВт·ч, Гкал, м², чел."))
    zones = models.CharField(_("зоны тарифа"), max_length=40, choices=ZoneSet.choices, default=ZoneSet.SINGLE)
    norm = models.DecimalField(
        _("норматив на человека в месяц"),
        **RATE,
        null=True,
        blank=True,
        help_text=_("Для услуг по счётчику: объём без показаний после 3 месяцев по среднему."),
    )
    no_meter_factor = models.DecimalField(
        _("повышающий коэффициент"),
        max_digits=5,
        decimal_places=2,
        default=1,
        help_text=_("Применяется к нормативу, если прибор учёта отсутствует или не поверен (например, 1,5)."),
    )
    window_start_day = models.PositiveSmallIntegerField(
        _("приём показаний с"), null=True, blank=True, help_text=_("Пусто — по умолчанию (20).")
    )
    window_end_day = models.PositiveSmallIntegerField(
        _("приём показаний по"), null=True, blank=True, help_text=_("Пусто — по умолчанию (25).")
    )
    penalty_rule = models.CharField(
        _("правило начисления пени"),
        max_length=8,
        choices=PenaltyRule.choices,
        default=PenaltyRule.CH14,
        help_text=_(
            "ч. 14: пени с 31-го дня после срока оплаты, с 91-го дня — 1/130 ставки; "
            "ч. 14.1 (взносы на капитальный ремонт): 1/300 ставки со следующего дня после срока оплаты."
        ),
    )
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("услуга")
        verbose_name_plural = _("услуги")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(no_meter_factor__gte=1), name="billing_service_factor_ge_1"),
            models.CheckConstraint(
                condition=Q(window_start_day__isnull=True)
                | Q(window_start_day__gte=1, window_start_day__lte=28, window_end_day__gte=F("window_start_day")),
                name="billing_service_window_days",
            ),
            models.CheckConstraint(
                condition=Q(window_end_day__isnull=True) | Q(window_end_day__lte=28),
                name="billing_service_window_end",
            ),
            models.CheckConstraint(
                condition=Q(penalty_rule__in=[RULE_14, RULE_14_1]), name="billing_service_penalty_rule"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def zone_list(self) -> list[str]:
        return [z.strip() for z in self.zones.split(",") if z.strip()]


class Tariff(models.Model):
    """An effective-dated rate. A change adds a row; past charges keep theirs."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tariffs", verbose_name=SERVICE)
    zone = models.CharField(_("зона"), max_length=10, choices=Zone.choices, default=Zone.SINGLE)
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"), null=True, blank=True)
    rate = models.DecimalField(_("тариф, ₽"), **RATE)
    basis = models.CharField(_("основание"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("тариф")
        verbose_name_plural = _("тарифы")
        ordering = ["service", "zone", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["service", "zone", "valid_from"], name="billing_tariff_unique_start"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="billing_tariff_rate_nonneg"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="billing_tariff_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.service} ({self.get_zone_display()}) с {self.valid_from:%d.%m.%Y}: {self.rate}"


class AccountService(models.Model):
    """A service an account receives, from a date (and until one)."""

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.CASCADE, related_name="services", verbose_name=ACCOUNT
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="account_services", verbose_name=SERVICE
    )
    started_on = models.DateField(_("с"))
    ended_on = models.DateField(_("по"), null=True, blank=True)
    quantity_override = models.DecimalField(
        _("объём (фикс.)"), **QTY, null=True, blank=True, help_text=_("Особый объём, если отличается от расчётного.")
    )

    class Meta:
        verbose_name = _("услуга по счёту")
        verbose_name_plural = _("услуги по счёту")
        constraints = [
            models.UniqueConstraint(fields=["account", "service", "started_on"], name="billing_accsvc_unique"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="billing_accsvc_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.account.number}: {self.service}"


class BillingRun(models.Model):
    """One run of the monthly billing for a period (resumable by chunks)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("выполняется")
        DONE = "done", _("завершён")
        FAILED = "failed", _("ошибка")

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="runs", verbose_name=PERIOD)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True, verbose_name=_("начат"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("закончен"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("запустил"),
    )
    accounts_done = models.PositiveIntegerField(default=0, verbose_name=_("рассчитано счетов"))
    last_account_id = models.BigIntegerField(default=0, verbose_name=_("последний рассчитанный счёт (id)"))
    report = models.JSONField(default=dict, blank=True, verbose_name=_("отчёт"))

    class Meta:
        verbose_name = _("расчёт периода")
        verbose_name_plural = _("расчёты периодов")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.period} — {self.get_status_display()}"


class Charge(models.Model):
    """One service's charge for one account and period. Zones of a multi-zone
    meter are detailed in ``details``; the row holds the totals."""

    class Basis(models.TextChoices):
        METER = "meter", _("по показаниям счётчика")
        AVERAGE = "average", _("по среднему потреблению")
        NORM = "norm", _("по нормативу")
        AREA = "area", _("по площади")
        PER_RESIDENT = "per_resident", _("по числу проживающих")
        FIXED = "fixed", _("фиксированная сумма")

    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="charges", verbose_name=ACCOUNT)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="charges", verbose_name=PERIOD)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="charges", verbose_name=SERVICE)
    basis = models.CharField(_("основание"), max_length=16, choices=Basis.choices)
    quantity = models.DecimalField(_("объём"), **QTY)
    rate = models.DecimalField(_("тариф"), **RATE, null=True, blank=True)
    amount = models.DecimalField(_("начислено"), **MONEY)
    benefit = models.DecimalField(_("льгота"), **MONEY, default=0)
    recalculation = models.DecimalField(_("перерасчёт"), **MONEY, default=0)
    total = models.DecimalField(_("итого"), **MONEY)
    details = models.JSONField(_("расчёт"), default=dict, blank=True)
    run = models.ForeignKey(
        BillingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="charges", verbose_name=_("расчёт")
    )

    class Meta:
        verbose_name = _("начисление")
        verbose_name_plural = _("начисления")
        ordering = ["period", "service__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period", "service"],
                name="billing_charge_one_per_service",
                violation_error_message=_("Начисление по этой услуге за этот период уже есть."),
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="billing_charge_amount_nonneg"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="billing_charge_quantity_nonneg"),
            models.CheckConstraint(
                condition=Q(benefit__gte=0, benefit__lte=F("amount")), name="billing_charge_benefit_bounded"
            ),
            models.CheckConstraint(
                condition=_adds_up("total", F("amount") - F("benefit") + F("recalculation")),
                name="billing_charge_total_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["period", "account"], name="billing_charge_period_acc")]

    def __str__(self):
        return f"{self.account.number} {self.period} {self.service}: {self.total}"


class BenefitCategory(models.Model):
    """A category of residents entitled to a percentage discount on services."""

    name = models.CharField(_("категория"), max_length=160)
    code = models.SlugField(_("код"), max_length=40, unique=True)
    percent = models.DecimalField(_("скидка, %"), max_digits=5, decimal_places=2)
    services = models.ManyToManyField(Service, related_name="benefit_categories", verbose_name=_("услуги"))
    basis = models.CharField(_("основание"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("категория льготы")
        verbose_name_plural = _("категории льгот")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gt=0, percent__lte=100), name="billing_benefit_percent"),
        ]

    def __str__(self):
        return f"{self.name} ({self.percent}%)"


class Benefit(models.Model):
    """A benefit granted to an account for a date range."""

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.CASCADE, related_name="benefits", verbose_name=ACCOUNT
    )
    category = models.ForeignKey(
        BenefitCategory, on_delete=models.PROTECT, related_name="benefits", verbose_name=_("категория")
    )
    valid_from = models.DateField(_("с"))
    valid_to = models.DateField(_("по"), null=True, blank=True)
    document = models.CharField(_("документ"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("льгота")
        verbose_name_plural = _("льготы")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="billing_benefit_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.account.number}: {self.category}"


class Recalculation(models.Model):
    """A recalculation (перерасчёт) entered by staff with a reason; applied by
    the billing run of ``period`` as its own line."""

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="recalculations", verbose_name=ACCOUNT
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=SERVICE)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="recalculations", verbose_name=PERIOD)
    for_period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("за период")
    )
    amount = models.DecimalField(_("сумма"), **MONEY, help_text=_("Минус — уменьшение начисления."))
    reason = models.CharField(_("причина"), max_length=250)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("внёс"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("внесён"))

    class Meta:
        verbose_name = _("перерасчёт")
        verbose_name_plural = _("перерасчёты")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="billing_recalc_nonzero"),
            models.CheckConstraint(condition=~Q(reason=""), name="billing_recalc_reason_required"),
        ]

    def __str__(self):
        return f"{self.account.number} {self.period} {self.service}: {self.amount} ({self.reason})"


class LedgerEntry(models.Model):
    """An immutable, signed ledger entry: positive increases the debt."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("входящее сальдо")
        CHARGE = "charge", _("начисление")
        BENEFIT = "benefit", _("льгота")
        RECALCULATION = "recalculation", _("перерасчёт")
        PENALTY = "penalty", _("пени")
        PAYMENT = "payment", _("оплата")
        REFUND = "refund", _("возврат")
        CORRECTION = "correction", _("корректировка")

    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="ledger", verbose_name=ACCOUNT)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="ledger", verbose_name=PERIOD)
    kind = models.CharField(_("вид"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("сумма"), **MONEY)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=SERVICE
    )
    charge = models.ForeignKey(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("начисление")
    )
    payment = models.OneToOneField(
        "payments.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entry",
        verbose_name=_("платёж"),
    )
    refund = models.OneToOneField(
        "payments.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entry",
        verbose_name=_("возврат"),
    )
    run = models.ForeignKey(
        BillingRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("расчёт")
    )
    for_period = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Период долга, к которому относится оплата или пени."),
        verbose_name=_("в счёт периода"),
    )
    occurred_on = models.DateField(_("дата"))
    description = models.CharField(_("описание"), max_length=250, blank=True)
    details = models.JSONField(
        _("расчёт"), default=dict, blank=True, help_text=_("Для пени: суммы и диапазоны дней, ставка, доля.")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("создана"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("создал"),
    )

    class Meta:
        verbose_name = _("проводка")
        verbose_name_plural = _("проводки")
        ordering = ["occurred_on", "id"]
        constraints = [
            # A penalty entry may be negative: it takes back penalty charged
            # earlier when a back-dated payment lowers what had accrued.
            models.CheckConstraint(
                condition=~Q(kind__in=["charge", "refund"]) | Q(amount__gte=0),
                name="billing_ledger_debit_kinds_nonneg",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["payment", "benefit"]) | Q(amount__lte=0),
                name="billing_ledger_credit_kinds_nonpos",
            ),
            models.CheckConstraint(
                condition=~Q(kind="payment") | Q(payment__isnull=False),
                name="billing_ledger_payment_has_payment",
            ),
            models.CheckConstraint(
                condition=~Q(kind="refund") | Q(refund__isnull=False),
                name="billing_ledger_refund_has_refund",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "period"], name="billing_ledger_acc_period"),
            models.Index(fields=["period", "kind"], name="billing_ledger_period_kind"),
        ]

    def __str__(self):
        return f"{self.account.number} {self.period} {self.get_kind_display()} {self.amount}"


class Statement(models.Model):
    """Per-account per-period summary derived from the ledger (for fast pages
    and receipts). Signs: every column but ``recalculations`` and
    ``corrections`` is non-negative; ``closing`` is the debt (negative is an
    advance)."""

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="statements", verbose_name=ACCOUNT
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="statements", verbose_name=PERIOD)
    opening = models.DecimalField(_("входящее сальдо"), **MONEY, default=0)
    charged = models.DecimalField(_("начислено"), **MONEY, default=0)
    benefits = models.DecimalField(_("льготы"), **MONEY, default=0)
    recalculations = models.DecimalField(_("перерасчёты"), **MONEY, default=0)
    penalties = models.DecimalField(_("пени"), **MONEY, default=0)
    paid = models.DecimalField(_("оплачено"), **MONEY, default=0)
    refunds = models.DecimalField(_("возвраты"), **MONEY, default=0)
    corrections = models.DecimalField(_("корректировки"), **MONEY, default=0)
    closing = models.DecimalField(_("исходящее сальдо"), **MONEY, default=0)
    due_date = models.DateField(_("оплатить до"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("обновлена"))

    class Meta:
        verbose_name = _("оборотная ведомость")
        verbose_name_plural = _("оборотные ведомости")
        ordering = ["account", "-period__month"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="billing_statement_unique"),
            models.CheckConstraint(
                condition=Q(charged__gte=0, benefits__gte=0, paid__gte=0, refunds__gte=0),
                name="billing_statement_signs",
            ),
            models.CheckConstraint(
                condition=_adds_up(
                    "closing",
                    F("opening")
                    + F("charged")
                    - F("benefits")
                    + F("recalculations")
                    + F("penalties")
                    - F("paid")
                    + F("refunds")
                    + F("corrections"),
                ),
                name="billing_statement_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.account.number} {self.period}: {self.closing}"

    @property
    def total_charged(self):
        """Charged this period after benefits and recalculations, with penalties."""
        return self.charged - self.benefits + self.recalculations + self.penalties


class PaymentTermRule(models.Model):
    """Dated rule: for periods from ``applies_from`` on, payment is due on
    ``due_day`` and the receipt issued by ``issue_day`` of the next month."""

    applies_from = models.DateField(_("для периодов с"), unique=True)
    due_day = models.PositiveSmallIntegerField(_("срок оплаты, число"))
    issue_day = models.PositiveSmallIntegerField(_("выставление ЕПД, число"))
    basis = models.CharField(_("основание"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("срок оплаты")
        verbose_name_plural = _("сроки оплаты")
        ordering = ["applies_from"]
        constraints = [
            models.CheckConstraint(condition=Q(applies_from__day=1), name="billing_termrule_first_of_month"),
            models.CheckConstraint(condition=Q(due_day__gte=1, due_day__lte=28), name="billing_termrule_due_day"),
            models.CheckConstraint(condition=Q(issue_day__gte=1, issue_day__lte=28), name="billing_termrule_issue_day"),
        ]

    def __str__(self):
        return f"с {self.applies_from:%m.%Y}: до {self.due_day}-го"
