"""Bank registries of offline payments (bank branches, post offices).

Format (docs/payments-registry.md): UTF-8 CSV, ``;`` separated, a header
line ``date;time;transaction_id;account;amount;period``; date DD.MM.YYYY,
time HH:MM[:SS] (Europe/Simferopol), amount with kopecks ("1234.56" or
"1234,56"), period MM.YYYY or empty (then the oldest debt is paid first).

A file is imported once (its SHA-256) and a bank transaction once (its id);
a file with a bad line applies nothing unless told to skip bad lines.

Set-based, like the billing run: the whole file is read and checked first
(nothing is applied if a line is bad), then applied in chunks of
``CHUNK`` lines, each in its own transaction holding only its accounts'
locks: the chunk's payments and ledger entries are written at once (COPY on
PostgreSQL) and each account's statements refreshed once. A run that stops
half-way leaves a registry not marked complete; running the same file again
applies what is missing (a bank transaction is known by its id). Neither
pass keeps the file's lines (or its decoded text) in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PersonalAccount
from eirc.bulkcopy import copy_lines, nullable, text
from eirc.models import Period
from eirc.money import parse_amount_with_kopecks
from eirc.periods import TZ
from payments.models import Payment, RegistryImport

HEADER = ["date", "time", "transaction_id", "account", "amount", "period"]
# What the columns can hold: an account number is 10 ASCII digits, an
# amount fits DecimalField(max_digits=12), a period is MM.YYYY with a
# four-digit year (int("2147483648") as a year was an OverflowError).
ACCOUNT_RE = re.compile(r"[0-9]{10}")
PERIOD_RE = re.compile(r"(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4})")
MAX_AMOUNT = Decimal("9999999999.99")
CHUNK = 5000  # lines per transaction


@dataclass
class RegistryLine:
    line: int
    paid_at: dt.datetime
    transaction_id: str
    account_number: str
    amount: Decimal
    period: dt.date | None


@dataclass
class RegistryReport:
    filename: str
    checksum: str
    rows: int = 0
    applied: int = 0
    duplicates: int = 0
    total: Decimal = Decimal("0.00")
    errors: list[tuple[int, str]] = field(default_factory=list)
    already_imported: bool = False
    dry_run: bool = False
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.already_imported


# A registry holds few distinct dates and times: each is parsed once.
@functools.lru_cache(maxsize=4096)
def _day(text_: str) -> dt.date:
    return dt.datetime.strptime(text_, "%d.%m.%Y").date()


@functools.lru_cache(maxsize=4096)
def _moment(text_: str) -> dt.time | None:
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            return dt.datetime.strptime(text_, fmt).time()
        except ValueError:
            continue
    return None


def _parse_line(no: int, row: dict, accounts: dict[str, int]) -> RegistryLine:
    try:
        day = _day(row["date"].strip())
    except (ValueError, AttributeError):
        raise ValueError(_("дата должна быть в виде ДД.ММ.ГГГГ")) from None
    moment = _moment((row.get("time") or "").strip())
    if moment is None:
        raise ValueError(_("время должно быть в виде ЧЧ:ММ или ЧЧ:ММ:СС"))
    txn = (row.get("transaction_id") or "").strip()
    if not txn or len(txn) > 64:
        raise ValueError(_("нет номера операции банка (или он длиннее 64 символов)"))
    if not txn.isprintable():
        raise ValueError(_("номер операции банка содержит недопустимые символы"))
    number = (row.get("account") or "").strip()
    if not ACCOUNT_RE.fullmatch(number):
        raise ValueError(_("лицевой счёт — 10 цифр"))
    if number not in accounts:
        raise ValueError(_("лицевой счёт %(n)s не найден") % {"n": number})
    try:
        amount = parse_amount_with_kopecks(row.get("amount") or "")
    except ValueError:
        raise ValueError(_("сумма должна быть с копейками, например 1234,56")) from None
    if amount <= 0:
        raise ValueError(_("сумма должна быть больше нуля"))
    if amount > MAX_AMOUNT:
        raise ValueError(_("сумма больше 9 999 999 999,99 — такой платёж не принимается"))
    period = None
    period_text = (row.get("period") or "").strip()
    if period_text:
        match = PERIOD_RE.fullmatch(period_text)
        if not match:
            raise ValueError(_("период должен быть в виде ММ.ГГГГ"))
        try:
            period = dt.date(int(match["year"]), int(match["month"]), 1)
        except ValueError:
            raise ValueError(_("период должен быть в виде ММ.ГГГГ (месяц от 01 до 12)")) from None
    paid_at = dt.datetime.combine(day, moment, tzinfo=TZ)
    return RegistryLine(no, paid_at, txn, number, amount, period)


def _rows(content: bytes) -> Iterator[tuple[int, dict]] | None:
    """The file's non-blank rows with their line numbers, decoded as they
    are read (the file is never held as text), or None when the header is
    wrong. Raises ``UnicodeDecodeError`` on bytes that are not UTF-8."""
    reader = csv.DictReader(io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline=""), delimiter=";")
    if [h.strip() for h in (reader.fieldnames or [])] != HEADER:
        return None
    return (
        (no, row)
        for no, row in enumerate(reader, start=2)
        if any((v or "").strip() for v in row.values() if isinstance(v, str))
    )


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _account_ids(chunk: list[tuple[int, dict]]) -> dict[str, int]:
    numbers = {(r.get("account") or "").strip() for _no, r in chunk if isinstance(r.get("account"), str)}
    numbers = {n for n in numbers if ACCOUNT_RE.fullmatch(n)}
    return dict(PersonalAccount.objects.filter(number__in=numbers).values_list("number", "id"))


def _known(lines: list[RegistryLine]) -> set[str]:
    """Transaction ids of ``lines`` already imported (from any file)."""
    return set(
        Payment.objects.filter(
            source=Payment.Source.REGISTRY, external_id__in=[line.transaction_id for line in lines]
        ).values_list("external_id", flat=True)
    )


def registry_check(content: bytes, filename: str, *, chunk_size: int = CHUNK) -> RegistryReport:
    """Read and check the whole file, a chunk at a time: the report (rows,
    errors by line, transactions already imported, the total of the new
    ones). An unreadable file has one error, on line 0 or 1."""
    report = RegistryReport(filename=filename, checksum=hashlib.sha256(content).hexdigest())
    try:
        _check_rows(content, report, chunk_size)
    except UnicodeDecodeError:
        report.rows, report.duplicates, report.total = 0, 0, Decimal("0.00")
        report.errors[:] = [(0, _("файл не в кодировке UTF-8"))]
    return report


def _check_rows(content: bytes, report: RegistryReport, chunk_size: int) -> None:
    rows = _rows(content)
    if rows is None:
        report.errors.append((1, _("первая строка должна быть: %(h)s") % {"h": ";".join(HEADER)}))
        return
    seen = set()
    for chunk in _chunks(rows, chunk_size):
        accounts = _account_ids(chunk)
        lines = []
        for no, row in chunk:
            report.rows += 1
            try:
                line = _parse_line(no, row, accounts)
            except ValueError as exc:
                report.errors.append((no, str(exc)))
                continue
            if line.transaction_id in seen:
                report.errors.append((no, _("операция %(t)s повторяется в файле") % {"t": line.transaction_id}))
                continue
            seen.add(line.transaction_id)
            lines.append(line)
        known = _known(lines)
        report.duplicates += len(known)
        report.total += sum((line.amount for line in lines if line.transaction_id not in known), start=Decimal("0.00"))


def registry_import(
    *,
    content: bytes,
    filename: str,
    user=None,
    dry_run: bool = False,
    skip_errors: bool = False,
    chunk_size: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> RegistryReport:
    """Import a registry file. Applies nothing when the file was imported
    before, when it has bad lines (unless ``skip_errors``), or on a dry run.
    Transactions already imported (by id) are skipped and counted. A file
    whose import stopped half-way is completed. ``progress(done, rows)`` is
    called after each chunk."""
    report = registry_check(content, filename, chunk_size=chunk_size)
    report.dry_run = dry_run
    registry = RegistryImport.objects.filter(checksum=report.checksum).first()
    if registry is not None and registry.completed_at is not None:
        report.already_imported = True
        return report
    unreadable = report.errors[:1] and report.errors[0][0] in (0, 1)
    if dry_run or unreadable or (report.errors and not skip_errors):
        return report
    report.resumed = registry is not None
    if registry is None:
        registry = RegistryImport.objects.create(
            filename="".join(c for c in filename if c.isprintable())[:250],
            checksum=report.checksum,
            rows=report.rows,
            total=report.total,
            imported_by=user,
            report={"errors": report.errors, "duplicates": report.duplicates},
        )
    bad = {no for no, _message in report.errors}
    done = 0
    for chunk in _chunks(_rows(content), chunk_size):
        accounts = _account_ids(chunk)
        lines = [_parse_line(no, row, accounts) for no, row in chunk if no not in bad]
        with transaction.atomic():
            report.applied += _apply(lines, accounts, registry)
        done += len(chunk)
        if progress:
            progress(done, report.rows)
    RegistryImport.objects.filter(pk=registry.pk).update(completed_at=timezone.now())
    return report


@dataclass(slots=True)
class _Row:
    """A registry payment as written (and as the ledger reads it)."""

    pk: uuid.UUID
    account_id: int
    amount: Decimal
    paid_at: dt.datetime
    for_period_id: int | None
    external_id: str
    user_id: None = None
    is_succeeded: bool = True


def _apply(lines: list[RegistryLine], accounts: dict[str, int], registry: RegistryImport) -> int:
    """One chunk: the payments not yet imported, their ledger entries, the
    statements of their accounts."""
    from billing.services import ledger_post_payments

    known = _known(lines)
    fresh = [line for line in lines if line.transaction_id not in known]
    months = {line.period for line in fresh if line.period}
    periods = dict(Period.objects.filter(month__in=months).values_list("month", "pk"))
    for month in months - periods.keys():
        periods[month] = Period.objects.get_or_create(month=month)[0].pk
    rows = [
        _Row(
            pk=uuid.uuid4(),
            account_id=accounts[line.account_number],
            amount=line.amount,
            paid_at=line.paid_at,
            for_period_id=periods.get(line.period),
            external_id=line.transaction_id,
        )
        for line in fresh
    ]
    _insert(rows, registry)
    ledger_post_payments(rows)
    return len(rows)


PAYMENT_COLUMNS = (
    "id, account_id, source, amount, currency, status, for_period_id, provider, idempotence_key, external_id, "
    "confirmation_url, receipt_email, paid_at, created_at, updated_at, failure_reason, registry_id, method"
)


def _insert(rows: list[_Row], registry: RegistryImport) -> None:
    common = {
        "source": Payment.Source.REGISTRY,
        "provider": "registry",
        "status": Payment.Status.SUCCEEDED,
        "method": Payment.Method.REGISTRY,
    }
    if connection.vendor != "postgresql":
        Payment.objects.bulk_create(
            [
                Payment(
                    id=r.pk,
                    account_id=r.account_id,
                    amount=r.amount,
                    paid_at=r.paid_at,
                    for_period_id=r.for_period_id,
                    external_id=r.external_id,
                    registry=registry,
                    **common,
                )
                for r in rows
            ],
            batch_size=500,
        )
        return
    now = timezone.now().isoformat()
    source, status, provider = common["source"], common["status"], common["provider"]
    copy_lines(
        "payments_payment",
        PAYMENT_COLUMNS,
        [
            f"{r.pk}\t{r.account_id}\t{source}\t{r.amount}\tRUB\t{status}\t{nullable(r.for_period_id)}\t"
            f"{provider}\t{uuid.uuid4()}\t{text(r.external_id)}\t\t\t{r.paid_at.isoformat()}\t{now}\t{now}\t\t"
            f"{registry.pk}\t{Payment.Method.REGISTRY.value}\n"
            for r in rows
        ],
    )
