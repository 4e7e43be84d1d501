"""The session engine: Django's database sessions, read with one plain query.

Sessions stay in the database on purpose: a revoked session (logout
elsewhere, a password change, a removed household member) must stay revoked
through a Redis outage, which ``cached_db`` cannot promise, and signed cookies
cannot be revoked at all. What this engine drops is the ORM's building and
compiling of the lookup every request makes (a few tenths of a millisecond
of Python on a page that is otherwise served from the cache): the same
``SELECT`` with the same expiry condition, as plain SQL. Writes, rotation
and expiry are Django's own.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        if not key:  # no cookie, or one the base class found malformed
            self._session_key = None
            return None
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        quote = connection.ops.quote_name
        # Names quoted from the model, values as parameters.
        table, data, key_col, expiry = (
            quote(n) for n in (model._meta.db_table, "session_data", "session_key", "expire_date")
        )
        sql = f"SELECT {data} FROM {table} WHERE {key_col} = %s AND {expiry} > %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])
