"""Staff admin for billing: reference data (providers, services, tariffs,
benefits, dated legal rates) is edited here; what the billing run writes
(charges, statements, runs) and the immutable ledger are only shown."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.admin import add_account_inline
from billing.admin_dryrun import dry_run_view
from billing.models import (
    AccountService,
    Benefit,
    BenefitCategory,
    BillingRun,
    Charge,
    KeyRate,
    LedgerEntry,
    Moratorium,
    PaymentTermRule,
    Provider,
    RateCap,
    Recalculation,
    Service,
    Statement,
    Tariff,
)
from billing.services import ledger_post_correction
from eirc.admin import (
    BigTableAdminMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    RecentInlineMixin,
    TabularInline,
    account_number,
)
from eirc.models import Period

# --- Reference data -------------------------------------------------------


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("short_name", "name", "inn", "kpp", "bank_name", "bik", "settlement_account")
    search_fields = ("name", "short_name", "inn")
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "short_name", "inn", "kpp", "address", "phone")}),
        (_("Банковские реквизиты"), {"fields": ("bank_name", "bik", "settlement_account", "corr_account")}),
    )


class TariffInline(TabularInline):
    model = Tariff
    extra = 0
    fields = ("zone", "valid_from", "valid_to", "rate", "basis")
    ordering = ("-valid_from", "zone")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "provider",
        "method",
        "unit",
        "zones",
        "norm",
        "penalty_rule",
        "position",
        "is_active",
    )
    list_filter = ("method", "penalty_rule", "is_active", "provider")
    search_fields = ("name", "code")
    list_select_related = ("provider",)
    ordering = ("position", "name")
    prepopulated_fields = {"code": ("name",)}
    inlines = (TariffInline,)


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ("service", "zone", "valid_from", "valid_to", "rate", "basis")
    list_filter = ("zone", "service")
    search_fields = ("service__name", "service__code", "basis")
    list_select_related = ("service",)
    autocomplete_fields = ("service",)
    date_hierarchy = "valid_from"
    ordering = ("service__position", "service__name", "zone", "-valid_from")


@admin.register(AccountService)
class AccountServiceAdmin(admin.ModelAdmin):
    list_display = (account_number, "service", "started_on", "ended_on", "quantity_override")
    list_filter = ("service",)
    search_fields = ("account__number",)
    list_select_related = ("account", "service")
    autocomplete_fields = ("account", "service")
    show_full_result_count = False
    ordering = ("-id",)


@admin.register(BenefitCategory)
class BenefitCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "percent", "basis")
    search_fields = ("name", "code")
    filter_horizontal = ("services",)
    prepopulated_fields = {"code": ("name",)}
    ordering = ("name",)


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    list_display = (account_number, "category", "valid_from", "valid_to", "document")
    list_filter = ("category",)
    search_fields = ("account__number", "account__owner_last_name", "document")
    list_select_related = ("account", "category")
    autocomplete_fields = ("account",)
    ordering = ("-valid_from",)


@admin.register(PaymentTermRule)
class PaymentTermRuleAdmin(admin.ModelAdmin):
    list_display = ("applies_from", "due_day", "issue_day", "basis")
    ordering = ("-applies_from",)


@admin.register(KeyRate)
class KeyRateAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "rate")
    date_hierarchy = "valid_from"
    ordering = ("-valid_from",)


@admin.register(RateCap)
class RateCapAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "valid_to", "rate", "basis")
    ordering = ("-valid_from",)


@admin.register(Moratorium)
class MoratoriumAdmin(admin.ModelAdmin):
    list_display = ("start", "end", "basis")
    ordering = ("-start",)


@admin.register(Recalculation)
class RecalculationAdmin(admin.ModelAdmin):
    list_display = (account_number, "period", "service", "for_period", "amount", "reason", "created_by", "created_at")
    list_filter = ("period", "service")
    search_fields = ("account__number", "reason")
    list_select_related = ("account", "period", "service", "for_period", "created_by")
    autocomplete_fields = ("account",)
    readonly_fields = ("created_by", "created_at")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# --- Written by the billing run: shown, never edited -------------------------


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("period", "status", "started_at", "finished_at", "started_by", "accounts_done")
    list_filter = ("status",)
    list_select_related = ("period", "started_by")
    ordering = ("-started_at",)


@admin.register(Charge)
class ChargeAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        account_number,
        "period",
        "service",
        "basis",
        "quantity",
        "rate",
        "amount",
        "benefit",
        "recalculation",
        "total",
    )
    list_filter = ("period", "basis", "service")
    search_fields = ("account__number",)
    list_select_related = ("account", "period", "service")
    ordering = ("-id",)

    def get_urls(self):
        own = [
            path(
                "dry-run/",
                self.admin_site.admin_view(lambda request: dry_run_view(request, self.admin_site)),
                name="billing_charge_dryrun",
            )
        ]
        return own + super().get_urls()


@admin.register(Statement)
class StatementAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        account_number,
        "period",
        "opening",
        "charged",
        "benefits",
        "recalculations",
        "penalties",
        "paid",
        "refunds",
        "corrections",
        "closing",
        "due_date",
    )
    list_filter = ("period",)
    search_fields = ("account__number",)
    list_select_related = ("account", "period")
    ordering = ("-id",)


# --- The ledger: immutable ----------------------------------------------------


class LedgerCorrectionForm(forms.ModelForm):
    """The only way to write through the admin: a correction entry, in an
    open period, with a reason. Mistakes are fixed by new entries. Saved by
    ``billing.services.ledger_post_correction`` (which dates the entry and
    refreshes the statements); the checks here only give friendly errors."""

    class Meta:
        model = LedgerEntry
        fields = ("account", "period", "amount", "description")
        localized_fields = ("amount",)  # "-250,00" as staff type it
        help_texts = {
            "amount": _("Плюс увеличивает долг, минус уменьшает."),
            "description": _("Основание корректировки (обязательно)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(status=Period.Status.OPEN)
        self.fields["description"].required = True

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Сумма корректировки не может быть нулевой."))
        return amount


@admin.register(LedgerEntry)
class LedgerEntryAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Shown read-only; never changed or deleted (the database refuses it
    too). Users with ``billing.add_ledgerentry`` (accountants) may add a
    correction through a separate, minimal form."""

    list_display = ("occurred_on", account_number, "period", "kind", "amount", "service", "description")
    list_filter = ("kind", "period")
    search_fields = ("account__number",)
    list_select_related = ("account", "period", "service")
    autocomplete_fields = ("account",)
    ordering = ("-id",)
    add_form = LedgerCorrectionForm

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = LedgerCorrectionForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return LedgerCorrectionForm.Meta.fields
        return super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:  # pragma: no cover - has_change_permission is False
            raise PermissionError("ledger entries are immutable")
        entry = ledger_post_correction(
            account=obj.account,
            period=obj.period,
            amount=obj.amount,
            description=obj.description,
            user=request.user,
        )
        # The admin logs and redirects with ``obj``: make it the saved entry.
        for field in LedgerEntry._meta.concrete_fields:
            setattr(obj, field.attname, getattr(entry, field.attname))
        obj._state.adding = False


# --- the account page: its services, benefits and ledger -------------------------------


class AccountServiceInline(TabularInline):
    model = AccountService
    extra = 0
    fields = ("service", "started_on", "ended_on", "quantity_override")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service")


class BenefitInline(TabularInline):
    model = Benefit
    extra = 0
    fields = ("category", "valid_from", "valid_to", "document")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")


class LedgerInline(RecentInlineMixin, ReadOnlyInlineMixin, TabularInline):
    """The account's latest ledger entries, newest first; nothing here can be
    changed. The whole journal is the ledger list filtered by the account
    (the «История счёта» links at the top of the page): the page stays small
    whatever the length of the history."""

    model = LedgerEntry
    fk_name = "account"
    fields = ("occurred_on", "period", "kind", "amount", "service", "description", "created_by")
    readonly_fields = fields
    recent_limit = 24
    recent_order = ("-occurred_on", "-id")
    verbose_name_plural = _("последние 24 проводки (только просмотр; весь журнал — по ссылке «Проводки» выше)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period", "service", "created_by")


add_account_inline(AccountServiceInline, order=20)
add_account_inline(BenefitInline, order=30)
add_account_inline(LedgerInline, order=40)

# The exchange's import runs, their changes and the export records.
from billing import admin_exchange  # noqa: E402,F401
