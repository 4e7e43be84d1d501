"""Notices («Объявления», issue 18): what a target reaches, the resident's
dashboard and list, the public home page, and «разослать» — a notice for one
house reaches only that house's opted-in residents (holders and household
members), by real SMTP, in chunks, once even when the task runs twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Membership
from billing.models import AccountService
from documents.models import Notice, NoticeDelivery
from documents.selectors_notices import notice_recipient_ids, notices_for_account
from documents.tasks import notice_send_task
from eirc import periods
from eirc.tests.factories import (
    AccountLinkFactory,
    PersonalAccountFactory,
    ProviderFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(settings):
    from eirc.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.SITE_URL = "https://lk.example.test"
    yield
    app.conf.task_always_eager = saved


def _notice(**kw):
    today = periods.today()
    data = {
        "kind": "outage",
        "title": "Отключение холодной воды",
        "text": "Ремонт водовода.",
        "starts_on": today - dt.timedelta(days=1),
        "ends_on": today + dt.timedelta(days=2),
        **kw,
    }
    return Notice.objects.create(**data)


def _resident(username, street, house, flat="1", notify=True):
    number = f"10000{181 + len(NUMBERS):05d}"
    NUMBERS.append(number)
    account = PersonalAccountFactory(number=number, street=street, house=house, flat=flat)
    user = UserFactory(username=username, email=f"{username}@example.ru", notify_notices=notify)
    AccountLinkFactory(user=user, account=account)
    return user, account


NUMBERS: list[str] = []


@pytest.fixture
def street(db):
    """Four flats on ул. Ленина: three in house 12, one in house 14."""
    NUMBERS.clear()
    a, acc_a = _resident("a12", "ул. Ленина", "12", "1")
    b, acc_b = _resident("b12", "ул. Ленина", "12", "2")
    silent, _acc = _resident("silent12", "ул. Ленина", "12", "3", notify=False)
    other, _acc = _resident("c14", "ул. Ленина", "14", "1")
    relative = UserFactory(username="relative", email="relative@example.ru", notify_notices=True)
    Membership.objects.create(account=acc_a, user=relative, role="viewer")
    return {"a": a, "b": b, "silent": silent, "other": other, "relative": relative, "acc_a": acc_a}


def test_a_notice_for_one_house_reaches_its_opted_in_residents_once_in_chunks(
    street, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.NOTICE_EMAIL_CHUNK = 2
    notice = _notice(target="houses", houses="ул. Ленина, 12\nул. Морская, 3")
    for _ in range(2):  # the task run twice sends once
        with django_capture_on_commit_callbacks(execute=True):
            notice_send_task.delay(notice_id=notice.pk)
    recipients = sorted(r for rcpts, _m in smtp_server.messages for r in rcpts)
    assert recipients == ["a12@example.ru", "b12@example.ru", "relative@example.ru"]
    _rcpts, message = smtp_server.messages[0]
    assert "Отключение холодной воды" in str(message["Subject"])
    assert "/accounts/unsubscribe/" in message["List-Unsubscribe"]
    assert NoticeDelivery.objects.filter(notice=notice).count() == 3


def test_street_and_provider_targets(street):
    today = periods.today()
    on_street = _notice(target="street", street="ул. ленина")
    assert set(notice_recipient_ids(on_street, today=today)) == {street[k].pk for k in ("a", "b", "other", "relative")}
    provider = ProviderFactory()
    AccountService.objects.create(
        account=street["acc_a"], service=ServiceFactory(provider=provider), started_on=dt.date(2020, 1, 1)
    )
    of_provider = _notice(target="provider", provider=provider)
    assert set(notice_recipient_ids(of_provider, today=today)) == {street["a"].pk, street["relative"].pk}
    assert of_provider in notices_for_account(account=street["acc_a"], today=today)
    other_account = street["other"].account_links.get().account
    assert of_provider not in notices_for_account(account=other_account, today=today)


def test_resident_sees_current_notices_for_the_address_on_the_dashboard_and_the_list(client, street):
    today = periods.today()
    _notice(target="houses", houses="ул. Ленина, 12", title="Авария на сетях", kind="accident")
    _notice(target="houses", houses="ул. Ленина, 14", title="Только для дома 14")
    _notice(title="Прошедшее", starts_on=today - dt.timedelta(days=9), ends_on=today - dt.timedelta(days=1))
    _notice(title="Будущее", starts_on=today + dt.timedelta(days=1), ends_on=today + dt.timedelta(days=9))
    client.force_login(street["relative"])  # a household member sees the account's notices
    for url in (reverse("billing:dashboard"), reverse("documents:notices")):
        page = client.get(url).content.decode()
        assert "Авария на сетях" in page
        assert "Только для дома 14" not in page and "Прошедшее" not in page and "Будущее" not in page


def test_a_notice_written_or_ended_shows_at_once_on_the_cached_dashboard(client, street):
    """The notices in force are cached under the site's data version, which
    every write to notices moves (migration documents 0008)."""
    from django.core.cache import cache

    cache.clear()
    client.force_login(street["a"])
    dashboard = reverse("billing:dashboard")
    assert "Авария на сетях" not in client.get(dashboard).content.decode()
    assert "Авария на сетях" not in client.get(dashboard).content.decode()  # now from the cache
    notice = _notice(target="houses", houses="ул. Ленина, 12", title="Авария на сетях", kind="accident")
    assert "Авария на сетях" in client.get(dashboard).content.decode()
    Notice.objects.filter(pk=notice.pk).update(ends_on=periods.today() - dt.timedelta(days=1))
    assert "Авария на сетях" not in client.get(dashboard).content.decode()
    cache.clear()


def test_the_warm_dashboard_reads_its_body_and_the_notices_in_one_round_trip(client, street):
    """The notices in force come in the dashboard body's ``get_many``
    (``pagecache.share_with_pages``), not in a cache read of their own."""
    from unittest import mock

    from django.core.cache import cache, caches

    cache.clear()
    _notice(target="houses", houses="ул. Ленина, 12", title="Плановое отключение")
    client.force_login(street["a"])
    dashboard = reverse("billing:dashboard")
    client.get(dashboard)  # stores the body, the estimate and the notices
    backend = caches["default"]
    with (
        mock.patch.object(backend, "get", wraps=backend.get) as get,
        mock.patch.object(backend, "get_many", wraps=backend.get_many) as get_many,
    ):
        page = client.get(dashboard).content.decode()
    assert "Плановое отключение" in page
    assert (get.call_count, get_many.call_count) == (0, 1)
    assert len(get_many.call_args.args[0]) == 3  # dashboard, estimate, notices
    cache.clear()


def test_home_page_shows_city_wide_notices_only(client, street):
    _notice(title="Новый тариф на воду с 1 июля", kind="tariff")
    _notice(target="street", street="ул. Ленина", title="Только Ленина")
    page = client.get("/").content.decode()
    assert "Новый тариф на воду с 1 июля" in page and "Только Ленина" not in page


def test_operator_sends_from_admin_and_is_recorded(client, operator, street, django_capture_on_commit_callbacks):
    from django.core import mail

    notice = _notice(target="houses", houses="ул. Ленина, 14")
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:documents_notice_changelist"), {"action": "send", "_selected_action": [notice.pk]}
        )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.send_requested_by == operator and notice.send_requested_at is not None
    assert [m.to for m in mail.outbox] == [["c14@example.ru"]]


def test_an_expired_notice_is_not_sent(operator, street):
    from documents.services import notice_send_request
    from eirc.errors import DomainError

    today = periods.today()
    notice = _notice(starts_on=today - dt.timedelta(days=5), ends_on=today - dt.timedelta(days=1))
    with pytest.raises(DomainError):
        notice_send_request(notice_id=notice.pk, operator=operator)
