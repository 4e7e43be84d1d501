"""Reading the files of a set into staging tables, checking every line.

Each file is streamed (memory stays flat in its size): a line is decoded,
split, each column checked (:mod:`.spec`), then cross-column checks; a good
line goes to the staging table ``stg_<entity>`` (a TEMP table of this
connection: ``COPY`` in batches on PostgreSQL, ``executemany`` elsewhere),
a bad one becomes an :class:`Error`. References across files (an account's
house, a meter's account and service, …) and duplicate keys are then checked
in SQL over the staged rows, so nothing of the city is held in Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.db import connection

from billing.exchange.spec import BY_ENTITY, FILES, Bad, FileSpec, row_problems

MAX_KEPT_ERRORS = 10000
BATCH = 20000
# Staged columns computed from a line, besides the file's own.
EXTRA_COLUMNS = {
    "meters": (("reading_1", "numeric(14,3)"), ("reading_2", "numeric(14,3)"), ("reading_period", "date")),
}


@dataclass(frozen=True)
class Error:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        col = f", столбец {self.column}" if self.column else ""
        return f"{self.file}, строка {self.line}{col}: {self.reason}"

    def as_json(self) -> list:
        return [self.file, self.line, self.column, self.reason]


class FileSet:
    """The files of a set, from a directory or a zip archive; ``open(spec)``
    gives a binary stream or ``None`` when the file is not in the set."""

    def __init__(self, *, directory: Path | None = None, archive: IO[bytes] | None = None, name: str = ""):
        self.directory = Path(directory) if directory else None
        self.zip = zipfile.ZipFile(archive) if archive is not None else None
        self.name = name or str(directory or "архив")
        if self.zip is not None:
            self.members = {Path(n).name: n for n in self.zip.namelist() if not n.endswith("/")}

    def find(self, spec: FileSpec) -> str | None:
        """The name of the spec's file in the set (``.csv``, else ``.xlsx``)."""
        for name in (spec.filename, f"{spec.entity}.xlsx"):
            if self.directory is not None and (self.directory / name).is_file():
                return name
            if self.zip is not None and name in self.members:
                return name
        return None

    def open(self, spec: FileSpec) -> IO[bytes] | None:
        name = self.find(spec)
        if name is None:
            return None
        if self.directory is not None:
            return (self.directory / name).open("rb")
        return self.zip.open(self.members[name])

    def checksum(self) -> str:
        """SHA-256 over the names and bytes of the files of the set, in load order."""
        digest = hashlib.sha256()
        for spec in FILES:
            stream = self.open(spec)
            if stream is None:
                continue
            digest.update(self.find(spec).encode() + b"\0")
            with stream:
                for block in iter(lambda s=stream: s.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()


def staging_table(entity: str) -> str:
    return f"stg_{entity}"


def create_staging() -> None:
    with connection.cursor() as cur:
        for spec in FILES:
            cols = [f"{name} {sqltype}" for name, sqltype, _check in spec.columns]
            cols += [f"{name} {sqltype}" for name, sqltype in EXTRA_COLUMNS.get(spec.entity, ())]
            table = staging_table(spec.entity)
            cur.execute(f"DROP TABLE IF EXISTS {table}")
            cur.execute(f"CREATE TEMP TABLE {table} (line integer PRIMARY KEY, {', '.join(cols)})")


def drop_staging() -> None:
    with connection.cursor() as cur:
        for spec in FILES:
            cur.execute(f"DROP TABLE IF EXISTS {staging_table(spec.entity)}")
        cur.execute("DROP TABLE IF EXISTS src")


_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESC)
    return str(value)


class _Writer:
    def __init__(self, spec: FileSpec):
        self.table = staging_table(spec.entity)
        self.columns = ["line", *spec.header, *(c for c, _t in EXTRA_COLUMNS.get(spec.entity, ()))]
        self.rows: list = []
        self.pg = connection.vendor == "postgresql"

    def add(self, values: list) -> None:
        self.rows.append("\t".join(map(_copy_text, values)) + "\n" if self.pg else values)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cur:
            if self.pg:
                buf = io.StringIO("".join(self.rows))
                cur.cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", buf)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cur.executemany(f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({marks})", self.rows)
        self.rows = []


def _extra(entity: str, row: dict) -> list:
    if entity != "meters":
        return []
    values = [Decimal(v) for v in row["reading"].split("/")] if row["reading"] else []
    values += [None] * (2 - len(values))
    day: dt.date | None = row["reading_date"] if values[0] is not None else None
    return [*values, day.replace(day=1) if day else None]


def _lines(stream: IO[bytes]) -> Iterator[str]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    yield from text


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(_lines(stream), delimiter=";")
    for cells in reader:
        yield reader.line_num, cells


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows as text, with their row numbers (the same
    columns as the CSV; cells typed as text keep leading zeros)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(stream.read()), read_only=True, data_only=True)
    try:
        for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(v) for v in row]
            while cells and cells[-1] == "" and len(cells) > 1:
                cells.pop()
            yield number, cells
    finally:
        book.close()


def stage_file(spec: FileSpec, stream: IO[bytes], report: Callable[[Error], None], *, xlsx: bool = False) -> int:
    """Check and stage one file (CSV, or XLSX with ``xlsx``); returns the number of lines staged."""
    fname = f"{spec.entity}.xlsx" if xlsx else spec.filename
    writer = _Writer(spec)
    staged = 0
    try:
        reader = _xlsx_rows(stream) if xlsx else _csv_rows(stream)
        first = next(reader, None)
        header = first[1] if first else None
        if header is None or [h.strip().lower() for h in header] != spec.header:
            report(Error(fname, 1, "", "первая строка — заголовок: " + ";".join(spec.header)))
            return 0
        for line, cells in reader:
            if len(cells) < len(spec.columns) and xlsx:
                cells = cells + [""] * (len(spec.columns) - len(cells))
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(spec.columns):
                report(Error(fname, line, "", f"полей {len(cells)}, а нужно {len(spec.columns)} (через «;»)"))
                continue
            row, bad = {}, False
            for (name, _type, check), cell in zip(spec.columns, cells, strict=True):
                try:
                    row[name] = check(cell.strip())
                except Bad as exc:
                    report(Error(fname, line, name, f"{exc} («{cell.strip()[:40]}»)"))
                    bad = True
            if bad:
                continue
            problems = row_problems(spec.entity, row)
            for column, reason in problems:
                report(Error(fname, line, column, reason))
            if problems:
                continue
            writer.add([line, *row.values(), *_extra(spec.entity, row)])
            staged += 1
    except UnicodeDecodeError:
        report(Error(fname, 0, "", "файл не в кодировке UTF-8"))
    except csv.Error as exc:
        report(Error(fname, 0, "", f"файл не читается как CSV: {exc}"))
    except (zipfile.BadZipFile, KeyError, IndexError, OSError) as exc:
        report(Error(fname, 0, "", f"файл не читается как XLSX: {exc}"))
    writer.flush()
    return staged


# (file, column, SQL condition that is true when the staged line's reference is missing)
REFERENCES = (
    (
        "services",
        "provider_inn",
        "NOT EXISTS (SELECT 1 FROM stg_providers r WHERE r.inn = s.provider_inn AND r.kpp = s.provider_kpp) "
        "AND NOT EXISTS (SELECT 1 FROM billing_provider t WHERE t.inn = s.provider_inn AND t.kpp = s.provider_kpp)",
        "поставщик с таким ИНН и КПП не найден",
    ),
    ("tariffs", "service", None, "услуга не найдена"),
    ("accounts", "house_id", "NOT EXISTS (SELECT 1 FROM stg_houses r WHERE r.house_id = s.house_id)", "дом не найден"),
    ("account_services", "account", None, "лицевой счёт не найден"),
    ("account_services", "service", None, "услуга не найдена"),
    ("meters", "account", None, "лицевой счёт не найден"),
    ("meters", "service", None, "услуга не найдена"),
    ("balances", "account", None, "лицевой счёт не найден"),
)
_MISSING = {
    "service": "NOT EXISTS (SELECT 1 FROM stg_services r WHERE r.code = s.service) "
    "AND NOT EXISTS (SELECT 1 FROM billing_service t WHERE t.code = s.service)",
    "account": "NOT EXISTS (SELECT 1 FROM stg_accounts r WHERE r.number = s.account) "
    "AND NOT EXISTS (SELECT 1 FROM accounts_personalaccount t WHERE t.number = s.account)",
}


def check_across(report: Callable[[Error], None], limit: int = MAX_KEPT_ERRORS) -> None:
    """References between files (or to rows already in the portal) and
    duplicate natural keys within a file, checked over the staged lines."""
    with connection.cursor() as cur:
        for spec in FILES:
            table = staging_table(spec.entity)
            cols = ", ".join(spec.key)
            cur.execute(f"CREATE INDEX {table}_key ON {table} ({cols}, line)")
            if connection.vendor == "postgresql":
                cur.execute(f"ANALYZE {table}")
        for spec in FILES:
            table = staging_table(spec.entity)
            same = " AND ".join(f"d.{k} = s.{k}" for k in spec.key)
            cur.execute(
                f"SELECT s.line FROM {table} s WHERE EXISTS (SELECT 1 FROM {table} d WHERE {same} AND d.line < s.line) "
                f"ORDER BY s.line LIMIT {int(limit)}"
            )
            for (line,) in cur.fetchall():
                report(Error(spec.filename, line, ",".join(spec.key), "повтор: такая запись уже есть выше в файле"))
        for entity, column, condition, reason in REFERENCES:
            condition = condition or _MISSING[column]
            cur.execute(
                f"SELECT s.line, s.{column} FROM {staging_table(entity)} s WHERE {condition} "
                f"ORDER BY s.line LIMIT {int(limit)}"
            )
            for line, value in cur.fetchall():
                report(Error(BY_ENTITY[entity].filename, line, column, f"{reason} («{value}»)"))
