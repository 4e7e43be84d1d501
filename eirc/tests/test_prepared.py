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


def _scans(plan: dict, table: str) -> list[dict]:
    found = [plan] if plan.get("Relation Name") == table else []
    for child in plan.get("Plans", []):
        found += _scans(child, table)
    return found


def test_the_accounts_of_a_login_are_looked_up_by_id_not_by_scanning_the_city():
    """The query every cabinet request runs reads the login's accounts by
    primary key: "held OR member of" made PostgreSQL filter every account of
    the city (845 ms at 100 000 accounts). With the plans a small table
    invites turned off (sequential scans, hash and merge joins), as on a
    city-sized table, the plan reads only the login's own row."""
    import json

    from accounts.selectors import _ACCOUNTS_WITH_VERSIONS

    for n in range(150):  # the rest of the city
        PersonalAccountFactory(number=f"{3000000000 + n:010d}")
    user = UserFactory()
    AccountLinkFactory(user=user, account=PersonalAccountFactory(number="1000000101"))
    sql, params, positions = _ACCOUNTS_WITH_VERSIONS.sql("default")
    actual = [user.pk if i in positions else p for i, p in enumerate(params)]
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):  # as on a city-sized table
            cursor.execute(f"SET LOCAL {setting} = off")
        for table in ("accounts_personalaccount", "accounts_accountlink", "accounts_membership"):
            cursor.execute(f"ANALYZE {table}")  # the statistics a live database has
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, actual)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    scans = _scans(plan[0]["Plan"], "accounts_personalaccount")
    assert scans, plan
    assert sum(s["Actual Rows"] * s["Actual Loops"] for s in scans) == 1, scans
    assert all(s.get("Rows Removed by Filter", 0) == 0 for s in scans)
