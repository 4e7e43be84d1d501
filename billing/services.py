"""Billing writes (DESIGN §2): the monthly run, closing a period, posting to
the ledger, statements. The code lives in :mod:`billing.engine` (the run),
:mod:`billing.ledger` (ledger and statements; :mod:`billing.ledger_batch`
for many payments at once) and :mod:`billing.penalties`;
this module is the public entry point other parts import from."""

from billing.engine import BillingReport, billing_run, period_close
from billing.ledger import (
    ledger_post_correction,
    ledger_post_payment,
    ledger_post_refund,
    statement_refresh,
    statements_check,
)
from billing.ledger_batch import ledger_post_payments
from billing.penalties import PenaltyRefused, PenaltyResult, penalty_for, penalty_rules
from billing.recalculations import recalculation_period, recalculation_post

__all__ = [
    "BillingReport",
    "PenaltyRefused",
    "PenaltyResult",
    "billing_run",
    "ledger_post_correction",
    "ledger_post_payment",
    "ledger_post_payments",
    "ledger_post_refund",
    "penalty_for",
    "penalty_rules",
    "period_close",
    "recalculation_period",
    "recalculation_post",
    "statement_refresh",
    "statements_check",
]
