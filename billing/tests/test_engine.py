"""The monthly billing run: each method and fallback, benefits,
recalculations, penalties in the run, re-runs, crashes, closing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from billing import engine
from billing.models import (
    AccountService,
    Benefit,
    BenefitCategory,
    BillingRun,
    Charge,
    LedgerEntry,
    Recalculation,
    Service,
    Statement,
    Tariff,
)
from billing.services import billing_run, period_close, statements_check
from eirc.errors import DomainError
from eirc.models import Period
from eirc.tests.factories import (
    MeterFactory,
    PeriodFactory,
    PersonalAccountFactory,
    ReadingFactory,
    ServiceFactory,
    TariffFactory,
)

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
D = Decimal


def months_back(n, end=MARCH):
    from eirc.periods import add_months

    return [add_months(end, -i) for i in range(n, -1, -1)]


@pytest.fixture
def account():
    return PersonalAccountFactory(number="3000000001", area=D("54.30"), residents=2)


def subscribe(account, service, started=dt.date(2020, 1, 1)):
    return AccountService.objects.create(account=account, service=service, started_on=started)


def water(norm="3.5000", factor="1.50", zones="single"):
    svc = ServiceFactory(method=Service.Method.METER, unit="м³", norm=D(norm), no_meter_factor=D(factor), zones=zones)
    for z in zones.split(","):
        TariffFactory(service=svc, zone=z, rate=D("50.0000") if z != "night" else D("20.0000"))
    return svc


def readings(meter, values, end=MARCH, zone="single"):
    """values oldest first, the last one in ``end``'s period."""
    for month, value in zip(months_back(len(values) - 1, end), values, strict=True):
        if value is not None:
            ReadingFactory(meter=meter, zone=zone, period=PeriodFactory(month=month), value=D(value))


def charge(account, service, month=MARCH):
    return Charge.objects.get(account=account, service=service, period__month=month)


# --- methods ----------------------------------------------------------------------


def test_metered_service_charges_consumption_times_tariff(account):
    svc = water()
    subscribe(account, svc)
    meter = MeterFactory(account=account, service=svc)
    readings(meter, ["100.000", "112.500"])
    billing_run(period=MARCH)
    c = charge(account, svc)
    assert c.basis == Charge.Basis.METER
    assert c.quantity == D("12.500")
    assert c.amount == D("625.00")
    assert c.details["zones"][0] | {} == {
        "zone": "single",
        "quantity": "12.500",
        "rate": "50.0000",
        "amount": "625.00",
        "prev": "100.000",
        "curr": "112.500",
    }


def test_day_and_night_zones_are_priced_separately(account):
    svc = water(zones="day,night")
    subscribe(account, svc)
    meter = MeterFactory(account=account, service=svc, zones="day,night")
    readings(meter, ["1000.000", "1100.000"], zone="day")
    readings(meter, ["500.000", "530.000"], zone="night")
    billing_run(period=MARCH)
    c = charge(account, svc)
    assert c.amount == D("100") * 50 + D("30") * 20
    assert c.rate is None
    assert [z["zone"] for z in c.details["zones"]] == ["day", "night"]


def test_meter_rollover_counts_through_zero(account):
    svc = water()
    subscribe(account, svc)
    meter = MeterFactory(account=account, service=svc, digits=5)
    readings(meter, ["99990.000", "5.000"])
    billing_run(period=MARCH)
    assert charge(account, svc).quantity == D("15.000")


def test_replaced_meter_adds_the_old_meters_last_consumption(account):
    svc = water()
    subscribe(account, svc)
    old = MeterFactory(account=account, service=svc)
    readings(old, ["100.000", "110.000"])  # March: removal reading
    new = MeterFactory(account=account, service=svc, installed_on=dt.date(2026, 3, 20))
    ReadingFactory(meter=new, period=PeriodFactory(month=MARCH), value=D("0.000"), source="install")
    old.status, old.removed_on, old.replaced_by = "removed", dt.date(2026, 3, 20), new
    old.save()
    billing_run(period=MARCH)
    assert charge(account, svc).quantity == D("10.000")
    ReadingFactory(meter=new, period=PeriodFactory(month=dt.date(2026, 4, 1)), value=D("7.000"))
    billing_run(period=dt.date(2026, 4, 1))
    assert charge(account, svc, dt.date(2026, 4, 1)).quantity == D("7.000")


def test_missing_reading_uses_the_six_month_average_for_three_periods_then_the_norm(account):
    svc = water(norm="3.5000")
    subscribe(account, svc)
    meter = MeterFactory(account=account, service=svc)
    # readings up to February; 6 months of history before it: 60 m³ -> 10 / month
    readings(meter, ["40.000", "50.000", "60.000", "70.000", "80.000", "90.000", "100.000"], end=dt.date(2026, 2, 1))
    got = []
    for month in months_back(3, dt.date(2026, 6, 1))[:4]:  # March..June
        billing_run(period=month)
        c = charge(account, svc, month)
        got.append((c.basis, c.quantity, c.details.get("estimate_seq")))
    assert got[:3] == [
        (Charge.Basis.AVERAGE, D("10.000"), 1),
        (Charge.Basis.AVERAGE, D("10.000"), 2),
        (Charge.Basis.AVERAGE, D("10.000"), 3),
    ]
    assert got[3][0] == Charge.Basis.NORM
    assert got[3][1] == D("7.000")  # 3.5 × 2 residents, no raising factor for a working meter
    assert charge(account, svc, MARCH).details["average_months"] == 6


def test_average_uses_fewer_months_when_history_is_short(account):
    svc = water()
    subscribe(account, svc)
    meter = MeterFactory(account=account, service=svc)
    readings(meter, ["100.000", "108.000", "112.000"], end=dt.date(2026, 2, 1))
    billing_run(period=MARCH)
    c = charge(account, svc)
    assert (c.basis, c.quantity, c.details["average_months"]) == (Charge.Basis.AVERAGE, D("6.000"), 2)


def test_reading_after_estimates_deducts_what_was_estimated(account):
    svc = water()
    subscribe(account, svc)
    meter = MeterFactory(account=account, service=svc)
    readings(meter, ["100.000", "110.000"], end=dt.date(2026, 2, 1))
    billing_run(period=MARCH)  # average 10
    assert charge(account, svc).quantity == D("10.000")
    ReadingFactory(meter=meter, period=PeriodFactory(month=dt.date(2026, 4, 1)), value=D("125.000"))
    billing_run(period=dt.date(2026, 4, 1))
    assert charge(account, svc, dt.date(2026, 4, 1)).quantity == D("5.000")  # 15 consumed - 10 estimated


def test_expired_verification_estimates_then_uses_the_norm_with_the_raising_factor(account):
    svc = water(norm="3.5000", factor="1.50")
    subscribe(account, svc)
    meter = MeterFactory(account=account, service=svc, verification_due=dt.date(2026, 3, 10))
    readings(meter, ["100.000", "110.000", "120.000"])  # the March reading is from an expired meter
    billing_run(period=MARCH)
    c = charge(account, svc)
    assert c.basis == Charge.Basis.AVERAGE and c.details["reason"] == "verification_expired"
    for month in months_back(3, dt.date(2026, 6, 1))[1:]:
        billing_run(period=month)
    june = charge(account, svc, dt.date(2026, 6, 1))
    assert june.basis == Charge.Basis.NORM
    assert june.quantity == D("10.500")  # 3.5 × 2 × 1.5
    assert june.details["factor"] == "1.50"


def test_metered_service_without_a_meter_uses_the_norm_with_the_factor(account):
    svc = water(norm="3.5000", factor="1.50")
    subscribe(account, svc)
    billing_run(period=MARCH)
    c = charge(account, svc)
    assert (c.basis, c.quantity, c.amount) == (Charge.Basis.NORM, D("10.500"), D("525.00"))


def test_area_service_charges_area_times_rate(account):
    svc = ServiceFactory(method=Service.Method.AREA)
    TariffFactory(service=svc, rate=D("25.5000"))
    subscribe(account, svc)
    billing_run(period=MARCH)
    c = charge(account, svc)
    assert (c.basis, c.quantity, c.amount) == (Charge.Basis.AREA, D("54.300"), D("1384.65"))


def test_per_resident_service_without_norm_charges_residents_times_rate(account):
    svc = ServiceFactory(method=Service.Method.PER_RESIDENT, unit="чел.")
    TariffFactory(service=svc, rate=D("120.0000"))
    subscribe(account, svc)
    billing_run(period=MARCH)
    assert charge(account, svc).amount == D("240.00")


def test_per_resident_service_with_norm_charges_norm_times_residents_times_rate(account):
    svc = ServiceFactory(method=Service.Method.PER_RESIDENT, unit="м³", norm=D("0.1500"))
    TariffFactory(service=svc, rate=D("700.0000"))
    subscribe(account, svc)
    billing_run(period=MARCH)
    c = charge(account, svc)
    assert (c.quantity, c.amount) == (D("0.300"), D("210.00"))


def test_fixed_service_charges_the_rate(account):
    svc = ServiceFactory(method=Service.Method.FIXED, unit="мес.")
    TariffFactory(service=svc, rate=D("99.9000"))
    subscribe(account, svc)
    billing_run(period=MARCH)
    assert charge(account, svc).amount == D("99.90")


def test_a_tariff_change_does_not_change_past_charges(account):
    svc = ServiceFactory(method=Service.Method.AREA)
    old = TariffFactory(service=svc, rate=D("20.0000"), valid_from=dt.date(2020, 1, 1))
    billing_run_months = [dt.date(2026, 2, 1), MARCH]
    subscribe(account, svc)
    billing_run(period=billing_run_months[0])
    old.valid_to = dt.date(2026, 2, 28)
    old.save()
    TariffFactory(service=svc, rate=D("30.0000"), valid_from=MARCH)
    billing_run(period=MARCH)
    assert charge(account, svc, dt.date(2026, 2, 1)).rate == D("20.0000")
    assert charge(account, svc, MARCH).rate == D("30.0000")
    billing_run(period=dt.date(2026, 2, 1))  # even when re-run
    assert charge(account, svc, dt.date(2026, 2, 1)).rate == D("20.0000")


def test_missing_tariff_is_a_warning_not_a_charge(account):
    svc = ServiceFactory(method=Service.Method.AREA, name="Вывоз ТКО")
    subscribe(account, svc)
    report = billing_run(period=MARCH)
    assert not Charge.objects.filter(service=svc).exists()
    assert any("Вывоз ТКО" in w and "03.2026" in w and account.number in w for w in report.warnings)


def test_service_not_in_force_in_the_month_is_not_charged(account):
    svc = ServiceFactory(method=Service.Method.AREA)
    TariffFactory(service=svc)
    AccountService.objects.create(
        account=account, service=svc, started_on=dt.date(2020, 1, 1), ended_on=dt.date(2026, 2, 28)
    )
    billing_run(period=MARCH)
    assert not Charge.objects.filter(service=svc).exists()


# --- benefits and recalculations ---------------------------------------------------


def test_benefit_is_a_percent_of_the_covered_service_as_its_own_line(account):
    area = ServiceFactory(method=Service.Method.AREA)
    TariffFactory(service=area, rate=D("25.5000"))
    other = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=other, rate=D("100.0000"))
    subscribe(account, area)
    subscribe(account, other)
    cat = BenefitCategory.objects.create(name="Ветеран труда", code="veteran", percent=D("50.00"))
    cat.services.add(area)
    Benefit.objects.create(account=account, category=cat, valid_from=dt.date(2025, 1, 1))
    billing_run(period=MARCH)
    c = charge(account, area)
    assert (c.amount, c.benefit, c.total) == (D("1384.65"), D("692.33"), D("692.32"))
    assert c.details["benefit"] == {"category": "Ветеран труда", "percent": "50.00", "amount": "692.33"}
    assert charge(account, other).benefit == 0
    entry = LedgerEntry.objects.get(kind="benefit")
    assert entry.amount == D("-692.33") and entry.charge == c


def test_expired_benefit_is_not_applied(account):
    svc = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=svc, rate=D("100.0000"))
    subscribe(account, svc)
    cat = BenefitCategory.objects.create(name="Многодетные", code="big", percent=D("30.00"))
    cat.services.add(svc)
    Benefit.objects.create(account=account, category=cat, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2026, 2, 28))
    billing_run(period=MARCH)
    assert charge(account, svc).benefit == 0


def test_recalculation_is_its_own_line_with_its_reason(account, accountant):
    svc = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=svc, rate=D("100.0000"))
    subscribe(account, svc)
    per = PeriodFactory(month=MARCH)
    Recalculation.objects.create(
        account=account, service=svc, period=per, amount=D("-40.00"), reason="Отсутствие горячей воды 5 дней"
    )
    billing_run(period=MARCH)
    c = charge(account, svc)
    assert (c.amount, c.recalculation, c.total) == (D("100.00"), D("-40.00"), D("60.00"))
    assert c.details["recalculations"][0]["reason"] == "Отсутствие горячей воды 5 дней"
    e = LedgerEntry.objects.get(kind="recalculation")
    assert (e.amount, e.description) == (D("-40.00"), "Отсутствие горячей воды 5 дней")
    st = Statement.objects.get(account=account, period=per)
    assert (st.charged, st.recalculations, st.closing) == (D("100.00"), D("-40.00"), D("60.00"))


# --- statements, penalties in the run -----------------------------------------------


def fixed_account(account, rate="1000.0000"):
    svc = ServiceFactory(method=Service.Method.FIXED)
    TariffFactory(service=svc, rate=D(rate))
    subscribe(account, svc)
    return svc


def test_statement_carries_the_balance_forward_and_sets_the_due_date(account):
    fixed_account(account)
    billing_run(period=dt.date(2026, 2, 1))
    billing_run(period=MARCH)
    feb = Statement.objects.get(account=account, period__month=dt.date(2026, 2, 1))
    mar = Statement.objects.get(account=account, period__month=MARCH)
    assert (feb.closing, mar.opening, mar.closing) == (D("1000.00"), D("1000.00"), D("2000.00"))
    assert feb.due_date == dt.date(2026, 3, 10)
    assert mar.due_date == dt.date(2026, 4, 15)


def test_unpaid_debt_accrues_penalty_once_across_periods(account):
    fixed_account(account, rate="10000.0000")
    months = [
        dt.date(2025, 10, 1),
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    for m in months:
        billing_run(period=m)
    penalties = LedgerEntry.objects.filter(account=account, kind="penalty")
    oct_debt = penalties.filter(for_period__month=dt.date(2025, 10, 1))
    # October is due 10.11.2025; by 28.02.2026 it is 110 days overdue: 60 days at 1/300 + 20 at 1/130
    expected = D("190.00") + (D("10000") * D("0.095") * 20 / 130).quantize(D("0.01"))
    assert oct_debt.aggregate(s=Sum("amount"))["s"] == expected
    assert statements_check() == []


def test_paid_on_time_accrues_no_penalty(account):
    from django.utils import timezone

    from billing.services import ledger_post_payment
    from eirc.tests.factories import PaymentFactory

    fixed_account(account)
    billing_run(period=dt.date(2025, 12, 1))
    p = PaymentFactory(
        account=account,
        amount=D("1000.00"),
        status="succeeded",
        paid_at=timezone.make_aware(dt.datetime(2026, 1, 9, 12)),
    )
    ledger_post_payment(payment=p)
    for m in (dt.date(2026, 1, 1), dt.date(2026, 2, 1), MARCH, dt.date(2026, 4, 1)):
        billing_run(period=m)
    assert not LedgerEntry.objects.filter(account=account, kind="penalty", for_period__month=dt.date(2025, 12, 1))


# --- re-runs, crashes, closing --------------------------------------------------------


def build_mixed(n=7):
    svc_area = ServiceFactory(method=Service.Method.AREA)
    TariffFactory(service=svc_area, rate=D("25.5000"))
    w = water()
    accs = []
    for i in range(n):
        a = PersonalAccountFactory(number=f"31000000{i:02d}", residents=1 + i % 3)
        subscribe(a, svc_area)
        subscribe(a, w)
        m = MeterFactory(account=a, service=w)
        readings(m, ["10.000", f"{20 + i}.000"])
        accs.append(a)
    billing_run(period=dt.date(2025, 11, 1))
    return accs


def snapshot(month=MARCH):
    charges = sorted(
        Charge.objects.filter(period__month=month).values_list("account_id", "service_id", "amount", "total", "basis")
    )
    entries = sorted(
        LedgerEntry.objects.filter(period__month=month).values_list("account_id", "kind", "amount", "service_id")
    )
    stmts = sorted(Statement.objects.filter(period__month=month).values_list("account_id", "opening", "closing"))
    return charges, entries, stmts


def test_rerunning_an_open_period_changes_nothing():
    build_mixed()
    first = billing_run(period=MARCH)
    before = snapshot()
    second = billing_run(period=MARCH, chunk_size=3)
    assert snapshot() == before
    assert first.totals == second.totals and first.lines == second.lines
    assert Charge.objects.filter(period__month=MARCH).count() == 14


def test_a_crash_mid_run_leaves_no_half_billed_account_and_the_next_run_resumes(monkeypatch):
    build_mixed()
    billing_run(period=MARCH)
    expected = snapshot()
    LedgerEntry.objects.filter(period__month=MARCH).delete()
    Charge.objects.filter(period__month=MARCH).delete()
    Statement.objects.filter(period__month=MARCH).delete()
    BillingRun.objects.filter(period__month=MARCH).delete()

    real = engine.bill_chunk
    calls = {"n": 0}

    def flaky(ctx, ids):
        calls["n"] += 1
        if calls["n"] == 2:
            real(ctx, ids)  # written, then the process dies before the commit
            raise RuntimeError("killed")
        return real(ctx, ids)

    monkeypatch.setattr(engine, "bill_chunk", flaky)
    with pytest.raises(RuntimeError):
        billing_run(period=MARCH, chunk_size=3)
    run = BillingRun.objects.get(period__month=MARCH)
    assert run.status == BillingRun.Status.FAILED and run.accounts_done == 3
    billed = set(Charge.objects.filter(period__month=MARCH).values_list("account_id", flat=True))
    assert len(billed) == 3  # the first chunk only: the second rolled back whole
    assert set(Statement.objects.filter(period__month=MARCH).values_list("account_id", flat=True)) == billed
    monkeypatch.setattr(engine, "bill_chunk", real)
    report = billing_run(period=MARCH, chunk_size=3)
    assert report.resumed and report.accounts == 7
    assert snapshot() == expected
    assert BillingRun.objects.get(period__month=MARCH).status == BillingRun.Status.DONE


def test_closed_period_is_refused_with_a_russian_message(account):
    fixed_account(account)
    billing_run(period=MARCH)
    period_close(period=MARCH)
    assert Period.objects.get(month=MARCH).is_closed
    with pytest.raises(DomainError, match="закрыт"):
        billing_run(period=MARCH)


def test_closing_a_period_whose_run_failed_is_refused(account):
    fixed_account(account)
    per = PeriodFactory(month=MARCH)
    BillingRun.objects.create(period=per, status=BillingRun.Status.FAILED)
    with pytest.raises(DomainError, match="не завершён"):
        period_close(period=MARCH)


def test_no_tariff_unused_period_rows_stay_untouched_by_other_accounts(account):
    svc = fixed_account(account)
    other = PersonalAccountFactory(number="3000000002")
    subscribe(other, svc)
    billing_run(period=MARCH, accounts=[account])
    assert Charge.objects.filter(period__month=MARCH).count() == 1
    billing_run(period=MARCH)
    assert Charge.objects.filter(period__month=MARCH).count() == 2
    assert Tariff.objects.count() == 1


def test_a_back_dated_payment_takes_back_penalty_charged_too_high(account):
    """A bank registry line dated 05.04 arrives after April was billed: the
    next run takes back what April's run charged for days after 05.04."""
    from django.utils import timezone

    from billing.penalties import penalty_for, penalty_rules
    from billing.services import ledger_post_payment
    from eirc.tests.factories import PaymentFactory

    fixed_account(account)
    for m in (1, 2, 3, 4):
        billing_run(period=dt.date(2026, m, 1))
    january = LedgerEntry.objects.filter(account=account, kind="penalty", for_period__month=dt.date(2026, 1, 1))
    before = january.aggregate(s=Sum("amount"))["s"]
    late = PaymentFactory(
        account=account,
        amount=D("1000.00"),
        status="succeeded",
        for_period=Period.objects.get(month=dt.date(2026, 1, 1)),
        paid_at=timezone.make_aware(dt.datetime(2026, 4, 5, 10)),
    )
    ledger_post_payment(payment=late)
    billing_run(period=dt.date(2026, 5, 1))
    due = penalty_for(
        amount=D("1000.00"),
        due=dt.date(2026, 2, 10),
        on=dt.date(2026, 5, 31),
        paid_on=dt.date(2026, 4, 5),
        rules=penalty_rules(),
    ).total
    after = january.aggregate(s=Sum("amount"))["s"]
    assert before > due  # April's run charged days after 05.04
    assert after == due
    reversal = january.get(period__month=dt.date(2026, 5, 1))
    assert reversal.amount < 0 and reversal.description.startswith("Уменьшение пеней")
    assert statements_check() == []
