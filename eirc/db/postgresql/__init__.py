"""Django's PostgreSQL backend with a health check that costs no query on a
quiet connection (``eirc.db.postgresql.base``)."""
