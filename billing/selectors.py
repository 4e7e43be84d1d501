"""Reads for the resident's money pages, scoped to one personal account.

Every function takes the ``account`` the view got from ``request.account``
(``accounts.decorators.account_required``: an account the login holds), or a
``user`` with an ``account_id`` (a foreign id is ``Http404``). A foreign
object id (a charge of another account) is ``Http404`` too, never 403.

Each function runs a fixed number of SQL queries, whatever the length of
the account's history: pages are paginated by period (12 a page), and rows
are fetched with ``select_related`` / one query per kind of row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Max, Q, Subquery, Sum
from django.http import Http404

from accounts.selectors import account_for_user
from billing.charts import ChartTable, Series, month_label
from billing.ledger import account_debts_and_credits
from billing.models import Benefit, Charge, LedgerEntry, PaymentTermRule, Recalculation, Statement
from billing.penalties import Debt, allocate
from eirc import periods
from eirc.models import Period
from eirc.money import ZERO, format_rub
from payments.models import Payment

PERIODS_PER_PAGE = 12
PAYMENTS_PER_PAGE = 20
CHART_MONTHS = 24
DASHBOARD_CHART_MONTHS = 12
# DOMAIN (ЖК РФ ст.155 ч.14): days 1–30 after the due date carry no penalty;
# from day 31 the penalty accrues.
PENALTY_FREE_DAYS = 30


def resolve_account(*, account=None, user=None, account_id=None):
    """The account to read: the one given, or the user's account ``account_id``
    (Http404 when the login does not hold it)."""
    if account is not None:
        return account
    if user is None:
        raise Http404
    return account_for_user(user=user, account_id=account_id)


# --- due dates and the split of the debt ---------------------------------------


def _term_rules():
    """The dated due-date rules from the table (one query), or the built-in
    defaults of ``eirc.periods`` when the table is empty."""
    rows = list(PaymentTermRule.objects.values_list("applies_from", "due_day", "issue_day"))
    if not rows:
        return periods.DEFAULT_TERM_RULES
    return tuple(periods.TermRule(a, due_day=d, issue_day=i) for a, d, i in rows)


@dataclass
class Portion:
    """An unpaid part of the debt, attributed to the period that caused it
    (as the penalty engine allocates payments: the named period first, then
    the oldest debt, so what remains is mostly the newest)."""

    # None: an undated older debt — the balance brought forward before the
    # history starts, unpaid penalties, anything the principal does not explain
    period: dt.date | None
    amount: Decimal
    due_date: dt.date | None

    @property
    def penalty_free_until(self) -> dt.date | None:
        """The last day this amount can be paid without penalties."""
        return self.due_date + dt.timedelta(days=PENALTY_FREE_DAYS) if self.due_date else None

    @property
    def penalties_from(self) -> dt.date | None:
        """The first day a penalty accrues on this amount."""
        return self.due_date + dt.timedelta(days=PENALTY_FREE_DAYS + 1) if self.due_date else None


def split_debt(*, debt: Decimal, increases: list[tuple[dt.date | None, Decimal, dt.date | None]]) -> list[Portion]:
    """Attribute ``debt`` to the periods that caused it, FIFO.

    ``increases`` are (period, amount that period added to the debt, its
    due date), oldest first; the first may be the opening balance (period
    None). Payments (and any negative increase) cover the oldest debt first,
    so the unpaid remainder is the newest increases, walked back from the
    latest until the debt is covered. Whatever is left over (the history
    does not explain it) is attributed to an undated older debt.
    Pure function; returns the portions oldest first.

    The dashboard uses it only for an account whose statements have no
    ledger principal behind them (see :func:`dashboard_for`); with a ledger,
    :func:`reconcile_portions` follows the penalty engine instead.
    """
    remaining = debt
    portions: list[Portion] = []
    if remaining <= 0:
        return portions
    for period, amount, due in reversed(increases):
        if remaining <= 0:
            break
        if amount <= 0:
            continue
        take = min(amount, remaining)
        portions.append(Portion(period=period, amount=take, due_date=due))
        remaining -= take
    if remaining > 0:
        portions.append(Portion(period=None, amount=remaining, due_date=None))
    portions.reverse()
    return portions


def reconcile_portions(*, debt: Decimal, debts: list[Debt]) -> list[Portion]:
    """The unpaid portions of ``debt`` per the penalty engine.

    ``debts`` are the periods' principal debts after
    :func:`billing.penalties.allocate` (payments go to the period the payer
    named first, then to the oldest debt); each ``remaining`` is an unpaid
    portion with its period's due date. The ledger total ``debt`` is then
    reconciled with them: when it is higher (unpaid penalties, which payments
    do not pay, or anything else the principal does not explain) the
    difference is an undated overdue portion, put first; when it is lower
    (an advance the engine holds apart) the newest portions are reduced
    by the difference. Pure function; returns the portions oldest first.
    """
    portions = [
        Portion(period=d.period, amount=d.remaining, due_date=d.due)
        for d in sorted(debts, key=lambda d: d.period)
        if d.remaining > 0
    ]
    principal = sum((p.amount for p in portions), ZERO)
    if debt > principal:
        portions.insert(0, Portion(period=None, amount=debt - principal, due_date=None))
    excess = principal - debt
    while excess > 0 and portions:
        newest = portions[-1]
        if newest.amount <= excess:
            excess -= newest.amount
            portions.pop()
        else:
            newest.amount -= excess
            excess = ZERO
    return portions


def _is_overdue(portion: Portion, today: dt.date) -> bool:
    return portion.due_date is None or today > portion.due_date


@dataclass
class PenaltyStep:
    """ "Pay ``amount`` by ``pay_by`` (inclusive); from ``penalties_from`` a
    penalty accrues on it"."""

    amount: Decimal
    pay_by: dt.date
    penalties_from: dt.date


@dataclass
class Dashboard:
    account: object
    today: dt.date
    debt: Decimal
    overdue: Decimal
    not_yet_due: Decimal
    portions: list[Portion]
    charges_period: dt.date | None
    charges: list
    charges_total: Decimal
    due_period: dt.date | None
    due_date: dt.date | None
    days_left: int | None
    accruing: Decimal  # overdue amount on which penalties already accrue
    penalty_steps: list[PenaltyStep]
    benefits: list
    balances: list[tuple[dt.date, Decimal]] = field(default_factory=list)

    @property
    def advance(self) -> Decimal:
        return -self.debt if self.debt < 0 else ZERO

    @property
    def next_due_amount(self) -> Decimal:
        """What to pay by ``due_date`` so that nothing is overdue then."""
        return self.debt if self.debt > 0 else ZERO


def _statement_increase(st: dict) -> Decimal:
    return st["charged"] - st["benefits"] + st["recalculations"] + st["penalties"] + st["refunds"] + st["corrections"]


def _statement_increases(statements: list[dict], later_rows: list[dict], rules) -> list:
    """(period, increase, due date) of every period, oldest first, from the
    statements and the entries of later periods (for :func:`split_debt`)."""
    increases: list[tuple[dt.date | None, Decimal, dt.date | None]] = []
    if statements and statements[0]["opening"] > 0:
        increases.append((None, statements[0]["opening"], None))
    for st in statements:
        month = st["period__month"]
        increases.append((month, _statement_increase(st), st["due_date"] or periods.due_date(month, rules)))
    later_by_month: dict[dt.date, Decimal] = defaultdict(Decimal)
    for row in later_rows:
        if row["kind"] == LedgerEntry.Kind.OPENING:
            if not statements and row["total"] > 0:
                increases.insert(0, (None, row["total"], None))
        elif row["kind"] != LedgerEntry.Kind.PAYMENT:
            later_by_month[row["period__month"]] += row["total"]
    for month in sorted(later_by_month):
        increases.append((month, later_by_month[month], periods.due_date(month, rules)))
    return increases


def dashboard_for(*, account, today: dt.date) -> Dashboard:
    """The dashboard numbers of ``account`` on ``today``.

    The debt is the ledger's sum: the last statement's closing plus the
    entries of later periods. It is split as the penalty engine allocates
    payments (:func:`billing.penalties.allocate`: the period the payer named
    first, then the oldest debt), reconciled with the debt by
    :func:`reconcile_portions`, into the overdue part (periods whose due
    date has passed; an undated portion counts as overdue) and the part not
    yet due. An account whose statements have no ledger principal behind
    them (the engine sees no debt) is split FIFO over the statements
    (:func:`split_debt`). A penalty accrues from day 31 after a due date:
    ``penalty_steps`` say what to pay by when to avoid it, ``accruing`` what
    already carries one. Eight queries.
    """
    statements = list(
        Statement.objects.filter(account=account)
        .order_by("period__month")
        .values(
            "period__month",
            "opening",
            "charged",
            "benefits",
            "recalculations",
            "penalties",
            "paid",
            "refunds",
            "corrections",
            "closing",
            "due_date",
        )
    )
    rules = _term_rules()
    last_month = statements[-1]["period__month"] if statements else None
    later = LedgerEntry.objects.filter(account=account)
    if last_month is not None:
        later = later.filter(period__month__gt=last_month)
    later_rows = list(later.values("period__month", "kind").annotate(total=Sum("amount")).order_by("period__month"))
    debt = (statements[-1]["closing"] if statements else ZERO) + sum((r["total"] for r in later_rows), ZERO)

    debts, credits = account_debts_and_credits(account.pk, rules=rules)
    if debts or not statements:
        portions = reconcile_portions(debt=debt, debts=allocate(debts, credits))
    else:
        portions = split_debt(debt=debt, increases=_statement_increases(statements, later_rows, rules))
    overdue = sum((p.amount for p in portions if _is_overdue(p, today)), ZERO)
    not_yet_due = sum((p.amount for p in portions if not _is_overdue(p, today)), ZERO)

    accruing = ZERO
    steps: dict[dt.date, Decimal] = defaultdict(Decimal)
    for p in portions:
        if not _is_overdue(p, today):
            continue
        if p.penalty_free_until is None or today > p.penalty_free_until:
            accruing += p.amount
        else:
            steps[p.penalty_free_until] += p.amount
    penalty_steps = [
        PenaltyStep(amount=amount, pay_by=day, penalties_from=day + dt.timedelta(days=1))
        for day, amount in sorted(steps.items())
    ]

    charges = list(
        Charge.objects.filter(
            account=account,
            period=Subquery(Charge.objects.filter(account=account).order_by("-period__month").values("period")[:1]),
        )
        .select_related("service", "period")
        .order_by("service__position", "service__name")
    )
    charges_period = charges[0].period.month if charges else None
    # The due date shown is that of the latest billed period (charges or statement).
    due_period = max((m for m in (charges_period, last_month) if m is not None), default=None)
    due = None
    if due_period is not None:
        st = next((s for s in statements if s["period__month"] == due_period), None)
        due = (st and st["due_date"]) or periods.due_date(due_period, rules)

    return Dashboard(
        account=account,
        today=today,
        debt=debt,
        overdue=overdue,
        not_yet_due=not_yet_due,
        portions=portions,
        charges_period=charges_period,
        charges=charges,
        charges_total=sum((c.total for c in charges), ZERO),
        due_period=due_period,
        due_date=due,
        days_left=(due - today).days if due else None,
        accruing=accruing,
        penalty_steps=penalty_steps,
        benefits=benefits_in_force(account=account, today=today),
        balances=[(s["period__month"], s["closing"]) for s in statements[-DASHBOARD_CHART_MONTHS:]],
    )


# --- benefits -------------------------------------------------------------------


def benefits_in_force(*, account, today: dt.date) -> list[Benefit]:
    """The account's benefits valid on ``today`` (two queries)."""
    return list(
        Benefit.objects.filter(account=account, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("category")
        .prefetch_related("category__services")
        .order_by("category__name")
    )


def benefits_for(*, account, today: dt.date | None = None) -> dict:
    """Every benefit of the account, those in force first (two queries)."""
    today = today or periods.today()
    rows = list(
        Benefit.objects.filter(account=account)
        .select_related("category")
        .prefetch_related("category__services")
        .order_by("-valid_from")
    )
    current, past, future = [], [], []
    for b in rows:
        if b.valid_from > today:
            future.append(b)
        elif b.valid_to is not None and b.valid_to < today:
            past.append(b)
        else:
            current.append(b)
    return {"current": current, "future": future, "past": past, "today": today}


# --- charges ----------------------------------------------------------------------


@dataclass
class PeriodCharges:
    period: Period
    charges: list
    statement: Statement | None

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.charges), ZERO)

    @property
    def amount(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def benefit(self) -> Decimal:
        return sum((c.benefit for c in self.charges), ZERO)

    @property
    def recalculation(self) -> Decimal:
        return sum((c.recalculation for c in self.charges), ZERO)


def charges_history(*, account, page=1):
    """The account's charges by period, newest first, 12 periods a page.

    Returns ``(page_obj, [PeriodCharges])``; an out-of-range page number
    gives the last page. Four queries (count, periods, charges, statements).
    """
    qs = Period.objects.filter(charges__account=account).distinct().order_by("-month")
    page_obj = Paginator(qs, PERIODS_PER_PAGE).get_page(page)
    period_list = list(page_obj.object_list)
    if not period_list:
        return page_obj, []
    ids = [p.pk for p in period_list]
    by_period: dict[int, list] = defaultdict(list)
    for c in (
        Charge.objects.filter(account=account, period_id__in=ids)
        .select_related("service")
        .order_by("service__position", "service__name")
    ):
        by_period[c.period_id].append(c)
    statements = {s.period_id: s for s in Statement.objects.filter(account=account, period_id__in=ids)}
    return page_obj, [
        PeriodCharges(period=p, charges=by_period[p.pk], statement=statements.get(p.pk)) for p in period_list
    ]


@dataclass
class ChargeDetail:
    charge: Charge
    lines: list[str]
    recalculations: list


def charge_detail(*, account, charge_id) -> ChargeDetail:
    """One charge of the account with its explanation in plain Russian;
    Http404 for another account's (or a missing) charge. Two queries."""
    try:
        charge = Charge.objects.select_related("service", "service__provider", "period").get(
            pk=int(charge_id), account=account
        )
    except (Charge.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    recalcs = list(
        Recalculation.objects.filter(account=account, period_id=charge.period_id, service_id=charge.service_id)
        .select_related("for_period")
        .order_by("created_at")
    )
    return ChargeDetail(charge=charge, lines=explain_charge(charge, recalculations=recalcs), recalculations=recalcs)


# --- the explanation of a charge -----------------------------------------------------


def _dec(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _group(whole: str) -> str:
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return "\xa0".join(groups)


def fmt_number(value, places: int | None = None) -> str:
    """A Decimal in Russian notation: "1 234,5" (trailing zeros trimmed) or,
    with ``places``, exactly that many decimals: "123,000"."""
    d = _dec(value)
    if d is None:
        return ""
    if places is not None:
        text = f"{abs(d.quantize(Decimal(1).scaleb(-places))):.{places}f}"
    else:
        text = f"{abs(d.normalize()):f}"
    whole, _, frac = text.partition(".")
    return ("-" if d < 0 else "") + _group(whole) + ("," + frac if frac else "")


def fmt_rate(value) -> str:
    """A tariff: at least two decimals, at most four: "45,67", "4,1234"."""
    d = _dec(value)
    if d is None:
        return ""
    text = f"{abs(d.quantize(Decimal('0.0001'))):.4f}"
    whole, frac = text.split(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return ("-" if d < 0 else "") + _group(whole) + "," + frac


def _get(details: dict, *keys, default=None):
    """The first present key of ``details`` (the engine's names and aliases;
    a dotted key reads a nested dict)."""
    for key in keys:
        node = details
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                node = None
                break
        if node not in (None, ""):
            return node
    return default


ZONE_NAMES = {"day": "день", "night": "ночь", "peak": "пик", "half_peak": "полупик", "single": ""}
REASONS = {
    "no_reading": "показания не переданы",
    "verification_expired": "поверка истекла",
    "no_meter": "прибор учёта не установлен",
    "average_exhausted": "показания не передавались более 3 месяцев",
    "meter_removed": "прибор учёта снят",
}


def _ordinal(n: int) -> str:
    return f"{n}-й"


def _period_name(value) -> str:
    if isinstance(value, dt.date):
        return periods.period_title(value)
    if isinstance(value, str) and value:
        try:
            return periods.period_title(
                dt.date.fromisoformat(value[:10]) if len(value) >= 10 else periods.parse_period(value)
            )
        except ValueError:
            return value
    return ""


def _months_word(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "месяц"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "месяца"
    return "месяцев"


def explain_charge(charge: Charge, *, recalculations=()) -> list[str]:
    """The charge's computation in plain Russian, one sentence a line.

    Reads ``charge.basis`` and ``charge.details`` (a dict written by the
    billing run); any missing key is left out of the sentence rather than
    failing. Known keys (those of ``billing.engine`` first, then aliases):
    ``meter.serial``, ``readings`` (list of {zone, serial, prev, curr}),
    ``zones`` (list of {zone, quantity, rate, amount}), ``previous``/
    ``current``, ``average_months``, ``estimate_seq``, ``estimate_max``
    (default ``BILLING["AVERAGE_MAX_PERIODS"]``),
    ``reason``, ``norm``, ``residents``, ``factor``, ``area``,
    ``benefit_category``/``benefit.category``, ``benefit_percent``/
    ``benefit.percent``, ``recalculations`` (list of {reason, amount,
    for_period}). Pure apart from the related service and period.
    """
    d = charge.details if isinstance(charge.details, dict) else {}
    unit = charge.service.unit or ""
    qty = f"{fmt_number(charge.quantity, 3)} {unit}".strip()
    rate = _dec(charge.rate) if charge.rate is not None else _dec(_get(d, "rate", "tariff"))
    rate_text = f"тариф {fmt_rate(rate)} ₽ за {unit}" if rate is not None and unit else ""
    if rate is not None and not unit:
        rate_text = f"тариф {fmt_rate(rate)} ₽"
    charged = f"начислено {format_rub(charge.amount)}"
    month = periods.period_title(charge.period.month)
    lines: list[str] = []
    basis = charge.basis

    if basis == Charge.Basis.METER:
        readings = [r for r in (_get(d, "readings", default=[]) or []) if isinstance(r, dict)]
        by_zone = {str(r.get("zone", "")): r for r in readings}
        zones = (
            [z for z in (_get(d, "zones", default=[]) or []) if isinstance(z, dict)]
            if isinstance(_get(d, "zones"), list)
            else []
        )
        serial = _get(d, "meter_serial", "meter.serial", "serial") or next(
            (r.get("serial") for r in readings if r.get("serial")), None
        )
        meter = f"счётчика № {serial}" if serial else "счётчика"

        def prev_curr(row: dict) -> tuple:
            r = by_zone.get(str(row.get("zone", "")), {})
            prev = next((x.get(k) for x in (row, r) for k in ("previous", "prev") if x.get(k) is not None), None)
            cur = next((x.get(k) for x in (row, r) for k in ("current", "curr") if x.get(k) is not None), None)
            return prev, cur

        if len(zones) > 1:
            lines.append(f"Объём {qty} по показаниям {meter}.")
            for z in zones:
                zname = ZONE_NAMES.get(str(z.get("zone", "")), str(z.get("zone", "")))
                prev, cur = prev_curr(z)
                parts = []
                if prev is not None and cur is not None:
                    parts.append(f"{fmt_number(cur, 3)} − {fmt_number(prev, 3)}")
                if z.get("quantity") is not None:
                    parts.append(f"{fmt_number(z['quantity'], 3)} {unit}".strip())
                if z.get("rate") is not None:
                    parts.append(
                        f"тариф {fmt_rate(z['rate'])} ₽ за {unit}" if unit else f"тариф {fmt_rate(z['rate'])} ₽"
                    )
                if _dec(z.get("amount")) is not None:
                    parts.append(f"начислено {format_rub(_dec(z['amount']))}")
                label = f"Зона «{zname}»" if zname else "Зона"
                lines.append(f"{label}: " + "; ".join(parts) + ".")
            lines.append(f"Всего {charged}.")
        else:
            prev = _get(d, "previous", "prev", "reading_previous")
            cur = _get(d, "current", "curr", "reading_current")
            if (prev is None or cur is None) and (zones or readings):
                prev, cur = prev_curr(zones[0] if zones else readings[0])
            head = f"Объём {qty} по показаниям {meter}"
            if prev is not None and cur is not None:
                head += f": {fmt_number(cur, 3)} − {fmt_number(prev, 3)}"
            lines.append("; ".join(p for p in (head, rate_text, charged) if p) + ".")

    elif basis == Charge.Basis.AVERAGE:
        reason = _get(d, "reason")
        months = _get(d, "average_months", "months", "history_months")
        nth = _get(d, "estimate_seq", "estimate_number", "average_period", "nth")
        max_n = _get(d, "estimate_max", "max_periods", "average_max_periods") or settings.BILLING.get(
            "AVERAGE_MAX_PERIODS", 3
        )
        if reason == "verification_expired":
            first = "Срок поверки счётчика истёк — начислено по среднему потреблению"
        elif reason in REASONS and reason != "no_reading":
            first = f"{REASONS[reason].capitalize()} — начислено по среднему потреблению"
        else:
            first = f"Показания за {month} не переданы — начислено по среднему потреблению"
        if months:
            first += f" за {months} {_months_word(int(months))}"
        if nth and max_n:
            first += f" ({_ordinal(int(nth))} месяц из {max_n} возможных)"
        elif nth:
            first += f" ({_ordinal(int(nth))} месяц по среднему)"
        lines.append(first + ".")
        avg = _get(d, "average")
        tail = [f"Объём {qty}"]
        if avg is not None and _dec(avg) != _dec(charge.quantity):
            tail[0] += f" (среднее {fmt_number(avg, 3)} {unit})".rstrip()
        lines.append("; ".join(p for p in (*tail, rate_text, charged) if p) + ".")

    elif basis == Charge.Basis.NORM:
        norm = _get(d, "norm")
        residents = _get(d, "residents")
        factor = _dec(_get(d, "factor", "raising_factor", "no_meter_factor"))
        reason = _get(d, "reason")
        parts = []
        if norm is not None:
            parts.append(f"{fmt_number(norm)} {unit}".strip())
        if residents is not None:
            parts.append(f"{residents} чел.")
        if factor is not None and factor != 1:
            why = REASONS.get(reason, "") if reason else ""
            parts.append(f"{fmt_number(factor)} (повышающий коэффициент{', ' + why if why else ''})")
        text = "По нормативу"
        if parts:
            text += ": " + " × ".join(parts) + f" = {qty}"
        else:
            text += f": {qty}"
        if reason and (factor is None or factor == 1) and reason in REASONS:
            text += f" ({REASONS[reason]})"
        lines.append("; ".join(p for p in (text, rate_text, charged) if p) + ".")

    elif basis == Charge.Basis.AREA:
        area = _get(d, "area")
        area_text = f"Площадь {fmt_number(area if area is not None else charge.quantity)} м²"
        rate_m2 = f"тариф {fmt_rate(rate)} ₽ за м²" if rate is not None else ""
        lines.append("; ".join(p for p in (area_text, rate_m2, charged) if p) + ".")

    elif basis == Charge.Basis.PER_RESIDENT:
        residents = _get(d, "residents")
        norm = _get(d, "norm")
        if norm is not None and residents is not None:
            text = f"По числу проживающих: {fmt_number(norm)} {unit} × {residents} чел. = {qty}".replace("  ", " ")
        else:
            count = residents if residents is not None else fmt_number(charge.quantity)
            text = f"По числу проживающих: {count} чел."
        per = f"тариф {fmt_rate(rate)} ₽ за {unit or 'чел.'}" if rate is not None else ""
        lines.append("; ".join(p for p in (text, per, charged) if p) + ".")

    elif basis == Charge.Basis.FIXED:
        lines.append(f"Фиксированная сумма в месяц: {charged}.")

    else:  # pragma: no cover - a basis added later
        lines.append("; ".join(p for p in (f"Объём {qty}", rate_text, charged) if p) + ".")

    if charge.benefit:
        category = _get(d, "benefit_category", "benefit.category", "benefit.name")
        percent = _get(d, "benefit_percent", "benefit.percent")
        text = "Льгота"
        if category:
            text += f" «{category}»"
        if percent is not None:
            text += f" — {fmt_number(percent)} %"
        lines.append(f"{text}: −{format_rub(charge.benefit)}.")

    if charge.recalculation:
        reasons = []
        for r in recalculations:
            line = f"{'+' if r.amount > 0 else '−'}{format_rub(abs(r.amount))}, причина: {r.reason}"
            if r.for_period_id:
                line += f" (за {periods.period_title(r.for_period.month)})"
            reasons.append(line)
        if not reasons:
            for r in _get(d, "recalculations", default=[]) or []:
                if isinstance(r, dict):
                    amt = _dec(r.get("amount"))
                    line = f"{'+' if amt and amt > 0 else '−'}{format_rub(abs(amt))}" if amt is not None else ""
                    if r.get("reason"):
                        line += (", причина: " if line else "причина: ") + str(r["reason"])
                    if r.get("for_period"):
                        line += f" (за {_period_name(r['for_period'])})"
                    reasons.append(line)
        if not reasons and _get(d, "recalculation_reason"):
            reasons.append(f"причина: {_get(d, 'recalculation_reason')}")
        sign = "+" if charge.recalculation > 0 else "−"
        text = f"Перерасчёт: {sign}{format_rub(abs(charge.recalculation))}"
        if reasons:
            text += " (" + "; ".join(reasons) + ")"
        lines.append(text + ".")

    lines.append(f"Итого по услуге за {month}: {format_rub(charge.total)}.")
    return lines


# --- payments ------------------------------------------------------------------------


def payments_history(*, account, page=1, credits_page=1) -> dict:
    """Every payment attempt of the account (newest first, with its status
    and the ledger entry that credited it, if any) and the ledger's payment
    and refund entries. Paginated; four queries."""
    attempts = Paginator(
        Payment.objects.filter(account=account)
        .select_related("for_period", "ledger_entry", "ledger_entry__period")
        .order_by("-created_at"),
        PAYMENTS_PER_PAGE,
    ).get_page(page)
    credits = Paginator(
        LedgerEntry.objects.filter(account=account, kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND])
        .select_related("period", "for_period", "payment")
        .order_by("-occurred_on", "-id"),
        PAYMENTS_PER_PAGE,
    ).get_page(credits_page)
    return {"attempts": attempts, "credits": credits}


# --- charts --------------------------------------------------------------------------


@dataclass
class ChartData:
    months: list[dt.date]
    series: list[Series]
    balance_months: list[dt.date]
    balances: list[Decimal]

    def charges_table(self) -> ChartTable:
        table = ChartTable(
            caption="Начисления по месяцам, ₽", columns=[s.name for s in self.series] + ["Всего"], rows=[]
        )
        for i, m in enumerate(self.months):
            values = [s.values[i] for s in self.series]
            table.rows.append((month_label(m), [*values, sum(values, ZERO)]))
        return table

    def balance_table(self) -> ChartTable:
        table = ChartTable(caption="Долг на конец месяца, ₽ (минус — аванс)", columns=["Сальдо"], rows=[])
        for m, v in zip(self.balance_months, self.balances, strict=True):
            table.rows.append((month_label(m), [v]))
        return table


def chart_data(*, account, months: int = CHART_MONTHS) -> ChartData:
    """The numbers of both charts for the last ``months`` months that have
    charges (ending at the latest charged period): charges by month stacked
    by service, and the closing balance per period. Three queries."""
    latest = Charge.objects.filter(account=account).aggregate(m=Max("period__month"))["m"]
    end = latest or periods.current_period()
    start = periods.add_months(end, -(months - 1))
    month_list = [periods.add_months(start, i) for i in range(months)]
    index = {m: i for i, m in enumerate(month_list)}

    rows = (
        Charge.objects.filter(account=account, period__month__gte=start, period__month__lte=end)
        .values_list("period__month", "service_id", "service__name", "service__position", "total")
        .order_by("service__position", "service__name")
    )
    names: dict[int, tuple[int, str]] = {}
    values: dict[int, list[Decimal]] = {}
    for month, service_id, name, position, total in rows:
        names[service_id] = (position, name)
        values.setdefault(service_id, [ZERO] * months)[index[month]] += total
    order = sorted(names, key=lambda sid: names[sid])
    series = [Series(name=names[sid][1], values=values[sid]) for sid in order]

    balances = list(
        Statement.objects.filter(account=account, period__month__gte=start, period__month__lte=end)
        .order_by("period__month")
        .values_list("period__month", "closing")
    )
    return ChartData(
        months=month_list,
        series=series,
        balance_months=[m for m, _ in balances],
        balances=[v for _, v in balances],
    )
