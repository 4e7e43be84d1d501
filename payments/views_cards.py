"""Saved cards (the login's) and autopay (the account's) — payments/autopay.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import Capability
from accounts.decorators import account_required
from accounts.security import client_ip
from eirc import periods
from eirc.errors import DomainError
from eirc.money import format_amount
from payments import autopay as service
from payments import services
from payments.forms import AutopayForm
from payments.models import Autopay, AutopayCharge, SavedCard


@login_required
@require_http_methods(["GET"])
def cards(request):
    """The user's saved cards (last four digits, type, expiry) with a delete button each."""
    rows = SavedCard.objects.filter(user=request.user).prefetch_related("autopays__account")
    return render(request, "payments/cards.html", {"cards": rows})


@login_required
@require_POST
def card_delete(request, card_id):
    try:
        service.saved_card_delete(user=request.user, card_id=card_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Карта удалена. Автоплатежи с этой картой выключены."))
    return redirect("payments:cards")


@account_required(write=Capability.PAY)
@require_http_methods(["GET", "POST"])
def autopay(request):
    """Autopay of the active account: the settings, the next charge, the history."""
    account = request.account
    current = Autopay.objects.filter(account=account).select_related("card").first()
    user_cards = list(SavedCard.objects.filter(user=request.user))
    if request.method == "POST" and request.POST.get("action") == "off":
        service.autopay_off(user=request.user, account=account, ip=client_ip(request))
        messages.success(request, _("Автоплатёж выключен."))
        return redirect("payments:autopay")
    if request.method == "POST":
        form = AutopayForm(request.POST, cards=user_cards)
        if form.is_valid():
            try:
                data = form.cleaned_data
                service.autopay_set(
                    user=request.user,
                    account=account,
                    card_id=data["card"],
                    limit=services.amount_validate(data["limit"]),
                    when=data["when"],
                    day=data["day"],
                    ip=client_ip(request),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Автоплатёж включён."))
                return redirect("payments:autopay")
    else:
        initial = {"when": Autopay.When.DAY_OF_MONTH, "day": 10}
        if current is not None:
            initial = {
                "card": current.card_id,
                "limit": format_amount(current.limit).replace("\xa0", ""),
                "when": current.when,
                "day": current.day,
            }
        form = AutopayForm(initial=initial, cards=user_cards)
    history = AutopayCharge.objects.filter(account=account).select_related("period", "payment")[:24]
    upcoming = service.next_charge(autopay=current, today=periods.today()) if current else None
    return render(
        request,
        "payments/autopay.html",
        {"form": form, "autopay": current, "cards": user_cards, "history": history, "upcoming": upcoming},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def autopay_skip(request, token):
    """Skip one month by the emailed link (no login: the link is signed). A
    GET only asks; the POST skips, so a mail scanner opening links skips nothing."""
    try:
        charge = service.skip_charge(token)
        if request.method == "POST":
            charge = service.autopay_skip(token=token)
    except DomainError as exc:
        return render(request, "payments/autopay_skip.html", {"error": exc.message}, status=400)
    return render(request, "payments/autopay_skip.html", {"charge": charge, "done": charge.status == "skipped"})
