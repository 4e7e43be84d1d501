"""What the harness reads from the smoke's database, as a test harness may:
the captcha's answer (a person reads it off the picture), the amount on an
account's last paper bill (the resident has it in hand), the last meter
readings (on the meter), and the counts that prove each effect happened once.
Nothing here writes."""

from __future__ import annotations

from decimal import Decimal


class Facts:
    def __init__(self, connection):
        self.connection = connection

    def rows(self, sql: str, *params) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def one(self, sql: str, *params):
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None

    # --- what a person would know -------------------------------------------
    def captcha(self, hashkey: str) -> str:
        answer = self.one("SELECT response FROM captcha_captchastore WHERE hashkey = %s", hashkey)
        if answer is None:
            raise AssertionError(f"no captcha {hashkey!r} in the database")
        return answer

    def unheld_accounts(self, count: int) -> list[tuple[str, str]]:
        """Accounts nobody holds yet, with meters, and the «итого к оплате» of
        their last bill as typed («1234,56»)."""
        rows = self.rows(
            """
            SELECT a.number, s.closing FROM accounts_personalaccount a
            JOIN LATERAL (SELECT closing FROM billing_statement s JOIN billing_period p ON p.id = s.period_id
                          WHERE s.account_id = a.id ORDER BY p.month DESC LIMIT 1) s ON true
            WHERE NOT EXISTS (SELECT 1 FROM accounts_accountlink l WHERE l.account_id = a.id)
              AND EXISTS (SELECT 1 FROM meters_meter m WHERE m.account_id = a.id AND m.status = 'active')
              AND s.closing > 2000
            ORDER BY a.number LIMIT %s
            """,
            count,
        )
        if len(rows) < count:
            raise AssertionError(f"the demo city has {len(rows)} free accounts with a debt, {count} needed")
        return [(number, f"{closing:.2f}".replace(".", ",")) for number, closing in rows]

    def last_reading(self, meter_id: int, zone: str) -> Decimal:
        return self.one(
            "SELECT max(value) FROM meters_reading WHERE meter_id = %s AND zone = %s AND status = 'current'",
            meter_id,
            zone,
        ) or Decimal("0")

    # --- counts ----------------------------------------------------------------
    def ledger_entries_of_payment(self, payment_id: str) -> int:
        return self.one("SELECT count(*) FROM billing_ledgerentry WHERE payment_id = %s", payment_id)

    def payment_status(self, payment_id: str) -> str | None:
        return self.one("SELECT status FROM payments_payment WHERE id = %s", payment_id)

    def payment_of_gateway_id(self, gateway_id: str) -> str:
        return str(self.one("SELECT id FROM payments_payment WHERE provider_payment_id = %s", gateway_id))

    def period_id(self, month: str) -> int | None:
        return self.one("SELECT id FROM billing_period WHERE month = %s", month)

    def statements(self, period_id: int) -> int:
        return self.one("SELECT count(*) FROM billing_statement WHERE period_id = %s", period_id)

    def receipts_ready(self, period_id: int) -> int:
        return self.one(
            "SELECT count(*) FROM documents_receipt WHERE period_id = %s AND status = 'ready' AND file <> ''",
            period_id,
        )

    def receipts(self, period_id: int) -> int:
        return self.one("SELECT count(*) FROM documents_receipt WHERE period_id = %s", period_id)

    def renders_per_receipt(self, period_id: int) -> list[int]:
        """For each receipt of the period, how many documents were issued for
        it (each render issues one: 1 means rendered exactly once)."""
        return [
            n
            for (n,) in self.rows(
                """
                SELECT count(d.id) FROM documents_receipt r
                JOIN documents_issueddocument cur ON cur.id = r.document_id
                JOIN documents_issueddocument d
                  ON d.account_id = r.account_id AND d.kind = cur.kind AND d.title = cur.title
                WHERE r.period_id = %s GROUP BY r.id
                """,
                period_id,
            )
        ]

    def jobs(self) -> dict[str, int]:
        total, unpublished, unfinished, failed = self.rows(
            """SELECT count(*), count(*) FILTER (WHERE published_at IS NULL),
                      count(*) FILTER (WHERE done_at IS NULL), count(*) FILTER (WHERE state = 'FAILURE')
               FROM eirc_job"""
        )[0]
        return {"total": total, "unpublished": unpublished, "unfinished": unfinished, "failed": failed}

    def jobs_left_unpublished_by_outage(self) -> int:
        """Jobs whose first publish failed (they were swept later)."""
        return self.one("SELECT count(*) FROM eirc_job WHERE attempts > 1 OR published_at IS NULL")

    def periodic_runs(self, task: str) -> list[tuple]:
        return self.rows(
            "SELECT slot, finished_at IS NOT NULL, skipped FROM eirc_periodicrun WHERE task = %s ORDER BY slot", task
        )
