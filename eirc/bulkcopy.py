"""PostgreSQL ``COPY … FROM STDIN`` in text format: the fastest way to load
many rows (the billing run, the bank registry). Callers build one line per
row with these field helpers and hand the lines over; other databases use
the ORM instead."""

from __future__ import annotations

import io
import json

from django.db import connection

_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def nullable(value) -> str:
    """A field that may be NULL."""
    return "\\N" if value is None else str(value)


def text(value: str) -> str:
    """A text field, escaped for COPY."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESC)
    return value


def json_text(value: dict) -> str:
    # JSON text never holds a raw tab or newline; only its backslashes need escaping for COPY
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("\\", "\\\\")


def copy_lines(table: str, columns: str, lines: list[str]) -> None:
    """COPY ``lines`` (tab-separated, newline-terminated) into ``table``."""
    if not lines:
        return
    buf = io.StringIO("".join(lines))
    with connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buf)


def next_ids(table: str, n: int) -> list[int]:
    """Take ``n`` ids from the table's sequence (rows can then point at each other)."""
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
        return [r[0] for r in cur.fetchall()]
