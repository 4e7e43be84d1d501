"""Thin views of the access part: parse a form, call a service, render or redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import forms, selectors, services, two_factor, views_two_factor
from accounts.middleware import login_transaction_commit
from accounts.models import AccessToken, SecurityEvent
from accounts.notifications import FIELDS, Kind, notification_unsubscribe, notifications_set, unsubscribe_check
from accounts.security import client_ip, record
from eirc.errors import DomainError

BACKEND = "accounts.backends.AccountNumberBackend"


def _form_error(form, exc) -> None:
    if isinstance(exc, ValidationError):
        form.add_error("new_password2" if "new_password2" in form.fields else None, exc)
    else:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.is_enabled(user):  # the password was right; the code page logs in
            return views_two_factor.start_pending(self.request, user, self.get_success_url())
        response = super().form_valid(form)
        record(SecurityEvent.Kind.LOGIN, user=user, ip=client_ip(self.request))
        if user.must_change_password:
            messages.warning(self.request, _("Пароль выдан оператором: задайте свой пароль."))
            return redirect("accounts:password_change")
        return response

    def form_invalid(self, form):
        login_transaction_commit(self.request)  # the lockout attempt, durable before anything else
        if not form.has_error("captcha"):
            record(
                SecurityEvent.Kind.LOGIN_FAILED,
                account_number=(form.data.get("username") or "")[:32],
                ip=client_ip(self.request),
            )
        return super().form_invalid(form)


login_view = never_cache(sensitive_post_parameters("password")(LoginView.as_view()))
logout_view = require_POST(auth_views.LogoutView.as_view())


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout answer (429): when to try again, and that the
    password reset still works."""
    from axes.helpers import get_cool_off

    login_transaction_commit(request)
    cooloff = get_cool_off(request)
    minutes = int(cooloff.total_seconds() // 60) if cooloff else None
    return render(request, "accounts/lockout.html", {"cooloff_minutes": minutes}, status=429)


# --- registration -------------------------------------------------------------------


@never_cache
def register(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = forms.RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_start(
                account_number=form.cleaned_data["account_number"],
                amount=form.cleaned_data["amount"],
                email=form.cleaned_data["email"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 429 if exc.code == "throttled" else 200
            return render(request, "accounts/register.html", {"form": form, "code": exc.code}, status=status)
        return redirect("accounts:register_sent")
    return render(request, "accounts/register.html", {"form": form}, status=status)


def register_sent(request):
    return render(request, "accounts/register_sent.html")


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def register_confirm(request, token):
    try:
        access = services.token_check(purpose=AccessToken.Purpose.REGISTRATION, raw=token)
    except DomainError as exc:
        return render(request, "accounts/bad_link.html", {"message": exc.message}, status=400)
    existing = services.registration_existing_user(access)
    from accounts.models import User

    probe = User(
        email=access.email,
        first_name=access.account.owner_first_name,
        last_name=access.account.owner_last_name,
        middle_name=access.account.owner_middle_name,
    )
    probe._pending_accounts = [access.account]
    form = forms.SetPasswordForm(request.POST or None, user=probe)
    if request.method == "POST" and (existing is not None or form.is_valid()):
        try:
            user, created = services.registration_confirm(
                raw=token,
                password=None if existing is not None else form.cleaned_data["new_password2"],
                ip=client_ip(request),
            )
        except (DomainError, ValidationError) as exc:
            if isinstance(exc, DomainError) and exc.code in ("bad_link", "already_registered"):
                return render(request, "accounts/bad_link.html", {"message": exc.message}, status=400)
            _form_error(form, exc)
        else:
            if created:
                login(request, user, backend=BACKEND)
                messages.success(request, _("Регистрация завершена. Добро пожаловать в личный кабинет!"))
                return redirect(settings.LOGIN_REDIRECT_URL)
            messages.success(
                request, _("Лицевой счёт %(n)s привязан к вашему кабинету. Войдите.") % {"n": access.account.number}
            )
            return redirect("accounts:login")
    return render(
        request,
        "accounts/register_confirm.html",
        {"form": form, "existing": existing is not None, "account": access.account},
    )


# --- password reset -------------------------------------------------------------------


@never_cache
def password_reset(request):
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(
                account_number=form.cleaned_data["account_number"],
                email=form.cleaned_data["email"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, "accounts/password_reset.html", {"form": form}, status=429)
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def password_reset_confirm(request, token):
    try:
        access = services.token_check(purpose=AccessToken.Purpose.PASSWORD_RESET, raw=token)
    except DomainError as exc:
        return render(request, "accounts/bad_link.html", {"message": exc.message}, status=400)
    form = forms.SetPasswordForm(request.POST or None, user=access.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_confirm(
                raw=token, password=form.cleaned_data["new_password2"], ip=client_ip(request)
            )
        except DomainError as exc:
            return render(request, "accounts/bad_link.html", {"message": exc.message}, status=400)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Пароль изменён. Войдите с новым паролем."))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


# --- profile ---------------------------------------------------------------------------


@never_cache
@login_required
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
def password_change(request):
    form = forms.PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                current=form.cleaned_data["current_password"],
                new=form.cleaned_data["new_password2"],
                ip=client_ip(request),
                keep_session_key=request.session.session_key,
            )
        except (DomainError, ValidationError) as exc:
            if isinstance(exc, DomainError):
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                _form_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Пароль изменён. Другие сеансы входа завершены."))
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


def _profile_context(user, **override) -> dict:
    return {
        "email_form": forms.EmailChangeForm(),
        "notifications_on": [label for kind, label in Kind.choices if getattr(user, FIELDS[kind])],
        "link_form": forms.LinkAccountForm(),
        "accounts": selectors.held_accounts_for_user(user=user),
        "memberships": user.memberships.select_related("account").order_by("account__number"),
        "events": selectors.security_events_for_user(user=user, limit=10),
        "two_factor_on": two_factor.is_enabled(user),
        **override,
    }


@never_cache
@login_required
def profile(request):
    return render(request, "accounts/profile.html", _profile_context(request.user))


def _profile_with(request, status=200, **override):
    return render(request, "accounts/profile.html", _profile_context(request.user, **override), status=status)


@require_POST
@login_required
@sensitive_post_parameters("password")
def email_change(request):
    form = forms.EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            services.email_change_request(
                user=request.user,
                new_email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("На новый адрес отправлено письмо со ссылкой для подтверждения."))
            return redirect("accounts:profile")
    return _profile_with(request, email_form=form)


@never_cache
def email_confirm(request, token):
    try:
        services.token_check(purpose=AccessToken.Purpose.EMAIL_CHANGE, raw=token)
    except DomainError as exc:
        return render(request, "accounts/bad_link.html", {"message": exc.message}, status=400)
    if request.method == "POST":
        try:
            services.email_change_confirm(raw=token, ip=client_ip(request))
        except DomainError as exc:
            return render(request, "accounts/bad_link.html", {"message": exc.message}, status=400)
        messages.success(request, _("Новый адрес электронной почты подтверждён."))
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")
    return render(request, "accounts/email_confirm.html")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    """Every kind of optional email with its switch, and the e-receipt choice."""
    user = request.user
    initial = {field: getattr(user, field) for field in FIELDS.values()}
    data = request.POST if request.method == "POST" else None  # an empty POST turns everything off
    form = forms.NotificationsForm(data, initial={**initial, "paperless_receipts": user.paperless_receipts})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        choices = {field: data[field] for field in FIELDS.values()}
        notifications_set(user=user, choices=choices, paperless=data["paperless_receipts"], ip=client_ip(request))
        messages.success(request, _("Настройки уведомлений сохранены."))
        return redirect("accounts:notifications")
    return render(request, "accounts/notifications.html", {"form": form})


@require_POST
@login_required
def link_account(request):
    form = forms.LinkAccountForm(request.POST)
    if form.is_valid():
        try:
            account = services.account_link(
                user=request.user,
                account_number=form.cleaned_data["account_number"],
                amount=form.cleaned_data["amount"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return _profile_with(request, status=429 if exc.code == "throttled" else 200, link_form=form)
        messages.success(request, _("Лицевой счёт %(n)s привязан.") % {"n": account.number})
        return redirect("accounts:profile")
    return _profile_with(request, link_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def unlink_account(request, account_id):
    """Unlink one of the user's accounts, only after a confirmation: the GET
    (or a POST without ``confirm``) shows what unlinking means — for the last
    account, that the cabinet's pages close until an account is linked again."""
    account = selectors.held_account_for_user(user=request.user, account_id=account_id)
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        remaining = selectors.accounts_for_user(user=request.user).count() - 1
        return render(request, "accounts/unlink_confirm.html", {"account": account, "last": remaining == 0})
    services.account_unlink(user=request.user, account=account, ip=client_ip(request))
    if request.session.get(selectors.ACTIVE_ACCOUNT_SESSION_KEY) == account.pk:
        del request.session[selectors.ACTIVE_ACCOUNT_SESSION_KEY]
    messages.success(request, _("Лицевой счёт %(n)s отвязан.") % {"n": account.number})
    return redirect("accounts:profile")


@require_POST
@login_required
def switch_account(request):
    form = forms.SwitchAccountForm(request.POST)
    if form.is_valid():
        account = selectors.account_for_user(user=request.user, account_id=form.cleaned_data["account"])
        request.session[selectors.ACTIVE_ACCOUNT_SESSION_KEY] = account.pk
    nxt = request.POST.get("next") or settings.LOGIN_REDIRECT_URL
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = settings.LOGIN_REDIRECT_URL
    return HttpResponseRedirect(nxt)


@csrf_exempt  # the signed token is the credential; mail clients' one-click POST (RFC 8058) has no CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """An email's unsubscribe link: GET asks (so that a link scanner turns
    nothing off), POST turns off that kind of email; no login needed."""
    try:
        if request.method == "POST":
            _user, kind = notification_unsubscribe(token=token, ip=client_ip(request))
            return render(request, "accounts/unsubscribe.html", {"done": True, "kind": Kind(kind).label})
        _user, kind = unsubscribe_check(token)
    except DomainError as exc:
        return render(request, "accounts/unsubscribe.html", {"error": exc.message}, status=400)
    return render(request, "accounts/unsubscribe.html", {"kind": Kind(kind).label})
