"""Staff admin for payments. Everything here is written by the payment
services (attempts, webhooks, refunds, bank registries) and only shown;
the one thing staff may change on a payment is where its receipt goes.
Refunds (accountant) and bank registry uploads have their own pages
(``payments/admin_views.py``) that call the payment services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import add_account_inline
from billing.admin_exchange import ExchangeExportAdmin
from eirc.admin import BigTableAdminMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin, TabularInline, account_number
from payments.models import (
    Autopay,
    AutopayCharge,
    Payment,
    Refund,
    RegistryImport,
    SandboxPayment,
    SavedCard,
    WebhookEvent,
)

# Payment fields staff may edit: none of them touches status, amount or the ledger.
PAYMENT_EDITABLE_FIELDS = ("receipt_email",)


class RefundInline(ReadOnlyInlineMixin, TabularInline):
    model = Refund
    fields = ("created_at", "amount", "status", "reason", "created_by", "completed_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


@admin.register(Payment)
class PaymentAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", account_number, "amount", "status", "method", "provider", "paid_at", "for_period")
    list_filter = ("status", "method", "source", "provider", "created_at")
    search_fields = ("account__number", "provider_payment_id", "external_id")
    list_select_related = ("account", "for_period")
    ordering = ("-created_at",)
    fieldsets = (
        (None, {"fields": ("id", "account", "user", "amount", "currency", "for_period")}),
        (_("Состояние"), {"fields": ("status", "paid_at", "failure_reason", "last_checked_at")}),
        (
            _("Платёжный сервис"),
            {
                "fields": (
                    "source",
                    "method",
                    "saved_card",
                    "provider",
                    "provider_payment_id",
                    "external_id",
                    "registry",
                    "idempotence_key",
                )
            },
        ),
        (_("Чек"), {"fields": ("receipt_email",)}),
        (_("Возврат"), {"fields": ("refund_link",)}),
        (_("Служебное"), {"fields": ("confirmation_url", "created_at", "updated_at")}),
    )
    inlines = (RefundInline,)
    actions = ("check_at_gateway",)
    readonly_extra = ("refund_link",)

    def get_urls(self):
        from payments.admin_views import payments_export_view, refund_view

        own = [
            path(
                "export/",
                self.admin_site.admin_view(lambda request: payments_export_view(request, self.admin_site)),
                name="payments_payment_export",
            ),
            path(
                "<uuid:object_id>/refund/",
                self.admin_site.admin_view(lambda request, object_id: refund_view(request, object_id, self.admin_site)),
                name="payments_payment_refund",
            ),
        ]
        return own + super().get_urls()

    @admin.display(description=_("возврат"))
    def refund_link(self, obj):
        if obj.status != Payment.Status.SUCCEEDED:
            return "—"
        url = reverse("admin:payments_payment_refund", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Оформить возврат"))

    @admin.action(description=_("Запросить статус у платёжного сервиса"))
    def check_at_gateway(self, request, queryset):
        from payments import services
        from payments.providers import GatewayError

        done = 0
        for payment in queryset.filter(source=Payment.Source.ONLINE).exclude(provider_payment_id=None)[:100]:
            try:
                services.payment_confirm(payment_id=payment.pk)
                done += 1
            except GatewayError as exc:
                messages.warning(request, f"{payment.pk}: {exc}")
        messages.info(request, _("Проверено платежей: %(n)d.") % {"n": done})

    def get_readonly_fields(self, request, obj=None):
        fields = [f for fieldset in self.fieldsets for f in fieldset[1]["fields"] if f not in PAYMENT_EDITABLE_FIELDS]
        return fields + list(self.readonly_extra)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "payment_account", "amount", "status", "reason", "created_by", "completed_at")
    list_filter = ("status", "created_at")
    search_fields = ("payment__account__number", "provider_refund_id", "reason")
    list_select_related = ("payment__account", "created_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    @admin.display(description=_("лицевой счёт"), ordering="payment__account__number")
    def payment_account(self, obj):
        return obj.payment.account.number


@admin.register(WebhookEvent)
class WebhookEventAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "provider", "event", "object_id", "status", "remote_addr", "processed_at")
    list_filter = ("status", "provider", "event", "received_at")
    search_fields = ("object_id",)
    ordering = ("-received_at",)


@admin.register(RegistryImport)
class RegistryImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("imported_at", "filename", "rows", "total", "completed_at", "imported_by")
    search_fields = ("filename", "checksum")
    list_select_related = ("imported_by",)
    date_hierarchy = "imported_at"
    ordering = ("-imported_at",)
    readonly_fields = ("payments_link",)

    def get_urls(self):
        from payments.admin_views import registry_upload_view

        own = [
            path(
                "upload/",
                self.admin_site.admin_view(lambda request: registry_upload_view(request, self.admin_site)),
                name="payments_registryimport_upload",
            )
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "upload_url": reverse("admin:payments_registryimport_upload")}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("платежи реестра"))
    def payments_link(self, obj):
        # A registry may hold thousands of payments: a filtered list, not an inline.
        url = reverse("admin:payments_payment_changelist") + f"?registry__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Открыть платежи этого реестра"))


@admin.register(SandboxPayment)
class SandboxPaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The sandbox gateway's own state (demo and tests only)."""

    list_display = ("created_at", "id", "amount", "status", "paid", "refunded")
    list_filter = ("status", "paid")
    search_fields = ("id",)
    ordering = ("-created_at",)


# The exports page of billing's admin links the day's payments export too.
ExchangeExportAdmin.extra_exports.append(("admin:payments_payment_export", _("Выгрузить платежи")))


# --- saved cards and autopay (issue 17): shown, never edited by staff ----------------------


class AutopayInline(ReadOnlyInlineMixin, TabularInline):
    """The account page says whether autopay is on, with which card and why
    it stopped (the resident alone turns it on or off)."""

    model = Autopay
    fields = ("status", "status_note", "card", "limit", "when", "day", "declines_in_row", "updated_at")
    readonly_fields = fields
    verbose_name_plural = _("автоплатёж")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("card")


add_account_inline(AutopayInline, order=50)


@admin.register(SavedCard)
class SavedCardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "user", "card_type", "last4", "expiry_month", "expiry_year", "consent_version")
    search_fields = ("user__username", "user__email", "last4")
    list_select_related = ("user",)
    exclude = ("gateway_method_id",)


class AutopayChargeInline(ReadOnlyInlineMixin, TabularInline):
    model = AutopayCharge
    fields = ("period", "amount", "charge_on", "status", "attempts", "payment", "notified_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period", "payment")


@admin.register(Autopay)
class AutopayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (account_number, "status", "limit", "when", "day", "declines_in_row", "updated_at")
    list_filter = ("status", "when")
    search_fields = ("account__number",)
    list_select_related = ("account",)
    inlines = (AutopayChargeInline,)
