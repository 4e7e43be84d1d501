"""One run of a period at a time; closing a period is billing's alone."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import AccountService, Charge, Service
from billing.services import billing_run, period_close
from eirc.errors import DomainError
from eirc.tests.factories import PersonalAccountFactory, ServiceFactory, TariffFactory

MARCH = dt.date(2026, 3, 1)


def area_service_for(accounts):
    svc = ServiceFactory(method=Service.Method.AREA, unit="м²")
    TariffFactory(service=svc, rate=Decimal("30.0000"))
    for account in accounts:
        AccountService.objects.create(account=account, service=svc, started_on=dt.date(2020, 1, 1))
    return svc


@pytest.mark.django_db(transaction=True)
def test_a_second_run_of_the_same_period_is_refused_while_the_first_runs():
    accounts = [PersonalAccountFactory() for _ in range(3)]
    area_service_for(accounts)
    inside, release, outcome = threading.Event(), threading.Event(), {}

    def slow_progress(done, total):
        inside.set()
        release.wait(timeout=30)

    def first():
        try:
            billing_run(period=MARCH, chunk_size=1, progress=slow_progress)
            outcome["first"] = "done"
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(timeout=30)
    try:
        with pytest.raises(DomainError) as refused:
            billing_run(period=MARCH)
        assert refused.value.code == "run_busy"
        assert "уже выполняется" in refused.value.message
    finally:
        release.set()
        thread.join()
    assert outcome == {"first": "done"}
    assert Charge.objects.filter(period__month=MARCH).count() == 3
    billing_run(period=MARCH)  # the lock is released afterwards
    assert Charge.objects.filter(period__month=MARCH).count() == 3


def test_closing_a_period_in_billing_starts_nothing_above_it(db, monkeypatch, django_capture_on_commit_callbacks):
    """Billing closes; issuing receipts is the documents flow's job (the demo
    seed closes two years this way and lets receipts render on demand)."""
    from eirc import jobs

    started = []
    monkeypatch.setattr(jobs, "task_by_name", lambda name: started.append(name))
    area_service_for([PersonalAccountFactory()])
    billing_run(period=MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        period = period_close(period=MARCH)
    assert period.is_closed
    assert started == []
