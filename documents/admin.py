"""Staff admin for documents: certificate requests (operators handle them),
offices (reference pages); receipts and the issued-document register are
produced by tasks and only shown. Files live in private storage and have no
public URL, so the admin shows their names, never a link."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.flatpages import admin as flatpage_admin
from django.contrib.flatpages import forms as flatpage_forms
from django.contrib.flatpages.models import FlatPage
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing.admin_actions import run_periods
from documents.models import CertificateRequest, IssuedDocument, Office, Receipt
from eirc.admin import BigTableAdminMixin, ReadOnlyAdminMixin, account_number
from eirc.errors import DomainError
from eirc.html import clean_html
from eirc.models import Period
from eirc.periods import period_label


class PrivateFileMixin:
    @admin.display(description=_("файл"))
    def file_name(self, obj):
        return obj.file.name if obj.file else "—"


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("issued_at", "code", "kind", account_number, "title", "revoked_at")
    list_filter = ("kind", "issued_at")
    search_fields = ("code", "account__number")
    list_select_related = ("account",)
    ordering = ("-issued_at",)


@admin.register(Receipt)
class ReceiptAdmin(PrivateFileMixin, BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (account_number, "period", "status", "total_due", "rendered_at", "emailed_at")
    list_filter = ("status", "period")
    search_fields = ("account__number",)
    list_select_related = ("account", "period")
    fields = (
        "account",
        "period",
        "status",
        "total_due",
        "file_name",
        "statement_hash",
        "document",
        "rendered_at",
        "emailed_at",
        "error",
    )
    readonly_fields = ("file_name",)
    ordering = ("-id",)


@admin.register(CertificateRequest)
class CertificateRequestAdmin(PrivateFileMixin, admin.ModelAdmin):
    list_display = ("created_at", account_number, "kind", "status", "date_from", "date_to", "handled_by", "ready_at")
    list_filter = ("status", "kind")
    search_fields = ("account__number", "account__owner_last_name", "text")
    list_select_related = ("account", "handled_by")
    autocomplete_fields = ("account",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = (
        "account",
        "user",
        "kind",
        "date_from",
        "date_to",
        "text",
        "status",
        "reject_reason",
        "file_name",
        "document",
        "handled_by",
        "created_at",
        "ready_at",
        "resolve_link",
    )
    # The status moves only through the services (take, complete, reject).
    readonly_fields = (
        "user",
        "status",
        "reject_reason",
        "file_name",
        "document",
        "handled_by",
        "created_at",
        "ready_at",
        "resolve_link",
    )

    def get_urls(self):
        from documents.admin_views import resolve_view

        own = [
            path(
                "<int:object_id>/resolve/",
                self.admin_site.admin_view(
                    lambda request, object_id: resolve_view(request, object_id, self.admin_site)
                ),
                name="documents_certificaterequest_resolve",
            )
        ]
        return own + super().get_urls()

    @admin.display(description=_("ответ"))
    def resolve_link(self, obj):
        if obj.pk is None or obj.status in (CertificateRequest.Status.READY, CertificateRequest.Status.REJECTED):
            return "—"
        if obj.kind != CertificateRequest.Kind.OTHER:
            return _("формируется автоматически")
        url = reverse("admin:documents_certificaterequest_resolve", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Приложить документ или отказать"))

    actions = ["take_into_work"]

    @admin.action(description=_("Взять в работу"), permissions=["change"])
    def take_into_work(self, request, queryset):
        from documents.services import certificate_take

        done = 0
        for req in queryset.filter(status=CertificateRequest.Status.NEW):
            try:
                certificate_take(request=req, user=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{req}: {exc.message}", level="error")
        self.message_user(request, f"Взято в работу: {done}")

    def has_add_permission(self, request):
        # Residents order certificates; staff answer them.
        return False


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "phones", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    ordering = ("position", "name")


# --- periods: billing runs them, closing one issues its receipts -------------------


@admin.action(description=_("Закрыть период и выпустить квитанции"), permissions=["change"])
def close_periods_and_issue(modeladmin, request, queryset):
    from documents.services import period_close_and_issue

    for per in queryset.order_by("month"):
        try:
            period_close_and_issue(period=per.month, user=request.user)
        except DomainError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
            continue
        modeladmin.message_user(
            request, f"Период {period_label(per.month)} закрыт; выпуск квитанций запущен.", messages.SUCCESS
        )


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("month_label", "status", "closed_at", "closed_by")
    list_filter = ("status",)
    # Closing (or reopening) a period changes what the database lets happen
    # to its ledger: that is the billing service's job, never a form field.
    readonly_fields = ("status", "closed_at", "closed_by")
    ordering = ("-month",)
    actions = (run_periods, close_periods_and_issue)
    # Period selects elsewhere come from this (small) table; search by year.
    search_fields = ("month",)

    @admin.display(description=_("месяц"), ordering="month")
    def month_label(self, obj):
        return str(obj)


# --- reference articles (flatpages) ---------------------------------------------
# Operators write articles as HTML; what is saved is sanitised (eirc.html), so
# the stored page is exactly what residents see (the template cleans again).


class FlatPageForm(flatpage_forms.FlatpageForm):
    def clean_content(self):
        return clean_html(self.cleaned_data.get("content"))


class FlatPageAdmin(flatpage_admin.FlatPageAdmin):
    form = FlatPageForm

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "content":
            field.help_text = _(
                "HTML: заголовки, абзацы, списки, таблицы, выделение, картинки и ссылки (http, https, mailto, tel). "
                "Скрипты, стили, формы, фреймы и обработчики событий удаляются при сохранении."
            )
        return field


if admin.site.is_registered(FlatPage):
    admin.site.unregister(FlatPage)
admin.site.register(FlatPage, FlatPageAdmin)

# Register the requests' and the notices' admin.
from documents import admin_appeals, admin_notices  # noqa: E402,F401
