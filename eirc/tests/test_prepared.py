"""The lookups every request makes, read without the ORM's compile
(eirc/prepared.py, eirc/sessions.py, the login backend): the same rows and
the same access rules as the querysets and Django's own session engine."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import PersonalAccount
from accounts.selectors import _accounts_with_versions, accounts_of_request
from eirc.prepared import PreparedQuery
from eirc.tests.factories import AccountLinkFactory, PersonalAccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(account) -> tuple:
    return (account.pk, account.number, account.address, account.data_version, account.site_version)


def test_prepared_query_gives_the_querysets_rows_in_its_order_with_annotations():
    user = UserFactory()
    for number in ("1000000303", "1000000101", "1000000202"):
        AccountLinkFactory(user=user, account=PersonalAccountFactory(number=number))
    AccountLinkFactory(user=UserFactory(), account=PersonalAccountFactory(number="1000000404"))  # someone else's
    prepared = PreparedQuery(_accounts_with_versions)

    got = prepared(user.pk)

    assert [_fields(a) for a in got] == [_fields(a) for a in _accounts_with_versions(user.pk)]
    assert [a.number for a in got] == ["1000000101", "1000000202", "1000000303"]
    assert all(isinstance(a, PersonalAccount) for a in got)
    assert prepared(UserFactory().pk) == []


def test_prepared_query_compiles_once_per_database():
    user = UserFactory()
    AccountLinkFactory(user=user, account=PersonalAccountFactory(number="1000000101"))
    prepared = PreparedQuery(_accounts_with_versions)
    prepared(user.pk)
    compiled = prepared.sql("default")
    prepared(user.pk)
    assert prepared.sql("default") is compiled


def test_a_builder_that_does_not_take_its_value_as_a_parameter_is_refused():
    prepared = PreparedQuery(lambda pk: PersonalAccount.objects.filter(pk=1))
    with pytest.raises(ValueError, match="parameter"):
        prepared(1)


def test_a_login_is_read_once_per_request_and_an_inactive_one_is_logged_out(client, resident):
    client.force_login(resident)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/cabinet/").status_code == 200
    assert sum('FROM "accounts_user"' in q["sql"] for q in queries.captured_queries) == 1
    assert sum('FROM "django_session"' in q["sql"] for q in queries.captured_queries) == 1

    type(resident).objects.filter(pk=resident.pk).update(is_active=False)
    response = client.get("/cabinet/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_deleted_session_is_revoked_at_once(client, resident):
    client.force_login(resident)
    assert client.get("/cabinet/").status_code == 200
    Session.objects.all().delete()  # what logout elsewhere and a password change do
    response = client.get("/cabinet/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_expired_session_is_not_read(client, resident):
    client.force_login(resident)
    assert client.get("/cabinet/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/cabinet/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_accounts_of_a_request_follow_a_new_link_on_the_next_request(rf, resident):
    request = rf.get("/cabinet/")
    request.user = resident
    assert [a.number for a in accounts_of_request(request)] == ["1000000101"]
    AccountLinkFactory(user=resident, account=PersonalAccountFactory(number="1000000099"))
    request = rf.get("/cabinet/")
    request.user = resident
    assert [a.number for a in accounts_of_request(request)] == ["1000000099", "1000000101"]
