"""Bank registries of offline payments (bank branches, post offices).

Format (docs/payments-registry.md): UTF-8 CSV, ``;`` separated, a header
line ``date;time;transaction_id;account;amount;period``; date DD.MM.YYYY,
time HH:MM[:SS] (Europe/Simferopol), amount with kopecks ("1234.56" or
"1234,56"), period MM.YYYY or empty (then the oldest debt is paid first).

A file is imported once (its SHA-256) and a bank transaction once (its id);
a file with a bad line applies nothing unless told to skip bad lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import PersonalAccount
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

    @property
    def ok(self) -> bool:
        return not self.errors and not self.already_imported


def _parse_line(no: int, row: dict, accounts: dict[str, int]) -> RegistryLine:
    try:
        day = dt.datetime.strptime(row["date"].strip(), "%d.%m.%Y").date()
    except (ValueError, AttributeError):
        raise ValueError(_("дата должна быть в виде ДД.ММ.ГГГГ")) from None
    time_text = (row.get("time") or "").strip()
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            moment = dt.datetime.strptime(time_text, fmt).time()
            break
        except ValueError:
            continue
    else:
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


def registry_parse(content: bytes, filename: str) -> tuple[RegistryReport, list[RegistryLine]]:
    report = RegistryReport(filename=filename, checksum=hashlib.sha256(content).hexdigest())
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((0, _("файл не в кодировке UTF-8")))
        return report, []
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    if [h.strip() for h in (reader.fieldnames or [])] != HEADER:
        report.errors.append((1, _("первая строка должна быть: %(h)s") % {"h": ";".join(HEADER)}))
        return report, []
    rows = list(reader)
    numbers = {(r.get("account") or "").strip() for r in rows if isinstance(r.get("account"), str)}
    numbers = {n for n in numbers if ACCOUNT_RE.fullmatch(n)}
    accounts = dict(PersonalAccount.objects.filter(number__in=numbers).values_list("number", "id"))
    lines, seen = [], set()
    for no, row in enumerate(rows, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
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
    return report, lines


def registry_import(
    *, content: bytes, filename: str, user=None, dry_run: bool = False, skip_errors: bool = False
) -> RegistryReport:
    """Import a registry file. Applies nothing when the file was imported
    before, when it has bad lines (unless ``skip_errors``), or on a dry run.
    Transactions already imported (by id) are skipped and counted."""
    from billing.services import ledger_post_payment

    report, lines = registry_parse(content, filename)
    report.dry_run = dry_run
    if RegistryImport.objects.filter(checksum=report.checksum).exists():
        report.already_imported = True
        return report
    known = set(
        Payment.objects.filter(
            source=Payment.Source.REGISTRY, external_id__in=[line.transaction_id for line in lines]
        ).values_list("external_id", flat=True)
    )
    fresh = [line for line in lines if line.transaction_id not in known]
    report.duplicates = len(lines) - len(fresh)
    report.total = sum((line.amount for line in fresh), start=Decimal("0.00"))
    if dry_run or (report.errors and not skip_errors):
        return report
    with transaction.atomic():
        registry = RegistryImport.objects.create(
            filename="".join(c for c in filename if c.isprintable())[:250],
            checksum=report.checksum,
            rows=report.rows,
            total=report.total,
            imported_by=user,
            report={"errors": report.errors, "duplicates": report.duplicates},
        )
        accounts = {a.number: a for a in PersonalAccount.objects.filter(number__in={x.account_number for x in fresh})}
        periods = {}
        for line in fresh:
            period = None
            if line.period:
                period = periods.get(line.period) or Period.objects.get_or_create(month=line.period)[0]
                periods[line.period] = period
            payment = Payment.objects.create(
                account=accounts[line.account_number],
                source=Payment.Source.REGISTRY,
                provider="registry",
                amount=line.amount,
                status=Payment.Status.SUCCEEDED,
                paid_at=line.paid_at,
                external_id=line.transaction_id,
                for_period=period,
                registry=registry,
            )
            ledger_post_payment(payment=payment)
            report.applied += 1
    return report
