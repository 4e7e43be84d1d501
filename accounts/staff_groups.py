"""The staff groups «Операторы», «Бухгалтерия» and «Руководители» and their permissions.

One definition, applied three ways: by the data migration
``accounts/0002_staff_groups`` (a fresh database gets the groups), by the
``post_migrate`` handler connected in ``AccountsConfig.ready`` (models and
apps added later get their permissions into the groups on the next
``migrate``), and by ``manage.py sync_staff_groups`` (by hand).

The definition is written in app labels and permission codenames, never in
model classes, so it works on the historical models of a migration as well
as on the current ones. A codename whose model does not exist yet (at that
point of the migration history) is skipped; the next sync picks it up.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

OPERATORS = "Операторы"
ACCOUNTANTS = "Бухгалтерия"
# Heads of the service: overdue requests are escalated to them (documents.appeals).
HEADS = "Руководители"

# Apps whose every model staff may see (residents' data and reference pages).
STAFF_VIEW_APPS = ("eirc", "accounts", "billing", "meters", "payments", "documents", "flatpages")


def _codes(actions: str, *models: str) -> list[str]:
    return [f"{action}_{model}" for model in models for action in actions.split()]


GROUPS: dict[str, dict] = {
    OPERATORS: {
        "view_apps": STAFF_VIEW_APPS,
        "grant": {
            # Users: the admin lets non-superusers change only residents, and
            # never the staff/superuser flags, groups or permissions.
            "accounts": [
                *_codes("change", "personalaccount", "user"),
                *_codes("add delete", "accountlink"),
            ],
            "meters": _codes("add change", "meter", "reading"),
            "documents": [
                *_codes("add change", "certificaterequest", "office", "appeal", "notice"),
                *_codes("add", "appealmessage", "appealattachment"),
            ],
            "flatpages": _codes("add change delete", "flatpage"),
        },
    },
    HEADS: {
        "view_apps": STAFF_VIEW_APPS,
        "grant": {
            "documents": [
                *_codes("add change", "appeal", "appealkind"),
                *_codes("add", "appealmessage", "appealattachment"),
            ],
            "eirc": _codes("add change delete", "calendarday"),
        },
    },
    ACCOUNTANTS: {
        "view_apps": STAFF_VIEW_APPS,
        "grant": {
            "billing": [
                *_codes(
                    "add change",
                    "provider",
                    "service",
                    "tariff",
                    "accountservice",
                    "benefitcategory",
                    "benefit",
                    "recalculation",
                    "paymenttermrule",
                    "keyrate",
                    "ratecap",
                    "moratorium",
                ),
                # Corrections only: the admin's add form writes kind=correction.
                "add_ledgerentry",
            ],
            "eirc": _codes("add change", "period"),
            "payments": ["add_refund", "add_registryimport"],
        },
    },
}

# Never granted to a staff group, and taken away if someone added them: the
# ledger is immutable, and statements, charges and payments are written by
# the billing run and the payment services only.
FORBIDDEN: dict[str, list[str]] = {
    "billing": [
        *_codes("change delete", "ledgerentry", "statement", "charge"),
        "delete_billingrun",
    ],
    "payments": _codes("delete", "payment", "refund", "registryimport", "webhookevent"),
    # Requests and their records are never deleted (152-ФЗ records, the deadline trail).
    "documents": [
        *_codes("delete", "appeal", "appealkind", "appealmessage", "appealattachment", "appealstatuschange"),
        *_codes("change", "appealmessage", "appealattachment", "appealstatuschange"),
    ],
    "auth": _codes("add change delete", "group", "permission"),
}


def _q_for(codes_by_app: dict[str, list[str]]) -> Q:
    q = Q(pk__in=[])
    for app_label, codenames in codes_by_app.items():
        q |= Q(content_type__app_label=app_label, codename__in=codenames)
    return q


def wanted_permissions(Permission, spec: dict, *, using: str = DEFAULT_DB_ALIAS):
    """The permissions a group spec grants, minus the forbidden ones."""
    q = Q(content_type__app_label__in=spec["view_apps"], codename__startswith="view_") | _q_for(spec["grant"])
    return Permission.objects.using(using).filter(q).exclude(_q_for(FORBIDDEN))


def sync_staff_groups(
    *, apps=global_apps, using: str = DEFAULT_DB_ALIAS, exact: bool = False, verbosity: int = 0
) -> dict[str, int]:
    """Create the staff groups if missing and grant their permissions.

    Idempotent. First makes sure content types and permissions exist for
    every installed app (on a fresh database Django creates them only after
    ``migrate`` finishes). Adds what the definition grants and removes the
    ``FORBIDDEN`` permissions; other permissions an administrator gave a
    group by hand stay unless ``exact`` is set, which makes each group's
    permissions exactly the definition. ``apps`` may be a migration's
    historical registry. Returns the number of permissions of each group.
    """
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:  # auth not migrated yet: nothing to do
        return {}
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, using=using, verbosity=0, interactive=False)

    forbidden = list(Permission.objects.using(using).filter(_q_for(FORBIDDEN)))
    result = {}
    for name, spec in GROUPS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        wanted = list(wanted_permissions(Permission, spec, using=using))
        if exact:
            group.permissions.set(wanted)
        else:
            group.permissions.add(*wanted)
            group.permissions.remove(*forbidden)
        result[name] = group.permissions.count()
        if verbosity >= 1:
            print(f"{name}: {result[name]} прав")
    return result


def sync_after_migrate(sender, *, using=DEFAULT_DB_ALIAS, apps=global_apps, verbosity=1, **kwargs):
    """``post_migrate`` receiver (connected for the accounts app only)."""
    sync_staff_groups(apps=apps, using=using, verbosity=0)
