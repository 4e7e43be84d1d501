"""Staff admin for documents: certificate requests (operators handle them),
offices (reference pages); receipts and the issued-document register are
produced by tasks and only shown. Files live in private storage and have no
public URL, so the admin shows their names, never a link."""

from __future__ import annotations

from django.contrib import admin
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
    )
    readonly_fields = ("user", "file_name", "document", "handled_by", "created_at", "ready_at")

    actions = ["take_into_work"]

    @admin.action(description=_("Взять в работу"))
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

    def save_model(self, request, obj, form, change):
        # Who touched the request last (the workflow itself comes with its issue).
        obj.handled_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "phones", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    ordering = ("position", "name")
