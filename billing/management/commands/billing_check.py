"""python manage.py billing_check — every statement equals its ledger."""

from django.core.management.base import BaseCommand, CommandError

from billing.services import statements_check


class Command(BaseCommand):
    help = "Проверить, что каждая ведомость и каждое сальдо равны сумме проводок."

    def handle(self, *args, **options):
        problems = statements_check()
        if problems:
            for p in problems:
                self.stderr.write(p)
            raise CommandError(f"Найдено расхождений: {len(problems)}.")
        self.stdout.write("Расхождений нет: ведомости и сальдо совпадают с проводками.")
