"""Period moves to the core (``eirc.Period``): state only. The table stays
``billing_period``; every foreign key keeps pointing at it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_penalty_reversals"),
        ("documents", "0003_period_in_core"),
        ("eirc", "0001_initial"),
        ("meters", "0003_period_in_core_apitoken_in_accounts"),
        ("payments", "0003_period_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="recalculation",
                    name="period",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="recalculations", to="eirc.period"),
                ),
                migrations.AlterField(
                    model_name="recalculation",
                    name="for_period",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="eirc.period", verbose_name="за период"),
                ),
                migrations.AlterField(
                    model_name="billingrun",
                    name="period",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="runs", to="eirc.period"),
                ),
                migrations.AlterField(
                    model_name="charge",
                    name="period",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="charges", to="eirc.period"),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="period",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="ledger", to="eirc.period"),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="for_period",
                    field=models.ForeignKey(blank=True, help_text="Период долга, к которому относится оплата или пени.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="eirc.period"),
                ),
                migrations.AlterField(
                    model_name="statement",
                    name="period",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="statements", to="eirc.period"),
                ),
                migrations.DeleteModel(name="Period"),
            ],
            database_operations=[],
        ),
    ]
