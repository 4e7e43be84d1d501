"""The database itself refuses malformed personal accounts and duplicate logins.

Writes bypass model validation (``objects.create``, ``QuerySet.update``,
raw SQL); only the database can refuse them.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from accounts.models import PersonalAccount, User
from eirc.tests.factories import PersonalAccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused():
    return pytest.raises((IntegrityError, DatabaseError))


def create_account(number: str) -> PersonalAccount:
    return PersonalAccount.objects.create(
        number=number,
        owner_last_name="Иванов",
        street="ул. Ленина",
        house="1",
        area=Decimal("40.00"),
        opened_on=dt.date(2020, 1, 1),
    )


def test_ten_digit_account_number_is_accepted():
    create_account("0123456789")
    assert PersonalAccount.objects.filter(number="0123456789").exists()


@pytest.mark.parametrize("number", ["123456789", "123456789 ", " 123456789", "12345abcde", "", "１２３４５６７８９０"])
def test_account_number_that_is_not_ten_digits_is_refused(number):
    with refused(), transaction.atomic():
        create_account(number)
    assert not PersonalAccount.objects.exists()


def test_eleven_digit_account_number_is_refused_in_raw_sql():
    create_account("1234567890")
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PersonalAccount._meta.db_table} SET number = %s",  # noqa: S608 - table name from _meta
            ["12345678901"],
        )
    assert PersonalAccount.objects.get().number == "1234567890"


def test_account_number_broken_by_update_is_refused():
    account = PersonalAccountFactory(number="1000000001")
    with refused(), transaction.atomic():
        PersonalAccount.objects.filter(pk=account.pk).update(number="100000000X")
    account.refresh_from_db()
    assert account.number == "1000000001"


def test_two_accounts_with_one_number_are_refused():
    create_account("1000000001")
    with refused(), transaction.atomic():
        create_account("1000000001")
    assert PersonalAccount.objects.count() == 1


def test_account_with_zero_area_is_refused():
    with refused(), transaction.atomic():
        PersonalAccountFactory(area=Decimal("0.00"))
    assert not PersonalAccount.objects.exists()


def test_closed_account_without_a_closing_date_is_refused():
    with refused(), transaction.atomic():
        PersonalAccountFactory(status=PersonalAccount.Status.CLOSED, closed_on=None)
    assert not PersonalAccount.objects.exists()


def test_two_logins_with_the_same_email_in_different_case_are_refused():
    UserFactory(username="first", email="Resident@Example.ru")
    with refused(), transaction.atomic():
        User.objects.create(username="second", email="resident@example.RU")
    assert User.objects.filter(username="second").count() == 0


def test_several_logins_without_email_are_accepted():
    User.objects.create(username="first", email="")
    User.objects.create(username="second", email="")
    assert User.objects.filter(email="").count() == 2
