"""Every role on every resident page and API endpoint (issue 18): a table of
URL × method → the roles allowed; every other role gets 403 on the web (401
from the API, whose tokens serve only readings), and a login that is no
member at all gets 404 on anything naming an object of the account.

Roles: H holder, R representative, P «оплата», D «показания», V «просмотр».
The check lives in one place (accounts/access.py through
``account_required``); this table is what proves every view asks it."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Membership
from eirc.tests.factories import (
    AccountLinkFactory,
    ChargeFactory,
    MeterFactory,
    PaymentFactory,
    PersonalAccountFactory,
    UserFactory,
)
from meters.models import Submission
from meters.tokens import api_token_create

pytestmark = pytest.mark.django_db

ROLES = {"H": None, "R": "representative", "P": "payer", "D": "readings", "V": "viewer"}
ALL = "HRPDV"


@pytest.fixture
def household(db):
    """A holder's account with a meter, a charge, a payment and a reading
    submission; one member of each role; an outsider with an account of their own."""
    cache.clear()
    account = PersonalAccountFactory(number="1000001801")
    users = {"H": AccountLinkFactory(user=UserFactory(username="holder"), account=account).user}
    for letter, role in ROLES.items():
        if role:
            users[letter] = UserFactory(username=f"member-{role}")
            Membership.objects.create(account=account, user=users[letter], role=role, invited_by=users["H"])
    outsider = AccountLinkFactory(
        user=UserFactory(username="outsider"), account=PersonalAccountFactory(number="1000001802")
    ).user
    objects = {
        "meter": MeterFactory(account=account),
        "charge": ChargeFactory(account=account),
        "payment": PaymentFactory(account=account),
        "submission": Submission.objects.create(code="HH18CODE", account=account, user=users["H"], channel="web"),
    }
    yield {"account": account, "users": users, "outsider": outsider, **objects}
    cache.clear()


def _url(name, h):
    kwargs = {
        "billing:charge_detail": {"charge_id": h["charge"].pk},
        "meters:history": {"meter_id": h["meter"].pk},
        "meters:confirmation": {"code": h["submission"].code},
        "meters:confirmation_download": {"code": h["submission"].code},
        "payments:return": {"payment_id": h["payment"].pk},
        "payments:status": {"payment_id": h["payment"].pk},
        "documents:appeal_new": {"kind": "free"},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


# (url name, method, roles allowed, names an object of the account → an outsider gets 404)
TABLE = [
    ("billing:dashboard", "GET", ALL, False),
    ("billing:charges", "GET", ALL, False),
    ("billing:charge_detail", "GET", ALL, True),
    ("billing:benefits", "GET", ALL, False),
    ("billing:charts", "GET", ALL, False),
    ("meters:submit", "GET", ALL, False),
    ("meters:submit", "POST", "HRPD", False),
    ("meters:history", "GET", ALL, True),
    ("meters:confirmation", "GET", ALL, True),
    ("meters:confirmation_download", "GET", ALL, True),
    ("meters:tokens", "GET", "HRPD", False),
    ("meters:tokens", "POST", "HRPD", False),
    ("payments:history", "GET", ALL, False),
    ("payments:pay", "GET", "HRP", False),
    ("payments:pay", "POST", "HRP", False),
    ("payments:return", "GET", ALL, True),
    ("payments:status", "GET", ALL, True),
    ("documents:receipts", "GET", ALL, False),
    ("documents:certificates", "GET", ALL, False),
    ("documents:certificates", "POST", "HR", False),
    ("documents:appeals", "GET", ALL, False),
    ("documents:appeal_new", "GET", "HR", False),
    ("documents:appeal_new", "POST", "HR", False),
    ("accounts:household", "GET", "H", False),
    ("accounts:household", "POST", "H", False),
    ("accounts:profile", "GET", ALL, False),
    ("documents:notices", "GET", ALL, False),
    # what-if (issue 19): reads only, whoever may see the account
    ("billing:readings_preview", "GET", ALL, False),
    ("billing:readings_preview", "POST", ALL, False),
    ("billing:readings_preview_json", "POST", ALL, False),
    ("billing:penalty_calc", "GET", ALL, False),
    ("billing:why_changed", "GET", ALL, False),
    # saved cards are the login's own; autopay spends money on the account (issue 17)
    ("payments:cards", "GET", ALL, False),
    ("payments:autopay", "GET", ALL, False),
    ("payments:autopay", "POST", "HRP", False),
]


@pytest.mark.parametrize(
    ("name", "method", "allowed", "role"),
    [(n, m, a, r) for n, m, a, _o in TABLE for r in ROLES],
    ids=lambda v: v if isinstance(v, str) and len(v) > 1 else None,
)
def test_role_on_page(client, household, name, method, allowed, role):
    client.force_login(household["users"][role])
    url = _url(name, household)
    response = client.get(url) if method == "GET" else client.post(url, {})
    if role in allowed:
        assert response.status_code not in (403, 404) and response.status_code < 500, (role, response.status_code)
    else:
        assert response.status_code == 403, (role, response.status_code)


@pytest.mark.parametrize(("name", "method"), [(n, m) for n, m, _a, o in TABLE if o])
def test_outsider_gets_404_for_the_accounts_objects(client, household, name, method):
    client.force_login(household["outsider"])
    assert client.get(_url(name, household)).status_code == 404


API = [
    ("meters_api:meters", "GET", "HRPD"),
    ("meters_api:meter", "GET", "HRPD"),
    ("meters_api:submission", "GET", "HRPD"),
    ("meters_api:readings", "POST", "HRPD"),
]


@pytest.mark.parametrize(("name", "method", "allowed", "role"), [(n, m, a, r) for n, m, a in API for r in ROLES])
def test_role_on_api(client, household, name, method, allowed, role):
    user = household["users"][role]
    _row, token = api_token_create(user=user, account=household["account"], name="t")
    kwargs = {"meters_api:meter": {"meter_id": household["meter"].pk}}.get(name, {})
    if name == "meters_api:submission":
        kwargs = {"code": household["submission"].code}
    url = reverse(name, kwargs=kwargs)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "GET":
        response = client.get(url, **headers)
    else:
        response = client.post(url, json.dumps({"readings": []}), content_type="application/json", **headers)
    if role in allowed:
        assert response.status_code not in (401, 403, 404) and response.status_code < 500, response.content
    else:
        assert response.status_code == 401


def test_the_switcher_lists_the_member_account_with_its_role(client, household):
    member = household["users"]["D"]
    AccountLinkFactory(user=member, account=PersonalAccountFactory(number="1000001803"))
    client.force_login(member)
    page = client.get(reverse("billing:dashboard")).content.decode()
    assert "1000001801 (показания)" in page
    assert "1000001803" in page


def test_the_menu_offers_paying_only_to_roles_that_may_pay(client, household):
    """The menu is memoised per view and per whether the role may pay: a
    viewer and a readings member are not offered «Оплатить» (the page would
    answer 403), the others are, on the same page, one after another."""
    import re

    pay = re.compile(r'class="nav-link[^"]*"[^>]*href="' + re.escape(reverse("payments:pay")) + '"')
    for role in "VDHPRVD":
        client.force_login(household["users"][role])
        page = client.get(reverse("billing:dashboard")).content.decode()
        assert bool(pay.search(page)) == (role in "HRP"), role


@pytest.mark.parametrize("name", ["billing:dashboard", "payments:history", "payments:cards"])
def test_the_pages_offer_pay_buttons_only_to_roles_that_may_pay(client, household, name):
    """The dashboard's «Оплатить всё» / «Оплатить» (in its body, cached per
    account and role), and the buttons of the payments and cards pages: none
    for a viewer or a readings member, whose pay page answers 403. Roles
    alternate so a body cached for one role is never shown to another."""
    import re

    button = re.compile(r'class="btn[^"]*" href="' + re.escape(reverse("payments:pay")) + r'(\?[^"]*)?"')
    for role in "VDHPRVDH":
        client.force_login(household["users"][role])
        page = client.get(reverse(name)).content.decode()
        assert bool(button.search(page)) == (role in "HRP"), role
