"""Reads for the resident's money pages, scoped to one personal account.

Every function takes the ``account`` the view got from ``request.account``
(``accounts.decorators.account_required``: an account the login holds), or a
``user`` with an ``account_id`` (a foreign id is ``Http404``). A foreign
object id (a charge of another account) is ``Http404`` too, never 403.

Each function runs a fixed number of SQL queries, whatever the length of
the account's history: pages are paginated by period (12 a page), and rows
are fetched with ``select_related`` / one query per kind of row.

By responsibility: :mod:`.dashboard` (the debt and what to pay by when),
:mod:`.history` (charges by period with their penalty lines, benefits),
:mod:`.explain` (one charge, one penalty line in plain Russian), :mod:`.chart_data` (the numbers of the charts).
"""

from billing.selectors.chart_data import CHART_MONTHS, ChartData, chart_data
from billing.selectors.dashboard import (
    DASHBOARD_CHART_MONTHS,
    PENALTY_FREE_DAYS,
    Dashboard,
    PenaltyStep,
    Portion,
    dashboard_for,
    reconcile_portions,
    resolve_account,
    split_debt,
    term_rules,
)
from billing.selectors.explain import explain_charge, explain_penalty, fmt_number, fmt_rate
from billing.selectors.history import (
    PERIODS_PER_PAGE,
    ChargeDetail,
    PenaltyExplained,
    PeriodCharges,
    benefits_for,
    benefits_in_force,
    charge_detail,
    charges_history,
)

__all__ = [
    "CHART_MONTHS",
    "DASHBOARD_CHART_MONTHS",
    "PENALTY_FREE_DAYS",
    "PERIODS_PER_PAGE",
    "ChargeDetail",
    "ChartData",
    "Dashboard",
    "PenaltyExplained",
    "PenaltyStep",
    "PeriodCharges",
    "Portion",
    "benefits_for",
    "benefits_in_force",
    "chart_data",
    "charge_detail",
    "charges_history",
    "dashboard_for",
    "explain_charge",
    "explain_penalty",
    "fmt_number",
    "fmt_rate",
    "reconcile_portions",
    "resolve_account",
    "split_debt",
    "term_rules",
]
