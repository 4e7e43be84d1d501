"""Which statute a service's debt follows for penalties: ЖК РФ ст. 155
ч. 14 (the default) or ч. 14.1 (contributions for capital repair: 1/300 from
the day after the due date). Existing capital-repair services are set to
ч. 14.1: the demo's code ``capital_repair``, or a name that says so («Взнос
на капитальный ремонт», «капремонт»). Staff can change it in the admin."""

from django.db import migrations, models
from django.db.models import Q

# "апитальн" matches «Капитальный» and «капитальный» alike, also on SQLite,
# whose case folding stops at ASCII.
CAPITAL_REPAIR = (
    Q(code="capital_repair")
    | (Q(name__contains="апитальн") & Q(name__contains="ремонт"))
    | Q(name__contains="апремонт")
)


def capital_repair_follows_14_1(apps, schema_editor):
    Service = apps.get_model("billing", "Service")
    Service.objects.filter(CAPITAL_REPAIR).update(penalty_rule="ch14_1")


def back_to_14(apps, schema_editor):
    apps.get_model("billing", "Service").objects.update(penalty_rule="ch14")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0013_tariff_version_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="penalty_rule",
            field=models.CharField(
                choices=[
                    ("ch14", "ЖК РФ ст. 155 ч. 14"),
                    ("ch14_1", "ЖК РФ ст. 155 ч. 14.1 (взносы на капитальный ремонт)"),
                ],
                default="ch14",
                help_text="ч. 14: пени с 31-го дня после срока оплаты, с 91-го дня — 1/130 ставки; ч. 14.1 (взносы на капитальный ремонт): 1/300 ставки со следующего дня после срока оплаты.",
                max_length=8,
                verbose_name="правило начисления пени",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(penalty_rule__in=["ch14", "ch14_1"]), name="billing_service_penalty_rule"
            ),
        ),
        migrations.RunPython(capital_repair_follows_14_1, back_to_14),
    ]
