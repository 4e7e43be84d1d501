"""The resident's certificates: order form with the list, download."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import Capability
from accounts.decorators import account_required
from documents import selectors, services
from documents.forms import CertificateOrderForm
from documents.views_receipts import private_file_response
from eirc.errors import DomainError


@require_http_methods(["GET", "POST"])
@account_required(write=Capability.REQUESTS)
def certificates(request):
    form = CertificateOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_order(user=request.user, account=request.account, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Заказ принят. Статус и файл — в списке ниже.")
            return redirect("documents:certificates")
    items = selectors.certificates_for(account=request.account)
    return render(
        request,
        "documents/certificates.html",
        {
            "form": form,
            "items": items,
            "refresh": any(i.status in ("new", "in_progress") and i.kind != "other" for i in items),
        },
    )


certificate_order = certificates


@never_cache
@require_GET
@account_required
def certificate_download(request, request_id: int):
    req = selectors.certificate_for(account=request.account, request_id=request_id)
    return private_file_response(req.file, f"{req.kind}-{request.account.number}-{req.pk}.pdf")
