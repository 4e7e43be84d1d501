"""The cabinet's page cache: a page's rendered body per account, never stale.

A cabinet page (dashboard, charges, payments) shows what changes only when
the account's ledger, statements, charges, benefits, readings or payments
change, or the shared data they name. Its body is rendered once and kept in
the cache under a key made of:

- the account's id and its **data version**, and the **site's data version**
  (accounts/versioning.py: bumped by database triggers in every transaction
  that writes those tables, read with the active account before the page's
  data) — so a payment, a billing run, a registry import or a reading moves
  the key in the very transaction that changes the money;
- **today's date** in Europe/Simferopol — what is overdue, the days left and
  the benefits in force depend on the day, so no body outlives its day;
- the login's **role** on the account (holder or a household member's role,
  accounts/access.py), so what one role may see or do is never served to
  another from the cache; a member removed from the account does not reach
  the page at all (the account is resolved anew on every request);
- the language, the page's own parameters (page numbers) and a stamp of the
  code (the templates and this module as deployed), so a new release never
  serves the old release's HTML.

The body never holds anything of the request (no CSRF token, no user): the
layout around it is rendered per request. A Redis outage reads as a miss
(eirc/cache.py): the page is computed as if there were no cache. An account
object without versions (not loaded through ``accounts.selectors``) is never
cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from eirc import periods

PREFIX = "cabinet"


def _code_stamp() -> str:
    """A hash of the templates and of this module as deployed."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for root in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(root).rglob("*.html")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


_STAMP: str | None = None


def _stamp() -> str:
    global _STAMP  # computed once per process, on first use
    if _STAMP is None:
        _STAMP = _code_stamp()
    return _STAMP


def page_key(*, name: str, account, today, params: tuple = ()) -> str | None:
    """The cache key of page ``name`` of ``account`` on ``today``, or None
    when the page must not be cached (no versions on the account, odd
    parameters)."""
    if not (hasattr(account, "data_version") and hasattr(account, "site_version")):
        return None
    parts = [str(p) for p in params]
    if any(len(p) > 6 or not p.isdigit() for p in parts):  # ?page=abc, ?page=99999999: computed, not cached
        return None
    versions = [str(account.pk), str(account.data_version or 0), str(account.site_version or 0)]
    role = str(getattr(account, "role", None) or "-")
    return ":".join([PREFIX, _stamp(), name, *versions, role, today.isoformat(), get_language() or "", *parts])


def site_key(*, name: str, account, today) -> str | None:
    """The cache key of shared data ``name`` (the same for every account) at
    the site's data version that ``account`` was loaded with, on ``today``;
    None when the account carries no versions."""
    if getattr(account, "site_version", None) is None:
        return None
    return ":".join([PREFIX, _stamp(), name, "site", str(account.site_version), today.isoformat()])


# Shared parts (site-keyed, the same for every account) that pages show
# beside their body, by page name: read in the body's round trip to the cache.
_SHARED: dict[str, set[str]] = {}


def share_with_pages(name: str, *, pages: tuple[str, ...]) -> None:
    """Read shared part ``name`` (see :func:`site_key`) together with the
    bodies of ``pages``; :func:`shared_get` then finds it without a round
    trip of its own. Called by an app's ``ready()`` (documents: the notices
    in force, which the dashboard shows)."""
    for page in pages:
        _SHARED.setdefault(page, set()).add(name)


def _read(keys: list[str], *, pages, account, today) -> dict:
    """``cache.get_many(keys)`` plus the shared parts ``pages`` show, which
    are kept on ``account`` (one object per request) for :func:`shared_get`."""
    names = sorted(set().union(*(_SHARED.get(p, ()) for p in pages)))
    shared = [k for k in (site_key(name=n, account=account, today=today) for n in names) if k]
    found = cache.get_many(keys + shared)
    if shared:
        account._pagecache_shared = {k: found.get(k) for k in shared}
    return found


def shared_get(key: str, *, account):
    """The cached value of a shared part's ``key``: what the page body's
    read brought along (None: missing), or read now."""
    prefetched = getattr(account, "_pagecache_shared", None) or {}
    return prefetched[key] if key in prefetched else cache.get(key)


def cached_body(*, name: str, account, render: Callable[[], str], params: tuple = (), today=None) -> SafeString:
    """The body of page ``name`` of ``account``: from the cache, or
    ``render()`` (which returns the rendered HTML and runs the page's
    queries), stored for ``CABINET_CACHE_SECONDS``. ``today`` (default: the
    local date now) is the date the body is computed for: pass the one
    ``render`` uses."""
    today = today or periods.today()
    key = page_key(name=name, account=account, today=today, params=params)
    if key is not None:
        body = _read([key], pages=(name,), account=account, today=today).get(key)
        if body is not None:
            return mark_safe(body)  # noqa: S308 - HTML this module stored, rendered by our templates
    body = render()
    if key is not None:
        cache.set(key, str(body), settings.CABINET_CACHE_SECONDS)
    return mark_safe(body)  # noqa: S308 - rendered by our templates, autoescaped


def cached_bodies(*, account, renders: dict[str, Callable[[], str]], today=None) -> dict[str, SafeString]:
    """:func:`cached_body` for several parts of one page (name → render), read
    from the cache in one round trip; the missing ones rendered and stored
    together."""
    today = today or periods.today()
    keys = {name: page_key(name=name, account=account, today=today) for name in renders}
    found = _read([k for k in keys.values() if k is not None], pages=renders, account=account, today=today)
    bodies, missing = {}, {}
    for name, render in renders.items():
        key = keys[name]
        body = found.get(key) if key is not None else None
        if body is None:
            body = str(render())
            if key is not None:
                missing[key] = body
        bodies[name] = mark_safe(body)  # noqa: S308 - rendered by our templates, autoescaped
    if missing:
        cache.set_many(missing, settings.CABINET_CACHE_SECONDS)
    return bodies
