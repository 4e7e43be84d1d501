"""The successful login POST writes everything it writes (the session, the
lockout reset, last login, the session record, the audit event) in one
transaction; a failed one still leaves its lockout attempt behind."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection

from accounts.models import SecurityEvent
from accounts.tests.conftest import CAPTCHA

LOGIN = "/accounts/login/"
WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def counted_commits():
    """Count what reaches the database as a commit: each outermost atomic
    block's COMMIT, and each write run in autocommit mode (its own
    transaction)."""
    seen = {"commits": 0}

    def watch(execute, sql, params, many, context):
        if not connection.in_atomic_block and sql.lstrip().upper().startswith(WRITES):
            seen["commits"] += 1
        return execute(sql, params, many, context)

    real_commit = connection.commit

    def commit():
        seen["commits"] += 1
        return real_commit()

    with connection.execute_wrapper(watch), mock.patch.object(connection, "commit", commit):
        yield seen


@pytest.mark.django_db(transaction=True)
def test_a_successful_login_commits_once(client, resident, password):
    client.get(LOGIN)
    with counted_commits() as seen:
        response = client.post(LOGIN, {"username": "1000000101", "password": password, **CAPTCHA})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)
    assert SecurityEvent.objects.filter(kind="login", user=resident).count() == 1
    resident.refresh_from_db()
    assert resident.last_login is not None
    assert seen["commits"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_login_keeps_its_lockout_attempt_even_when_the_request_then_fails(client, resident):
    from axes.models import AccessAttempt

    client.raise_request_exception = False
    with mock.patch("accounts.views.record", side_effect=RuntimeError("audit log down")):
        response = client.post(LOGIN, {"username": "1000000101", "password": "wrong-password-123", **CAPTCHA})
    assert response.status_code == 500
    assert AccessAttempt.objects.get().failures_since_start == 1
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_a_successful_login_that_fails_late_leaves_nothing_half_done(client, resident, password):
    client.raise_request_exception = False
    with mock.patch("accounts.views.record", side_effect=RuntimeError("audit log down")):
        response = client.post(LOGIN, {"username": "1000000101", "password": password, **CAPTCHA})
    assert response.status_code == 500
    resident.refresh_from_db()
    assert resident.last_login is None
    assert not SecurityEvent.objects.filter(kind="login").exists()
