"""Querysets compiled once per process, for the lookups every request makes.

Building and compiling a queryset costs the ORM a few tenths of a
millisecond of Python; on a cached cabinet page the three lookups every
request makes (the session, the login, the accounts with their data
versions) cost more than the page itself. Their SQL never changes, only the
value they look up. :class:`PreparedQuery` builds the queryset once per
database alias with a sentinel in place of that value, keeps the compiled
SQL, and each call runs it with the real value as a raw query: the same SQL
and the same model instances (annotations become attributes, as with the
queryset), without the compile.

The queryset stays the one description of the lookup: change the builder and
the prepared SQL follows it (compiled anew in every process). A builder
whose parameters are not constant apart from the sentinel (a clock, a
setting read per call) must not be prepared: :meth:`PreparedQuery.sql`
refuses one whose SQL names the sentinel other than as a parameter, or not at
all.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import router
from django.db.models import QuerySet

# A value no real row holds: a negative id. Compared by identity of value in
# the compiled parameters.
SENTINEL = -7_340_519_221


class PreparedQuery:
    """``PreparedQuery(build)`` where ``build(value)`` returns a queryset
    filtered on one integer ``value`` (an id). Calling it with a value returns
    the list of model instances the queryset would give, in its order."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self.build = build
        self._model = None
        self._compiled: dict[str, tuple[str, tuple, tuple[int, ...]]] = {}

    def sql(self, using: str) -> tuple[str, tuple, tuple[int, ...]]:
        """The SQL, its parameters and the positions of the sentinel among
        them, for database ``using`` (compiled on first use). Raises
        ValueError for a builder that does not take its value as a
        parameter."""
        compiled = self._compiled.get(using)
        if compiled is None:
            queryset = self.build(SENTINEL).using(using)
            sql, params = queryset.query.get_compiler(using=using).as_sql()
            positions = tuple(i for i, p in enumerate(params) if isinstance(p, int) and p == SENTINEL)
            if not positions or str(SENTINEL) in sql:
                raise ValueError("a prepared queryset must take its value as a query parameter")
            compiled = self._compiled[using] = (sql, tuple(params), positions)
        return compiled

    def __call__(self, value: int) -> list:
        if self._model is None:
            self._model = self.build(SENTINEL).model
        using = router.db_for_read(self._model)
        sql, params, positions = self.sql(using)
        actual = list(params)
        for i in positions:
            actual[i] = int(value)
        return list(self._model._default_manager.db_manager(using).raw(sql, actual))
