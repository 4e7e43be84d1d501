"""Log in with a personal account number (or the login's own username).

:func:`resolve_login` is the one place that turns what was typed into the
login box into a login: the backend authenticates against it and the
brute-force counter (``accounts.security.axes_username``) is keyed on what it
resolves to, so every spelling of one account (its number, its email in any
case, a Unicode look-alike that PostgreSQL's ``upper()`` folds onto it)
feeds one counter.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.models import AccountLink
from accounts.security import PUBLIC_DEMO_PASSWORDS
from eirc.prepared import PreparedQuery

# The login of a session, on every request: compiled once (eirc/prepared.py).
_LOGIN_BY_ID = PreparedQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk))


def is_demo_password(password: str) -> bool:
    """The demo logins' passwords are printed in the README: with DEBUG off
    they never open anything, whoever holds them."""
    return password in PUBLIC_DEMO_PASSWORDS.values()


def fold_login(ident: str | None) -> str:
    """What was typed, folded for comparison: stripped, NFKC, upper- then
    case-folded (so «ſ» and «ı», which PostgreSQL's ``upper()`` turns into
    «S» and «I», fold like «s» and «i»; full-width letters and digits become
    ASCII)."""
    text = unicodedata.normalize("NFKC", (ident or "").strip())
    return unicodedata.normalize("NFKC", text.upper().casefold())


def _unusable(ident: str) -> bool:
    # A NUL cannot reach PostgreSQL (it refuses it in a text literal); no
    # login holds a control character or more than an email's 254 characters.
    return not ident or len(ident) > 254 or any(unicodedata.category(c) == "Cc" for c in ident)


def resolve_login(ident: str | None):
    """The active or inactive login that ``ident`` names, or None: a
    10-digit account number held by a login, a confirmed email (any case or
    compatible spelling), or a username (exact; staff)."""
    raw = (ident or "").strip()
    if _unusable(raw):
        return None
    User = get_user_model()
    folded = fold_login(raw)
    user = None
    if folded.isascii() and folded.isdigit() and len(folded) == 10:
        link = AccountLink.objects.select_related("user").filter(account__number=folded).first()
        user = link.user if link else None
    elif "@" in folded:
        confirmed = User.objects.filter(email_confirmed_at__isnull=False)
        user = confirmed.filter(email__iexact=raw).first()
        if user is None and folded != raw.lower():
            user = confirmed.filter(email__iexact=folded).first()
    if user is None:
        user = User.objects.filter(username=raw).first()
    return user


class AccountNumberBackend(ModelBackend):
    """``username`` may be a 10-digit account number held by the login, a
    confirmed email, or the login's username (staff): see :func:`resolve_login`."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()
        user = resolve_login(username)
        if user is None:
            # Same cost as a real check: no timing hint that the login is unknown.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if not settings.DEMO_LOGINS_ALLOWED and is_demo_password(password):
                return None
            return user
        return None

    def get_user(self, user_id):
        """The session's login, as ``ModelBackend.get_user`` finds it (an
        inactive login is none), by a query compiled once per process."""
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        found = _LOGIN_BY_ID(pk)
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
