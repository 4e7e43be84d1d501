"""Writes to what the cabinet pages show bump the data versions their cache
is keyed on, in the writing transaction (accounts/versioning.py): per account
for the ledger, statements, charges and benefits; site-wide for periods,
services, payment terms and benefit categories. PostgreSQL and SQLite."""

from django.db import migrations

from accounts.versioning import account_triggers, site_triggers

PER_ACCOUNT = ["billing_ledgerentry", "billing_statement", "billing_charge", "billing_benefit"]
SITE_WIDE = ["billing_period", "billing_service", "billing_paymenttermrule", "billing_benefitcategory"]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_data_versions"),
        ("billing", "0010_verbose_names_ru"),
    ]

    operations = [
        *(
            account_triggers(
                name=f"{table}_version",
                table=table,
                pg_accounts="SELECT DISTINCT account_id FROM changed",
                sqlite_account="SELECT ROW.account_id AS account_id",
            )
            for table in PER_ACCOUNT
        ),
        *(site_triggers(name=f"{table}_site_version", table=table) for table in SITE_WIDE),
    ]
