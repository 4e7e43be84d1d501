"""Staff admin of notices («Объявления»): written by operators, with the
action «Разослать» that queues the email through
``documents.services.notice_send_request`` (recorded with the operator)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from documents import services
from documents.models import Notice
from eirc.errors import DomainError


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "starts_on", "ends_on", "target", "send_requested_at")
    list_filter = ("kind", "target")
    search_fields = ("title", "text", "street", "houses")
    date_hierarchy = "starts_on"
    autocomplete_fields = ("provider",)
    readonly_fields = ("created_by", "created_at", "send_requested_at", "send_requested_by")
    fieldsets = (
        (None, {"fields": ("kind", "title", "text", ("starts_on", "ends_on"))}),
        (_("Кому"), {"fields": ("target", "street", "houses", "provider")}),
        (_("Рассылка"), {"fields": ("created_by", "created_at", "send_requested_at", "send_requested_by")}),
    )
    actions = ["send"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Разослать по почте жителям, выбравшим объявления"), permissions=["change"])
    def send(self, request, queryset):
        for notice in queryset.order_by("pk"):
            try:
                services.notice_send_request(notice_id=notice.pk, operator=request.user)
            except DomainError as exc:
                self.message_user(request, f"«{notice.title}»: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, f"«{notice.title}»: рассылка поставлена в очередь.", messages.SUCCESS)
