"""State only: receipts name the core's Period (same table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_receipts_issuing"),
        ("eirc", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="receipt",
                    name="period",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="receipts", to="eirc.period"
                    ),
                ),
                migrations.AlterField(
                    model_name="receiptbatch",
                    name="period",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="receipt_batches", to="eirc.period"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
