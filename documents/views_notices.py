"""The resident's notices («Объявления») for the active account's address."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import account_required
from documents.selectors_notices import notices_for_account
from eirc import periods


@require_GET
@account_required
def notices(request):
    items = notices_for_account(account=request.account, today=periods.today())
    return render(request, "documents/notices.html", {"items": items, "account": request.account})
