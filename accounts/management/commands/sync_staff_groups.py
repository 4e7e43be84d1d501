"""(Re)apply the permissions of the staff groups «Операторы» and «Бухгалтерия»."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from accounts.staff_groups import sync_staff_groups


class Command(BaseCommand):
    help = (
        "Создаёт группы «Операторы» и «Бухгалтерия» и выдаёт им права (идемпотентно). "
        "Запрещённые права (удаление проводок, ведомостей, начислений, платежей) снимаются всегда."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--exact",
            action="store_true",
            help="Сделать права групп ровно такими, как в определении (снять выданные вручную).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, exact=False, database=DEFAULT_DB_ALIAS, verbosity=1, **options):
        counts = sync_staff_groups(using=database, exact=exact)
        if verbosity >= 1:
            for name, count in counts.items():
                self.stdout.write(f"{name}: {count} прав")
