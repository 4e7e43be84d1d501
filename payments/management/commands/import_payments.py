import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from eirc.money import format_rub
from payments.registry import CHUNK, registry_import


class Command(BaseCommand):
    help = "Импорт реестра платежей банка (CSV, см. docs/payments-registry.md)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
        parser.add_argument(
            "--skip-errors", action="store_true", help="провести корректные строки, пропустив ошибочные"
        )
        parser.add_argument("--chunk", type=int, default=CHUNK, help="строк в одной транзакции")

    def handle(self, *args, file, dry_run, skip_errors, chunk, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Файл не найден: {file}")
        shown = []

        def progress(done, total):
            shown.append(done)
            pct = 100 * done // total if total else 100
            sys.stderr.write(f"\rстрок проведено: {done} из {total} ({pct}%)")
            sys.stderr.flush()

        report = registry_import(
            content=path.read_bytes(),
            filename=path.name,
            dry_run=dry_run,
            skip_errors=skip_errors,
            chunk_size=chunk,
            progress=progress,
        )
        if shown:
            sys.stderr.write("\n")
        for line, message in report.errors:
            self.stderr.write(f"строка {line}: {message}")
        if report.already_imported:
            raise CommandError(
                f"Файл {path.name} уже был загружен (SHA-256 {report.checksum[:12]}…): ничего не изменено."
            )
        if report.resumed:
            self.stdout.write("Продолжение прерванной загрузки этого файла: проведено недостающее.")
        self.stdout.write(
            f"строк: {report.rows}, новых платежей: {report.applied if not dry_run else '—'}, "
            f"уже загруженных операций: {report.duplicates}, сумма новых: {format_rub(report.total)}"
        )
        if dry_run:
            self.stdout.write("Пробный запуск: ничего не записано.")
        if report.errors and not skip_errors:
            raise CommandError("В файле есть ошибки: ничего не проведено (--skip-errors проведёт корректные строки).")
