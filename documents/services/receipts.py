"""Receipts (ЕПД): render one, request one on demand, issue a period's
batch in chunks, find stale ones; and the top-level flow «close the period,
then issue its receipts» (documents sits above billing, so the flow is
written here)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import PersonalAccount
from accounts.notifications import Kind, email_context, wants
from billing.models import Statement
from documents import renderers
from documents.models import IssuedDocument, Receipt, ReceiptBatch
from documents.receipt_data import data_hash, receipt_data
from documents.services.paperless import unsubscribe_url
from documents.services.registry import delete_after_commit, register_document, replace_file
from eirc import jobs, mail
from eirc import periods as P
from eirc.errors import DomainError
from eirc.models import Period
from eirc.money import format_rub

log = logging.getLogger(__name__)

PENDING_RETRY_AFTER = dt.timedelta(minutes=2)


def _period(period) -> Period:
    if isinstance(period, Period):
        return period
    month = P.month_start(period)
    try:
        return Period.objects.get(month=month)
    except Period.DoesNotExist:
        raise DomainError(f"Период {P.period_label(month)} не рассчитан.", code="no_period") from None


def receipt_render(
    *, account: PersonalAccount, period, force: bool = False, notify: bool = False
) -> tuple[Receipt, bool]:
    """Render (or re-render) the ЕПД of ``account`` for ``period``.

    Idempotent: when the stored receipt is ready and its ``statement_hash``
    equals the fingerprint of what it would show now, nothing is rendered
    and ``(receipt, False)`` is returned. Otherwise the PDF is rendered into
    private storage with a new verification code (the previous code, if
    any, is revoked) and ``(receipt, True)`` returned. With ``notify`` a
    paperless resident gets the PDF by email (once per receipt). Raises
    ``DomainError`` when the period has no statement for the account.
    """
    per = _period(period)
    try:
        data = receipt_data(account=account, period=per)
    except Statement.DoesNotExist:
        raise DomainError(
            f"За {P.period_label(per.month)} по лицевому счёту {account.number} нет начислений.", code="no_statement"
        ) from None
    fingerprint = data_hash(data)
    with transaction.atomic():
        receipt, _ = Receipt.objects.get_or_create(account=account, period=per)
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if (
            not force
            and receipt.status == Receipt.Status.READY
            and receipt.statement_hash == fingerprint
            and receipt.file
        ):
            receipt.checked_at = timezone.now()
            receipt.save(update_fields=["checked_at"])
            if notify:
                _email_receipt_if_paperless(receipt)
            return receipt, False
        now = timezone.now()
        doc = register_document(
            kind=IssuedDocument.Kind.RECEIPT, account=account, title=f"ЕПД за {P.period_label(per.month)}"
        )
        filename, _ct, pdf = renderers.render_receipt(data, code=doc.code, issued_at=now)
        doc.sha256 = hashlib.sha256(pdf).hexdigest()
        doc.save(update_fields=["sha256"])
        if receipt.document_id:
            IssuedDocument.objects.filter(pk=receipt.document_id, revoked_at__isnull=True).update(revoked_at=now)
        old = replace_file(receipt.file, filename, pdf)
        receipt.document = doc
        receipt.status = Receipt.Status.READY
        receipt.statement_hash = fingerprint
        receipt.total_due = data["summary"]["total_due"]
        receipt.rendered_at = receipt.checked_at = now
        receipt.error = ""
        receipt.save()
        delete_after_commit(receipt.file.storage, old)
        if notify:
            _email_receipt_if_paperless(receipt)
    return receipt, True


def receipt_request(*, account: PersonalAccount, period) -> tuple[Receipt, bool]:
    """For the resident's download: the receipt if it is ready and current,
    else schedule its rendering (after commit) and return it in the pending
    state. Returns ``(receipt, ready)``. A pending render is not scheduled
    twice within two minutes."""
    per = _period(period)
    try:
        fingerprint = data_hash(receipt_data(account=account, period=per))
    except Statement.DoesNotExist:
        raise DomainError("За этот период начислений нет.", code="no_statement") from None
    with transaction.atomic():
        receipt, _ = Receipt.objects.get_or_create(account=account, period=per)
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.status == Receipt.Status.READY and receipt.statement_hash == fingerprint and receipt.file:
            return receipt, True
        now = timezone.now()
        fresh_pending = (
            receipt.status == Receipt.Status.PENDING
            and receipt.error.startswith("queued:")
            and receipt.error[7:] > (now - PENDING_RETRY_AFTER).isoformat()
        )
        if not fresh_pending:
            receipt.status = Receipt.Status.PENDING
            receipt.error = f"queued:{now.isoformat()}"
            receipt.save(update_fields=["status", "error"])
            ids = (account.pk, per.pk)
            jobs.enqueue("documents.tasks.receipt_render_task", account_id=ids[0], period_id=ids[1])
    return receipt, False


def receipt_mark_failed(*, account_id: int, period_id: int, error: str) -> None:
    Receipt.objects.update_or_create(
        account_id=account_id, period_id=period_id, defaults={"status": Receipt.Status.FAILED, "error": error[:250]}
    )


def _email_receipt_if_paperless(receipt: Receipt) -> bool:
    if receipt.emailed_at is not None or not receipt.file:
        return False
    try:
        user = receipt.account.link.user
    except ObjectDoesNotExist:
        user = None
    if user is None or not user.email or not user.email_confirmed_at:
        return False
    month = receipt.period.month
    if not user.paperless_receipts:
        if not wants(user, Kind.RECEIPT):
            return False
        # Paper stays the receipt; the email only says it is out and how much is due.
        mail.send(
            name="receipt_ready",
            to=user.email,
            context={
                "account_number": receipt.account.number,
                "period": P.period_title(month),
                "total_due": format_rub(receipt.total_due),
                "due_date": f"{P.due_date(month):%d.%m.%Y}",
                "url": settings.SITE_URL + reverse("documents:receipts"),
                **email_context(user, Kind.RECEIPT),
            },
        )
        receipt.emailed_at = timezone.now()
        receipt.save(update_fields=["emailed_at"])
        return True
    mail.send(
        name="receipt_issued",
        to=user.email,
        context={
            "account_number": receipt.account.number,
            "period": P.period_title(month),
            "period_label": P.period_label(month),
            "total_due": format_rub(receipt.total_due),
            "due_date": f"{P.due_date(month):%d.%m.%Y}",
            "unsubscribe_url": unsubscribe_url(user),
        },
        attachments=[
            {
                "storage": "private",
                "path": receipt.file.name,
                "filename": f"epd-{receipt.account.number}-{month:%Y-%m}.pdf",
                "mimetype": "application/pdf",
            }
        ],
    )
    receipt.emailed_at = timezone.now()
    receipt.save(update_fields=["emailed_at"])
    return True


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def receipts_issue(*, period, user=None, account_ids=None, chunk_size: int | None = None, dispatch: bool = True):
    """Start issuing the receipts of ``period``: one ``ReceiptBatch`` and one
    task per chunk of accounts (those with a statement for the period, or
    ``account_ids``), sent to the workers after commit. Resumable and
    idempotent: re-running renders only missing, failed or stale receipts.
    With ``dispatch=False`` the chunks are returned for the caller to run
    (the management command's in-process mode)."""
    per = _period(period)
    qs = Statement.objects.filter(period=per)
    if account_ids is not None:
        qs = qs.filter(account_id__in=list(account_ids))
    ids = list(qs.order_by("account_id").values_list("account_id", flat=True))
    chunks = _chunks(ids, chunk_size or settings.RECEIPT_BATCH_CHUNK)
    batch = ReceiptBatch.objects.create(period=per, total=len(ids), chunks=len(chunks), started_by=user)
    if not chunks:
        ReceiptBatch.objects.filter(pk=batch.pk).update(status=ReceiptBatch.Status.DONE, finished_at=timezone.now())
    elif dispatch:
        for chunk in chunks:
            jobs.enqueue("documents.tasks.receipts_render_chunk_task", batch_id=batch.pk, account_ids=chunk)
    return batch, chunks


@dataclass
class ChunkResult:
    rendered: int = 0
    skipped: int = 0
    failed: int = 0


def receipts_render_chunk(*, batch_id: int, account_ids: list[int]) -> ChunkResult:
    """Render one chunk of a batch, each account in its own transaction (a
    failure is recorded on that receipt and does not stop the chunk), then
    count the progress on the batch and close it with its last chunk."""
    batch = ReceiptBatch.objects.select_related("period").get(pk=batch_id)
    result = ChunkResult()
    for account in PersonalAccount.objects.filter(pk__in=account_ids).select_related("link__user").order_by("pk"):
        try:
            _, rendered = receipt_render(account=account, period=batch.period, notify=True)
        except Exception as exc:
            log.exception("receipt %s %s failed", account.number, batch.period)
            receipt_mark_failed(account_id=account.pk, period_id=batch.period_id, error=str(exc) or type(exc).__name__)
            result.failed += 1
            continue
        if rendered:
            result.rendered += 1
        else:
            result.skipped += 1
    with transaction.atomic():
        ReceiptBatch.objects.filter(pk=batch_id).update(
            processed=F("processed") + len(account_ids),
            rendered=F("rendered") + result.rendered,
            failed=F("failed") + result.failed,
            chunks_done=F("chunks_done") + 1,
        )
        ReceiptBatch.objects.filter(pk=batch_id, chunks_done__gte=F("chunks"), finished_at__isnull=True).update(
            status=ReceiptBatch.Status.DONE, finished_at=timezone.now()
        )
    return result


def receipts_stale(*, period: Period) -> list[int]:
    """Accounts of ``period`` whose receipt is missing, failed, or older than
    their statement (a cheap pre-filter; the hash decides)."""
    from django.db.models import Exists, OuterRef

    receipts = Receipt.objects.filter(
        account_id=OuterRef("account_id"),
        period=period,
        status=Receipt.Status.READY,
        checked_at__gte=OuterRef("updated_at"),
    )
    return list(
        Statement.objects.filter(period=period)
        .annotate(current=Exists(receipts))
        .filter(current=False)
        .order_by("account_id")
        .values_list("account_id", flat=True)
    )


def period_close_and_issue(*, period, user=None) -> Period:
    """Close ``period`` (billing's service: refused unless its run finished;
    idempotent) and, after commit, start the batch that renders its receipts.
    Closing an already closed period starts nothing new. This is the flow
    the accountant's command and admin action run; the demo seed closes
    periods through billing alone and lets receipts render on demand."""
    from billing.services import period_close

    with transaction.atomic():
        month = period.month if isinstance(period, Period) else P.month_start(period)
        # The row lock makes «was it open?» and the close one step: of two
        # concurrent closes only the one that closed it issues the receipts.
        locked = Period.objects.select_for_update().filter(month=month).first()
        was_closed = locked is not None and locked.is_closed
        per = period_close(period=month, user=user)
        if not was_closed:
            jobs.enqueue("documents.tasks.receipts_issue_task", period_id=per.pk)
    return per
