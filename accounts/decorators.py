from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts.access import Capability, required_for, role_allows
from accounts.selectors import active_account


def account_required(view=None, *, needs: str = Capability.VIEW, write: str | None = None):
    """Login required; ``request.account`` is the active personal account.
    A login that holds no account sees a page that says how to link one.

    The role check of every resident page (accounts/access.py): the active
    account's role must have ``needs`` (default: view), and ``write`` too, if
    given, for a POST (or any other unsafe method); otherwise 403. Used bare
    (``@account_required``) or with arguments
    (``@account_required(write=Capability.READINGS)``)."""

    def decorate(func):
        @login_required
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            account = active_account(request)
            if account is None:
                return render(request, "accounts/no_account.html", status=200)
            if not role_allows(getattr(account, "role", None), required_for(request.method, needs=needs, write=write)):
                raise PermissionDenied("Ваша роль в семье не позволяет это действие на этом лицевом счёте.")
            request.account = account
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
