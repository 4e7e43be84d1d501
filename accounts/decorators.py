from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.selectors import active_account


def account_required(view):
    """Login required; ``request.account`` is the active personal account.
    A login that holds no account sees a page that says how to link one."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        account = active_account(request)
        if account is None:
            return render(request, "accounts/no_account.html", status=200)
        request.account = account
        return view(request, *args, **kwargs)

    return wrapper
