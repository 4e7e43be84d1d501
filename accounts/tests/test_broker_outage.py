"""A broker or Redis outage never answers 500 (DESIGN §6): the email a request
accepts waits in the outbox, and the throttles read Redis as empty."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError

from accounts import throttle
from accounts.tasks import password_reset_send
from accounts.tests.conftest import CAPTCHA
from eirc.cache import OutageTolerantRedisCache
from eirc.models import Job
from eirc.tests.smtp import free_port


@pytest.fixture
def broker_down(monkeypatch):
    from eirc.celery import app

    def refuse(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("celery.app.task.Task.apply_async", refuse)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def redis_down(monkeypatch):
    """The cache as production builds it, pointed at a port nobody listens on."""
    cache = OutageTolerantRedisCache(
        f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    monkeypatch.setattr(throttle, "cache", cache)
    return cache


def test_registration_with_the_broker_down_answers_302_and_its_email_waits_in_the_outbox(
    client, billed_account, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/register/",
            {"account_number": billed_account.number, "amount": "1234,56", "email": "new@example.ru", **CAPTCHA},
        )
    assert response.status_code == 302
    job = Job.objects.get(name="eirc.tasks.send_email")
    assert job.kwargs["to"] == ["new@example.ru"] and job.kwargs["name"] == "registration_confirm"
    assert job.published_at is None and "OperationalError" in job.last_error


def test_password_reset_with_the_broker_down_answers_as_for_any_other_pair(
    client, resident, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        matching = client.post(
            "/accounts/password-reset/",
            {"account_number": "1000000101", "email": "resident@example.ru", **CAPTCHA},
        )
        other = client.post(
            "/accounts/password-reset/",
            {"account_number": "1000000101", "email": "someone@example.ru", **CAPTCHA},
        )
    assert matching.status_code == other.status_code == 302
    # The request never looks the pair up (same work for every outcome): each
    # one leaves the same kind of job, unpublished, for the worker to decide.
    waiting = list(Job.objects.filter(published_at__isnull=True).order_by("pk"))
    assert [job.name for job in waiting] == ["accounts.tasks.password_reset_send"] * 2
    assert [job.kwargs["email"] for job in waiting] == ["resident@example.ru", "someone@example.ru"]
    # When the broker is back, the worker runs them: only the matching pair
    # gets a reset email (itself an outbox job, waiting while the broker is down).
    sent = [password_reset_send.run(**job.kwargs) for job in waiting]
    assert sent == [True, False]
    assert Job.objects.filter(name="eirc.tasks.send_email", kwargs__to=["resident@example.ru"]).count() == 1


def test_with_redis_down_the_cache_reads_as_empty_and_the_throttles_let_requests_through(redis_down):
    assert redis_down.get("k", "default") == "default"
    assert redis_down.add("k", 1) is False
    with pytest.raises(ValueError):
        redis_down.incr("k")
    assert throttle.hit("register_ip", "198.51.100.7") == 1
    assert throttle.is_limited("register_ip", "198.51.100.7") is False


def test_registration_with_redis_down_answers_302(
    client, billed_account, redis_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/register/",
            {"account_number": billed_account.number, "amount": "1234,56", "email": "new@example.ru", **CAPTCHA},
        )
    assert response.status_code == 302
