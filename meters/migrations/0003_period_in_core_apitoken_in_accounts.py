"""State only: readings name the core's Period; ApiToken now lives in accounts."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("eirc", "0001_initial"),
        ("accounts", "0004_apitoken_from_meters"),
        ("meters", "0002_api_token"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reading",
                    name="period",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="readings", to="eirc.period"
                    ),
                ),
                migrations.DeleteModel(name="ApiToken"),
            ],
            database_operations=[],
        ),
    ]
