"""Reads scoped to the requesting user. A foreign id is a 404, never a 403."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Case, CharField, OuterRef, Subquery, Value, When
from django.http import Http404
from django.utils.module_loading import import_string

from accounts.access import HOLDER
from accounts.models import AccountLink, DataVersion, Membership, PersonalAccount
from eirc.prepared import PreparedQuery

ACTIVE_ACCOUNT_SESSION_KEY = "active_account_id"


def accounts_for_user(*, user):
    """The personal accounts the login may open, by number: those it holds
    and those it is a household member of (what it may do there is its role:
    accounts/access.py)."""
    if not user.is_authenticated:
        return PersonalAccount.objects.none()
    return _accounts_of_login(user.pk)


def _accounts_of_login(user_id: int):
    # One subquery of ids (held UNION ALL member of), not "held OR member of":
    # an OR across the link join and a subquery makes PostgreSQL scan every
    # account of the city on every request (845 ms at 100 000 accounts), while
    # ``pk IN (…)`` is a primary-key lookup per id. Not a join on members
    # either: a join would repeat a held account once per member.
    held = AccountLink.objects.filter(user_id=user_id).values("account_id").order_by()
    member_of = Membership.objects.filter(user_id=user_id).values("account_id").order_by()
    return PersonalAccount.objects.filter(pk__in=held.union(member_of, all=True)).order_by("number")


def held_accounts_for_user(*, user):
    """The personal accounts the login holds itself (not as a member)."""
    if not user.is_authenticated:
        return PersonalAccount.objects.none()
    return PersonalAccount.objects.filter(link__user=user).order_by("number")


def held_account_for_user(*, user, account_id) -> PersonalAccount:
    """One account the user holds, or Http404 (a member's account too)."""
    try:
        return held_accounts_for_user(user=user).get(pk=account_id)
    except (PersonalAccount.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def account_for_user(*, user, account_id) -> PersonalAccount:
    """One of the user's accounts, or Http404."""
    try:
        return accounts_for_user(user=user).get(pk=account_id)
    except (PersonalAccount.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _accounts_with_versions(user_id: int):
    """The accounts login ``user_id`` may open, with its role on each and
    the data versions."""
    member_role = Membership.objects.filter(user_id=user_id, account_id=OuterRef("pk")).values("role")[:1]
    return _accounts_of_login(user_id).annotate(
        role=Case(
            When(link__user_id=user_id, then=Value(HOLDER)), default=Subquery(member_role), output_field=CharField()
        ),
        data_version=Subquery(DataVersion.objects.filter(account_id=OuterRef("pk")).values("value")[:1]),
        site_version=Subquery(DataVersion.objects.filter(account_id=DataVersion.SITE).values("value")[:1]),
    )


# Run on every cabinet request: compiled once per process (eirc/prepared.py).
_ACCOUNTS_WITH_VERSIONS = PreparedQuery(_accounts_with_versions)


def accounts_of_request(request) -> list[PersonalAccount]:
    """The accounts the request's login may open, by number, each with its
    data versions (``data_version``, ``site_version``: see
    accounts/versioning.py) and the login's ``role`` on it (accounts/access.py),
    read anew on every request. One query per request: the page, the account
    switcher, the role check and the cache key share it."""
    cached = getattr(request, "_eirc_accounts", None)
    if cached is None:
        user = request.user
        cached = _ACCOUNTS_WITH_VERSIONS(user.pk) if user.is_authenticated else []
        request._eirc_accounts = cached
    return cached


def active_account(request) -> PersonalAccount | None:
    """The account chosen in the header (kept in the session), else the first
    one the user holds; None when the user holds none."""
    accounts = accounts_of_request(request)
    chosen = request.session.get(ACTIVE_ACCOUNT_SESSION_KEY)
    if chosen is not None:
        account = next((a for a in accounts if str(a.pk) == str(chosen)), None)
        if account is not None:
            return account
    return accounts[0] if accounts else None


def recent_bill_amounts(account: PersonalAccount) -> list:
    """The amounts a resident may type as proof of holding ``account``: the
    «итого к оплате» of the last two receipts. Decimals, compared exactly.

    Bills are billing's facts and billing sits above accounts, so the reader
    is named by a setting (``ACCOUNTS_BILL_AMOUNTS``, a dotted path, like
    Django's authentication backends): billing's
    :func:`billing.selectors.proof.recent_bill_amounts` by default."""
    return list(import_string(settings.ACCOUNTS_BILL_AMOUNTS)(account=account))


def security_events_for_user(*, user, limit: int = 20):
    """The login's own recent security events (profile page)."""
    from accounts.models import SecurityEvent

    return SecurityEvent.objects.filter(user=user).order_by("-created_at")[:limit]
