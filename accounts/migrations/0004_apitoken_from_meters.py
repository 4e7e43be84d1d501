"""ApiToken moves from meters to accounts, with the other credentials (state
only: the table stays ``meters_apitoken``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from eirc.migration_helpers import move_content_type

forward, backward = move_content_type("meters", "accounts", "apitoken")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("meters", "0002_api_token"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=60, verbose_name="название")),
                        ("prefix", models.CharField(max_length=12, verbose_name="начало токена")),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="создан")),
                        ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="последнее использование")),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="отозван")),
                        (
                            "account",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to="accounts.personalaccount",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="meter_api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "токен API",
                        "verbose_name_plural": "токены API",
                        "db_table": "meters_apitoken",
                        "ordering": ["-created_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
    ]
