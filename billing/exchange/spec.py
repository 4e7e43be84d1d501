"""The exchange files and their columns (docs/exchange.md is their manual).

Every file is UTF-8 CSV (a BOM is allowed), ``;``-separated, its first line
the header exactly as below. A file may be left out of a set (then nothing of
its kind changes); a set is loaded in the order of :data:`FILES`, so a file
may refer to rows of an earlier file or to rows already in the portal.

Each column is ``(name, SQL type of its staging column, check)``; a check
takes the stripped text and returns the value to stage (``None`` for empty)
or raises :class:`Bad` with a Russian reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


class Bad(ValueError):
    """A value a column cannot hold; ``str(exc)`` is the Russian reason."""


Check = Callable[[str], object]


def text(max_len: int, *, required: bool = True, pattern: str | None = None, hint: str = "") -> Check:
    rx = re.compile(pattern) if pattern else None

    def check(value: str):
        if not value:
            if required:
                raise Bad("пустое значение")
            return ""
        if len(value) > max_len:
            raise Bad(f"длиннее {max_len} символов")
        if not value.isprintable():
            raise Bad("управляющие символы")
        if rx and not rx.fullmatch(value):
            raise Bad(hint or "неверный формат")
        return value

    return check


def decimal(places: int, *, max_digits: int = 12, minimum: Decimal | None = None, above: bool = False) -> Check:
    def check(value: str):
        if not value:
            raise Bad("пустое значение")
        try:
            number = Decimal(value.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
        except InvalidOperation:
            raise Bad("не число") from None
        if not number.is_finite():
            raise Bad("не число")
        if -number.as_tuple().exponent > places:  # type: ignore[operator]
            raise Bad(f"больше {places} знаков после запятой")
        if abs(number) >= Decimal(10) ** (max_digits - places):
            raise Bad("слишком большое число")
        if minimum is not None and (number <= minimum if above else number < minimum):
            raise Bad(f"должно быть {'больше' if above else 'не меньше'} {minimum}")
        return number.quantize(Decimal(1).scaleb(-places))

    return check


def optional(check: Check) -> Check:
    def wrapped(value: str):
        return check(value) if value else None

    return wrapped


def integer(lo: int, hi: int) -> Check:
    def check(value: str):
        if not re.fullmatch(r"[0-9]{1,6}", value or ""):
            raise Bad("не целое число")
        n = int(value)
        if not lo <= n <= hi:
            raise Bad(f"должно быть от {lo} до {hi}")
        return n

    return check


EARLIEST = dt.date(1950, 1, 1)


def date(value: str):
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if day < EARLIEST or day.year > 2100:
            raise Bad("дата вне допустимого диапазона")
        return day
    raise Bad("дата — ДД.ММ.ГГГГ")


def period(value: str):
    m = re.fullmatch(r"(0[1-9]|1[0-2])\.(20[0-9]{2})", value)
    if not m:
        raise Bad("период — ММ.ГГГГ")
    return dt.date(int(m[2]), int(m[1]), 1)


def choice(*values: str) -> Check:
    def check(value: str):
        if value not in values:
            raise Bad("допустимо: " + ", ".join(values))
        return value

    return check


DIGITS10 = text(10, pattern=r"[0-9]{10}", hint="10 цифр")
SERVICE_CODE = text(40, pattern=r"[-a-zA-Z0-9_]+", hint="латинские буквы, цифры, «-», «_»")
ZONES = choice("single", "day,night")


def readings(value: str):
    """One value, or «день/ночь» for a two-zone meter; empty — no reading."""
    if not value:
        return None
    parts = value.split("/")
    if len(parts) > 2:
        raise Bad("одно показание или два через «/» (день/ночь)")
    check = decimal(3, max_digits=14, minimum=Decimal(0))
    return "/".join(str(check(p.strip())) for p in parts)


@dataclass(frozen=True)
class FileSpec:
    entity: str  # the file is <entity>.csv
    title: str  # Russian, for reports
    columns: tuple[tuple[str, str, Check], ...]
    key: tuple[str, ...]  # natural key within the file

    @property
    def filename(self) -> str:
        return f"{self.entity}.csv"

    @property
    def header(self) -> list[str]:
        return [c[0] for c in self.columns]


FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "houses",
        "дома",
        (
            ("house_id", "varchar(40)", text(40)),
            ("city", "varchar(100)", text(100)),
            ("street", "varchar(200)", text(200)),
            ("house", "varchar(20)", text(20)),
            ("postcode", "varchar(6)", text(6, required=False, pattern=r"[0-9]{6}", hint="6 цифр")),
        ),
        ("house_id",),
    ),
    FileSpec(
        "providers",
        "поставщики",
        (
            ("inn", "varchar(12)", text(12, pattern=r"[0-9]{10}|[0-9]{12}", hint="10 или 12 цифр")),
            ("kpp", "varchar(9)", text(9, required=False, pattern=r"[0-9]{9}", hint="9 цифр")),
            ("name", "varchar(160)", text(160)),
            ("short_name", "varchar(80)", text(80)),
            ("bank_name", "varchar(45)", text(45)),
            ("bik", "varchar(9)", text(9, pattern=r"[0-9]{9}", hint="9 цифр")),
            ("account", "varchar(20)", text(20, pattern=r"[0-9]{20}", hint="20 цифр")),
            ("corr_account", "varchar(20)", text(20, pattern=r"[0-9]{20}", hint="20 цифр")),
        ),
        ("inn", "kpp"),
    ),
    FileSpec(
        "services",
        "услуги",
        (
            ("code", "varchar(40)", SERVICE_CODE),
            ("name", "varchar(120)", text(120)),
            ("provider_inn", "varchar(12)", text(12, pattern=r"[0-9]{10}|[0-9]{12}", hint="10 или 12 цифр")),
            ("provider_kpp", "varchar(9)", text(9, required=False, pattern=r"[0-9]{9}", hint="9 цифр")),
            ("method", "varchar(16)", choice("meter", "area", "per_resident", "fixed")),
            ("unit", "varchar(20)", text(20)),
            ("zones", "varchar(40)", ZONES),
            ("norm", "numeric(12,4)", optional(decimal(4, minimum=Decimal(0)))),
        ),
        ("code",),
    ),
    FileSpec(
        "tariffs",
        "тарифы",
        (
            ("service", "varchar(40)", SERVICE_CODE),
            ("zone", "varchar(10)", choice("single", "day", "night")),
            ("valid_from", "date", date),
            ("rate", "numeric(12,4)", decimal(4, minimum=Decimal(0))),
        ),
        ("service", "zone", "valid_from"),
    ),
    FileSpec(
        "accounts",
        "лицевые счета",
        (
            ("number", "varchar(10)", DIGITS10),
            ("house_id", "varchar(40)", text(40)),
            ("flat", "varchar(20)", text(20, required=False)),
            ("area", "numeric(8,2)", decimal(2, max_digits=8, minimum=Decimal(0), above=True)),
            ("residents", "integer", integer(0, 99)),
            ("last_name", "varchar(150)", text(150)),
            ("first_name", "varchar(150)", text(150, required=False)),
            ("middle_name", "varchar(150)", text(150, required=False)),
            ("els", "varchar(10)", text(10, required=False, pattern=r"[0-9А-ЯA-Z]{10}", hint="10 знаков")),
            ("ipd", "varchar(18)", text(18, required=False, pattern=r"[0-9А-ЯA-Z]{18}", hint="18 знаков")),
            ("status", "varchar(10)", choice("open", "closed")),
            ("opened_on", "date", date),
            ("closed_on", "date", optional(date)),
        ),
        ("number",),
    ),
    FileSpec(
        "account_services",
        "услуги по счетам",
        (
            ("account", "varchar(10)", DIGITS10),
            ("service", "varchar(40)", SERVICE_CODE),
            ("started_on", "date", date),
            ("ended_on", "date", optional(date)),
        ),
        ("account", "service", "started_on"),
    ),
    FileSpec(
        "meters",
        "приборы учёта",
        (
            ("account", "varchar(10)", DIGITS10),
            ("service", "varchar(40)", SERVICE_CODE),
            ("serial", "varchar(40)", text(40)),
            ("zones", "varchar(40)", ZONES),
            ("digits", "integer", integer(3, 9)),
            ("installed_on", "date", date),
            ("verification_due", "date", date),
            ("reading_date", "date", optional(date)),
            ("reading", "varchar(40)", readings),
        ),
        ("service", "serial"),
    ),
    FileSpec(
        "balances",
        "входящее сальдо",
        (
            ("account", "varchar(10)", DIGITS10),
            ("period", "date", period),
            ("balance", "numeric(12,2)", decimal(2)),
        ),
        ("account", "period"),
    ),
)
BY_ENTITY = {f.entity: f for f in FILES}


def row_problems(entity: str, row: dict) -> list[tuple[str, str]]:
    """Checks across the columns of one line: [(column, reason)]."""
    out = []
    if entity == "accounts":
        if row["status"] == "closed" and row["closed_on"] is None:
            out.append(("closed_on", "у закрытого счёта нужна дата закрытия"))
        if row["status"] == "open" and row["closed_on"] is not None:
            out.append(("closed_on", "у открытого счёта даты закрытия нет"))
        if row["closed_on"] is not None and row["closed_on"] < row["opened_on"]:
            out.append(("closed_on", "дата закрытия раньше даты открытия"))
    elif entity == "account_services":
        if row["ended_on"] is not None and row["ended_on"] < row["started_on"]:
            out.append(("ended_on", "дата окончания раньше даты начала"))
    elif entity == "meters":
        if row["verification_due"] <= row["installed_on"]:
            out.append(("verification_due", "поверка должна быть позже установки"))
        values = row["reading"].split("/") if row["reading"] else []
        if values:
            zones = row["zones"].split(",")
            if len(values) != len(zones):
                out.append(("reading", f"нужно показаний: {len(zones)} (по зонам {row['zones']})"))
            elif any(Decimal(v) >= Decimal(10) ** row["digits"] for v in values):
                out.append(("reading", f"показание не помещается в {row['digits']} разрядов"))
            if row["reading_date"] is None:
                out.append(("reading_date", "у показания нужна дата"))
    return out
