"""Shared pieces of the staff admin (not an app: imported by the apps' admin.py).

- ``ReadOnlyAdminMixin`` / ``ReadOnlyInlineMixin``: rows written by services
  (the ledger, statements, charges, payments, logs) are shown, never added,
  edited or deleted through the admin, whatever the user's permissions.
- ``LargeTablePaginator``: an unfiltered changelist of a table with millions
  of rows takes its size from PostgreSQL's statistics instead of ``COUNT(*)``.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

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
