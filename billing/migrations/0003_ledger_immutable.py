"""The database itself refuses to edit a ledger entry.

UPDATE is always refused; DELETE only while the entry's period is open (a
re-run of an open period replaces its own results). Triggers exist for
PostgreSQL (production, tests) and SQLite (the embedded default).
"""

from django.db import migrations

from eirc.migration_helpers import sql_by_vendor

PG_UP = """
CREATE OR REPLACE FUNCTION billing_ledger_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'ledger entries are immutable (entry %)', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM billing_period p WHERE p.id = OLD.period_id AND p.status = 'closed') THEN
        RAISE EXCEPTION 'ledger entry % belongs to a closed period', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_ledger_no_update BEFORE UPDATE ON billing_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_guard();
CREATE TRIGGER billing_ledger_no_delete_closed BEFORE DELETE ON billing_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_guard();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS billing_ledger_no_update ON billing_ledgerentry;
DROP TRIGGER IF EXISTS billing_ledger_no_delete_closed ON billing_ledgerentry;
DROP FUNCTION IF EXISTS billing_ledger_guard();
"""
SQLITE_UP = [
    """CREATE TRIGGER billing_ledger_no_update BEFORE UPDATE ON billing_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;""",
    """CREATE TRIGGER billing_ledger_no_delete_closed BEFORE DELETE ON billing_ledgerentry
       WHEN (SELECT status FROM billing_period WHERE id = OLD.period_id) = 'closed'
       BEGIN SELECT RAISE(ABORT, 'ledger entry belongs to a closed period'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS billing_ledger_no_update;",
    "DROP TRIGGER IF EXISTS billing_ledger_no_delete_closed;",
]


up = sql_by_vendor(postgresql=PG_UP, sqlite=SQLITE_UP, what="ledger guard")
down = sql_by_vendor(postgresql=PG_DOWN, sqlite=SQLITE_DOWN, what="ledger guard")


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_initial")]
    operations = [migrations.RunPython(up, down)]
