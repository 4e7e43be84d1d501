import importlib

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_sqlite_ledger_guard(sender, using="default", **kwargs):
    """On SQLite, any later migration that alters the ledger table rebuilds
    it and silently drops its triggers; put them back after every migrate
    (idempotent). PostgreSQL keeps triggers across ALTER TABLE."""
    connection = connections[using]
    if connection.vendor != "sqlite" or "billing_ledgerentry" not in connection.introspection.table_names():
        return
    guard = importlib.import_module("billing.migrations.0003_ledger_immutable")
    with connection.cursor() as cursor:
        for sql in guard.SQLITE_UP:
            cursor.execute(sql.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1))


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Начисления")

    def ready(self):
        post_migrate.connect(ensure_sqlite_ledger_guard, sender=self, dispatch_uid="billing.sqlite_ledger_guard")
