"""The staff admin: groups and permissions, operators' searches, the
read-only ledger, and every registered page answering for a superuser."""

from __future__ import annotations

import datetime as dt
import re
import types
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Consent, SecurityEvent
from accounts.staff_groups import ACCOUNTANTS, FORBIDDEN, GROUPS, OPERATORS, sync_staff_groups
from billing.models import (
    AccountService,
    Benefit,
    BenefitCategory,
    BillingRun,
    Charge,
    LedgerEntry,
    Recalculation,
    Statement,
)
from documents.models import CertificateRequest, IssuedDocument, Office, Receipt
from eirc import admin as eirc_admin
from eirc.models import Period
from eirc.money import format_amount
from eirc.tests.factories import (
    AccountLinkFactory,
    MeterFactory,
    PeriodFactory,
    PersonalAccountFactory,
    ServiceFactory,
    TariffFactory,
    UserFactory,
)
from meters.models import Reading, ReminderSent, Submission
from payments.models import Payment, Refund, RegistryImport, WebhookEvent

NEVER_DELETED = [
    "billing.delete_ledgerentry",
    "billing.change_ledgerentry",
    "billing.delete_statement",
    "billing.delete_charge",
    "payments.delete_payment",
]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def account(db):
    return PersonalAccountFactory(
        number="1000000555",
        street="ул. Большая Морская",
        house="17",
        flat="42",
        owner_last_name="Нахимова",
        owner_first_name="Анна",
    )


@pytest.fixture
def entry(account):
    period = PeriodFactory(month=dt.date(2026, 3, 1))
    return LedgerEntry.objects.create(
        account=account,
        period=period,
        kind=LedgerEntry.Kind.OPENING,
        amount=Decimal("1200.00"),
        occurred_on=dt.date(2026, 3, 1),
    )


@pytest.fixture
def populated(account, entry, superuser):
    """A row in every table of the five apps (and the reference ones)."""
    user = AccountLinkFactory(account=account, user=UserFactory(username="nakhimova")).user
    period = entry.period
    service = ServiceFactory(code="hvs", name="Холодная вода")
    TariffFactory(service=service)
    AccountService.objects.create(account=account, service=service, started_on=dt.date(2020, 1, 1))
    run = BillingRun.objects.create(period=period, started_by=superuser)
    charge = Charge.objects.create(
        account=account,
        period=period,
        service=service,
        basis=Charge.Basis.AREA,
        quantity=Decimal("54.300"),
        rate=Decimal("25.5000"),
        amount=Decimal("1384.65"),
        total=Decimal("1384.65"),
        run=run,
    )
    LedgerEntry.objects.create(
        account=account,
        period=period,
        kind=LedgerEntry.Kind.CHARGE,
        amount=charge.total,
        service=service,
        charge=charge,
        run=run,
        occurred_on=dt.date(2026, 3, 31),
    )
    Statement.objects.create(
        account=account, period=period, opening=Decimal("1200.00"), charged=charge.total, closing=Decimal("2584.65")
    )
    category = BenefitCategory.objects.create(name="Ветеран труда", code="veteran", percent=Decimal("50"))
    category.services.add(service)
    Benefit.objects.create(account=account, category=category, valid_from=dt.date(2024, 1, 1))
    Recalculation.objects.create(
        account=account, service=service, period=period, amount=Decimal("-100.00"), reason="Отсутствие услуги"
    )
    meter = MeterFactory(account=account)
    submission = Submission.objects.create(code="K7Q2M9", account=account, user=user, channel="web")
    Reading.objects.create(
        meter=meter,
        period=period,
        value=Decimal("123.456"),
        taken_on=dt.date(2026, 3, 22),
        source=Reading.Source.RESIDENT,
        submission=submission,
    )
    ReminderSent.objects.create(user=user, kind=ReminderSent.Kind.WINDOW_OPEN, key="2026-03")
    registry = RegistryImport.objects.create(filename="rnkb_0326.txt", checksum="a" * 64, rows=1, total=100)
    payment = Payment.objects.create(account=account, user=user, amount=Decimal("1500.00"), provider="sandbox")
    Payment.objects.create(account=account, amount=Decimal("100.00"), source="registry", registry=registry)
    Refund.objects.create(payment=payment, amount=Decimal("100.00"), reason="Ошибочный платёж")
    WebhookEvent.objects.create(provider="yookassa", event="payment.succeeded", object_id="2f1e-test")
    document = IssuedDocument.objects.create(code="AB12CD34", kind="receipt", account=account, title="ЕПД 03.2026")
    Receipt.objects.create(account=account, period=period, document=document)
    CertificateRequest.objects.create(account=account, user=user, kind="no_debt")
    Office.objects.create(name="Офис на Большой Морской", address="ул. Большая Морская, 1", hours="9–18", phones="1")
    Consent.objects.create(user=user, kind=Consent.Kind.NOTIFICATIONS, text_version="2026-01")
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, user=user, account_number=account.number)
    FlatPage.objects.create(url="/faq/", title="Вопросы и ответы", content="…").sites.add(Site.objects.get_current())
    return account


# --- Groups and permissions --------------------------------------------------


def test_staff_groups_exist_after_migrate_with_their_key_permissions(operator, accountant):
    assert set(Group.objects.filter(name__in=[OPERATORS, ACCOUNTANTS]).values_list("name", flat=True)) == {
        OPERATORS,
        ACCOUNTANTS,
    }
    for perm in [
        "accounts.view_personalaccount",
        "accounts.change_personalaccount",
        "accounts.change_user",
        "meters.add_reading",
        "meters.change_reading",
        "meters.add_meter",
        "documents.change_certificaterequest",
        "documents.change_office",
        "flatpages.change_flatpage",
        "billing.view_ledgerentry",
        "payments.view_payment",
    ]:
        assert operator.has_perm(perm), perm
    for perm in ["billing.add_tariff", "billing.add_ledgerentry", "payments.add_refund", "eirc.change_period"]:
        assert not operator.has_perm(perm), perm

    for perm in [
        "accounts.view_personalaccount",
        "meters.view_reading",
        "billing.add_tariff",
        "billing.change_tariff",
        "billing.change_provider",
        "billing.add_recalculation",
        "billing.change_keyrate",
        "billing.add_ratecap",
        "billing.add_moratorium",
        "eirc.add_period",
        "billing.add_ledgerentry",
        "payments.view_payment",
        "payments.add_refund",
        "payments.add_registryimport",
    ]:
        assert accountant.has_perm(perm), perm
    for perm in ["payments.change_payment", "accounts.change_user", "auth.change_group"]:
        assert not accountant.has_perm(perm), perm


@pytest.mark.parametrize("perm", NEVER_DELETED)
def test_no_staff_group_may_delete_ledger_statements_charges_or_payments(operator, accountant, perm):
    assert not operator.has_perm(perm)
    assert not accountant.has_perm(perm)


def test_every_permission_named_in_the_definition_exists(db):
    for spec in GROUPS.values():
        for app_label, codenames in spec["grant"].items():
            found = set(
                Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames).values_list(
                    "codename", flat=True
                )
            )
            assert found == set(codenames), app_label
    for app_label, codenames in FORBIDDEN.items():
        assert Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames).count() == len(
            codenames
        )


def test_sync_restores_granted_and_removes_forbidden_permissions_idempotently(db):
    accountants = Group.objects.get(name=ACCOUNTANTS)
    add_tariff = Permission.objects.get(content_type__app_label="billing", codename="add_tariff")
    delete_entry = Permission.objects.get(content_type__app_label="billing", codename="delete_ledgerentry")
    by_hand = Permission.objects.get(content_type__app_label="sites", codename="change_site")
    accountants.permissions.remove(add_tariff)
    accountants.permissions.add(delete_entry, by_hand)

    call_command("sync_staff_groups", verbosity=0)
    first = set(accountants.permissions.values_list("pk", flat=True))
    call_command("sync_staff_groups", verbosity=0)

    assert set(accountants.permissions.values_list("pk", flat=True)) == first
    assert add_tariff.pk in first
    assert delete_entry.pk not in first
    assert by_hand.pk in first  # a permission given by hand stays...
    call_command("sync_staff_groups", "--exact", verbosity=0)
    assert not accountants.permissions.filter(pk=by_hand.pk).exists()  # ...unless --exact


def test_the_data_migration_creates_groups_when_no_permission_exists_yet(db):
    """On a fresh database permissions are created only after migrate; the
    migration must create them itself, on the historical models."""
    Group.objects.filter(name__in=[OPERATORS, ACCOUNTANTS]).delete()
    Permission.objects.all().delete()
    loader = MigrationLoader(connection)
    state = loader.project_state(("accounts", "0002_staff_groups"), at_end=True)
    migration = loader.get_migration("accounts", "0002_staff_groups")
    create_groups = migration.operations[0].code

    create_groups(state.apps, types.SimpleNamespace(connection=connection))

    operators = Group.objects.get(name=OPERATORS)
    assert operators.permissions.filter(content_type__app_label="accounts", codename="change_personalaccount").exists()
    accountants = Group.objects.get(name=ACCOUNTANTS)
    assert accountants.permissions.filter(content_type__app_label="billing", codename="add_ledgerentry").exists()
    assert not accountants.permissions.filter(codename__startswith="delete_ledgerentry").exists()


def test_new_models_get_their_view_permission_on_the_next_sync(db):
    operators = Group.objects.get(name=OPERATORS)
    view_office = Permission.objects.get(content_type__app_label="documents", codename="view_office")
    view_office.delete()  # as if the model had just been added

    sync_staff_groups()

    assert operators.permissions.filter(content_type__app_label="documents", codename="view_office").exists()


# --- Operators at work ---------------------------------------------------------


def test_operator_opens_and_searches_accounts_by_number_street_and_owner(client, operator, account):
    PersonalAccountFactory(number="1000000666", street="пр-т Октябрьской Революции", owner_last_name="Корнилов")
    client.force_login(operator)
    url = changelist(type(account))

    assert client.get(url).status_code == 200
    for term in ["1000000555", "100000055", "Большая Морская", "Большая Морская, 17, 42", "Нахимова"]:
        response = client.get(url, {"q": term})
        assert response.status_code == 200
        numbers = [a.number for a in response.context["cl"].result_list]
        assert numbers == ["1000000555"], term
    assert client.get(change_url(account)).status_code == 200


def test_operator_changes_an_account_but_cannot_delete_it(client, operator, account):
    client.force_login(operator)
    response = client.get(change_url(account))
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"residents": 3, "opened_on": "01.01.2020"})
    for formset in response.context["inline_admin_formsets"]:
        mgmt = formset.formset.management_form
        for name, field in mgmt.fields.items():
            data[f"{mgmt.prefix}-{name}"] = mgmt.initial.get(name, field.initial)

    response = client.post(change_url(account), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    account.refresh_from_db()
    assert account.residents == 3
    delete = reverse("admin:accounts_personalaccount_delete", args=[account.pk])
    assert client.get(delete).status_code == 403


def test_operator_edits_residents_but_never_role_switches_or_staff_logins(client, operator, resident, superuser):
    client.force_login(operator)

    page = client.get(change_url(resident))
    assert page.status_code == 200
    assert b'name="is_superuser"' not in page.content
    assert b'name="groups"' not in page.content
    assert b'name="phone"' in page.content

    staff_page = client.get(change_url(superuser))
    assert staff_page.status_code == 200  # view only
    assert b'name="email"' not in staff_page.content
    assert client.post(change_url(superuser), {"username": "root", "email": "x@example.ru"}).status_code == 403


def test_operator_finds_a_user_by_linked_account_number(client, operator, resident):
    client.force_login(operator)
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": "1000000101"})
    assert list(response.context["cl"].result_list) == [resident]


# --- The ledger is read-only -----------------------------------------------------


def test_ledger_inline_offers_no_add_change_or_delete(client, superuser, entry):
    client.force_login(superuser)
    response = client.get(change_url(entry.account))
    assert response.status_code == 200
    (ledger,) = [f for f in response.context["inline_admin_formsets"] if f.opts.model is LedgerEntry]
    assert not ledger.has_add_permission
    assert not ledger.has_change_permission
    assert not ledger.has_delete_permission
    assert ledger.has_view_permission
    # Money in the admin reads «1 200,00» (issue 13), no longer «1200,00».
    assert format_amount(entry.amount) in response.content.decode()


def test_ledger_admin_offers_no_change_or_delete_even_to_a_superuser(client, superuser, entry):
    client.force_login(superuser)
    changelist_page = client.get(changelist(LedgerEntry))
    assert changelist_page.status_code == 200
    assert "delete_selected" not in changelist_page.context["cl"].model_admin.get_actions(changelist_page.wsgi_request)

    page = client.get(change_url(entry))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(change_url(entry), {"amount": "1.00"}).status_code == 403
    assert client.get(reverse("admin:billing_ledgerentry_delete", args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert entry.amount == Decimal("1200.00")


def test_accountant_cannot_delete_a_ledger_entry(client, accountant, entry):
    client.force_login(accountant)
    delete = reverse("admin:billing_ledgerentry_delete", args=[entry.pk])

    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        changelist(LedgerEntry), {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_accountant_adds_a_correction_and_it_is_recorded_as_such(client, accountant, entry):
    client.force_login(accountant)
    add = reverse("admin:billing_ledgerentry_add")
    assert client.get(add).status_code == 200

    response = client.post(
        add,
        {
            "account": entry.account.pk,
            "period": entry.period.pk,
            "amount": "-250,00",
            "description": "Ошибка в показаниях за февраль",
        },
    )

    assert response.status_code == 302
    correction = LedgerEntry.objects.exclude(pk=entry.pk).get()
    assert correction.kind == LedgerEntry.Kind.CORRECTION
    assert correction.amount == Decimal("-250.00")
    assert correction.created_by == accountant
    statement = Statement.objects.get(account=entry.account, period=entry.period)
    assert statement.corrections == Decimal("-250.00")  # saved through the billing service


def test_a_correction_in_a_closed_period_is_refused_by_the_form(client, accountant, entry):
    Period.objects.filter(pk=entry.period.pk).update(status=Period.Status.CLOSED, closed_at=timezone.now())
    client.force_login(accountant)

    response = client.post(
        reverse("admin:billing_ledgerentry_add"),
        {"account": entry.account.pk, "period": entry.period.pk, "amount": "10,00", "description": "Тест"},
    )

    assert response.status_code == 200
    assert "period" in response.context["adminform"].form.errors
    assert LedgerEntry.objects.count() == 1


def test_operator_cannot_add_ledger_entries(client, operator, entry):
    client.force_login(operator)
    assert client.get(changelist(LedgerEntry)).status_code == 200
    assert client.get(reverse("admin:billing_ledgerentry_add")).status_code == 403


@pytest.mark.parametrize("model", [Statement, Charge, Payment])
def test_accountant_cannot_change_or_delete_what_services_write(client, accountant, populated, model):
    client.force_login(accountant)
    obj = model.objects.first()
    page = client.get(change_url(obj))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    delete = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


# --- Every page answers ------------------------------------------------------------


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\s(?:on[a-z]+|style)\s*=", re.IGNORECASE)


def runs_under_csp(response) -> bool:
    """The page works under the site's policy (script-src and style-src
    'self'): no inline script, no event-handler or style attribute."""
    html = response.content.decode()
    return not INLINE_SCRIPT.search(html) and not INLINE_ATTRIBUTE.search(html) and "javascript:" not in html


def test_every_registered_admin_page_answers_for_a_superuser(client, superuser, populated):
    client.force_login(superuser)
    index = client.get(reverse("admin:index"))
    request = index.wsgi_request
    assert runs_under_csp(index)
    for model, model_admin in admin.site._registry.items():
        response = client.get(changelist(model))
        assert response.status_code == 200, model
        assert runs_under_csp(response), model
        response = client.get(changelist(model), {"q": "1000000555"}) if model_admin.search_fields else response
        assert response.status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            page = client.get(change_url(obj))
            assert page.status_code == 200, model
            assert runs_under_csp(page), model
        if model_admin.has_add_permission(request):
            add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            page = client.get(add)
            assert page.status_code == 200, model
            assert runs_under_csp(page), model


def test_account_autocomplete_finds_by_number(client, accountant, account):
    client.force_login(accountant)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "billing", "model_name": "benefit", "field_name": "account", "term": "1000000555"},
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(account.pk)]


def test_large_table_paginator_skips_count_on_an_unfiltered_big_table(populated, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE billing_charge")
    monkeypatch.setattr(eirc_admin, "ESTIMATE_FROM_ROWS", 1)
    with CaptureQueriesContext(connection) as queries:
        count = eirc_admin.LargeTablePaginator(Charge.objects.all(), 10).count
    assert count == 1
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)

    with CaptureQueriesContext(connection) as queries:
        assert eirc_admin.LargeTablePaginator(Charge.objects.filter(period=populated.ledger.first().period), 10).count
    assert any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


@time_machine.travel(dt.datetime(2026, 3, 21, 12, 0, tzinfo=ZoneInfo("Europe/Simferopol")), tick=False)
def test_operator_enters_a_reading_from_the_meter_page_through_the_service(client, operator, account):
    meter = MeterFactory(account=account)
    client.force_login(operator)
    page = client.get(change_url(meter))
    entry_url = reverse("admin:meters_operator_entry", args=[meter.pk])
    assert entry_url in page.content.decode()
    (history,) = [f for f in page.context["inline_admin_formsets"] if f.opts.model is Reading]
    assert not history.has_add_permission and not history.has_change_permission

    response = client.post(entry_url, {"single": "345,678", "taken_on": "21.03.2026"})

    assert response.status_code == 302
    reading = meter.readings.get()
    assert reading.value == Decimal("345.678")
    assert reading.source == Reading.Source.OPERATOR
    assert reading.entered_by == operator
    assert client.get(reverse("admin:meters_reading_add")).status_code == 403


def test_operator_gives_a_resident_but_never_a_staff_login_a_temporary_password(client, operator, resident, superuser):
    client.force_login(operator)
    staff_before, resident_before = superuser.password, resident.password
    changelist_url = reverse("admin:accounts_user_changelist")

    for user in (superuser, resident):
        client.post(changelist_url, {"action": "set_temporary_password", "_selected_action": [user.pk]})

    superuser.refresh_from_db()
    resident.refresh_from_db()
    assert superuser.password == staff_before
    assert not superuser.must_change_password
    assert resident.password != resident_before
    assert resident.must_change_password
