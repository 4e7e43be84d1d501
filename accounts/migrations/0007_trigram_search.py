"""Trigram search for personal accounts at a city's size (issue 15).

PostgreSQL only: enables ``pg_trgm`` and adds GIN trigram indexes on the
expressions Django's ``icontains`` compares (``UPPER(col::text)``), so the
staff search of :mod:`accounts.search` («Б. Морская 14», a part of a number,
a surname) does not scan the table; and a B-tree on ``UPPER(house)`` (the
``iexact`` of the house number), so «… 14» narrows the street's rows to one
house by a bitmap AND. Other databases: nothing to do.
"""

from django.db import migrations

INDEXES = {
    "accounts_account_number_trgm": "number",
    "accounts_account_els_trgm": "els",
    "accounts_account_owner_trgm": "owner_last_name",
    "accounts_account_street_trgm": "street",
}

HOUSE = "accounts_account_house_upper"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON accounts_personalaccount "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {HOUSE} ON accounts_personalaccount (UPPER(house::text))")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*INDEXES, HOUSE]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_data_versions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
