"""Security events and the client address.

:func:`record` writes a :class:`~accounts.models.SecurityEvent` row and one
``key=value`` line to the ``eirc.security`` logger. Callers pass ids, kinds
and account numbers only — never a password, a token or a full link.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging

from django.conf import settings

from accounts.models import SecurityEvent

log = logging.getLogger("eirc.security")

# The demo logins' passwords, printed in the README and by ``seed_demo``: public,
# so with DEMO_LOGINS_ALLOWED off (DEBUG off) they open nothing, whoever holds
# them. Kept here, with the check that uses them; the demo app takes its
# passwords from this table (accounts never imports the demo).
PUBLIC_DEMO_PASSWORDS = {
    "resident": "demo-resident-2026",
    "operator": "demo-operator-2026",
    "accountant": "demo-accountant-2026",
    "admin": "demo-admin-2026",
}

# Keys that must never reach the log or the table, whatever a caller passes.
_FORBIDDEN = {"password", "token", "link", "url", "new_password1", "new_password2", "captcha"}


def _quote(value) -> str:
    # Control characters (a newline typed into the login box) are escaped, so
    # nobody can forge a line of the security log.
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in str(value))
    if not text or any(c in text for c in ' ="\\'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _storable(value):
    """A string as PostgreSQL can store it: a NUL (refused in text and in
    jsonb) is written as «\\x00», like the log line does."""
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\\x00")
    return value


def record(
    kind: str,
    *,
    user=None,
    actor=None,
    account_number: str = "",
    ip: str | None = None,
    **detail,
) -> SecurityEvent:
    """Store and log one security event (who, what, when, from where)."""
    detail = {k: _storable(v) for k, v in detail.items() if k not in _FORBIDDEN and v is not None}
    account_number = _storable(account_number or "")
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and getattr(user, "pk", None) else None,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        account_number=account_number[:32],
        ip_address=ip or None,
        detail=detail,
    )
    fields = {
        "event": kind,
        "user_id": getattr(user, "pk", None),
        "actor_id": getattr(actor, "pk", None),
        "account": account_number or None,
        "ip": ip,
        **detail,
    }
    log.info(" ".join(f"{k}={_quote(v)}" for k, v in fields.items() if v is not None))
    return event


def _trusted(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    for net in settings.TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the right-most untrusted entry of
    X-Forwarded-For when the request came through a configured proxy."""
    remote = request.META.get("REMOTE_ADDR") or None
    if remote and _trusted(remote):
        chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        for addr in reversed(chain):
            if not _trusted(addr):
                try:
                    return str(ipaddress.ip_address(addr))
                except ValueError:
                    return remote
    return remote


USER_KEY_PREFIX = "user:"


def axes_username(request, credentials) -> str:
    """What django-axes counts failures against (DOMAIN: per account).

    The login the typed name resolves to (``user:<id>``), so the account
    number, the email and every spelling of them share one counter; a name
    that resolves to no login is counted by a hash of its folded form, so its
    spellings share one counter too (the same lockout whether or not the
    account exists) and a password typed into the login box is never stored.
    Resolved once per request (axes asks several times)."""
    from accounts.backends import fold_login, resolve_login

    ident = (credentials or {}).get("username")
    if ident is None and request is not None:
        ident = request.POST.get("username")
    ident = ident if isinstance(ident, str) else ""
    memo = getattr(request, "_eirc_login_keys", None) if request is not None else None
    if memo is not None and ident in memo:
        return memo[ident]
    user = resolve_login(ident)
    if user is not None:
        key = f"{USER_KEY_PREFIX}{user.pk}"
    else:
        folded = fold_login(ident)
        key = "login:" + hashlib.sha256(folded.encode("utf-8", "replace")).hexdigest()[:32] if folded else ""
    if request is not None:
        if memo is None:
            memo = {}
            try:
                request._eirc_login_keys = memo
            except AttributeError:  # not a request object we may annotate
                return key
        memo[ident] = key
    return key
