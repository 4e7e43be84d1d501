"""``manage.py seed_demo``: the demo Sevastopol (see ``demo/``).

Deterministic and idempotent: a second run changes nothing. The money
history is produced by the billing engine, month by month; the current month
stays open and unbilled.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.builder import demo_exists, seed
from demo.data import logins_text


class Command(BaseCommand):
    help = "Создаёт демонстрационные данные: город, лицевые счета, счётчики, историю начислений и оплат."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ничего не делать, если демо-данные уже есть (только напечатать входы).",
        )
        parser.add_argument("--accounts", type=int, default=60, help="Число лицевых счетов (по умолчанию 60).")
        parser.add_argument(
            "--months", type=int, default=24, help="Месяцев истории, заканчивая прошлым (по умолчанию 24)."
        )

    def handle(self, *args, **options):
        if not settings.DEMO_LOGINS_ALLOWED:
            raise CommandError(
                "seed_demo создаёт пользователей с паролями из README: с DEBUG=false он не запускается (демо-стенд: DEMO_LOGINS_ALLOWED=true)."
            )
        if options["if_empty"] and demo_exists():
            self.stdout.write("Демо-данные уже есть.")
            self.stdout.write(logins_text())
            return
        if options["accounts"] < 1 or options["months"] < 1:
            raise CommandError("--accounts и --months должны быть больше нуля.")
        started = time.monotonic()
        self.stdout.write(f"Демо-данные: {options['accounts']} счетов, {options['months']} мес. истории…")
        try:
            seed(accounts=options["accounts"], months=options["months"], out=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Готово за {time.monotonic() - started:.1f} с."))
        self.stdout.write(logins_text())
