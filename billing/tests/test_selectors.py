"""The dashboard's numbers (the debt split around due dates as the penalty
engine allocates payments), the explanation of each basis, and the scoping
of every read to the account."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import selectors
from billing.ledger import oldest_unpaid_period, refresh_statements
from billing.models import Charge, Service
from billing.penalties import Debt
from billing.tests.money_history import build_history
from eirc import periods
from eirc.models import Period
from eirc.tests.factories import (
    BenefitCategoryFactory,
    BenefitFactory,
    ChargeFactory,
    LedgerEntryFactory,
    PaymentFactory,
    PeriodFactory,
    PersonalAccountFactory,
    ServiceFactory,
    StatementFactory,
)

D = Decimal
TZ = periods.TZ


def _paid(account, period, amount, on, for_period=None):
    """A succeeded payment of ``amount`` on ``on`` and its ledger entry."""
    payment = PaymentFactory(
        account=account,
        amount=amount,
        status="succeeded",
        paid_at=dt.datetime.combine(on, dt.time(12), tzinfo=TZ),
        for_period=for_period,
    )
    return LedgerEntryFactory(
        account=account,
        period=period,
        kind="payment",
        amount=-amount,
        payment=payment,
        for_period=for_period,
        occurred_on=on,
    )


def _three_months(account):
    """Jan 2026 1000 (due 10.02), Feb 1200 (due 10.03) with 500 paid (no
    period named), Mar 1500 (due 15.04, the new rule): the ledger and the
    statements it gives. Debt 3200: FIFO leaves 500 of January, all of
    February and all of March unpaid."""
    jan, feb, mar = (PeriodFactory(month=dt.date(2026, m, 1)) for m in (1, 2, 3))
    for period, amount in ((jan, D(1000)), (feb, D(1200)), (mar, D(1500))):
        LedgerEntryFactory(account=account, period=period, kind="charge", amount=amount)
    _paid(account, feb, D(500), dt.date(2026, 2, 20))
    StatementFactory(
        account=account, period=jan, opening=D(0), charged=D(1000), paid=D(0), due_date=dt.date(2026, 2, 10)
    )
    StatementFactory(
        account=account, period=feb, opening=D(1000), charged=D(1200), paid=D(500), due_date=dt.date(2026, 3, 10)
    )
    StatementFactory(
        account=account, period=mar, opening=D(1700), charged=D(1500), paid=D(0), due_date=dt.date(2026, 4, 15)
    )
    return jan, feb, mar


@pytest.mark.django_db
def test_debt_is_split_fifo_into_overdue_and_not_yet_due():
    account = PersonalAccountFactory()
    _three_months(account)
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 3, 20))
    assert d.debt == D("3200.00")
    assert d.overdue == D("1700.00")  # 500 of January + 1200 of February
    assert d.not_yet_due == D("1500.00")  # March, due 15.04.2026
    assert [(p.period, p.amount) for p in d.portions] == [
        (dt.date(2026, 1, 1), D(500)),
        (dt.date(2026, 2, 1), D(1200)),
        (dt.date(2026, 3, 1), D(1500)),
    ]


@pytest.mark.django_db
def test_the_due_date_itself_is_not_overdue_and_the_next_day_is():
    account = PersonalAccountFactory()
    _three_months(account)
    on_due = selectors.dashboard_for(account=account, today=dt.date(2026, 4, 15))
    after = selectors.dashboard_for(account=account, today=dt.date(2026, 4, 16))
    assert (on_due.overdue, on_due.not_yet_due) == (D(1700), D(1500))
    assert (after.overdue, after.not_yet_due) == (D(3200), D(0))
    assert on_due.days_left == 0
    assert after.days_left == -1


@pytest.mark.django_db
def test_penalty_plan_names_the_last_free_day_thirty_days_after_the_due_date():
    account = PersonalAccountFactory()
    _three_months(account)
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 3, 20))
    # January was due 10.02: free until 12.03, so its 500 already accrues.
    assert d.accruing == D(500)
    # February was due 10.03: pay by 09.04 inclusive, penalties from 10.04.
    assert len(d.penalty_steps) == 1
    step = d.penalty_steps[0]
    assert (step.amount, step.pay_by, step.penalties_from) == (D(1200), dt.date(2026, 4, 9), dt.date(2026, 4, 10))
    assert d.due_date == dt.date(2026, 4, 15)
    assert d.days_left == 26


@pytest.mark.django_db
def test_a_payment_after_the_last_statement_covers_the_oldest_debt_first():
    account = PersonalAccountFactory()
    _three_months(account)
    apr = PeriodFactory(month=dt.date(2026, 4, 1))
    payment = PaymentFactory(account=account, amount=D(700), status="succeeded", paid_at=timezone.now())
    LedgerEntryFactory(account=account, period=apr, kind="payment", amount=D(-700), payment=payment)
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 4, 2))
    assert d.debt == D(2500)
    # 500 clears January, 200 goes to February.
    assert [(p.period, p.amount) for p in d.portions] == [
        (dt.date(2026, 2, 1), D(1000)),
        (dt.date(2026, 3, 1), D(1500)),
    ]
    assert d.overdue == D(1000)
    assert d.not_yet_due == D(1500)


@pytest.mark.django_db
def test_an_advance_is_neither_overdue_nor_due():
    account = PersonalAccountFactory()
    mar = PeriodFactory(month=dt.date(2026, 3, 1))
    StatementFactory(account=account, period=mar, opening=D(0), charged=D(100), paid=D(400))
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 5, 1))
    assert d.debt == D(-300)
    assert d.advance == D(300)
    assert (d.overdue, d.not_yet_due, d.accruing) == (D(0), D(0), D(0))
    assert d.penalty_steps == []


@pytest.mark.django_db
def test_dashboard_charges_are_those_of_the_latest_charged_period():
    account = PersonalAccountFactory()
    feb, mar = PeriodFactory(month=dt.date(2026, 2, 1)), PeriodFactory(month=dt.date(2026, 3, 1))
    water, heat = ServiceFactory(name="Вода", position=1), ServiceFactory(name="Отопление", position=2)
    ChargeFactory(account=account, period=feb, service=water, amount=D(999))
    ChargeFactory(account=account, period=mar, service=water, amount=D(100))
    ChargeFactory(account=account, period=mar, service=heat, amount=D(200), benefit=D(50))
    ChargeFactory(account=PersonalAccountFactory(), period=PeriodFactory(month=dt.date(2026, 4, 1)), service=heat)
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 4, 2))
    assert d.charges_period == dt.date(2026, 3, 1)
    assert [c.service.name for c in d.charges] == ["Вода", "Отопление"]
    assert d.charges_total == D(250)
    # No statement yet: the due date comes from the dated rule (15th from March 2026).
    assert d.due_date == dt.date(2026, 4, 15)


@pytest.mark.django_db
def test_only_benefits_in_force_are_on_the_dashboard():
    account = PersonalAccountFactory()
    cat = BenefitCategoryFactory(name="Ветеран труда", percent=D(50))
    BenefitFactory(account=account, category=cat, valid_from=dt.date(2025, 1, 1), valid_to=None)
    BenefitFactory(account=account, category=BenefitCategoryFactory(name="Истекшая"), valid_to=dt.date(2025, 12, 31))
    BenefitFactory(account=PersonalAccountFactory(), category=cat)
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 3, 1))
    assert [b.category.name for b in d.benefits] == ["Ветеран труда"]
    page = selectors.benefits_for(account=account, today=dt.date(2026, 3, 1))
    assert [b.category.name for b in page["past"]] == ["Истекшая"]


def _jan_feb_and_a_payment_naming(account, named):
    """January and February 2026 billed 1000 each (due 10.02 and 10.03), then
    1000 paid on 05.03.2026 naming ``named`` (a month or None); the statements
    are refreshed from the ledger."""
    jan, feb = (PeriodFactory(month=dt.date(2026, m, 1)) for m in (1, 2))
    mar = PeriodFactory(month=dt.date(2026, 3, 1))
    LedgerEntryFactory(account=account, period=jan, kind="charge", amount=D(1000))
    LedgerEntryFactory(account=account, period=feb, kind="charge", amount=D(1000))
    _paid(account, mar, D(1000), dt.date(2026, 3, 5), for_period={None: None, jan.month: jan, feb.month: feb}[named])
    refresh_statements(account_ids=[account.pk], from_period=jan.month)


@pytest.mark.django_db
def test_a_payment_naming_a_later_period_leaves_the_older_one_unpaid_as_the_penalty_engine_does():
    account = PersonalAccountFactory()
    _jan_feb_and_a_payment_naming(account, dt.date(2026, 2, 1))
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, 0, tzinfo=TZ), tick=False):
        d = selectors.dashboard_for(account=account, today=periods.today())
    assert d.debt == D(1000)
    # The engine paid February (named) first: January's 1000 is unpaid.
    assert oldest_unpaid_period(account.pk) == dt.date(2026, 1, 1)
    assert [(p.period, p.amount, p.due_date) for p in d.portions] == [
        (dt.date(2026, 1, 1), D(1000), dt.date(2026, 2, 10))
    ]
    assert dt.date(2026, 2, 1) not in [p.period for p in d.portions]
    assert (d.overdue, d.not_yet_due) == (D(1000), D(0))
    # Due 10.02 + 31 days: penalties from 13.03.2026, so they already accrue.
    assert d.portions[0].penalties_from == dt.date(2026, 3, 13)
    assert d.accruing == D(1000)
    assert d.penalty_steps == []


@pytest.mark.django_db
def test_a_payment_naming_no_period_pays_the_oldest_so_the_newer_one_is_unpaid():
    account = PersonalAccountFactory()
    _jan_feb_and_a_payment_naming(account, None)
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 3, 20))
    assert [(p.period, p.amount) for p in d.portions] == [(dt.date(2026, 2, 1), D(1000))]
    assert (d.overdue, d.not_yet_due, d.accruing) == (D(1000), D(0), D(0))
    # February was due 10.03: pay by 09.04 inclusive, penalties from 10.04.
    assert [(s.amount, s.pay_by, s.penalties_from) for s in d.penalty_steps] == [
        (D(1000), dt.date(2026, 4, 9), dt.date(2026, 4, 10))
    ]


@pytest.mark.django_db
def test_unpaid_penalties_are_an_undated_overdue_portion():
    account = PersonalAccountFactory()
    jan, mar = PeriodFactory(month=dt.date(2026, 1, 1)), PeriodFactory(month=dt.date(2026, 3, 1))
    LedgerEntryFactory(account=account, period=jan, kind="charge", amount=D(1000))
    LedgerEntryFactory(account=account, period=mar, kind="penalty", amount=D("12.34"))
    LedgerEntryFactory(account=account, period=mar, kind="charge", amount=D(500))
    refresh_statements(account_ids=[account.pk], from_period=jan.month)
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 3, 20))
    assert d.debt == D("1512.34")
    assert [(p.period, p.amount) for p in d.portions] == [
        (None, D("12.34")),
        (dt.date(2026, 1, 1), D(1000)),
        (dt.date(2026, 3, 1), D(500)),
    ]
    assert (d.overdue, d.not_yet_due) == (D("1012.34"), D(500))


@pytest.mark.django_db
def test_an_advance_in_the_ledger_leaves_nothing_unpaid():
    account = PersonalAccountFactory()
    mar = PeriodFactory(month=dt.date(2026, 3, 1))
    LedgerEntryFactory(account=account, period=mar, kind="charge", amount=D(100))
    _paid(account, mar, D(400), dt.date(2026, 3, 20), for_period=mar)
    refresh_statements(account_ids=[account.pk], from_period=mar.month)
    d = selectors.dashboard_for(account=account, today=dt.date(2026, 5, 1))
    assert (d.debt, d.advance) == (D(-300), D(300))
    assert d.portions == []
    assert (d.overdue, d.not_yet_due, d.accruing) == (D(0), D(0), D(0))


def _debts(*remaining):
    out = []
    for i, amount in enumerate(remaining):
        month = dt.date(2026, i + 1, 1)
        out.append(Debt(period=month, due=periods.due_date(month), amount=D(1000), remaining=D(amount)))
    return out


def test_reconcile_reduces_the_newest_portions_when_the_debt_is_lower_than_the_principal():
    debts = _debts(100, 0, 200)
    portions = selectors.reconcile_portions(debt=D(250), debts=debts)
    assert [(p.period, p.amount) for p in portions] == [(dt.date(2026, 1, 1), D(100)), (dt.date(2026, 3, 1), D(150))]
    portions = selectors.reconcile_portions(debt=D(40), debts=_debts(100, 0, 200))
    assert [(p.period, p.amount) for p in portions] == [(dt.date(2026, 1, 1), D(40))]
    assert selectors.reconcile_portions(debt=D(-10), debts=_debts(100, 0, 200)) == []


def test_reconcile_puts_what_the_principal_does_not_explain_first_and_undated():
    portions = selectors.reconcile_portions(debt=D(330), debts=_debts(100, 200))
    assert [(p.period, p.amount, p.due_date) for p in portions] == [
        (None, D(30), None),
        (dt.date(2026, 1, 1), D(100), dt.date(2026, 2, 10)),
        (dt.date(2026, 2, 1), D(200), dt.date(2026, 3, 10)),
    ]


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_the_length_of_the_history():
    short, long = PersonalAccountFactory(), PersonalAccountFactory()
    build_history(short, months=4)
    build_history(long, months=60)
    counts = []
    for account in (short, long):
        with CaptureQueriesContext(connection) as ctx:
            selectors.dashboard_for(account=account, today=dt.date(2026, 4, 2))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 8


def test_split_debt_attributes_an_unexplained_remainder_to_older_debt():
    portions = selectors.split_debt(debt=D(300), increases=[(dt.date(2026, 3, 1), D(100), dt.date(2026, 4, 15))])
    assert [(p.period, p.amount) for p in portions] == [(None, D(200)), (dt.date(2026, 3, 1), D(100))]


def test_split_debt_skips_months_that_reduced_the_debt():
    months = [dt.date(2026, m, 1) for m in (1, 2, 3)]
    incs = [(months[0], D(100), None), (months[1], D(-50), None), (months[2], D(80), None)]
    portions = selectors.split_debt(debt=D(130), increases=incs)
    assert [(p.period, p.amount) for p in portions] == [(months[0], D(50)), (months[2], D(80))]


# --- scoping -------------------------------------------------------------------


@pytest.mark.django_db
def test_another_accounts_charge_is_a_404():
    mine, theirs = PersonalAccountFactory(), PersonalAccountFactory()
    charge = ChargeFactory(account=theirs)
    with pytest.raises(Http404):
        selectors.charge_detail(account=mine, charge_id=charge.pk)
    with pytest.raises(Http404):
        selectors.charge_detail(account=mine, charge_id="not-a-number")
    assert selectors.charge_detail(account=theirs, charge_id=charge.pk).charge == charge


@pytest.mark.django_db
def test_an_account_the_user_does_not_hold_is_a_404(resident, other_resident):
    foreign = other_resident.account_links.get().account
    with pytest.raises(Http404):
        selectors.resolve_account(user=resident, account_id=foreign.pk)
    own = resident.account_links.get().account
    assert selectors.resolve_account(user=resident, account_id=own.pk) == own


@pytest.mark.django_db
def test_charges_history_pages_twelve_periods_and_shows_only_the_accounts_lines():
    account, other = PersonalAccountFactory(), PersonalAccountFactory()
    svc = ServiceFactory()
    for i in range(14):
        period = PeriodFactory(month=periods.add_months(dt.date(2025, 1, 1), i))
        ChargeFactory(account=account, period=period, service=svc, amount=D(100 + i))
        ChargeFactory(account=other, period=period, service=svc, amount=D(9999))
    page, items = selectors.charges_history(account=account, page=1)
    assert page.paginator.num_pages == 2
    assert len(items) == 12
    assert items[0].period.month == dt.date(2026, 2, 1)
    assert items[0].total == D(113)
    _, items2 = selectors.charges_history(account=account, page=2)
    assert [i.period.month for i in items2] == [dt.date(2025, 2, 1), dt.date(2025, 1, 1)]
    assert all(c.account_id == account.pk for i in items + items2 for c in i.charges)


# --- the explanation of each basis ----------------------------------------------------


def _charge(basis, details, *, unit="м³", quantity="6.000", rate="45.67", amount="274.02", benefit="0", recalc="0"):
    service = Service(name="Холодная вода", unit=unit, method="meter")
    amount, benefit, recalc = D(amount), D(benefit), D(recalc)
    return Charge(
        service=service,
        period=Period(month=dt.date(2026, 3, 1)),
        basis=basis,
        quantity=D(quantity),
        rate=D(rate) if rate is not None else None,
        amount=amount,
        benefit=benefit,
        recalculation=recalc,
        total=amount - benefit + recalc,
        details=details,
    )


def test_meter_charge_is_explained_with_readings_tariff_and_amount():
    lines = selectors.explain_charge(
        _charge("meter", {"meter_serial": "ВК-123", "previous": "117.000", "current": "123.000"})
    )
    assert lines[0] == (
        "Объём 6,000 м³ по показаниям счётчика № ВК-123: 123,000 − 117,000; тариф 45,67 ₽ за м³; начислено 274,02\xa0₽."
    )
    assert lines[-1] == "Итого по услуге за март 2026: 274,02\xa0₽."


def test_two_zone_meter_charge_lists_each_zone():
    details = {
        "meter": {"serial": "E-1"},
        "zones": [
            {"zone": "day", "previous": "100", "current": "150", "quantity": "50", "rate": "5.6", "amount": "280.00"},
            {"zone": "night", "previous": "40", "current": "60", "quantity": "20", "rate": "3.1", "amount": "62.00"},
        ],
    }
    lines = selectors.explain_charge(_charge("meter", details, unit="кВт·ч", quantity="70", amount="342.00"))
    assert lines[0] == "Объём 70,000 кВт·ч по показаниям счётчика № E-1."
    assert lines[1] == "Зона «день»: 150,000 − 100,000; 50,000 кВт·ч; тариф 5,60 ₽ за кВт·ч; начислено 280,00\xa0₽."
    assert lines[2].startswith("Зона «ночь»: 60,000 − 40,000")


def test_average_charge_says_which_month_of_three_it_is():
    details = {"reason": "no_reading", "average_months": 6, "estimate_number": 2, "estimate_max": 3}
    lines = selectors.explain_charge(_charge("average", details))
    assert lines[0] == (
        "Показания за март 2026 не переданы — начислено по среднему потреблению за 6 месяцев (2-й месяц из 3 возможных)."
    )
    assert lines[1] == "Объём 6,000 м³; тариф 45,67 ₽ за м³; начислено 274,02\xa0₽."


def test_average_after_expired_verification_says_so():
    lines = selectors.explain_charge(_charge("average", {"reason": "verification_expired", "average_months": 6}))
    assert lines[0] == "Срок поверки счётчика истёк — начислено по среднему потреблению за 6 месяцев."


def test_norm_charge_shows_norm_residents_and_raising_factor():
    details = {"norm": "4.2", "residents": 2, "factor": "1.5", "reason": "verification_expired"}
    lines = selectors.explain_charge(_charge("norm", details, quantity="12.600", amount="575.44"))
    assert lines[0] == (
        "По нормативу: 4,2 м³ × 2 чел. × 1,5 (повышающий коэффициент, поверка истекла) = 12,600 м³; "
        "тариф 45,67 ₽ за м³; начислено 575,44\xa0₽."
    )


def test_area_charge_shows_area_and_rate_per_square_metre():
    lines = selectors.explain_charge(
        _charge("area", {"area": "54.30"}, unit="м²", quantity="54.3", rate="25.5", amount="1384.65")
    )
    assert lines[0] == "Площадь 54,3 м²; тариф 25,50 ₽ за м²; начислено 1\xa0384,65\xa0₽."


def test_per_resident_charge_shows_residents():
    lines = selectors.explain_charge(
        _charge("per_resident", {"residents": 3}, unit="чел.", quantity="3", rate="120", amount="360")
    )
    assert lines[0] == "По числу проживающих: 3 чел.; тариф 120,00 ₽ за чел.; начислено 360,00\xa0₽."


def test_fixed_charge_says_it_is_fixed():
    lines = selectors.explain_charge(_charge("fixed", {}, unit="", quantity="1", rate=None, amount="150.00"))
    assert lines[0] == "Фиксированная сумма в месяц: начислено 150,00\xa0₽."


def test_benefit_line_names_category_and_percent():
    details = {"area": "54.3", "benefit": {"category": "Ветеран труда", "percent": "50"}}
    lines = selectors.explain_charge(_charge("area", details, unit="м²", amount="100.00", benefit="50.00"))
    assert "Льгота «Ветеран труда» — 50 %: −50,00\xa0₽." in lines
    assert lines[-1] == "Итого по услуге за март 2026: 50,00\xa0₽."


def test_recalculation_line_carries_its_reason():
    details = {
        "recalculations": [{"reason": "Отсутствие горячей воды 5 дней", "amount": "-30.00", "for_period": "2026-02"}]
    }
    lines = selectors.explain_charge(_charge("area", details, unit="м²", amount="100.00", recalc="-30.00"))
    assert "Перерасчёт: −30,00\xa0₽ (−30,00\xa0₽, причина: Отсутствие горячей воды 5 дней (за февраль 2026))." in lines


@pytest.mark.parametrize("basis", [b for b, _ in Charge.Basis.choices])
@pytest.mark.parametrize("details", [{}, None, {"zones": "broken", "residents": None, "factor": "x", "benefit": 5}])
def test_missing_or_odd_details_never_break_the_explanation(basis, details):
    charge = _charge(basis, details, benefit="1.00", recalc="2.00")
    lines = selectors.explain_charge(charge)
    assert lines[-1].startswith("Итого по услуге за март 2026:")
    assert any("274,02" in line for line in lines)


@pytest.mark.django_db
def test_dashboard_day_comes_from_the_frozen_clock():
    account = PersonalAccountFactory()
    _three_months(account)
    with time_machine.travel(dt.datetime(2026, 4, 15, 23, 30, tzinfo=TZ), tick=False):
        d = selectors.dashboard_for(account=account, today=periods.today())
    assert d.not_yet_due == D(1500)


def test_explanation_reads_the_details_the_billing_engine_writes():
    meter = {
        "basis_note": "по показаниям прибора учёта",
        "meter": {"serial": "СВ-15", "verification_due": "2029-01-15"},
        "readings": [{"zone": "single", "serial": "СВ-15", "prev": "117.000", "curr": "123.000", "quantity": "6.000"}],
        "zones": [{"zone": "single", "quantity": "6.000", "rate": "45.67", "amount": "274.02"}],
    }
    assert selectors.explain_charge(_charge("meter", meter))[0] == (
        "Объём 6,000 м³ по показаниям счётчика № СВ-15: 123,000 − 117,000; тариф 45,67 ₽ за м³; начислено 274,02\xa0₽."
    )
    average = {"reason": "no_reading", "average_months": 6, "estimate_seq": 2, "meter": {"serial": "СВ-15"}}
    assert selectors.explain_charge(_charge("average", average))[0] == (
        "Показания за март 2026 не переданы — начислено по среднему потреблению за 6 месяцев (2-й месяц из 3 возможных)."
    )
