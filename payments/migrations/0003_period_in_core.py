"""State only: payments name the core's Period (same table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("eirc", "0001_initial"),
        ("payments", "0002_sandboxpayment_payment_form_token"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="payment",
                    name="for_period",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="eirc.period",
                        verbose_name="за период",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
