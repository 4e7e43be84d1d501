"""The household pages: the holder's list of members and invitations, and
the invitee's page behind the emailed link (accounts/household.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import forms, household
from accounts.access import Capability
from accounts.decorators import account_required
from accounts.models import User
from accounts.security import client_ip
from accounts.selectors import ACTIVE_ACCOUNT_SESSION_KEY
from eirc.errors import DomainError

BACKEND = "accounts.backends.AccountNumberBackend"


@never_cache
@account_required(needs=Capability.INVITE)
@require_http_methods(["GET", "POST"])
def household_page(request):
    """Members and pending invitations of the active account; the invite form."""
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household.invitation_create(
                holder=request.user,
                account=request.account,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Приглашение отправлено на %(e)s.") % {"e": form.cleaned_data["email"]})
            return redirect("accounts:household")
    data = household.household_for(holder=request.user, account=request.account)
    for member in data["members"]:
        member.form = forms.MemberRoleForm(initial={"role": member.role}, prefix=f"m{member.pk}")
    return render(
        request,
        "accounts/household.html",
        {"form": form, "account": request.account, **data},
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@account_required(needs=Capability.INVITE)
def member_role(request, member_id):
    form = forms.MemberRoleForm(request.POST, prefix=f"m{member_id}")
    if form.is_valid():
        membership = household.member_role_change(
            holder=request.user, membership_id=member_id, role=form.cleaned_data["role"], ip=client_ip(request)
        )
        messages.success(request, _("Роль изменена: %(r)s.") % {"r": membership.get_role_display()})
    return redirect("accounts:household")


@require_POST
@login_required
def member_remove(request, member_id):
    """The holder removes a member, or a member leaves (the service checks which)."""
    household.member_remove(holder=request.user, membership_id=member_id, ip=client_ip(request))
    if request.POST.get("leave") == "yes":
        messages.success(request, _("Вы вышли из семьи этого лицевого счёта."))
        return redirect("accounts:profile")
    messages.success(request, _("Участник удалён: доступ к лицевому счёту закрыт."))
    return redirect("accounts:household")


@require_POST
@account_required(needs=Capability.INVITE)
def invitation_cancel(request, invitation_id):
    household.invitation_cancel(holder=request.user, invitation_id=invitation_id)
    messages.success(request, _("Приглашение отменено."))
    return redirect("accounts:household")


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The emailed link: a logged-in visitor accepts; a visitor without a
    login creates one for the invited address (or logs in, then comes back)."""
    try:
        invite = household.invitation_check(raw=token)
    except DomainError as exc:
        return render(request, "accounts/bad_link.html", {"message": exc.message}, status=400)
    has_login = User.objects.filter(email__iexact=invite.email).exists()
    form = None
    if not request.user.is_authenticated and not has_login:
        form = forms.SetPasswordForm(request.POST or None, user=User(email=invite.email))
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                household.invitation_accept(raw=token, user=request.user, ip=client_ip(request))
            elif form is not None and form.is_valid():
                user = household.invitation_register_accept(
                    raw=token, password=form.cleaned_data["new_password2"], ip=client_ip(request)
                )
                login(request, user, backend=BACKEND)
            else:
                return _invitation_page(request, invite, form, has_login, status=422)
        except ValidationError as exc:
            form.add_error("new_password2", exc)
            return _invitation_page(request, invite, form, has_login, status=422)
        except DomainError as exc:
            return render(request, "accounts/bad_link.html", {"message": exc.message}, status=400)
        request.session[ACTIVE_ACCOUNT_SESSION_KEY] = invite.account_id
        messages.success(
            request, _("Приглашение принято: лицевой счёт %(n)s в вашем кабинете.") % {"n": invite.account.number}
        )
        return redirect(settings.LOGIN_REDIRECT_URL)
    return _invitation_page(request, invite, form, has_login)


def _invitation_page(request, invite, form, has_login, status=200):
    return render(
        request,
        "accounts/invitation.html",
        {"invite": invite, "form": form, "has_login": has_login},
        status=status,
    )
