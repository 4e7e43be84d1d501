"""Data versions: what lets the cabinet pages be cached without ever being stale.

Every write to a table a cabinet page reads bumps a version **in the same
transaction**, by a database trigger, so no path can forget it: the ledger
service, the billing run's set-based writes, a bank registry imported with
COPY, an admin action, raw SQL. Two versions, rows of ``accounts_dataversion``:

- one row per account, bumped by writes to that account's ledger entries,
  statements, charges, benefits, readings and payments (each app's migration
  installs the triggers on its own tables with :func:`account_triggers`);
- the row of ``account_id`` 0, bumped by writes to the shared data those
  pages show (periods, services, payment terms, benefit categories;
  :func:`site_triggers`).

A page is cached under both (``eirc.pagecache``); the versions are read with
the active account in the request's one account query (``accounts.selectors``),
before the page's data, so the data a page computes is at least as new as the
versions it is stored under.

A bump sets the version to ``max(version + 1, now in microseconds)``: it always
grows, and after a restore from a backup the new versions are still ones
never used before (the clock moved on), so an old cache entry cannot match.
A missing row (an account never written to; the shared row after a test
flush) reads as 0 and is created by the next bump.

On PostgreSQL the triggers are per statement with transition tables: a bulk
insert of 20 000 ledger rows bumps each account once, in one statement, in
account order (so two bulk writers lock the version rows in the same order).
SQLite (the embedded default) has only row triggers.
"""

from __future__ import annotations

from django.db import migrations

from eirc.migration_helpers import sql_by_vendor

TABLE = "accounts_dataversion"
SITE = 0  # the row of the shared data (DataVersion.SITE)
PG_NOW_US = "(extract(epoch from clock_timestamp()) * 1000000)::bigint"
SQLITE_NOW_US = "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"


def _pg_account(name: str, table: str, accounts_of_changed: str) -> tuple[str, str]:
    up = f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    INSERT INTO {TABLE} AS v (account_id, value)
    SELECT a.account_id, {PG_NOW_US} FROM ({accounts_of_changed}) a
    WHERE a.account_id IS NOT NULL ORDER BY a.account_id
    ON CONFLICT (account_id) DO UPDATE SET value = GREATEST(v.value + 1, EXCLUDED.value);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {name}_ins AFTER INSERT ON {table} REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {name}_upd AFTER UPDATE ON {table} REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {name}_del AFTER DELETE ON {table} REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""
    down = f"""
DROP TRIGGER IF EXISTS {name}_ins ON {table};
DROP TRIGGER IF EXISTS {name}_upd ON {table};
DROP TRIGGER IF EXISTS {name}_del ON {table};
DROP FUNCTION IF EXISTS {name}();
"""
    return up, down


def _sqlite_account(name: str, table: str, account_of_row: str) -> tuple[list[str], list[str]]:
    up, down = [], []
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        trigger = f"{name}_{event.lower()[:3]}"
        select = account_of_row.replace("ROW.", f"{row}.")
        up.append(
            f"""CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN
    INSERT INTO {TABLE} (account_id, value)
    SELECT a.account_id, {SQLITE_NOW_US} FROM ({select}) a WHERE a.account_id IS NOT NULL
    ON CONFLICT (account_id) DO UPDATE SET value = max(value + 1, excluded.value);
END;"""
        )
        down.append(f"DROP TRIGGER IF EXISTS {trigger};")
    return up, down


def _run(pg: str, sqlite: list[str]):
    return sql_by_vendor(postgresql=pg, sqlite=sqlite, what="data-version triggers")


def account_triggers(*, name: str, table: str, pg_accounts: str, sqlite_account: str) -> migrations.RunPython:
    """A migration operation installing the triggers that bump the version of
    every account whose rows of ``table`` a statement inserts, updates or
    deletes. ``pg_accounts`` selects ``account_id`` from the transition table
    ``changed``; ``sqlite_account`` selects it for the one row ``ROW``."""
    pg_up, pg_down = _pg_account(name, table, pg_accounts)
    sqlite_up, sqlite_down = _sqlite_account(name, table, sqlite_account)
    return migrations.RunPython(_run(pg_up, sqlite_up), _run(pg_down, sqlite_down))


def site_triggers(*, name: str, table: str) -> migrations.RunPython:
    """A migration operation installing the triggers that bump the site's
    version on any write to ``table``."""
    pg_up = f"""
CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_site_version_bump();
"""
    pg_down = f"DROP TRIGGER IF EXISTS {name} ON {table};"
    sqlite_up, sqlite_down = [], []
    for event in ("INSERT", "UPDATE", "DELETE"):
        trigger = f"{name}_{event.lower()[:3]}"
        sqlite_up.append(
            f"""CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN
    INSERT INTO {TABLE} (account_id, value) SELECT {SITE}, {SQLITE_NOW_US} WHERE true
    ON CONFLICT (account_id) DO UPDATE SET value = max(value + 1, excluded.value);
END;"""
        )
        sqlite_down.append(f"DROP TRIGGER IF EXISTS {trigger};")
    return migrations.RunPython(_run(pg_up, sqlite_up), _run(pg_down, sqlite_down))


SITE_FUNCTION_UP = f"""
CREATE OR REPLACE FUNCTION accounts_site_version_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO {TABLE} AS v (account_id, value) VALUES ({SITE}, {PG_NOW_US})
    ON CONFLICT (account_id) DO UPDATE SET value = GREATEST(v.value + 1, EXCLUDED.value);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
INSERT INTO {TABLE} (account_id, value) VALUES ({SITE}, {PG_NOW_US});
"""
SITE_FUNCTION_DOWN = "DROP FUNCTION IF EXISTS accounts_site_version_bump();"
SQLITE_SITE_ROW = [f"INSERT INTO {TABLE} (account_id, value) VALUES ({SITE}, {SQLITE_NOW_US});"]


def site_version_setup() -> migrations.RunPython:
    """The shared data's version row (at the migration's time, so that a database
    built anew never reuses the versions of an earlier one) and, on
    PostgreSQL, the function its triggers call."""
    return migrations.RunPython(_run(SITE_FUNCTION_UP, SQLITE_SITE_ROW), _run(SITE_FUNCTION_DOWN, []))
