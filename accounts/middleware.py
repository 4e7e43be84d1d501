"""Session lifetime and the forced password change: the access rules that
run on every request of a logged-in resident or operator."""

from __future__ import annotations

import time
from contextlib import ExitStack

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import connection, transaction
from django.shortcuts import redirect
from django.urls import reverse

from accounts.services import session_track


class SessionTimeoutMiddleware:
    """Idle timeout (``SESSION_IDLE_TIMEOUT``, 30 min) and absolute lifetime
    (``SESSION_COOKIE_AGE``, 12 h) of a logged-in session, counted from the
    server's clock (the cookie's own expiry moves on every save). Also records
    which session keys belong to which login so that a password change can end
    the others."""

    STARTED = "_auth_started_at"
    SEEN = "_auth_seen_at"
    TRACKED = "_auth_tracked"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.get(self.STARTED)
            seen = session.get(self.SEEN, started)
            if started is None:
                session[self.STARTED] = session[self.SEEN] = now
            elif now - started > settings.SESSION_COOKIE_AGE or now - seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, "Сеанс завершён из-за бездействия или по истечении срока. Войдите снова.")
                return redirect(settings.LOGIN_URL)
            elif now - seen > 60:  # write the session at most once a minute
                session[self.SEEN] = now
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            key = request.session.session_key
            if key and request.session.get(self.TRACKED) != key:
                session_track(user=user, session_key=key)
                request.session[self.TRACKED] = key
            if self.STARTED not in request.session:  # logged in during this request
                request.session[self.STARTED] = request.session[self.SEEN] = time.time()
        return response


class PasswordChangeRequiredMiddleware:
    """A login whose password was issued by an operator sees only the
    password-change page (and logout) until it sets its own."""

    ALLOWED_PREFIXES = ("/static/", "/captcha/", "/health/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = (reverse("accounts:password_change"), reverse("accounts:logout"))
            if request.path not in allowed and not request.path.startswith(self.ALLOWED_PREFIXES):
                return redirect("accounts:password_change")
        return self.get_response(request)


class LoginTransactionMiddleware:
    """A login POST in one transaction: the captcha, the lockout reset, the
    last-login time, the new session, the session record and the audit event
    commit together, once. It sits above ``SessionMiddleware`` so the session
    save is inside. A failed login commits what it recorded (the lockout
    attempt) at once, through :func:`login_transaction_commit`, before
    anything else can fail; a server error rolls back only a success path."""

    ATTR = "_login_transaction"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path_info != reverse("accounts:login"):
            return self.get_response(request)
        with ExitStack() as stack:
            stack.enter_context(transaction.atomic())
            setattr(request, self.ATTR, stack)
            response = self.get_response(request)
            if response.status_code >= 500 and connection.in_atomic_block:
                transaction.set_rollback(True)
        return response


def login_transaction_commit(request) -> None:
    """Commit the login POST's transaction now (idempotent; the rest of the
    request runs in autocommit): what a failed login recorded must survive
    whatever happens next."""
    stack = getattr(request, LoginTransactionMiddleware.ATTR, None)
    if stack is not None:
        stack.close()
