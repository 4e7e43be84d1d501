"""The notices in force for the active account, for the cabinet's dashboard.

The dashboard is billing's page and billing may not read documents, so the
notices reach its template as a lazy context variable named here and
registered in settings (like the layout's ``EIRC``): computed only by a page
that shows it, never cached with the page body (a notice is not account data
versioned by accounts/versioning.py)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def notices(request):
    def load():
        from accounts.selectors import active_account
        from documents.selectors_notices import notices_for_account
        from eirc import periods

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        account = active_account(request)
        return notices_for_account(account=account, today=periods.today()) if account else []

    return {"cabinet_notices": SimpleLazyObject(load)}
