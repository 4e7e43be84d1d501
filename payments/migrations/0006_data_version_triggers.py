"""A payment attempt created or changed (its status, its credit) bumps its
account's data version in the same transaction (accounts/versioning.py), so
the cached payment history shows it at once. PostgreSQL and SQLite."""

from django.db import migrations

from accounts.versioning import account_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_data_versions"),
        ("payments", "0005_registryimport_completed_at"),
    ]

    operations = [
        account_triggers(
            name="payments_payment_version",
            table="payments_payment",
            pg_accounts="SELECT DISTINCT account_id FROM changed",
            sqlite_account="SELECT ROW.account_id AS account_id",
        ),
    ]
