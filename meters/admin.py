"""Staff admin for meters and readings. Operators keep meters up to date and
enter readings on a meter's page through the meters service (the same
checks as a resident's submission); readings, submissions and sent
reminders are records, shown only. The readings import lives at
/admin/meters/meter/import/."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import add_account_inline
from eirc.admin import (
    BigTableAdminMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    RecentInlineMixin,
    TabularInline,
    account_number,
)
from meters.models import Meter, Reading, ReminderSent, Submission


class ReadingInline(RecentInlineMixin, ReadOnlyInlineMixin, TabularInline):
    """The meter's latest readings, newest period first (the whole history is
    the readings list filtered by the meter, linked above). Readings are
    entered through ``reading_enter_by_operator`` (the page linked above),
    which applies the same checks as a resident's submission and keeps
    replaced readings in the history; they are never edited in place."""

    model = Reading
    fk_name = "meter"
    fields = ("period", "zone", "value", "taken_on", "source", "status", "entered_by", "created_at")
    readonly_fields = fields
    recent_limit = 36
    recent_order = ("-period__month", "zone", "-created_at")
    verbose_name_plural = _("последние показания (вся история — по ссылке «Все показания счётчика» выше)")
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period", "entered_by")


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = (
        "serial",
        "service",
        account_number,
        "zones",
        "digits",
        "installed_on",
        "verification_due",
        "status",
    )
    list_filter = ("status", "service", "verification_due")
    search_fields = ("serial", "account__number")
    list_select_related = ("account", "service")
    autocomplete_fields = ("account", "replaced_by")
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-id",)
    fieldsets = (
        (None, {"fields": ("account", "service", "serial", "model_name")}),
        (_("Счётный механизм"), {"fields": ("zones", "digits")}),
        (_("Даты"), {"fields": ("installed_on", "verification_due")}),
        (_("Состояние"), {"fields": ("status", "removed_on", "replaced_by")}),
        (_("Показания"), {"fields": ("readings_entry",)}),
    )
    readonly_fields = ("readings_entry",)
    inlines = (ReadingInline,)

    @admin.display(description=_("показания"))
    def readings_entry(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:meters_operator_entry", args=[obj.pk])
        links = format_html('<a class="button" href="{}">{}</a>', url, _("Внести показания со слов жителя"))
        history = reverse("admin:meters_reading_changelist") + f"?meter__id__exact={obj.pk}"
        links += format_html(' <a href="{}">{}</a>', history, _("Все показания счётчика"))
        if obj.status == Meter.Status.ACTIVE:
            replace = reverse("admin:meters_replace", args=[obj.pk])
            links += format_html(' <a class="button" href="{}">{}</a>', replace, _("Заменить счётчик"))
        return links

    def get_urls(self):
        # The operator's entry page and the readings import (meters/admin_import.py).
        from meters.admin_import import admin_urls

        return admin_urls(self.admin_site) + super().get_urls()


@admin.register(Reading)
class ReadingAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """All readings, for search. Shown only: operators enter readings on the
    meter's page (through the service), and a correction is a new reading
    that replaces the old one, never an edit."""

    list_display = (
        "meter",
        "meter_account",
        "period",
        "zone",
        "value",
        "taken_on",
        "source",
        "status",
        "entered_by",
        "created_at",
    )
    list_filter = ("source", "status", "zone", "period")
    search_fields = ("meter__serial", "meter__account__number")
    list_select_related = ("meter__account", "meter__service", "period", "entered_by")
    ordering = ("-id",)

    @admin.display(description=_("лицевой счёт"), ordering="meter__account__number")
    def meter_account(self, obj):
        return obj.meter.account.number


class SubmissionReadingInline(ReadOnlyInlineMixin, TabularInline):
    model = Reading
    fields = ("meter", "zone", "period", "value", "status")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("meter__service", "period")


@admin.register(Submission)
class SubmissionAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", account_number, "user", "channel", "created_at")
    list_filter = ("channel", "created_at")
    search_fields = ("code", "account__number")
    list_select_related = ("account", "user")
    ordering = ("-created_at",)
    inlines = (SubmissionReadingInline,)


@admin.register(ReminderSent)
class ReminderSentAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("sent_at", "kind", "key", "user")
    list_filter = ("kind", "sent_at")
    search_fields = ("key", "user__username", "user__email")
    list_select_related = ("user",)
    ordering = ("-sent_at",)


# --- the account page: its meters ---------------------------------------------------


class MeterInline(TabularInline):
    model = Meter
    fk_name = "account"
    extra = 0
    show_change_link = True
    fields = ("service", "serial", "model_name", "zones", "digits", "installed_on", "verification_due", "status")
    readonly_fields = ("status",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service")


add_account_inline(MeterInline, order=10)
