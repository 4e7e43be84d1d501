"""``manage.py receipts_render --period YYYY-MM [--account N] [--workers]``.

Renders a period's receipts (ЕПД): only those missing, failed or stale (a
second run renders nothing that is current). By default the chunks run in
this process with progress printed; with ``--workers`` they are sent to the
Celery workers and the command follows the batch's progress.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import PersonalAccount
from documents import services
from documents.models import ReceiptBatch
from eirc import periods as P
from eirc.errors import DomainError


class Command(BaseCommand):
    help = "Формирует квитанции (ЕПД) за период: только отсутствующие и устаревшие."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Период: YYYY-MM или MM.YYYY.")
        parser.add_argument("--account", help="Только этот лицевой счёт (номер).")
        parser.add_argument("--force", action="store_true", help="Перерисовать, даже если квитанция актуальна.")
        parser.add_argument("--workers", action="store_true", help="Отправить части воркерам Celery и ждать.")
        parser.add_argument("--chunk", type=int, default=None, help="Счетов в части (по умолчанию из настроек).")

    def handle(self, *args, **opts):
        try:
            month = P.parse_period(opts["period"])
        except (ValueError, IndexError):
            raise CommandError("Период: YYYY-MM или MM.YYYY.") from None
        ids = None
        if opts["account"]:
            acc = PersonalAccount.objects.filter(number=opts["account"]).first()
            if acc is None:
                raise CommandError(f"Лицевой счёт {opts['account']} не найден.")
            ids = [acc.pk]
        started = time.monotonic()
        try:
            if opts["force"] and ids:
                _, rendered = services.receipt_render(account=acc, period=month, force=True)
                self.stdout.write(f"{acc.number}: {'сформирована' if rendered else 'актуальна'}")
                return
            batch, chunks = services.receipts_issue(
                period=month, account_ids=ids, chunk_size=opts["chunk"], dispatch=opts["workers"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"ЕПД за {P.period_label(month)}: {batch.total} счетов, {batch.chunks} частей")
        if opts["workers"]:
            while True:
                batch.refresh_from_db()
                self._progress(batch, started)
                if batch.status == ReceiptBatch.Status.DONE:
                    break
                time.sleep(2)
        else:
            for chunk in chunks:
                services.receipts_render_chunk(batch_id=batch.pk, account_ids=chunk)
                batch.refresh_from_db()
                self._progress(batch, started)
        batch.refresh_from_db()
        msg = f"Готово: сформировано {batch.rendered}, актуальных {batch.processed - batch.rendered - batch.failed}, ошибок {batch.failed}"
        self.stdout.write(self.style.SUCCESS(msg) if not batch.failed else self.style.WARNING(msg))

    def _progress(self, batch, started):
        self.stdout.write(
            f"  {batch.processed}/{batch.total} (сформировано {batch.rendered}, ошибок {batch.failed}), "
            f"{time.monotonic() - started:.1f} с"
        )
