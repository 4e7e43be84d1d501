"""The registration email through a REAL Celery worker on Redis and a real
SMTP server on loopback (aiosmtpd); then its link is followed."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import AccountLink, User
from accounts.tests.conftest import CAPTCHA, NEW_PASSWORD

pytestmark = [pytest.mark.slow]

BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def celery_worker(smtp_server, transactional_db):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (a real broker)")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        if connection.vendor == "postgresql"
        else f"sqlite:///{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",  # smtp_server: root conftest
        "SITE_URL": settings.SITE_URL,
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "eirc",
            "worker",
            "-P",
            "solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"access-test-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    connection.close()


def _wait_for(predicate, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc.poll() is not None:
            raise AssertionError("worker died: " + proc.stdout.read().decode(errors="replace"))
        time.sleep(0.2)  # polling for an external event, not waiting for the clock
    return False


def test_registration_email_goes_through_a_real_worker_and_smtp(client, billed_account, smtp_server, celery_worker):
    from eirc.celery import app

    app.conf.task_always_eager = False
    collector = smtp_server
    response = client.post(
        "/accounts/register/",
        {"account_number": billed_account.number, "amount": "1234,56", "email": "smtp@example.ru", **CAPTCHA},
    )
    assert response.status_code == 302
    if not _wait_for(lambda: collector.envelopes, celery_worker):
        celery_worker.terminate()
        raise AssertionError("no email reached the SMTP server: " + celery_worker.communicate()[0].decode()[-3000:])

    envelope = collector.envelopes[0]
    assert envelope.rcpt_tos == ["smtp@example.ru"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "Подтверждение регистрации" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    link = next(word for word in text.split() if word.startswith(settings.SITE_URL + "/accounts/register/confirm/"))
    path = link[len(settings.SITE_URL) :]

    assert client.get(path).status_code == 200
    done = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    user = User.objects.get(email="smtp@example.ru")
    assert AccountLink.objects.get(account=billed_account).user == user
