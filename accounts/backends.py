"""Log in with a personal account number (or the login's own username)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.models import AccountLink
from accounts.security import PUBLIC_DEMO_PASSWORDS


def is_demo_password(password: str) -> bool:
    """The demo logins' passwords are printed in the README: with DEBUG off
    they never open anything, whoever holds them."""
    return password in PUBLIC_DEMO_PASSWORDS.values()


class AccountNumberBackend(ModelBackend):
    """``username`` may be a 10-digit account number held by the login, a
    confirmed email, or the login's username (staff)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()
        ident = username.strip()
        user = None
        if ident.isdigit() and len(ident) == 10:
            link = AccountLink.objects.select_related("user").filter(account__number=ident).first()
            user = link.user if link else None
        elif "@" in ident:
            user = User.objects.filter(email__iexact=ident, email_confirmed_at__isnull=False).first()
        if user is None:
            user = User.objects.filter(username=ident).first()
        if user is None:
            # Same cost as a real check: no timing hint that the login is unknown.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if not settings.DEMO_LOGINS_ALLOWED and is_demo_password(password):
                return None
            return user
        return None
