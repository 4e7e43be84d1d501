"""Security events and the client address.

:func:`record` writes a :class:`~accounts.models.SecurityEvent` row and one
``key=value`` line to the ``eirc.security`` logger. Callers pass ids, kinds
and account numbers only — never a password, a token or a full link.
"""

from __future__ import annotations

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
    detail = {k: v for k, v in detail.items() if k not in _FORBIDDEN and v is not None}
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and getattr(user, "pk", None) else None,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        account_number=(account_number or "")[:32],
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


def normalise_login(ident: str | None) -> str:
    return (ident or "").strip().lower()


def axes_username(request, credentials) -> str:
    """What django-axes counts failures against: the typed login, normalised
    (so «Mail@X.ru» and «mail@x.ru » are one identifier)."""
    ident = (credentials or {}).get("username")
    if ident is None and request is not None:
        ident = request.POST.get("username")
    return normalise_login(ident)
