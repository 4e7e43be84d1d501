"""The resident's two-factor pages: turn on (QR code, first code, recovery
codes shown once), renew codes, turn off; and the code page of the login
(accounts/two_factor.py)."""

from __future__ import annotations

import base64
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import two_factor
from accounts.models import SecurityEvent, User
from accounts.security import client_ip, record
from eirc.errors import DomainError

PENDING = "_2fa_pending"


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def two_factor_page(request):
    user, ip = request.user, client_ip(request)
    action = request.POST.get("action") if request.method == "POST" else None
    error = None
    try:
        if action == "confirm":
            codes = two_factor.setup_confirm(user=user, code=request.POST.get("code", ""), ip=ip)
            return _no_store(render(request, "accounts/two_factor_codes.html", {"codes": codes, "new": True}))
        if action == "renew":
            codes = two_factor.codes_renew(user=user, ip=ip)
            return _no_store(render(request, "accounts/two_factor_codes.html", {"codes": codes}))
        if action == "disable":
            two_factor.disable(user=user, password=request.POST.get("password", ""), ip=ip)
            messages.success(request, _("Двухфакторный вход выключен."))
            return redirect("accounts:two_factor")
    except DomainError as exc:
        error = exc.message
    if two_factor.is_enabled(user):
        context = {"enabled": True, "codes_left": two_factor.codes_left(user)}
    else:
        device = (two_factor.pending_device(user=user) if action == "confirm" else None) or two_factor.setup_start(
            user=user
        )
        context = {"qr": two_factor.qr_svg(device), "secret": base64.b32encode(device.bin_key).decode()}
    return _no_store(
        render(request, "accounts/two_factor.html", {**context, "error": error}, status=422 if error else 200)
    )


def start_pending(request, user, next_url: str):
    """After a right password: remember the login as pending its code."""
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "at": time.time(), "next": next_url}
    return redirect("accounts:login_code")


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_code(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > two_factor.PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.info(request, _("Время на ввод кода вышло. Войдите снова."))
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    error = None
    if request.method == "POST":
        try:
            factor = two_factor.verify(user=user, code=request.POST.get("code", ""), ip=client_ip(request))
        except DomainError as exc:
            error = exc.message
        else:
            del request.session[PENDING]
            login(request, user, backend=pending["backend"])
            record(SecurityEvent.Kind.LOGIN, user=user, ip=client_ip(request), factor=factor)
            if factor == "recovery":
                messages.warning(
                    request,
                    _("Вы вошли по коду восстановления; осталось кодов: %(n)d.") % {"n": two_factor.codes_left(user)},
                )
            if user.must_change_password:
                return redirect("accounts:password_change")
            nxt = pending.get("next") or settings.LOGIN_REDIRECT_URL
            if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
                nxt = settings.LOGIN_REDIRECT_URL
            return redirect(nxt)
    return render(request, "accounts/login_code.html", {"error": error}, status=422 if error else 200)
