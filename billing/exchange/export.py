"""Files out (docs/exchange.md, «Выгрузки»): one CSV a provider, the same
bytes for the same data.

A file is UTF-8 (no BOM), ``;``-separated, ``\\n`` line ends, a header line,
the rows in a fixed order, and a last line
``#checksum;sha256;<hex>;rows;<n>`` where ``<hex>`` is the SHA-256 of every
byte before that line. No timestamps inside, so an export run again over the
same data gives the same bytes (and the same hash). Each file written is
recorded in :class:`ExchangeExport` (who, when, rows, hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from billing.exchange.models import ExchangeExport
from billing.models import Provider, Service

READINGS_HEADER = ("account", "serial", "service", "zone", "period", "value", "taken_on", "source")


@dataclass(frozen=True)
class Written:
    provider: Provider
    path: Path
    rows: int
    sha256: str


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return f"{value:f}"
    return re.sub(r"[;\r\n]", " ", str(value))


def render(header: Sequence[str], rows: Iterable[Sequence]) -> tuple[bytes, int, str]:
    """The bytes of a file, its row count and the SHA-256 its last line names."""
    lines = [";".join(header)]
    lines += [";".join(cell(v) for v in row) for row in rows]
    body = ("\n".join(lines) + "\n").encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    n = len(lines) - 1
    return body + f"#checksum;sha256;{digest};rows;{n}\n".encode(), n, digest


def provider_slug(provider: Provider) -> str:
    return f"{provider.inn}-{provider.kpp}" if provider.kpp else provider.inn


def write_files(
    *, kind: str, subject: str, stem: str, header, rows_by_provider: dict, out: Path, user=None, actor: str = ""
) -> list[Written]:
    """Write one file a provider (``rows_by_provider``: provider → rows) and record each."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for provider in sorted(rows_by_provider, key=lambda p: (p.inn, p.kpp)):
        data, n, digest = render(header, rows_by_provider[provider])
        path = out / f"{stem}-{provider_slug(provider)}.csv"
        path.write_bytes(data)
        ExchangeExport.objects.create(
            kind=kind,
            subject=subject,
            provider=provider,
            filename=path.name,
            rows=n,
            sha256=digest,
            created_by=user if getattr(user, "pk", None) else None,
            actor=actor[:150],
        )
        written.append(Written(provider, path, n, digest))
    return written


def readings_export(*, month: dt.date, out: Path, user=None, actor: str = "") -> list[Written]:
    """The period's current readings, one file per provider of a metered
    service (a provider with no readings gets a file with no rows)."""
    from meters.selectors import readings_for_export

    providers = {
        p.pk: p for p in Provider.objects.filter(services__method=Service.Method.METER).distinct().order_by("pk")
    }
    rows: dict[Provider, list] = {p: [] for p in providers.values()}
    label = f"{month:%m.%Y}"
    for provider_id, number, serial, code, zone, value, taken_on, source in readings_for_export(month=month):
        rows[providers[provider_id]].append((number, serial, code, zone, label, value, taken_on, source))
    return write_files(
        kind=ExchangeExport.Kind.READINGS,
        subject=label,
        stem=f"readings-{month:%Y-%m}",
        header=READINGS_HEADER,
        rows_by_provider=rows,
        out=out,
        user=user,
        actor=actor,
    )
