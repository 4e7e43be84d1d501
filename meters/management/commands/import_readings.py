"""python manage.py import_readings FILE [--dry-run] [--skip-errors]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from eirc.errors import DomainError
from meters.importer import import_readings


class Command(BaseCommand):
    help = "Импорт показаний из CSV (формат: docs/readings-import.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV-файл, UTF-8, разделитель «;»")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не применять")
        parser.add_argument("--skip-errors", action="store_true", help="применить верные строки, пропустив ошибочные")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        try:
            report = import_readings(data=path.read_bytes(), dry_run=opts["dry_run"], skip_errors=opts["skip_errors"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for line in report.errors:
            self.stderr.write(f"строка {line.line}: {line.message}")
        self.stdout.write(report.summary())
        if opts["dry_run"]:
            self.stdout.write("Пробный запуск: ничего не применено.")
        if report.errors and not opts["skip_errors"]:
            raise CommandError("Файл содержит ошибки: ничего не применено (--skip-errors применит верные строки).")
