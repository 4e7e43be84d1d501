"""The health check of a reused Postgres connection (eirc/db/postgresql/base.py):
no query while the backend is there; after the backend is gone (a restart,
``pg_terminate_backend``) the next request reconnects instead of failing."""

from __future__ import annotations

import time
from unittest import mock

import psycopg2
import pytest
from django.db import close_old_connections, connections
from django.db.backends.postgresql import base as django_base

from eirc.models import Period

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def connection():
    conn = connections["default"]
    if conn.vendor != "postgresql":
        pytest.skip("Postgres only")
    assert type(conn).__module__ == "eirc.db.postgresql.base"
    return conn


def _select_one_spy():
    """Django's own check (SELECT 1), watched: called through, counted."""
    return mock.patch.object(
        django_base.DatabaseWrapper, "is_usable", autospec=True, side_effect=django_base.DatabaseWrapper.is_usable
    )


def _terminate(connection, pid: int) -> None:
    """End backend ``pid`` from another connection, as a restart would, and
    wait until it is gone."""
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)
    other.close()


def test_a_live_connection_is_usable_without_a_query(connection):
    connection.ensure_connection()
    with _select_one_spy() as select_one:
        assert connection.is_usable()
    select_one.assert_not_called()


def test_a_terminated_backend_is_found_and_the_next_request_reconnects(connection):
    connection.ensure_connection()
    old_pid = connection.connection.get_backend_pid()
    _terminate(connection, old_pid)
    with _select_one_spy() as select_one:
        assert not connection.is_usable()
    select_one.assert_called_once()  # the socket had the FATAL message: SELECT 1 confirmed it

    # What Django does at a request's start with CONN_HEALTH_CHECKS and a
    # persistent connection: the first query then runs on a new backend.
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] and connection.settings_dict["CONN_MAX_AGE"] > 0
    close_old_connections()
    assert Period.objects.count() >= 0
    assert connection.connection.get_backend_pid() != old_pid


def test_a_connection_left_in_a_failed_transaction_is_asked_with_select_one(connection):
    """Not idle (here: a failed transaction the socket says nothing about):
    the server is asked, and a connection that cannot go on is not usable."""
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    try:
        with raw.cursor() as cursor, pytest.raises(psycopg2.errors.DivisionByZero):
            cursor.execute("SELECT 1 / 0")
        with _select_one_spy() as select_one:
            assert not connection.is_usable()
        select_one.assert_called_once()
    finally:
        raw.rollback()
        raw.autocommit = True
