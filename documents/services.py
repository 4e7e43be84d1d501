"""Writes of the documents app (DESIGN §2): receipts, batches, certificates,
the register of issued documents, e-receipt choices.

Every generated document gets an :class:`IssuedDocument` first (its short
code is printed on it with a QR to the public verify page), then the PDF is
rendered and its SHA-256 stored. A receipt re-rendered after a change gets a
new code; the old one is marked revoked (the verify page says it was
replaced).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Consent, PersonalAccount
from billing.models import Statement
from documents import renderers
from documents.models import CertificateRequest, IssuedDocument, Receipt, ReceiptBatch
from documents.receipt_data import data_hash, receipt_data
from eirc import mail
from eirc import periods as P
from eirc.errors import DomainError
from eirc.models import Period
from eirc.money import format_rub

log = logging.getLogger(__name__)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 10  # 50 bits
UNSUBSCRIBE_SALT = "documents.paperless.unsubscribe"
PENDING_RETRY_AFTER = dt.timedelta(minutes=2)


# --- issued documents ------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a person typed or a QR carried → the stored form (upper case,
    without spaces or dashes; O→0 and I→1 are not in the alphabet, so a
    misread letter simply does not match)."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:16]


def _register(*, kind: str, account, title: str) -> IssuedDocument:
    for _ in range(5):
        code = new_code()
        if not IssuedDocument.objects.filter(code=code).exists():
            return IssuedDocument.objects.create(code=code, kind=kind, account=account, title=title)
    raise RuntimeError("could not draw a free document code")  # pragma: no cover - 2^50 codes


def _replace_file(field, filename: str, content: bytes) -> str:
    """Save ``content`` into the FileField; return the old name to delete
    after commit ('' when there was none)."""
    old = field.name or ""
    field.save(filename, ContentFile(content), save=False)
    return old if old != field.name else ""


def _delete_after_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- receipts --------------------------------------------------------------------


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
        doc = _register(kind=IssuedDocument.Kind.RECEIPT, account=account, title=f"ЕПД за {P.period_label(per.month)}")
        filename, _ct, pdf = renderers.render_receipt(data, code=doc.code, issued_at=now)
        doc.sha256 = hashlib.sha256(pdf).hexdigest()
        doc.save(update_fields=["sha256"])
        if receipt.document_id:
            IssuedDocument.objects.filter(pk=receipt.document_id, revoked_at__isnull=True).update(revoked_at=now)
        old = _replace_file(receipt.file, filename, pdf)
        receipt.document = doc
        receipt.status = Receipt.Status.READY
        receipt.statement_hash = fingerprint
        receipt.total_due = data["summary"]["total_due"]
        receipt.rendered_at = receipt.checked_at = now
        receipt.error = ""
        receipt.save()
        _delete_after_commit(receipt.file.storage, old)
        if notify:
            _email_receipt_if_paperless(receipt)
    return receipt, True


def receipt_request(*, account: PersonalAccount, period) -> tuple[Receipt, bool]:
    """For the resident's download: the receipt if it is ready and current,
    else schedule its rendering (after commit) and return it in the pending
    state. Returns ``(receipt, ready)``. A pending render is not scheduled
    twice within two minutes."""
    from documents.tasks import receipt_render_task

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
            transaction.on_commit(lambda: receipt_render_task.delay(account_id=ids[0], period_id=ids[1]))
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
    if user is None or not user.paperless_receipts or not user.email or not user.email_confirmed_at:
        return False
    month = receipt.period.month
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


# --- batches ---------------------------------------------------------------------


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def receipts_issue(*, period, user=None, account_ids=None, chunk_size: int | None = None, dispatch: bool = True):
    """Start issuing the receipts of ``period``: one ``ReceiptBatch`` and one
    task per chunk of accounts (those with a statement for the period, or
    ``account_ids``), sent to the workers after commit. Resumable and
    idempotent: re-running renders only missing, failed or stale receipts.
    With ``dispatch=False`` the chunks are returned for the caller to run
    (the management command's in-process mode)."""
    from celery import group

    from documents.tasks import receipts_render_chunk_task

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
        sigs = [receipts_render_chunk_task.si(batch_id=batch.pk, account_ids=c) for c in chunks]
        transaction.on_commit(lambda: group(sigs).apply_async())
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


# --- paperless (e-receipts) -----------------------------------------------------------


def paperless_set(*, user, enabled: bool, ip_address: str | None = None) -> None:
    """Record the resident's choice: the receipt by email instead of paper.
    Opting in needs a confirmed email; both directions leave a ``Consent``
    row (given true / false) with the text version and address."""
    if enabled and (not user.email or not user.email_confirmed_at):
        raise DomainError(
            "Чтобы получать квитанции по почте, подтвердите адрес электронной почты в профиле.", code="no_email"
        )
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(paperless_receipts=enabled)
        user.paperless_receipts = enabled
        Consent.objects.create(
            user=user,
            kind=Consent.Kind.PAPERLESS,
            text_version=settings.CONSENT_TEXT_VERSION,
            given=enabled,
            ip_address=ip_address,
        )


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("documents:unsubscribe", args=[unsubscribe_token(user)])


def paperless_unsubscribe(*, token: str, ip_address: str | None = None):
    """Turn e-receipts off from the signed link in the email (no login).
    Raises ``DomainError`` for a tampered or foreign token. Idempotent."""
    from accounts.models import User

    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=payload["u"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError):
        raise DomainError("Ссылка недействительна.", code="bad_token") from None
    if user.email.lower() != payload.get("e"):
        raise DomainError("Ссылка недействительна: адрес почты изменился.", code="bad_token")
    if user.paperless_receipts:
        paperless_set(user=user, enabled=False, ip_address=ip_address)
    return user


# --- certificates -------------------------------------------------------------------


def account_overdue_debt(*, account, today: dt.date | None = None) -> tuple:
    """(overdue debt, not yet due) of the account on ``today`` (the ledger, FIFO)."""
    from billing.selectors import dashboard_for

    d = dashboard_for(account=account, today=today or P.today())
    return d.overdue, d.not_yet_due


def certificate_order(
    *,
    user,
    account: PersonalAccount,
    kind: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    text: str = "",
) -> CertificateRequest:
    """Order a certificate. No-debt, extract and statement are generated by a
    task right after commit; free text goes to the operators. A no-debt
    certificate is refused (``DomainError``, code ``debt``, the amount in
    ``params``) while there is overdue debt."""
    from documents.tasks import certificate_generate_task

    K = CertificateRequest.Kind
    if kind not in K.values:
        raise DomainError("Выберите вид документа.", code="kind", field="kind")
    today = P.today()
    text = (text or "").strip()
    if kind == K.STATEMENT:
        if not date_from or not date_to:
            raise DomainError("Укажите период справки.", code="range", field="date_from")
        if date_to < date_from:
            raise DomainError("Дата «по» раньше даты «с».", code="range", field="date_to")
        if date_to > today:
            raise DomainError("Период справки не может заканчиваться в будущем.", code="range", field="date_to")
    else:
        date_from = date_to = None
    if kind == K.OTHER:
        if not text:
            raise DomainError("Опишите, какой документ нужен.", code="text", field="text")
        if len(text) > 2000:
            raise DomainError("Слишком длинный текст (не более 2000 знаков).", code="text", field="text")
    else:
        text = ""
    if kind == K.NO_DEBT:
        overdue, _ = account_overdue_debt(account=account, today=today)
        if overdue > 0:
            raise DomainError(
                f"Справку об отсутствии задолженности выдать нельзя: задолженность на {today:%d.%m.%Y} — "
                f"{format_rub(overdue)}. После оплаты закажите справку снова.",
                code="debt",
                params={"debt": str(overdue)},
            )
    with transaction.atomic():
        req = CertificateRequest.objects.create(
            account=account, user=user, kind=kind, date_from=date_from, date_to=date_to, text=text
        )
        if kind != K.OTHER:
            transaction.on_commit(lambda: certificate_generate_task.delay(request_id=req.pk))
    return req


def _certificate_data(req: CertificateRequest, today: dt.date) -> dict:
    from billing.models import LedgerEntry

    acc = req.account
    data = {
        "kind": req.kind,
        "title": req.get_kind_display(),
        "today": today,
        "account": {
            "number": acc.number,
            "els": acc.els,
            "owner": acc.owner_name,
            "address": acc.address,
            "area": acc.area,
            "residents": acc.residents,
            "opened_on": acc.opened_on,
            "status": acc.get_status_display(),
        },
        "centre": settings.EIRC,
    }
    overdue, not_yet_due = account_overdue_debt(account=acc, today=today)
    data["overdue"], data["not_yet_due"] = overdue, not_yet_due
    if req.kind == CertificateRequest.Kind.EXTRACT:
        from billing.models import AccountService

        data["services"] = list(
            AccountService.objects.filter(account=acc, started_on__lte=today)
            .exclude(ended_on__lt=today)
            .select_related("service", "service__provider")
            .order_by("service__position")
            .values_list("service__name", "service__provider__short_name", "started_on")
        )
        from meters.models import Meter

        data["meters"] = list(
            Meter.objects.filter(account=acc, status=Meter.Status.ACTIVE)
            .select_related("service")
            .values_list("service__name", "serial", "verification_due")
        )
        data["balance"] = sum(LedgerEntry.objects.filter(account=acc).values_list("amount", flat=True), start=0)
    if req.kind == CertificateRequest.Kind.STATEMENT:
        start, end = P.month_start(req.date_from), P.month_start(req.date_to)
        data["date_from"], data["date_to"] = req.date_from, req.date_to
        data["rows"] = list(
            Statement.objects.filter(account=acc, period__month__gte=start, period__month__lte=end)
            .select_related("period")
            .order_by("period__month")
        )
        data["payments"] = [
            (day, kind, -amount if kind == LedgerEntry.Kind.PAYMENT else amount)
            for day, kind, amount in LedgerEntry.objects.filter(
                account=acc,
                kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND],
                occurred_on__gte=req.date_from,
                occurred_on__lte=req.date_to,
            )
            .order_by("occurred_on", "id")
            .values_list("occurred_on", "kind", "amount")
        ]
        rows = data["rows"]
        data["totals"] = {
            "charged": sum((r.charged - r.benefits + r.recalculations for r in rows), start=0),
            "penalties": sum((r.penalties for r in rows), start=0),
            "paid": sum((r.paid for r in rows), start=0),
        }
    return data


def certificate_generate(*, request_id: int) -> CertificateRequest:
    """Generate a no-debt certificate, extract or statement (the task's body).
    A no-debt request finds debt again → rejected with the debt as reason.
    Idempotent: a request already ready or rejected is returned unchanged."""
    K, S = CertificateRequest.Kind, CertificateRequest.Status
    with transaction.atomic():
        req = CertificateRequest.objects.select_for_update().select_related("account").get(pk=request_id)
        if req.status in (S.READY, S.REJECTED) or req.kind == K.OTHER:
            return req
        today = P.today()
        data = _certificate_data(req, today)
        if req.kind == K.NO_DEBT and data["overdue"] > 0:
            req.status = S.REJECTED
            req.reject_reason = f"Задолженность на {today:%d.%m.%Y}: {format_rub(data['overdue'])}."
            req.save(update_fields=["status", "reject_reason", "updated_at"])
            _email_certificate(req)
            return req
        now = timezone.now()
        doc = _register(kind=req.kind, account=req.account, title=str(req.get_kind_display()))
        filename, _ct, pdf = renderers.render_certificate(data, code=doc.code, issued_at=now)
        doc.sha256 = hashlib.sha256(pdf).hexdigest()
        doc.save(update_fields=["sha256"])
        _replace_file(req.file, filename, pdf)
        req.document = doc
        req.status = S.READY
        req.ready_at = now
        req.save()
        _email_certificate(req)
    return req


def certificate_take(*, request: CertificateRequest, user) -> CertificateRequest:
    """An operator takes a free-text request: new → in progress."""
    with transaction.atomic():
        req = CertificateRequest.objects.select_for_update().get(pk=request.pk)
        if req.status != CertificateRequest.Status.NEW:
            raise DomainError("Взять в работу можно только новый запрос.", code="state")
        req.status = CertificateRequest.Status.IN_PROGRESS
        req.handled_by = user
        req.save(update_fields=["status", "handled_by", "updated_at"])
    return req


def certificate_complete(*, request: CertificateRequest, user, content: bytes, filename: str) -> CertificateRequest:
    """An operator attaches the prepared document (a PDF): → ready. The file
    is registered (code and SHA-256) so the verify page knows it."""
    if not content.startswith(b"%PDF"):
        raise DomainError("Приложите документ в формате PDF.", code="not_pdf", field="file")
    with transaction.atomic():
        req = CertificateRequest.objects.select_for_update().select_related("account").get(pk=request.pk)
        if req.status not in (CertificateRequest.Status.NEW, CertificateRequest.Status.IN_PROGRESS):
            raise DomainError("Запрос уже закрыт.", code="state")
        doc = _register(kind=IssuedDocument.Kind.OTHER, account=req.account, title=filename[:200] or "Документ")
        doc.sha256 = hashlib.sha256(content).hexdigest()
        doc.save(update_fields=["sha256"])
        _replace_file(req.file, f"other-{req.account.number}-{req.pk}.pdf", content)
        req.document = doc
        req.status = CertificateRequest.Status.READY
        req.handled_by = user
        req.ready_at = timezone.now()
        req.save()
        _email_certificate(req)
    return req


def certificate_reject(*, request: CertificateRequest, user, reason: str) -> CertificateRequest:
    """An operator refuses a request with a reason the resident will read."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Укажите причину отказа.", code="reason", field="reject_reason")
    with transaction.atomic():
        req = CertificateRequest.objects.select_for_update().get(pk=request.pk)
        if req.status not in (CertificateRequest.Status.NEW, CertificateRequest.Status.IN_PROGRESS):
            raise DomainError("Запрос уже закрыт.", code="state")
        req.status = CertificateRequest.Status.REJECTED
        req.reject_reason = reason[:500]
        req.handled_by = user
        req.save(update_fields=["status", "reject_reason", "handled_by", "updated_at"])
        _email_certificate(req)
    return req


def _email_certificate(req: CertificateRequest) -> None:
    user = req.user
    if user is None or not user.email:
        return
    from django.urls import reverse

    mail.send(
        name="certificate_ready" if req.status == CertificateRequest.Status.READY else "certificate_rejected",
        to=user.email,
        context={
            "title": str(req.get_kind_display()),
            "account_number": req.account.number,
            "reason": req.reject_reason,
            "url": settings.SITE_URL + reverse("documents:certificates"),
        },
    )
