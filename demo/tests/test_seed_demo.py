"""``manage.py seed_demo``: the demo city is deterministic, idempotent, and
its money history comes from the billing engine and adds up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import RequestFactory

from accounts.models import PersonalAccount
from billing.models import Charge, LedgerEntry, Recalculation, Statement
from eirc import periods
from eirc.models import Period
from meters.models import Meter, Reading
from payments.models import Payment

SMALL = {"accounts": 6, "months": 4}
APPS = ("accounts", "billing", "meters", "payments", "documents", "auth", "sites", "flatpages")


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in APPS
        for model in apps.get_app_config(app).get_models()
    }


def can_log_in(client, username: str, password: str) -> bool:
    """Through every authentication backend, the brute-force guard included
    (it wants the request)."""
    request = RequestFactory().post("/accounts/login/")
    return client.login(request=request, username=username, password=password)


def snapshot() -> dict:
    """What must come out the same from the same options: accounts, readings,
    payments and the ledger, by natural keys (never by auto-increment ids)."""
    return {
        "accounts": list(
            PersonalAccount.objects.order_by("number").values_list(
                "number", "owner_last_name", "street", "house", "flat", "area", "residents"
            )
        ),
        "readings": list(
            Reading.objects.order_by("meter__serial", "meter__service__code", "period__month", "zone").values_list(
                "meter__serial", "meter__service__code", "period__month", "zone", "value", "source"
            )
        ),
        "payments": list(Payment.objects.order_by("id").values_list("id", "account__number", "amount", "paid_at")),
        "ledger": list(
            LedgerEntry.objects.values("account__number", "period__month", "kind")
            .annotate(s=Sum("amount"))
            .order_by("account__number", "period__month", "kind")
            .values_list("account__number", "period__month", "kind", "s")
        ),
        "charges": list(
            Charge.objects.order_by("account__number", "period__month", "service__code").values_list(
                "account__number", "period__month", "service__code", "basis", "quantity", "total"
            )
        ),
    }


@pytest.mark.django_db
def test_second_run_changes_no_row_count():
    seed()
    first = row_counts()
    seed()
    assert row_counts() == first
    assert first["accounts.PersonalAccount"] == 6
    assert first["meters.Reading"] > 0
    assert first["billing.LedgerEntry"] > 0


@pytest.mark.django_db
def test_second_run_changes_no_data():
    seed()
    before = snapshot()
    seed()
    assert snapshot() == before


@pytest.mark.django_db
def test_two_fresh_databases_get_the_same_accounts_readings_and_ledger():
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():  # the first "fresh database", rolled back afterwards
            seed()
            first = snapshot()
            raise Rollback
    except Rollback:
        pass
    assert not PersonalAccount.objects.exists()
    seed()
    assert snapshot() == first
    assert first["ledger"] and first["readings"] and first["payments"]


@pytest.mark.django_db
def test_if_empty_only_prints_the_logins_when_the_demo_exists():
    seed()
    before = row_counts()
    out = StringIO()
    call_command("seed_demo", "--if-empty", "--accounts", "9", stdout=out)
    assert row_counts() == before
    assert "demo-resident-2026" in out.getvalue()
    assert "demo-operator-2026" in out.getvalue()


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database():
    out = StringIO()
    call_command("seed_demo", "--if-empty", "--accounts", "2", "--months", "2", stdout=out)
    assert PersonalAccount.objects.filter(number="1000000001").exists()


@pytest.mark.django_db
def test_demo_logins_work(client):
    output = seed()
    for password in ("demo-resident-2026", "demo-operator-2026", "demo-accountant-2026", "demo-admin-2026"):
        assert password in output
    assert can_log_in(client, "1000000001", "demo-resident-2026")
    assert can_log_in(client, "resident@example.ru", "demo-resident-2026")
    assert can_log_in(client, "operator", "demo-operator-2026")
    assert can_log_in(client, "accountant", "demo-accountant-2026")
    assert can_log_in(client, "admin", "demo-admin-2026")
    User = get_user_model()
    assert User.objects.get(username="operator").groups.filter(name="Операторы").exists()
    assert User.objects.get(username="accountant").groups.filter(name="Бухгалтерия").exists()
    assert User.objects.get(username="admin").is_superuser
    resident = User.objects.get(username="resident")
    assert resident.email_confirmed_at is not None
    assert not resident.is_staff


@pytest.mark.django_db
def test_second_run_keeps_a_changed_password(client):
    seed()
    resident = get_user_model().objects.get(username="resident")
    resident.set_password("a-new-password-of-mine")
    resident.save()
    seed()
    assert can_log_in(client, "1000000001", "a-new-password-of-mine")


@pytest.mark.django_db
def test_history_is_closed_and_the_current_month_stays_open_and_unbilled():
    seed()
    current = periods.current_period()
    history = [periods.add_months(current, -i) for i in range(1, SMALL["months"] + 1)]
    assert set(Period.objects.filter(month__in=history).values_list("status", flat=True)) == {"closed"}
    assert Period.objects.get(month=current).status == "open"
    assert not Charge.objects.filter(period__month=current).exists()
    assert Charge.objects.filter(period__month=history[0]).count() >= 6 * 7


@pytest.mark.django_db
def test_every_statement_equals_its_ledger():
    from billing.ledger import statements_check

    seed()
    assert Statement.objects.exists()
    assert statements_check() == []


@pytest.mark.django_db
def test_every_posted_payment_has_exactly_one_ledger_entry():
    seed()
    payments = Payment.objects.filter(status="succeeded")
    assert payments.exists()
    assert LedgerEntry.objects.filter(kind="payment").count() == payments.count()
    assert set(payments.values_list("source", flat=True)) <= {"cash", "registry", "online"}
    assert not payments.filter(source="registry", external_id__isnull=True).exists()


@pytest.mark.django_db
def test_the_demo_account_has_debt_a_benefit_and_meters_of_every_kind():
    seed()
    account = PersonalAccount.objects.get(number="1000000001")
    assert account.link.user.username == "resident"
    assert set(Meter.objects.filter(account=account).values_list("service__code", flat=True)) == {
        "cold_water",
        "hot_water",
        "electricity",
    }
    assert Charge.objects.filter(account=account, benefit__gt=0).exists()
    assert LedgerEntry.objects.filter(account=account, kind="benefit").exists()
    debt = LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
    assert debt > 0


@pytest.mark.django_db
def test_charges_fall_back_to_the_average_and_to_the_norm():
    seed()
    assert Charge.objects.filter(basis="average").exists()
    assert Charge.objects.filter(basis="norm").exists()
    assert Charge.objects.filter(basis="meter").exists()


@pytest.mark.django_db
def test_debtors_get_penalties():
    seed(months=6)
    assert LedgerEntry.objects.filter(kind="penalty", amount__gt=0).exists()


@pytest.mark.django_db
def test_recalculations_have_a_reason_and_their_own_line():
    seed()
    recalc = Recalculation.objects.get(account__number="1000000001")
    assert recalc.reason
    assert LedgerEntry.objects.filter(account__number="1000000001", kind="recalculation").exists()
    charge = Charge.objects.get(account=recalc.account, period=recalc.period, service=recalc.service)
    assert charge.recalculation == recalc.amount


@pytest.mark.django_db
def test_reference_data_site_offices_and_articles():
    seed(accounts=1, months=1)
    site = Site.objects.get(id=1)
    assert (site.domain, site.name) == ("127.0.0.1:8000", "ЕИРЦ Севастополь")
    urls = set(FlatPage.objects.filter(sites=site).values_list("url", flat=True))
    assert {"/info/kak-peredat-pokazaniya/", "/info/kak-zaregistrirovatsya/"} <= urls
    assert apps.get_model("documents", "Office").objects.count() == 3
    providers = apps.get_model("billing", "Provider").objects.all()
    assert providers.count() >= 3
    for p in providers:
        assert (len(p.inn), len(p.kpp), len(p.bik), len(p.settlement_account), len(p.corr_account)) == (
            10,
            9,
            9,
            20,
            20,
        )


@pytest.mark.django_db
def test_tariffs_change_in_the_middle_of_the_history():
    seed(accounts=1, months=1)
    tariff = apps.get_model("billing", "Tariff")
    rates = list(
        tariff.objects.filter(service__code="cold_water").order_by("valid_from").values_list("valid_from", "rate")
    )
    assert len(rates) >= 3
    assert all(later > earlier for (_, earlier), (_, later) in zip(rates, rates[1:], strict=False))


@pytest.mark.slow
@pytest.mark.django_db
def test_the_default_demo_city():
    out = seed(accounts=60, months=24)
    assert PersonalAccount.objects.count() == 60
    assert Period.objects.filter(status="closed", charges__isnull=False).distinct().count() == 24
    today = periods.today()
    meters = Meter.objects.all()
    assert meters.filter(verification_due__lt=today).count() >= 2
    soon = meters.filter(verification_due__gte=today, verification_due__lte=today + dt.timedelta(days=60))
    assert soon.count() >= 2
    assert meters.filter(status="removed", replaced_by__isnull=False).count() == 1
    assert Reading.objects.filter(source="install").exists()
    # one meter rolls over: a reading below the previous one on the same meter
    rolled = Meter.objects.get(account__number="1000000004", service__code="cold_water")
    values = list(rolled.readings.order_by("period__month").values_list("value", flat=True))
    assert any(b < a for a, b in zip(values, values[1:], strict=False))
    assert Charge.objects.filter(basis="average").values("account").distinct().count() >= 2
    assert LedgerEntry.objects.filter(kind="penalty").values("account").distinct().count() >= 3
    assert Charge.objects.filter(benefit__gt=0).values("account").distinct().count() >= 4
    assert Payment.objects.filter(source="registry").exists() and Payment.objects.filter(source="cash").exists()
    assert f"{periods.period_label(periods.add_months(periods.current_period(), -1))}: 60 счетов" in out
    total_paid = -LedgerEntry.objects.filter(kind="payment").aggregate(s=Sum("amount"))["s"]
    assert total_paid > Decimal("1000000")
