"""The kinds of residents' requests (``documents.appeal_kinds``; staff edit
them later) and the staff group «Руководители» that overdue requests are
escalated to (``accounts.staff_groups``)."""

from django.db import migrations

CODES = ["absence", "quality", "charge", "meter_check", "meter_question", "household", "free"]


def load(apps, schema_editor):
    from accounts.staff_groups import sync_staff_groups
    from documents.appeal_kinds import ensure_kinds

    db = schema_editor.connection.alias
    ensure_kinds(apps=apps, using=db)
    sync_staff_groups(apps=apps, using=db)


def unload(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("documents", "AppealKind").objects.using(db).filter(code__in=CODES).delete()
    apps.get_model("auth", "Group").objects.using(db).filter(name="Руководители").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0005_appeals"),
        ("eirc", "0004_production_calendar"),
        ("accounts", "0005_verbose_names_ru"),
    ]
    operations = [migrations.RunPython(load, unload)]
