"""Session lifetime and the forced password change: the access rules that
run on every request of a logged-in resident or operator."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
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
