"""The accountant closes a period from the admin: the period is closed and
its receipts start, through the same flow as ``manage.py period_close``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from billing.models import AccountService, Service
from billing.services import billing_run
from eirc.models import Period
from eirc.tests.factories import PersonalAccountFactory, ServiceFactory, TariffFactory

MARCH = dt.date(2026, 3, 1)


def billed_march():
    svc = ServiceFactory(method=Service.Method.AREA, unit="м²")
    TariffFactory(service=svc, rate=Decimal("30.0000"))
    AccountService.objects.create(account=PersonalAccountFactory(), service=svc, started_on=dt.date(2024, 1, 1))
    billing_run(period=MARCH)
    return Period.objects.get(month=MARCH)


def test_the_close_action_closes_the_period_and_starts_its_receipts(
    client, accountant, monkeypatch, django_capture_on_commit_callbacks
):
    from documents import tasks

    started = []
    monkeypatch.setattr(tasks.receipts_issue_task, "delay", lambda **kw: started.append(kw))
    period = billed_march()
    client.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:eirc_period_changelist"),
            {"action": "close_periods_and_issue", "_selected_action": [period.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "закрыт; выпуск квитанций запущен" in response.content.decode()
    period.refresh_from_db()
    assert period.is_closed and period.closed_by == accountant
    assert started == [{"period_id": period.pk}]


def test_the_close_action_refuses_an_unbilled_period_with_its_reason(client, accountant):
    period = Period.objects.create(month=MARCH)
    client.force_login(accountant)
    response = client.post(
        reverse("admin:eirc_period_changelist"),
        {"action": "close_periods_and_issue", "_selected_action": [period.pk]},
        follow=True,
    )
    assert "не завершён" in response.content.decode()
    period.refresh_from_db()
    assert not period.is_closed
