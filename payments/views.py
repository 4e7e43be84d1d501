"""Payment history, pay page, return page, the sandbox gateway page, the YooKassa webhook."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Capability
from accounts.decorators import account_required
from accounts.security import client_ip
from accounts.selectors import accounts_for_user
from billing.selectors import dashboard_for
from eirc import jsonbody, pagecache, periods
from eirc.errors import DomainError
from eirc.money import format_amount
from payments import selectors, services
from payments.forms import PayForm
from payments.models import Payment, SavedCard
from payments.providers import get_provider
from payments.providers.sandbox import SandboxProvider
from payments.views_quick import start_and_redirect


@require_GET
@account_required
def history(request):
    """Every payment attempt and every credit of the resident's account; the
    body cached per account (eirc/pagecache.py)."""
    account = request.account
    page, credits_page = request.GET.get("page", "1"), request.GET.get("credits", "1")

    def render_body():
        data = selectors.payments_history(account=account, page=page, credits_page=credits_page)
        return render_to_string("payments/_history_body.html", data)

    body = pagecache.cached_body(name="payments", account=account, params=(page, credits_page), render=render_body)
    return render(request, "payments/history.html", {"body": body})


@account_required(needs=Capability.PAY)
@require_http_methods(["GET", "POST"])
def pay(request):
    """The pay form, prefilled with everything due (``?sum=overdue``: only
    the overdue part), the same summary line as the dashboard, and the
    prefilled sum split by provider."""
    account = request.account
    summary = dashboard_for(account=account, today=periods.today())
    cards = list(SavedCard.objects.filter(user=request.user))
    if request.method == "POST":
        form = PayForm(request.POST, cards=cards)
        if form.is_valid():
            try:
                method, card = _method(form.cleaned_data["method"], cards)
                payment = services.payment_create(
                    account=account,
                    user=request.user,
                    amount=services.amount_validate(form.cleaned_data["amount"]),
                    email=form.cleaned_data["email"],
                    form_token=form.cleaned_data["form_token"],
                    method=method,
                    saved_card=card,
                    save_card=form.cleaned_data.get("save_card", False),
                    ip=client_ip(request),
                )
            except DomainError as exc:
                form.add_error(exc.field, exc.message)
            else:
                return start_and_redirect(request, payment, "payments:return")
        prefill = summary.next_due_amount
    else:
        only_overdue = request.GET.get("sum") == "overdue" and summary.overdue > 0
        prefill = summary.overdue if only_overdue else summary.next_due_amount
        initial_amount = format_amount(prefill).replace("\xa0", "") if prefill > 0 else ""
        form = PayForm(
            initial={"amount": initial_amount, "email": request.user.email, "form_token": uuid.uuid4()}, cards=cards
        )
    return render(
        request,
        "payments/pay.html",
        {
            "form": form,
            "account": account,
            "d": summary,
            "prefill": prefill,
            "by_provider": selectors.amount_by_provider(account=account, amount=prefill),
        },
    )


@login_required
@never_cache
def payment_return(request, payment_id):
    """What our database knows; never marks anything paid itself. Once the
    payment is final, the account's new state (the dashboard's summary line)."""
    payment = selectors.payment_for_user(user=request.user, payment_id=payment_id)
    final = payment.status in services.FINAL
    summary = dashboard_for(account=payment.account, today=periods.today()) if final else None
    return render(request, "payments/return.html", {"payment": payment, "final": final, "d": summary})


@login_required
@never_cache
def payment_status(request, payment_id):
    """The payment's state for the return page's script: ``html`` is the same
    message the page renders (templates/payments/_return_status.html)."""
    payment = selectors.payment_for_user(user=request.user, payment_id=payment_id)
    return JsonResponse(
        {
            "status": payment.status,
            "label": payment.get_status_display(),
            "final": payment.status in services.FINAL,
            "html": render_to_string("payments/_return_status.html", {"payment": payment}, request=request),
        }
    )


def _method(value: str, cards: list) -> tuple[str, SavedCard | None]:
    """The form's method choice → (Payment.Method, the saved card or None)."""
    if value.startswith("saved:"):
        card = next((c for c in cards if f"saved:{c.pk}" == value), None)
        return Payment.Method.SAVED_CARD, card
    return (Payment.Method.SBP if value == "sbp" else Payment.Method.CARD), None


@require_http_methods(["GET", "POST"])
def sandbox(request, provider_payment_id):
    """The sandbox gateway's payment page (only with the sandbox provider):
    a resident's own payment, or a quick payment (no login; its gateway id is
    unguessable, as a real gateway's page address is)."""
    if not isinstance(get_provider(), SandboxProvider):
        raise Http404
    payment = Payment.objects.filter(provider="sandbox", provider_payment_id=provider_payment_id).first()
    if payment is None or payment.user_id is not None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        payment = Payment.objects.filter(
            provider="sandbox",
            provider_payment_id=provider_payment_id,
            account__in=accounts_for_user(user=request.user),
        ).first()
    if payment is None:
        raise Http404
    if request.method == "POST":
        SandboxProvider.decide(provider_payment_id, pay=request.POST.get("decision") == "pay")
        # The sandbox "gateway" notifies us at once; the same verifying service
        # as for a real webhook re-fetches the state and credits.
        services.payment_confirm(payment_id=payment.pk)
        return redirect("payments:quick_return" if payment.user_id is None else "payments:return", payment.pk)
    return render(request, "payments/sandbox.html", {"payment": payment})


# A YooKassa notification is a couple of kilobytes; nginx caps the body too.
WEBHOOK_MAX_BYTES = 64 * 1024


@csrf_exempt
@require_POST
def yookassa_webhook(request):
    """The sender is checked before the body is read; the body is read
    within bounds (size, nesting, NUL): 403, 413 or 400, never a 500."""
    peer = {
        "remote_addr": request.META.get("REMOTE_ADDR", ""),
        "forwarded_for": request.META.get("HTTP_X_FORWARDED_FOR", ""),
    }
    addr = services.webhook_sender(**peer)
    if addr is None:
        return HttpResponse(status=403)
    try:
        body = jsonbody.parse(request, max_bytes=WEBHOOK_MAX_BYTES)
    except jsonbody.BadBody as exc:
        services.webhook_body_rejected(addr=addr, reason=f"body {exc.code}")
        return HttpResponse(status=exc.status)
    event = services.webhook_receive(provider_name="yookassa", body=body if isinstance(body, dict) else {}, **peer)
    if event is None:
        return HttpResponse(status=400)
    return JsonResponse({"status": "accepted"})
