"""Statements of many accounts recomputed from the ledger in one statement
(PostgreSQL): the same columns as :func:`billing.ledger.statement_columns`
(opening = every earlier entry plus the period's opening entries; each column
the period's sum of one kind, credits positive; closing = every entry up to
the period), for every period that has entries or a statement, written with
``INSERT … ON CONFLICT DO UPDATE`` only where a column differs. Elsewhere
(SQLite) :func:`billing.ledger.refresh_statements` does it in Python."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from billing.ledger import refresh_statements, term_rules
from eirc import periods as P
from eirc.models import Period

COLS = ("opening", "charged", "benefits", "recalculations", "penalties", "paid", "refunds", "corrections", "closing")

SQL = """
WITH keys AS (
    SELECT account_id, period_id FROM billing_ledgerentry WHERE account_id = ANY(%(ids)s)
    UNION SELECT account_id, period_id FROM billing_statement WHERE account_id = ANY(%(ids)s)
), flows AS (
    SELECT k.account_id, k.period_id, p.month,
        COALESCE(SUM(l.amount), 0) AS total,
        COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'opening'), 0) AS op,
        COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'charge'), 0) AS charged,
        COALESCE(-SUM(l.amount) FILTER (WHERE l.kind = 'benefit'), 0) AS benefits,
        COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'recalculation'), 0) AS recalculations,
        COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'penalty'), 0) AS penalties,
        COALESCE(-SUM(l.amount) FILTER (WHERE l.kind = 'payment'), 0) AS paid,
        COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'refund'), 0) AS refunds,
        COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'correction'), 0) AS corrections
    FROM keys k JOIN billing_period p ON p.id = k.period_id
    LEFT JOIN billing_ledgerentry l ON l.account_id = k.account_id AND l.period_id = k.period_id
    GROUP BY k.account_id, k.period_id, p.month
), running AS (
    SELECT f.*, SUM(total) OVER (PARTITION BY account_id ORDER BY month) AS closing FROM flows f
)
INSERT INTO billing_statement (account_id, period_id, due_date, updated_at, opening, charged, benefits,
    recalculations, penalties, paid, refunds, corrections, closing)
SELECT r.account_id, r.period_id, d.due_date, %(now)s, r.closing - r.total + r.op, r.charged, r.benefits,
    r.recalculations, r.penalties, r.paid, r.refunds, r.corrections, r.closing
FROM running r JOIN stg_due d ON d.period_id = r.period_id
ON CONFLICT (account_id, period_id) DO UPDATE SET
    due_date = EXCLUDED.due_date, updated_at = EXCLUDED.updated_at,
    opening = EXCLUDED.opening, charged = EXCLUDED.charged, benefits = EXCLUDED.benefits,
    recalculations = EXCLUDED.recalculations, penalties = EXCLUDED.penalties, paid = EXCLUDED.paid,
    refunds = EXCLUDED.refunds, corrections = EXCLUDED.corrections, closing = EXCLUDED.closing
WHERE (billing_statement.opening, billing_statement.charged, billing_statement.benefits,
       billing_statement.recalculations, billing_statement.penalties, billing_statement.paid,
       billing_statement.refunds, billing_statement.corrections, billing_statement.closing,
       billing_statement.due_date)
    IS DISTINCT FROM (EXCLUDED.opening, EXCLUDED.charged, EXCLUDED.benefits, EXCLUDED.recalculations,
       EXCLUDED.penalties, EXCLUDED.paid, EXCLUDED.refunds, EXCLUDED.corrections, EXCLUDED.closing,
       EXCLUDED.due_date)
"""


def stage_due_dates() -> None:
    """``stg_due``: the due date of every period (from the dated term rules)."""
    if connection.vendor != "postgresql":
        return
    rules = term_rules()
    rows = [(pk, P.due_date(month, rules)) for pk, month in Period.objects.values_list("pk", "month")]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS stg_due")
        cur.execute("CREATE TEMP TABLE stg_due (period_id bigint PRIMARY KEY, due_date date)")
        cur.executemany("INSERT INTO stg_due VALUES (%s, %s)", rows)


def statements_refresh_accounts(account_ids: list[int], *, from_period: dt.date) -> None:
    """Recompute the statements of these accounts (call inside the
    transaction that wrote their entries, after locking nothing else: the
    import holds these accounts alone)."""
    if not account_ids:
        return
    if connection.vendor != "postgresql":
        refresh_statements(account_ids=account_ids, from_period=from_period)
        return
    with connection.cursor() as cur:
        cur.execute(SQL, {"ids": list(account_ids), "now": timezone.now()})
