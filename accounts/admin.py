"""Staff admin: logins, personal accounts (with their meters, services,
benefits and read-only ledger), consents and the security log."""

from __future__ import annotations

import functools

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.admin_actions import reset_two_factor, send_reset_link, set_temporary_password
from accounts.models import (
    AccessToken,
    AccountLink,
    ApiToken,
    Consent,
    LoginSession,
    PersonalAccount,
    SecurityEvent,
    User,
)
from accounts.search import accounts_search
from eirc.admin import BigTableAdminMixin, ReadOnlyAdminMixin, TabularInline, account_number

# --- Users ---------------------------------------------------------------


class AccountLinkForUserInline(TabularInline):
    model = AccountLink
    fk_name = "user"
    extra = 0
    autocomplete_fields = ("account",)
    readonly_fields = ("linked_at",)
    verbose_name = _("лицевой счёт")
    verbose_name_plural = _("лицевые счета этого пользователя")


def _residents_only(action):
    """Staff who are not superusers act on residents only: a staff or
    superuser login selected in the list is left out of the action."""

    @functools.wraps(action)
    def wrapped(modeladmin, request, queryset):
        if not request.user.is_superuser:
            queryset = queryset.filter(is_staff=False, is_superuser=False)
        return action(modeladmin, request, queryset)

    return wrapped


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus the portal's fields. Staff who are not
    superusers change residents only and never see the role switches, so an
    operator can neither promote anyone nor take over a staff login."""

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Личные данные"),
            {"fields": ("last_name", "first_name", "middle_name", "email", "email_confirmed_at", "phone")},
        ),
        (_("Уведомления"), {"fields": ("notify_readings", "notify_payments", "paperless_receipts")}),
        (_("Пароль"), {"fields": ("must_change_password", "password_changed_at")}),
        (
            _("Права доступа"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Важные даты"), {"fields": ("last_login", "date_joined")}),
    )
    staff_fieldsets = (
        *fieldsets[:4],
        (_("Права доступа"), {"fields": ("is_active", "is_staff")}),
        fieldsets[5],
    )
    list_display = (
        "username",
        "last_name",
        "first_name",
        "middle_name",
        "email",
        "email_confirmed",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "must_change_password", "paperless_receipts")
    search_fields = ("username", "email", "last_name", "first_name", "phone", "account_links__account__number")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined", "password_changed_at")
    inlines = (AccountLinkForUserInline,)
    actions = (
        _residents_only(send_reset_link),
        _residents_only(set_temporary_password),
        _residents_only(reset_two_factor),
    )

    @admin.display(description=_("почта подтверждена"), boolean=True, ordering="email_confirmed_at")
    def email_confirmed(self, obj):
        return obj.email_confirmed_at is not None

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.staff_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            fields = (*fields, "is_staff", "email_confirmed_at")
        return fields

    def _is_protected(self, request, obj) -> bool:
        return obj is not None and not request.user.is_superuser and (obj.is_staff or obj.is_superuser)

    def has_change_permission(self, request, obj=None):
        if self._is_protected(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._is_protected(request, obj):
            return False
        return super().has_delete_permission(request, obj)


# --- Personal accounts -----------------------------------------------------


class AccountLinkInline(TabularInline):
    model = AccountLink
    fk_name = "account"
    extra = 0
    max_num = 1
    autocomplete_fields = ("user",)
    readonly_fields = ("linked_at",)
    verbose_name = _("личный кабинет")
    verbose_name_plural = _("личный кабинет")


def add_account_inline(inline: type, *, order: int) -> None:
    """Show ``inline`` on the personal account's admin page, after the
    account's own parts, in ``order`` (meters 10, services 20, benefits 30,
    the ledger 40). Called once, by the owning app's ``admin.py``."""
    if all(existing is not inline for _o, existing in PersonalAccountAdmin.extra_inlines):
        PersonalAccountAdmin.extra_inlines.append((order, inline))


@admin.register(PersonalAccount)
class PersonalAccountAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("number", "address_short", "owner_name", "area", "residents", "status", "opened_on", "holder")
    list_display_links = ("number", "address_short")
    list_filter = ("status",)
    search_fields = (
        "number",
        "els",
        "street",
        "house",
        "flat",
        "owner_last_name",
        "owner_first_name",
        "owner_middle_name",
    )
    search_help_text = _(
        "Номер лицевого счёта или ЕЛС, фамилия плательщика или адрес: «Б. Морская 14», «Ленина, 5, 12»."
    )
    list_select_related = ("link__user",)
    show_full_result_count = False
    list_per_page = 50
    ordering = ("number",)
    readonly_fields = ("created_at", "ledger_link")
    fieldsets = (
        (None, {"fields": ("number", "els", "gis_document_id", "status", "opened_on", "closed_on")}),
        (_("Плательщик"), {"fields": ("owner_last_name", "owner_first_name", "owner_middle_name")}),
        (_("Адрес"), {"fields": ("postcode", "city", "street", "house", "flat")}),
        (_("Помещение"), {"fields": ("area", "heated_area", "residents")}),
        (_("Служебное"), {"fields": ("created_at", "ledger_link")}),
    )
    inlines = (AccountLinkInline,)
    # The higher layers add their parts of the account page (meters: the
    # meters; billing: services, benefits, the ledger) with
    # :func:`add_account_inline`: accounts imports none of them.
    extra_inlines: list[tuple[int, type]] = []

    def get_inlines(self, request, obj):
        return [*self.inlines, *(inline for _order, inline in sorted(self.extra_inlines, key=lambda x: x[0]))]

    @admin.display(description=_("адрес"), ordering="street")
    def address_short(self, obj):
        flat = f", кв. {obj.flat}" if obj.flat else ""
        return f"{obj.street}, д. {obj.house}{flat}"

    @admin.display(description=_("плательщик"), ordering="owner_last_name")
    def owner_name(self, obj):
        return obj.owner_name

    @admin.display(description=_("личный кабинет"))
    def holder(self, obj):
        link = getattr(obj, "link", None)  # reverse one-to-one: absent when not linked
        return str(link.user) if link else "—"

    # The account's history lives in the other apps' lists, filtered by the
    # account (named by URL, not imported: accounts is below them).
    HISTORY = (
        ("admin:billing_ledgerentry_changelist", "account__id__exact", _("Проводки")),
        ("admin:billing_statement_changelist", "account__id__exact", _("Ведомости по месяцам")),
        ("admin:billing_charge_changelist", "account__id__exact", _("Начисления")),
        ("admin:payments_payment_changelist", "account__id__exact", _("Платежи")),
        ("admin:meters_reading_changelist", "q", _("Показания")),
        ("admin:documents_receipt_changelist", "account__id__exact", _("Квитанции")),
    )

    @admin.display(description=_("история счёта"))
    def ledger_link(self, obj):
        if obj.pk is None:
            return "—"
        links = []
        for name, lookup, label in self.HISTORY:
            try:
                url = reverse(name)
            except NoReverseMatch:  # that part of the admin is not installed
                continue
            value = obj.number if lookup == "q" else obj.pk
            links.append(format_html('<a href="{}?{}={}">{}</a>', url, lookup, value, label))
        return format_html_join(" · ", "{}", ((link,) for link in links))

    def get_search_results(self, request, queryset, search_term):
        # Number, ЕЛС, surname or a partial address («Б. Морская 14»), fast
        # at a city's size: accounts.search (trigram indexes on PostgreSQL).
        return accounts_search(queryset, search_term), False


@admin.register(AccountLink)
class AccountLinkAdmin(admin.ModelAdmin):
    list_display = ("account", "user", "linked_at")
    search_fields = ("account__number", "user__username", "user__email", "user__last_name")
    autocomplete_fields = ("user", "account")
    list_select_related = ("account", "user")
    readonly_fields = ("linked_at",)
    list_filter = ("linked_at",)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Evidence of a resident's consent (152-ФЗ): kept as given."""

    list_display = ("created_at", "user", "kind", "given", "text_version", "ip_address")
    list_filter = ("kind", "given", "text_version")
    search_fields = ("user__username", "user__email", "user__last_name", "user__account_links__account__number")
    list_select_related = ("user",)
    show_full_result_count = False


@admin.register(SecurityEvent)
class SecurityEventAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "user", "actor", "account_number", "ip_address")
    # A date filter, not date_hierarchy: the latter scans the whole log.
    list_filter = ("kind", "created_at")
    search_fields = ("account_number", "ip_address", "user__username", "actor__username")
    list_select_related = ("user", "actor")
    ordering = ("-created_at",)


@admin.register(AccessToken)
class AccessTokenAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Emailed links: when issued, for whom, whether used. The token hash is
    never shown."""

    list_display = ("created_at", "purpose", "user", "account", "email", "expires_at", "used_at")
    list_filter = ("purpose", "created_at")
    search_fields = ("email", "user__username", "account__number")
    list_select_related = ("user", "account")
    fields = ("purpose", "user", "account", "email", "created_at", "expires_at", "used_at")
    ordering = ("-created_at",)


@admin.register(LoginSession)
class LoginSessionAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Which logins have sessions. The session key is a live credential and
    is never shown."""

    list_display = ("created_at", "user")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    fields = ("user", "created_at")
    ordering = ("-created_at",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Residents' API tokens (managed by residents themselves). Only the
    prefix is shown, never the hash."""

    list_display = ("created_at", "name", "prefix", account_number, "user", "last_used_at", "revoked_at")
    list_filter = ("created_at", "revoked_at")
    search_fields = ("prefix", "account__number", "user__username")
    list_select_related = ("account", "user")
    fields = ("name", "prefix", "user", "account", "created_at", "last_used_at", "revoked_at")
    ordering = ("-created_at",)
