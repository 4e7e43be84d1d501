"""Quick pay without a login (payments/quickpay.py): find a receipt, pay
it, see the payment's state."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.security import client_ip
from eirc.errors import DomainError
from eirc.money import format_amount
from payments import quickpay, services
from payments.forms import PayForm, QuickFindForm
from payments.models import Payment
from payments.providers import GatewayUnavailable


@never_cache
@require_http_methods(["GET", "POST"])
def quick_find(request):
    """Account number + flat (or house) → the latest receipt's pay page."""
    form = QuickFindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            due = quickpay.quickpay_find(
                number=form.cleaned_data["number"], place=form.cleaned_data["place"], ip=client_ip(request)
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("payments:quick_receipt", due.code)
    return render(request, "payments/quick_find.html", {"form": form})


def start_and_redirect(request, payment: Payment, return_name: str):
    """Send the payer to the gateway; when it does not answer, to our page."""
    try:
        payment = services.payment_start(payment_id=payment.pk)
    except GatewayUnavailable:
        messages.warning(
            request, _("Платёжный сервис не ответил. Мы проверим платёж сами; попробуйте открыть оплату ещё раз.")
        )
        return redirect(return_name, payment.pk)
    except DomainError as exc:  # the gateway refused: the attempt is canceled, its page says so
        messages.error(request, exc.message)
        return redirect(return_name, payment.pk)
    if payment.confirmation_url and payment.status not in services.FINAL:
        return HttpResponseRedirect(payment.confirmation_url)
    return redirect(return_name, payment.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def quick_receipt(request, code):
    """A receipt's pay page (its «Оплатить онлайн» link): the amount due,
    period, due date and masked address; card or СБП, an email for the
    54-ФЗ receipt. The payment is the same as a logged-in resident's."""
    try:
        due = quickpay.receipt_by_code(code=code)
    except DomainError as exc:
        return render(request, "payments/quick_find.html", {"form": QuickFindForm(), "error": exc.message}, status=404)
    if request.method == "POST":
        form = PayForm(request.POST, allow_save=False)
        if form.is_valid():
            try:
                if form.cleaned_data["method"] not in ("card", "sbp"):
                    raise DomainError(_("Выберите способ оплаты."), field="method")
                payment = services.payment_create(
                    account=due.account,
                    user=None,  # the payer is anyone holding the receipt, logged in or not
                    amount=services.amount_validate(form.cleaned_data["amount"]),
                    email=form.cleaned_data["email"],
                    form_token=form.cleaned_data["form_token"],
                    for_period=due.period,
                    method=form.cleaned_data["method"],
                )
            except DomainError as exc:
                form.add_error(exc.field, exc.message)
            else:
                return start_and_redirect(request, payment, "payments:quick_return")
    else:
        amount = format_amount(due.amount).replace("\xa0", "") if due.amount > 0 else ""
        form = PayForm(initial={"amount": amount, "form_token": uuid.uuid4()}, allow_save=False)
    return render(request, "payments/quick_pay.html", {"form": form, "due": due})


@never_cache
def quick_return(request, payment_id):
    """A quick payment's state (the UUID is the capability; it shows no name
    and no flat). Refreshes itself until final; never marks anything paid."""
    payment = get_object_or_404(Payment.objects.select_related("account"), pk=payment_id, user__isnull=True)
    return render(
        request,
        "payments/quick_return.html",
        {
            "payment": payment,
            "final": payment.status in services.FINAL,
            "address": quickpay.masked_address(payment.account),
        },
    )
