"""Period moves from billing to the core (state only: the table stays
``billing_period``, which the ledger's triggers name)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from eirc.migration_helpers import move_content_type

forward, backward = move_content_type("billing", "eirc", "period")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("billing", "0007_penalty_reversals"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Period",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("month", models.DateField(unique=True, verbose_name="месяц")),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "открыт"), ("closed", "закрыт")],
                                default="open",
                                max_length=10,
                                verbose_name="состояние",
                            ),
                        ),
                        ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="закрыт")),
                        (
                            "closed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "период",
                        "verbose_name_plural": "периоды",
                        "db_table": "billing_period",
                        "ordering": ["-month"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("month__day", 1)),
                                name="billing_period_first_of_month",
                                violation_error_message="Период — это первое число месяца.",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
    ]
