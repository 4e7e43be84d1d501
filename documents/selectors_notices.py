"""Who a notice reaches. A notice is in force from ``starts_on`` to
``ends_on`` inclusive (local dates). Its target decides the accounts:

- all accounts (the public home page shows these too);
- one street — accounts whose street is that street (any case);
- a list of houses — accounts at one of the (street, house) pairs;
- one provider — accounts receiving a service of that provider on the day
  (``billing.AccountService`` in force): why notices live in documents, a
  layer that may read billing.

The residents reached are the logins of those accounts — the holder and the
household members — who chose notice emails (``notify_notices``).
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Q

from accounts.models import PersonalAccount
from billing.models import AccountService
from documents.models import Notice
from eirc import pagecache


def notices_current(*, today: dt.date):
    return Notice.objects.filter(starts_on__lte=today, ends_on__gte=today).select_related("provider")


def notices_city(*, today: dt.date) -> list[Notice]:
    """The notices in force for the whole city (the public home page)."""
    return list(notices_current(today=today).filter(target=Notice.Target.ALL))


def _in_force(on: dt.date) -> Q:
    return Q(started_on__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gte=on))


def _reaches(notice: Notice, account: PersonalAccount, providers: set[int]) -> bool:
    if notice.target == Notice.Target.ALL:
        return True
    if notice.target == Notice.Target.STREET:
        return notice.street.strip().lower() == account.street.strip().lower()
    if notice.target == Notice.Target.HOUSES:
        here = (account.street.strip().lower(), account.house.strip().lower())
        return any((s.lower(), h.lower()) == here for s, h in notice.house_list())
    return notice.provider_id in providers


def notices_for_account(*, account: PersonalAccount, today: dt.date) -> list[Notice]:
    """The notices in force today for the account's address and providers;
    one query, two when a provider's notice is in force. The notices in
    force are read from the cache under the site's data version the account
    was loaded with (any write to notices moves it: migration documents 0008),
    in the page body's round trip to the cache (``pagecache.share_with_pages``)."""
    key = pagecache.site_key(name="notices", account=account, today=today)
    current = pagecache.shared_get(key, account=account) if key is not None else None
    if current is None:
        current = list(notices_current(today=today))
        if key is not None:
            cache.set(key, current, settings.CABINET_CACHE_SECONDS)
    providers: set[int] = set()
    if any(n.target == Notice.Target.PROVIDER for n in current):
        providers = set(
            AccountService.objects.filter(_in_force(today), account=account).values_list(
                "service__provider_id", flat=True
            )
        )
    return [n for n in current if _reaches(n, account, providers)]


def notice_accounts(notice: Notice, *, today: dt.date):
    """The open accounts a notice reaches (for the email)."""
    accounts = PersonalAccount.objects.filter(status=PersonalAccount.Status.OPEN)
    if notice.target == Notice.Target.STREET:
        return accounts.filter(street__iexact=notice.street.strip())
    if notice.target == Notice.Target.HOUSES:
        pairs = notice.house_list()
        if not pairs:
            return accounts.none()
        return accounts.filter(reduce(or_, (Q(street__iexact=s, house__iexact=h) for s, h in pairs)))
    if notice.target == Notice.Target.PROVIDER:
        on = max(today, notice.starts_on)
        served = AccountService.objects.filter(_in_force(on), service__provider_id=notice.provider_id)
        return accounts.filter(pk__in=served.values("account_id"))
    return accounts


def notice_recipient_ids(notice: Notice, *, today: dt.date) -> list[int]:
    """The logins (holders and household members of the accounts reached)
    with an address who chose notice emails, by id."""
    reached = notice_accounts(notice, today=today).values("pk")
    users = get_user_model().objects.filter(is_active=True, notify_notices=True).exclude(email="")
    return list(
        users.filter(Q(account_links__account__in=reached) | Q(memberships__account__in=reached))
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
