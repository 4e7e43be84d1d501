"""Tariffs and an account's service list move the data versions the
cabinet's page cache is keyed on (accounts/versioning.py): the dashboard's
next-month estimate prices the account's services at the tariffs of the
coming month, so a tariff entered (or corrected) today, or a service added to
or ended for an account, must not be hidden by a cached page. Site-wide for
tariffs, per account for the service list. PostgreSQL and SQLite."""

from django.db import migrations

from accounts.versioning import account_triggers, site_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0012_exchange_import_export"),
    ]

    operations = [
        account_triggers(
            name="billing_accountservice_version",
            table="billing_accountservice",
            pg_accounts="SELECT DISTINCT account_id FROM changed",
            sqlite_account="SELECT ROW.account_id AS account_id",
        ),
        site_triggers(name="billing_tariff_site_version", table="billing_tariff"),
    ]
