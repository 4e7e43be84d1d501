"""Staff admin for documents: certificate requests (operators handle them),
offices (reference pages); receipts and the issued-document register are
produced by tasks and only shown. Files live in private storage and have no
public URL, so the admin shows their names, never a link."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from documents.models import CertificateRequest, IssuedDocument, Office, Receipt
from eirc.admin import BigTableAdminMixin, ReadOnlyAdminMixin, account_number


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
        from eirc.errors import DomainError

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
