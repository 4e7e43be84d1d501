"""A reading written, replaced or deleted bumps its account's data version in
the same transaction (accounts/versioning.py). PostgreSQL and SQLite."""

from django.db import migrations

from accounts.versioning import account_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_data_versions"),
        ("meters", "0004_verbose_names_ru"),
    ]

    operations = [
        account_triggers(
            name="meters_reading_version",
            table="meters_reading",
            pg_accounts="SELECT DISTINCT m.account_id FROM changed c JOIN meters_meter m ON m.id = c.meter_id",
            sqlite_account="SELECT account_id FROM meters_meter WHERE id = ROW.meter_id",
        ),
    ]
