"""Two simultaneous submissions for one meter, in real threads on Postgres."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from meters.models import Reading, Submission
from meters.services import reading_submit
from meters.tests.conftest import add_history, at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need Postgres")
def test_two_simultaneous_submissions_store_one_reading_and_raise_no_error(resident, meter):
    account = resident.account_links.get().account
    add_history(meter, [100, 110, 120])
    barrier = threading.Barrier(2)
    errors, codes = [], []

    def hand_in():
        try:
            barrier.wait()
            submission = reading_submit(
                account=account, user=resident, values={(meter.pk, "single"): "125,5"}, now=at(2026, 4, 22)
            )
            codes.append(submission.code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hand_in) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(codes) == 2
    april = Reading.objects.filter(meter=meter, value=Decimal("125.500"))
    assert april.count() == 1
    assert Submission.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need Postgres")
def test_two_simultaneous_submissions_with_one_idempotency_key_give_one_confirmation(resident, meter):
    account = resident.account_links.get().account
    add_history(meter, [100, 110, 120])
    barrier = threading.Barrier(2)
    errors, codes = [], []

    def hand_in():
        try:
            barrier.wait()
            submission = reading_submit(
                account=account,
                user=resident,
                values={(meter.pk, "single"): "126"},
                channel="api",
                client_key="key-1",
                now=at(2026, 4, 22),
            )
            codes.append(submission.code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hand_in) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(codes)) == 1
    assert Reading.objects.filter(meter=meter, value=Decimal("126")).count() == 1
