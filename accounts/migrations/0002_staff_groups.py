"""Staff groups «Операторы» and «Бухгалтерия» with their permissions.

Permissions do not exist yet on a fresh database while ``migrate`` runs
(Django creates them in ``post_migrate``), so ``sync_staff_groups`` first
creates the content types and permissions of the historical models, then
the groups. The definition lives in ``accounts.staff_groups``; the same
function runs again after every ``migrate`` (``AccountsConfig.ready``) and
from ``manage.py sync_staff_groups``, so models added later are covered.
"""

from django.db import migrations

GROUP_NAMES = ["Операторы", "Бухгалтерия"]


def create_groups(apps, schema_editor):
    from accounts.staff_groups import sync_staff_groups

    sync_staff_groups(apps=apps, using=schema_editor.connection.alias)


def delete_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUP_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sites", "0002_alter_domain_unique"),
        ("flatpages", "0001_initial"),
        ("billing", "0004_reference_data"),
        ("meters", "0001_initial"),
        ("payments", "0001_initial"),
        ("documents", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_groups, delete_groups)]
