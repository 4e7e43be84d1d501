"""python manage.py import_city DIR [--dry-run] [--chunk N] — load a centre's
city from the exchange files (docs/exchange.md)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.exchange.loader import city_import
from billing.exchange.stage import FileSet

LABELS = (("created", "создано"), ("updated", "обновлено"), ("unchanged", "без изменений"))


class Command(BaseCommand):
    help = "Загрузить данные города (дома, лицевые счета, услуги, приборы учёта, сальдо) из файлов обмена."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="каталог с файлами обмена (или zip-архив)")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
        parser.add_argument("--chunk", type=int, default=5000, help="строк в одной транзакции")

    def handle(self, *args, directory, dry_run, chunk, **options):
        path = Path(directory)
        if path.is_dir():
            files = FileSet(directory=path)
        elif path.is_file():
            files = FileSet(archive=path.open("rb"), name=path.name)
        else:
            raise CommandError(f"Нет такого каталога: {directory}")

        def progress(title, done, total):
            pct = 100 * done // total if total else 100
            sys.stderr.write(f"\r{title}: строка {done} из {total} ({pct}%)   ")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

        report = city_import(files=files, dry_run=dry_run, chunk_size=chunk, progress=progress)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.error_count > len(report.errors):
            self.stderr.write(f"… и ещё {report.error_count - len(report.errors)} ошибок.")
        if report.refused:
            raise CommandError(
                f"Ошибочных строк: {report.error_count}. Ничего не записано: исправьте файлы и повторите загрузку."
            )
        out = self.stdout
        if report.resumed:
            out.write("Продолжение прерванной загрузки тех же файлов.")
        for title, counts in report.counts.items():
            out.write(f"{title}: " + ", ".join(f"{label} {counts.get(key, 0)}" for key, label in LABELS))
        out.write("Итого: " + ", ".join(f"{label} {report.total(key)}" for key, label in LABELS) + ", отклонено 0")
        if dry_run:
            out.write("Пробный запуск: ничего не записано.")
        else:
            out.write(f"Загрузка № {report.run.pk} завершена.")
