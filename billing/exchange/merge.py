"""Set-based upsert of staged lines by natural key, one chunk of lines at a time.

A :class:`Step` names a target table, its natural key, the columns an import
may change, and the SELECT that turns staged lines into target rows (foreign
keys resolved by joins). For a chunk (lines ``lo < line <= hi``) the rows are
materialised once (``src``), then three statements do the work:

1. the rows whose key exists but some column differs are read back (old and
   new values) and logged as :class:`ImportChange` rows;
2. ``UPDATE target … FROM src`` where a column differs (``IS DISTINCT FROM``),
   so an unchanged row is never written;
3. ``INSERT INTO target … SELECT … FROM src WHERE NOT EXISTS`` the key.

Created, updated and unchanged counts follow from the row counts. The same
SQL runs on PostgreSQL and SQLite (3.33+, ``UPDATE … FROM``).

Opening balances are not rows to update: the ledger is immutable. The file
gives the balance at the start of each period; the entry of kind «входящее
сальдо» posted for (account, period) is the difference from the previous
period's balance in the file (for an account's first period in the file: from
the sum of its ledger before that period), so each statement's opening equals
the file. Sums are rounded to kopecks in SQL (``ROUND(…, 2)``: exact on
PostgreSQL, and on SQLite, whose decimals are binary floats, it stores the
same value Django would). A later file that changes a balance posts one more opening entry
with the difference — never an edit — and that counts as an update.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from billing.exchange.models import ImportChange


@dataclass(frozen=True)
class Step:
    entity: str  # the staging table it reads (lines, progress)
    title: str
    table: str
    key: tuple[str, ...]
    data: tuple[str, ...]
    source: str  # SELECT line, <key>, <data> FROM … s …
    extras: dict = field(default_factory=dict)  # column -> SQL value on insert
    target_filter: str = ""  # an extra condition on the target row (t.)


def _analyze(cur, table: str) -> None:
    """Statistics for a table just filled (PostgreSQL): without them the
    planner guesses, and may hash-join a chunk with the whole (growing) target
    table instead of probing its index — quadratic over a city."""
    if connection.vendor == "postgresql":
        cur.execute(f"ANALYZE {table}")


def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}" if connection.vendor == "postgresql" else f"{a} IS NOT {b}"


def _text(value) -> object:
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def merge_chunk(step: Step, *, run_id: int, lo: int, hi: int) -> tuple[int, int, int]:
    """Upsert the staged lines ``lo < line <= hi``; returns (rows, created, updated)."""
    t_key = " AND ".join(f"t.{k} = src.{k}" for k in step.key)
    if step.target_filter:
        t_key += f" AND {step.target_filter}"
    differs = " OR ".join(_distinct(f"t.{c}", f"src.{c}") for c in step.data) or "1 = 0"
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS src")
        cur.execute(
            f"CREATE TEMP TABLE src AS SELECT * FROM ({step.source}) x WHERE x.line > %s AND x.line <= %s", [lo, hi]
        )
        _analyze(cur, "src")
        cur.execute("SELECT count(*) FROM src")
        rows = cur.fetchone()[0]
        if not rows:
            return 0, 0, 0
        keys = ", ".join(f"src.{k}" for k in step.key)
        old = ", ".join(f"t.{c}" for c in step.data)
        new = ", ".join(f"src.{c}" for c in step.data)
        cur.execute(f"SELECT {keys}, {old}, {new} FROM src JOIN {step.table} t ON {t_key} WHERE {differs}")
        changes = []
        nk, nd = len(step.key), len(step.data)
        for r in cur.fetchall():
            before, after = r[nk : nk + nd], r[nk + nd :]
            diff = {c: [_text(b), _text(a)] for c, b, a in zip(step.data, before, after, strict=True) if b != a}
            changes.append(
                ImportChange(run_id=run_id, entity=step.entity, key="/".join(map(str, r[:nk]))[:200], changes=diff)
            )
        sets = ", ".join(f"{c} = src.{c}" for c in step.data)
        updated = 0
        if step.data:
            cur.execute(f"UPDATE {step.table} AS t SET {sets} FROM src WHERE {t_key} AND ({differs})")
            updated = cur.rowcount
        cols = [*step.key, *step.data, *step.extras]
        values = [f"src.{c}" for c in (*step.key, *step.data)] + list(step.extras.values())
        cur.execute(
            f"INSERT INTO {step.table} ({', '.join(cols)}) SELECT {', '.join(values)} FROM src "
            f"WHERE NOT EXISTS (SELECT 1 FROM {step.table} t WHERE {t_key})"
        )
        created = cur.rowcount
    ImportChange.objects.bulk_create(changes, batch_size=1000)
    return rows, created, updated


def _month_label(month) -> str:
    day = month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month)[:10])
    return f"{day:%m.%Y}"


def _now() -> str:
    return timezone.now().isoformat()


def steps(now: str) -> list[Step]:
    """The load order: a step may join rows the steps before it wrote."""
    q = lambda v: "'" + v.replace("'", "''") + "'"  # noqa: E731 (values are ours, never a file's)
    now_sql = f"CAST({q(now)} AS timestamp)" if connection.vendor == "postgresql" else q(now)
    return [
        Step(
            "providers", "поставщики", "billing_provider", ("inn", "kpp"),
            ("name", "short_name", "bank_name", "bik", "settlement_account", "corr_account"),
            "SELECT s.line, s.inn, s.kpp, s.name, s.short_name, s.bank_name, s.bik, s.account AS settlement_account, "
            "s.corr_account FROM stg_providers s",
            {"address": "''", "phone": "''"},
        ),
        Step(
            "services", "услуги", "billing_service", ("code",),
            ("name", "provider_id", "method", "unit", "zones", "norm"),
            "SELECT s.line, s.code, s.name, p.id AS provider_id, s.method, s.unit, s.zones, s.norm FROM stg_services s "
            "JOIN billing_provider p ON p.inn = s.provider_inn AND p.kpp = s.provider_kpp",
            {
                "no_meter_factor": "1",
                "position": "0",
                "is_active": "TRUE" if connection.vendor == "postgresql" else "1",
                # a new service that is a capital-repair contribution follows
                # ЖК РФ ст. 155 ч. 14.1 (as migration 0014 set existing ones);
                # set on creation only, so a choice made in the admin stays
                "penalty_rule": "CASE WHEN src.code = 'capital_repair' OR src.name LIKE '%апитальн% ремонт%' "
                "OR src.name LIKE '%апремонт%' THEN 'ch14_1' ELSE 'ch14' END",
            },
        ),
        Step(
            "tariffs", "тарифы", "billing_tariff", ("service_id", "zone", "valid_from"), ("rate",),
            "SELECT s.line, v.id AS service_id, s.zone, s.valid_from, s.rate FROM stg_tariffs s "
            "JOIN billing_service v ON v.code = s.service",
            {"basis": "''"},
        ),
        Step(
            "accounts", "лицевые счета", "accounts_personalaccount", ("number",),
            ("city", "street", "house", "flat", "postcode", "area", "residents", "owner_last_name", "owner_first_name",
             "owner_middle_name", "els", "gis_document_id", "status", "opened_on", "closed_on"),
            "SELECT s.line, s.number, h.city, h.street, h.house, s.flat, h.postcode, s.area, s.residents, "
            "s.last_name AS owner_last_name, s.first_name AS owner_first_name, s.middle_name AS owner_middle_name, "
            "s.els, s.ipd AS gis_document_id, s.status, s.opened_on, s.closed_on "
            "FROM stg_accounts s JOIN stg_houses h ON h.house_id = s.house_id",
            {"created_at": now_sql},
        ),
        Step(
            "account_services", "услуги по счетам", "billing_accountservice", ("account_id", "service_id", "started_on"),
            ("ended_on",),
            "SELECT s.line, a.id AS account_id, v.id AS service_id, s.started_on, s.ended_on FROM stg_account_services s "
            "JOIN accounts_personalaccount a ON a.number = s.account JOIN billing_service v ON v.code = s.service",
        ),
        Step(
            "meters", "приборы учёта", "meters_meter", ("service_id", "serial"),
            ("account_id", "zones", "digits", "installed_on", "verification_due"),
            "SELECT s.line, v.id AS service_id, s.serial, a.id AS account_id, s.zones, s.digits, s.installed_on, "
            "s.verification_due FROM stg_meters s "
            "JOIN accounts_personalaccount a ON a.number = s.account JOIN billing_service v ON v.code = s.service",
            {"model_name": "''", "status": "'active'"},
        ),
        Step(
            "meters", "показания", "meters_reading", ("meter_id", "zone", "period_id"), ("value", "taken_on"),
            "SELECT s.line, m.id AS meter_id, CASE WHEN s.zones = 'single' THEN 'single' ELSE 'day' END AS zone, "
            "p.id AS period_id, s.reading_1 AS value, s.reading_date AS taken_on FROM stg_meters s "
            "JOIN billing_service v ON v.code = s.service JOIN meters_meter m ON m.service_id = v.id AND m.serial = s.serial "
            "JOIN billing_period p ON p.month = s.reading_period WHERE s.reading_1 IS NOT NULL "
            "UNION ALL "
            "SELECT s.line, m.id, 'night', p.id, s.reading_2, s.reading_date FROM stg_meters s "
            "JOIN billing_service v ON v.code = s.service JOIN meters_meter m ON m.service_id = v.id AND m.serial = s.serial "
            "JOIN billing_period p ON p.month = s.reading_period WHERE s.reading_2 IS NOT NULL",
            {"source": "'import'", "status": "'current'", "created_at": now_sql},
            target_filter="t.status = 'current'",
        ),
    ]  # fmt: skip


# --- opening balances ----------------------------------------------------------------


def stage_balance_targets() -> None:
    """``stg_balance_target``: per staged balance line, the account, the
    period and the amount its opening entries must sum to."""
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS stg_balance_target")
        cur.execute(
            "CREATE TEMP TABLE stg_balance_target AS "
            "SELECT x.line, x.account_id, x.period_id, x.month, ROUND(x.balance - COALESCE(x.prev, ("
            "  SELECT SUM(l.amount) FROM billing_ledgerentry l JOIN billing_period q ON q.id = l.period_id "
            "  WHERE l.account_id = x.account_id AND q.month < x.month), 0), 2) AS target "
            "FROM (SELECT s.line, a.id AS account_id, p.id AS period_id, p.month, s.balance, "
            "  LAG(s.balance) OVER (PARTITION BY s.account ORDER BY s.period) AS prev "
            "  FROM stg_balances s JOIN accounts_personalaccount a ON a.number = s.account "
            "  JOIN billing_period p ON p.month = s.period) x"
        )
        cur.execute("CREATE INDEX stg_balance_target_line ON stg_balance_target (line)")
        _analyze(cur, "stg_balance_target")


def merge_balances(*, run_id: int, lo: int, hi: int, user_id: int | None) -> tuple[int, int, int, list[int]]:
    """Post the opening entries of the lines ``lo < line <= hi`` (differences
    only). Returns (rows, created, updated, ids of the accounts posted to)."""
    now = _now()
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS src")
        cur.execute(
            "CREATE TEMP TABLE src AS SELECT b.line, b.account_id, b.period_id, b.month, b.target, "
            "ROUND(COALESCE(SUM(l.amount), 0), 2) AS current, COUNT(l.id) AS entries "
            "FROM stg_balance_target b LEFT JOIN billing_ledgerentry l "
            "ON l.account_id = b.account_id AND l.period_id = b.period_id AND l.kind = 'opening' "
            "WHERE b.line > %s AND b.line <= %s GROUP BY b.line, b.account_id, b.period_id, b.month, b.target",
            [lo, hi],
        )
        _analyze(cur, "src")
        cur.execute("SELECT count(*) FROM src")
        rows = cur.fetchone()[0]
        cur.execute(
            "SELECT a.number, src.month, src.current, src.target FROM src "
            "JOIN accounts_personalaccount a ON a.id = src.account_id WHERE src.entries > 0 AND src.current <> src.target"
        )
        changes = [
            ImportChange(
                run_id=run_id,
                entity="balances",
                key=f"{number}/{_month_label(month)}",
                changes={"opening": [_text(cur_), _text(target)]},
            )
            for number, month, cur_, target in cur.fetchall()
        ]
        cur.execute("SELECT count(*) FROM src WHERE entries = 0 AND target <> 0")
        created = cur.fetchone()[0]
        updated = len(changes)
        cur.execute(
            "INSERT INTO billing_ledgerentry (account_id, period_id, kind, amount, occurred_on, description, details, "
            "created_at, created_by_id) SELECT account_id, period_id, 'opening', ROUND(target - current, 2), month, "
            "CASE WHEN entries = 0 THEN %s ELSE %s END, '{}', %s, %s FROM src WHERE target <> current",
            [
                "Входящее сальдо по данным прежней системы",
                f"Изменение входящего сальдо (загрузка № {run_id})",
                now,
                user_id,
            ],
        )
        cur.execute("SELECT DISTINCT account_id FROM src WHERE target <> current")
        accounts = [r[0] for r in cur.fetchall()]
    ImportChange.objects.bulk_create(changes, batch_size=1000)
    return rows, created, updated, accounts
