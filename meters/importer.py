"""Import of readings from controllers / АСКУЭ (format: docs/readings-import.md).

CSV, UTF-8 (a BOM is allowed), ``;``-separated, with the header
``account;serial;zone;date;value;source_id``. Each line is checked by the
same rules as a resident's reading (:func:`meters.validation.check`, except
the jump check: a controller's reading needs no confirmation), for the period
of the window rule on its date.

* Nothing is applied from a file with any error, unless ``skip_errors``: then
  the good lines are applied and the bad ones reported.
* ``dry_run`` checks everything and applies nothing.
* Idempotent: a line whose meter, zone and period already have a current
  reading with the same value from an import changes nothing ("unchanged"),
  so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from eirc.errors import DomainError
from eirc.periods import TZ
from meters import validation
from meters.models import Meter, Reading, Submission
from meters.services import _apply, _create_submission
from meters.window import window_for

HEADER = ["account", "serial", "zone", "date", "value", "source_id"]


@dataclass
class LineResult:
    line: int
    status: str  # "applied" | "unchanged" | "error"
    message: str = ""


@dataclass
class ImportReport:
    checksum: str
    lines: list[LineResult] = field(default_factory=list)
    applied: bool = False
    submission_codes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[LineResult]:
        return [x for x in self.lines if x.status == "error"]

    def count(self, status: str) -> int:
        return sum(1 for x in self.lines if x.status == status)

    def summary(self) -> str:
        state = "применён" if self.applied else "не применён"
        return (
            f"Файл {state}: строк {len(self.lines)}, новых показаний {self.count('applied')}, "
            f"без изменений {self.count('unchanged')}, ошибок {len(self.errors)}."
        )


class _Rollback(Exception):
    pass


def _parse_date(text: str) -> dt.date:
    text = text.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise DomainError("Дата — ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.", code="date")


# What the columns can hold (and what PostgreSQL accepts: never a NUL).
ACCOUNT_RE = re.compile(r"[0-9]{10}")
SERIAL_MAX = 40
EARLIEST = dt.date(2000, 1, 1)


def _check_text(*, account: str, serial: str, zone: str) -> None:
    if not ACCOUNT_RE.fullmatch(account):
        raise DomainError("Лицевой счёт — 10 цифр.", code="account")
    if not serial or len(serial) > SERIAL_MAX or not serial.isprintable():
        raise DomainError(
            f"Заводской номер счётчика — до {SERIAL_MAX} печатных символов, без управляющих.", code="serial"
        )
    if len(zone) > 10 or not zone.isprintable():
        raise DomainError("Зона — single, day или night.", code="zone")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError("Файл должен быть в кодировке UTF-8.", code="encoding") from exc


def import_readings(
    *, data: bytes, user=None, dry_run: bool = False, skip_errors: bool = False, now=None
) -> ImportReport:
    """Check and (unless ``dry_run`` or an error without ``skip_errors``)
    apply a readings file. Returns the per-line report; never raises for a
    bad line (a file that is not CSV of this format raises DomainError)."""
    now = now or timezone.now()
    today = now.astimezone(TZ).date()
    report = ImportReport(checksum=hashlib.sha256(data).hexdigest())
    reader = csv.reader(io.StringIO(_decode(data)), delimiter=";")
    rows = list(reader)
    if not rows or [h.strip().lower() for h in rows[0]] != HEADER:
        raise DomainError(f"Первая строка файла — заголовок: {';'.join(HEADER)}.", code="header")
    seen: set[tuple[int, str, dt.date]] = set()
    try:
        with transaction.atomic():
            submissions: dict[int, Submission] = {}  # one per account
            for number, row in enumerate(rows[1:], start=2):
                if not any(c.strip() for c in row):
                    continue
                try:
                    with transaction.atomic():
                        if len(row) != len(HEADER):
                            raise DomainError(f"В строке должно быть {len(HEADER)} полей через «;».", code="columns")
                        account, serial, zone, date_text, value, _source_id = (c.strip() for c in row)
                        zone = zone or "single"
                        _check_text(account=account, serial=serial, zone=zone)
                        taken_on = _parse_date(date_text)
                        if taken_on > today:
                            raise DomainError("Дата в будущем.", code="date")
                        if taken_on < EARLIEST:
                            raise DomainError(f"Дата раньше {EARLIEST:%d.%m.%Y}.", code="date")
                        meter = (
                            Meter.objects.select_for_update(of=("self",))
                            .select_related("service")
                            .filter(account__number=account, serial=serial)
                            .first()
                        )
                        if meter is None:
                            raise DomainError(f"Счётчик № {serial} на лицевом счёте {account} не найден.", code="meter")
                        period = window_for(meter.service, today=taken_on).period
                        if (meter.pk, zone, period) in seen:
                            raise DomainError("Повтор: этот счётчик, зона и период уже есть в файле выше.", code="dup")
                        seen.add((meter.pk, zone, period))
                        plan = validation.check(
                            meter,
                            zone,
                            value,
                            period=period,
                            today=taken_on,
                            source=Reading.Source.IMPORT,
                            confirm_jump=True,
                        )
                        if plan.action == "same":
                            report.lines.append(LineResult(number, "unchanged"))
                            continue
                        submission = submissions.get(meter.account_id)
                        if submission is None:
                            submission = submissions[meter.account_id] = _create_submission(
                                account=meter.account,
                                user=user,
                                channel=Submission.Channel.IMPORT,
                                client_key="",
                                result={"checksum": report.checksum, "items": []},
                            )
                        item = _apply(
                            plan,
                            submission=submission,
                            source=Reading.Source.IMPORT,
                            taken_on=taken_on,
                            user=user,
                            now=now,
                        )
                        submission.result["items"].append(item)
                        report.lines.append(LineResult(number, "applied", item.get("note", "")))
                except DomainError as exc:
                    report.lines.append(LineResult(number, "error", exc.message))
            for submission in submissions.values():
                submission.save(update_fields=["result"])
            report.submission_codes = [s.code for s in submissions.values()]
            if dry_run or (report.errors and not skip_errors):
                raise _Rollback
            report.applied = True
    except _Rollback:
        report.submission_codes = []
    return report
