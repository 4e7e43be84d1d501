"""The resident's receipts: the list, download, print view, e-receipts
choice, the signed unsubscribe link, and the staff list of paperless logins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import account_required
from accounts.security import client_ip
from documents import renderers, selectors, selectors_appeals, services
from documents.receipt_data import receipt_data
from eirc.errors import DomainError

PENDING_REFRESH_SECONDS = 3


def _client_ip(request) -> str | None:
    # Behind nginx REMOTE_ADDR is the proxy: the consent records the client.
    return client_ip(request)


def private_file_response(field, filename: str) -> FileResponse:
    """A private file as an attachment that no cache keeps."""
    response = FileResponse(field.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@account_required
def receipts(request):
    return render(
        request,
        "documents/receipts.html",
        {"rows": selectors.receipts_for(account=request.account), "paperless": request.user.paperless_receipts},
    )


def _pending(request, period, receipt, *, failed: bool = False):
    response = render(
        request,
        "documents/receipt_pending.html",
        {"period": period, "receipt": receipt, "failed": failed, "refresh": PENDING_REFRESH_SECONDS},
        status=200,
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
@account_required
def receipt_download(request, year: int, month: int):
    period = selectors.receipt_period_for(account=request.account, year=year, month=month)
    receipt, ready = services.receipt_request(account=request.account, period=period)
    if not ready:
        return _pending(request, period, receipt, failed=receipt.status == receipt.Status.FAILED)
    return private_file_response(receipt.file, f"epd-{request.account.number}-{year:04d}-{month:02d}.pdf")


@never_cache
@require_GET
@account_required
def receipt_print(request, year: int, month: int):
    period = selectors.receipt_period_for(account=request.account, year=year, month=month)
    receipt, ready = services.receipt_request(account=request.account, period=period)
    if not ready:
        return _pending(request, period, receipt, failed=receipt.status == receipt.Status.FAILED)
    data = receipt_data(account=request.account, period=period)
    ctx = renderers.receipt_context(data, code=receipt.document.code, issued_at=receipt.rendered_at)
    lines = selectors_appeals.charge_lines_for(account=request.account, period=period)
    return render(request, "documents/receipt_print.html", {**ctx, "receipt": receipt, "charge_lines": lines})


@require_POST
@account_required
def paperless(request):
    enabled = request.POST.get("paperless") == "on"
    try:
        services.paperless_set(user=request.user, enabled=enabled, ip_address=_client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "Квитанции будут приходить на электронную почту." if enabled else "Электронная квитанция отключена.",
        )
    return redirect("documents:receipts")


@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The email's link: works without logging in; a tampered or expired
    token is refused (``settings.UNSUBSCRIBE_LINK_LIFETIME``)."""
    if request.method == "POST":
        try:
            services.paperless_unsubscribe(token=token, ip_address=_client_ip(request))
        except DomainError as exc:
            return render(request, "documents/unsubscribe.html", {"error": exc.message}, status=400)
        return render(request, "documents/unsubscribe.html", {"done": True})
    try:
        services.unsubscribe_check(token)
    except DomainError as exc:
        return render(request, "documents/unsubscribe.html", {"error": exc.message}, status=400)
    return render(request, "documents/unsubscribe.html", {"token": token})


@require_GET
def paperless_list(request):
    """Staff only, behind the admin site's own gate (``admin_view`` in
    urls.py: staff, and a verified TOTP device when ADMIN_REQUIRE_OTP), and
    only for those who may see residents' logins."""
    if not request.user.has_perm("accounts.view_user"):
        raise PermissionDenied
    return render(request, "documents/paperless_list.html", {"users": selectors.paperless_users()})
