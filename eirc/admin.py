"""Shared pieces of the staff admin (not an app: imported by the apps' admin.py).

- ``ReadOnlyAdminMixin`` / ``ReadOnlyInlineMixin``: rows written by services
  (the ledger, statements, charges, payments, logs) are shown, never added,
  edited or deleted through the admin, whatever the user's permissions.
- ``LargeTablePaginator``: an unfiltered changelist of a table with millions
  of rows takes its size from PostgreSQL's statistics instead of ``COUNT(*)``.
- ``RecentInlineMixin``: an inline of a history that grows without bound (the
  ledger of an account, the readings of a meter) shows its latest rows only;
  the whole history is a filtered changelist, linked from the page.
- ``install_money_display``: money in every admin list and read-only field as
  «1 234,56».
- ``TabularInline``: Django's tabular inline whose inputs carry their
  column's name (the table header is not a label: axe «label», «select-name»).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from eirc.money import format_amount

# Below this many rows (by the statistics) an exact COUNT(*) is cheap and exact.
ESTIMATE_FROM_ROWS = 100_000


class ReadOnlyAdminMixin:
    """View only: no add, change or delete, not even for a superuser."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin(ReadOnlyAdminMixin):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


class LargeTablePaginator(Paginator):
    """``count`` of an unfiltered queryset on PostgreSQL comes from
    ``pg_class.reltuples`` when the table is large; otherwise a real count."""

    @cached_property
    def count(self):
        qs = self.object_list
        query = getattr(qs, "query", None)
        if query is not None and not query.where and not query.distinct:
            estimate = _estimated_rows(qs)
            if estimate is not None and estimate >= ESTIMATE_FROM_ROWS:
                return estimate
        return super().count


def _estimated_rows(qs) -> int | None:
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [qs.model._meta.db_table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


class BigTableAdminMixin:
    """For tables that grow with accounts × months: no full COUNT(*) on every
    page, no total count next to the search box."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    list_per_page = 50


@admin.display(description=_("лицевой счёт"), ordering="account__number")
def account_number(obj):
    """A list column: the number of ``obj.account`` (select_related it)."""
    return obj.account.number


class RecentInlineMixin:
    """Show only the latest ``recent_limit`` rows of the parent object (by
    ``recent_order``) in this inline, so that the parent's page stays small
    and its query count fixed whatever the length of the history. Set
    ``fk_name``. The full history is a changelist filtered by the parent
    (link to it from the parent's page and in ``verbose_name_plural``)."""

    recent_limit = 20
    recent_order: tuple[str, ...] = ("-id",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        object_id = match.kwargs.get("object_id") if match else None
        if object_id is None:
            return qs.none()
        latest = (
            self.model._default_manager.filter(**{f"{self.fk_name}_id": object_id})
            .order_by(*self.recent_order)
            .values_list("pk", flat=True)[: self.recent_limit]
        )
        return qs.filter(pk__in=list(latest)).order_by(*self.recent_order)


_MONEY_PLACES = 2
_installed = False


def install_money_display() -> None:
    """Money in the admin as «1 234,56» (a no-break space between thousands).

    Django shows a ``DecimalField`` through ``number_format`` and groups
    thousands only with ``USE_THOUSAND_SEPARATOR``, which stays off: it would
    also group ids and years in every template of the site. The admin renders
    values through ``display_for_field`` and ``display_for_value``, which its
    change list and read-only fields import by name; both are wrapped there so
    that a two-place decimal (every amount of money; tariffs have four places,
    quantities three) is formatted by :func:`eirc.money.format_amount`.
    Idempotent; called by ``eirc.apps.CoreConfig.ready``."""
    global _installed
    if _installed:
        return
    from django.contrib.admin import helpers, utils
    from django.contrib.admin.templatetags import admin_list
    from django.db import models

    field_display, value_display = utils.display_for_field, utils.display_for_value

    def display_for_field(value, field, empty_value_display, *args, **kwargs):
        if isinstance(field, models.DecimalField) and field.decimal_places == _MONEY_PLACES and value is not None:
            return format_amount(value)
        return field_display(value, field, empty_value_display, *args, **kwargs)

    def display_for_value(value, empty_value_display, *args, **kwargs):
        if isinstance(value, Decimal) and value.as_tuple().exponent == -_MONEY_PLACES:
            return format_amount(value)
        return value_display(value, empty_value_display, *args, **kwargs)

    for module in (utils, helpers, admin_list):
        if hasattr(module, "display_for_field"):
            module.display_for_field = display_for_field
        if hasattr(module, "display_for_value"):
            module.display_for_value = display_for_value
    _installed = True


class TabularInline(admin.TabularInline):
    """A tabular inline whose every input, select and «Удалить» checkbox is
    named (``aria-label``: the column's header), as a screen reader needs."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class Labelled(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for name, field in form.fields.items():
                    widget = getattr(field.widget, "widget", field.widget)  # inside a related-object wrapper
                    label = str(field.label or name)
                    widget.attrs.setdefault("aria-label", label)
                    field.widget.attrs.setdefault("aria-label", label)

        Labelled.__name__ = formset.__name__
        return Labelled


def _register_calendar():
    from eirc.models import CalendarDay

    @admin.register(CalendarDay)
    class CalendarDayAdmin(admin.ModelAdmin):
        """The production calendar: staff add a year's transfers when the
        Government's decree is published (docs/appeals.md)."""

        list_display = ("date", "kind", "note")
        list_filter = ("kind", ("date", admin.DateFieldListFilter))
        date_hierarchy = "date"
        search_fields = ("note",)
        ordering = ("date",)


_register_calendar()
