"""Notices move the site's data version (accounts/versioning.py): the
dashboard reads the notices in force from the cache under that version, so a
notice written, edited or ended in the admin shows (or goes) at once.
PostgreSQL and SQLite."""

from django.db import migrations

from accounts.versioning import site_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_data_versions"),
        ("documents", "0007_notices"),
    ]

    operations = [
        site_triggers(name="documents_notice_site_version", table="documents_notice"),
    ]
