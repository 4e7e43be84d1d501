"""The database itself refuses what is always wrong in billing.

Every write here bypasses model validation (``objects.create``,
``QuerySet.update`` or raw SQL), so only a constraint or trigger in the
database can stop it. Each refusal runs inside its own ``atomic`` block so the
test can check afterwards that nothing was written.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from billing.models import Charge, LedgerEntry, Statement
from eirc.models import Period
from eirc.tests.factories import (
    ChargeFactory,
    LedgerEntryFactory,
    PaymentFactory,
    PeriodFactory,
    PersonalAccountFactory,
    ServiceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db


def refused():
    return pytest.raises((IntegrityError, DatabaseError))


# --- periods -----------------------------------------------------------------


def test_period_on_the_first_of_a_month_is_accepted():
    Period.objects.create(month=dt.date(2026, 4, 1))
    assert Period.objects.filter(month=dt.date(2026, 4, 1)).exists()


@pytest.mark.parametrize("day", [2, 15, 28, 30])
def test_period_not_on_the_first_of_a_month_is_refused(day):
    with refused(), transaction.atomic():
        Period.objects.create(month=dt.date(2026, 4, day))
    assert not Period.objects.exists()


def test_period_moved_off_the_first_of_a_month_by_update_is_refused():
    period = PeriodFactory(month=dt.date(2026, 4, 1))
    with refused(), transaction.atomic():
        Period.objects.filter(pk=period.pk).update(month=dt.date(2026, 4, 10))
    period.refresh_from_db()
    assert period.month == dt.date(2026, 4, 1)


def test_period_not_on_the_first_of_a_month_is_refused_in_raw_sql():
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Period._meta.db_table} (month, status) VALUES (%s, %s)",  # noqa: S608 - table name from _meta
            [dt.date(2026, 5, 17), "open"],
        )
    assert not Period.objects.exists()


# --- charges -------------------------------------------------------------------


def test_two_charges_for_one_account_period_and_service_are_refused():
    first = ChargeFactory()
    with refused(), transaction.atomic():
        ChargeFactory(account=first.account, period=first.period, service=first.service, amount=Decimal("10.00"))
    assert Charge.objects.count() == 1


def test_charges_for_the_same_service_in_other_periods_or_accounts_are_accepted():
    first = ChargeFactory()
    ChargeFactory(account=first.account, period=PeriodFactory(month=dt.date(2026, 4, 1)), service=first.service)
    ChargeFactory(account=PersonalAccountFactory(), period=first.period, service=first.service)
    ChargeFactory(account=first.account, period=first.period, service=ServiceFactory())
    assert Charge.objects.count() == 4


def test_charge_whose_total_does_not_add_up_is_refused():
    with refused(), transaction.atomic():
        ChargeFactory(
            amount=Decimal("1000.00"),
            benefit=Decimal("300.00"),
            recalculation=Decimal("-50.00"),
            total=Decimal("700.00"),  # should be 650.00
        )
    assert not Charge.objects.exists()


def test_charge_whose_total_is_one_kopeck_off_is_refused():
    with refused(), transaction.atomic():
        ChargeFactory(amount=Decimal("0.30"), benefit=Decimal("0.10"), total=Decimal("0.21"))
    assert not Charge.objects.exists()


def test_charge_whose_total_needs_exact_decimal_arithmetic_is_accepted():
    """0.30 - 0.10 is 0.20 exactly (in binary floating point it is not)."""
    ChargeFactory(amount=Decimal("0.30"), benefit=Decimal("0.10"), recalculation=Decimal("0.00"))
    assert Charge.objects.get().total == Decimal("0.20")


def test_charge_whose_total_adds_up_with_benefit_and_recalculation_is_accepted():
    charge = ChargeFactory(amount=Decimal("1000.00"), benefit=Decimal("300.00"), recalculation=Decimal("-50.00"))
    charge.refresh_from_db()
    assert charge.total == Decimal("650.00")


def test_charge_total_broken_by_update_is_refused():
    charge = ChargeFactory(amount=Decimal("1000.00"))
    with refused(), transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(amount=Decimal("1200.00"))
    charge.refresh_from_db()
    assert charge.amount == Decimal("1000.00")


def test_charge_with_benefit_above_its_amount_is_refused():
    with refused(), transaction.atomic():
        ChargeFactory(amount=Decimal("100.00"), benefit=Decimal("150.00"))
    assert not Charge.objects.exists()


def test_negative_charge_amount_is_refused():
    with refused(), transaction.atomic():
        ChargeFactory(amount=Decimal("-1.00"))
    assert not Charge.objects.exists()


# --- statements ----------------------------------------------------------------


def test_statement_whose_closing_adds_up_is_accepted():
    statement = StatementFactory(
        opening=Decimal("200.00"),
        charged=Decimal("1500.00"),
        benefits=Decimal("100.00"),
        recalculations=Decimal("-20.00"),
        penalties=Decimal("3.15"),
        paid=Decimal("1200.00"),
        refunds=Decimal("50.00"),
        corrections=Decimal("-1.00"),
    )
    statement.refresh_from_db()
    assert statement.closing == Decimal("432.15")


def test_statement_whose_closing_does_not_add_up_is_refused():
    with refused(), transaction.atomic():
        StatementFactory(
            opening=Decimal("200.00"), charged=Decimal("1500.00"), paid=Decimal("1200.00"), closing=Decimal("600.00")
        )
    assert not Statement.objects.exists()


def test_statement_whose_closing_is_one_kopeck_off_is_refused():
    with refused(), transaction.atomic():
        StatementFactory(
            opening=Decimal("0.10"), charged=Decimal("0.20"), paid=Decimal("0.00"), closing=Decimal("0.29")
        )
    assert not Statement.objects.exists()


def test_statement_closing_broken_by_update_is_refused():
    statement = StatementFactory()
    with refused(), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(paid=Decimal("0.00"))
    assert Statement.objects.get(pk=statement.pk).paid == statement.paid


def test_two_statements_for_one_account_and_period_are_refused():
    first = StatementFactory()
    with refused(), transaction.atomic():
        StatementFactory(account=first.account, period=first.period)
    assert Statement.objects.count() == 1


# --- the ledger: immutable, signed ------------------------------------------


def test_ledger_entry_edited_through_the_orm_is_refused():
    entry = LedgerEntryFactory(amount=Decimal("500.00"))
    with refused(), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("5.00"))
    entry.refresh_from_db()
    assert entry.amount == Decimal("500.00")


def test_ledger_entry_saved_again_is_refused():
    entry = LedgerEntryFactory(amount=Decimal("500.00"))
    entry.description = "исправлено задним числом"
    with refused(), transaction.atomic():
        entry.save()
    assert LedgerEntry.objects.get(pk=entry.pk).description == ""


def test_ledger_entry_edited_in_raw_sql_is_refused():
    entry = LedgerEntryFactory(amount=Decimal("500.00"))
    table = LedgerEntry._meta.db_table
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET amount = %s WHERE id = %s", [Decimal("5.00"), entry.pk])  # noqa: S608
    entry.refresh_from_db()
    assert entry.amount == Decimal("500.00")


def test_ledger_entry_of_an_open_period_can_be_deleted():
    entry = LedgerEntryFactory(period=PeriodFactory(month=dt.date(2026, 3, 1), status=Period.Status.OPEN))
    LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert not LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_ledger_entry_of_a_closed_period_cannot_be_deleted():
    period = PeriodFactory(month=dt.date(2026, 3, 1))
    entry = LedgerEntryFactory(period=period)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.CLOSED)
    with refused(), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_ledger_entry_of_a_closed_period_cannot_be_deleted_in_raw_sql():
    period = PeriodFactory(month=dt.date(2026, 3, 1))
    entry = LedgerEntryFactory(period=period)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.CLOSED)
    table = LedgerEntry._meta.db_table
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_payment_kind_ledger_entry_with_a_positive_amount_is_refused():
    payment = PaymentFactory(amount=Decimal("1500.00"))
    with refused(), transaction.atomic():
        LedgerEntryFactory(
            account=payment.account, kind=LedgerEntry.Kind.PAYMENT, payment=payment, amount=Decimal("1500.00")
        )
    assert not LedgerEntry.objects.exists()


def test_payment_kind_ledger_entry_with_a_negative_amount_is_accepted():
    payment = PaymentFactory(amount=Decimal("1500.00"))
    LedgerEntryFactory(
        account=payment.account, kind=LedgerEntry.Kind.PAYMENT, payment=payment, amount=Decimal("-1500.00")
    )
    assert LedgerEntry.objects.get(payment=payment).amount == Decimal("-1500.00")


def test_payment_kind_ledger_entry_without_a_payment_is_refused():
    with refused(), transaction.atomic():
        LedgerEntryFactory(kind=LedgerEntry.Kind.PAYMENT, amount=Decimal("-100.00"))
    assert not LedgerEntry.objects.exists()


def test_charge_ledger_entry_with_a_negative_amount_is_refused():
    with refused(), transaction.atomic():
        LedgerEntryFactory(kind=LedgerEntry.Kind.CHARGE, amount=Decimal("-10.00"))
    assert not LedgerEntry.objects.exists()


def test_a_negative_penalty_entry_is_a_reversal_and_is_accepted():
    LedgerEntryFactory(kind=LedgerEntry.Kind.PENALTY, amount=Decimal("-7.92"))
    assert LedgerEntry.objects.get().amount == Decimal("-7.92")


def test_benefit_ledger_entry_with_a_positive_amount_is_refused():
    with refused(), transaction.atomic():
        LedgerEntryFactory(kind=LedgerEntry.Kind.BENEFIT, amount=Decimal("10.00"))
    assert not LedgerEntry.objects.exists()
