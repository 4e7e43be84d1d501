"""Django's PostgreSQL backend; the per-request health check asks the socket first.

With ``CONN_HEALTH_CHECKS`` Django runs ``SELECT 1`` before a reused
connection serves a request: one more round trip to Postgres on every
page. A PostgreSQL server never writes to an idle connection unasked,
except to end it — a shutdown or restart, ``pg_terminate_backend``,
``idle_session_timeout`` send their FATAL message and close the socket.
So a socket with nothing to read belongs to a live backend and is used as
it is; a socket with something to read (the FATAL message, the end of
the stream, or anything else unexpected) gets Django's ``SELECT 1``, which
fails on a dead backend, and Django reconnects before the request's first
query. A connection that is not idle (inside a transaction, or a failed
one) also gets ``SELECT 1``: only the server knows whether it can go on. (A server host that vanishes without closing its sockets is not
seen by either check until a query times out.)
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg2.extensions import TRANSACTION_STATUS_IDLE


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        if self.connection.info.transaction_status != TRANSACTION_STATUS_IDLE:
            return super().is_usable()  # in a transaction (or a failed one): let the server say
        try:
            pending, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not pending or super().is_usable()
