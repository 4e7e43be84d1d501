"""Security headers Django does not set by itself (CSP, Permissions-Policy),
and the refusal of request headers that carry a NUL."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils.cache import add_never_cache_headers


class RefuseNulHeadersMiddleware:
    """A NUL in a request header is a 400 (RFC 9110 forbids it in a field
    value). nginx and gunicorn refuse most of them, but the application does
    not rely on that: django-axes stores the User-Agent and Accept of every
    failed login, and PostgreSQL refuses a NUL in text, so such a login was a
    500 (found by the fuzz test, eirc/tests/test_fuzz.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
                raise BadRequest("NUL in a request header")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CSP:
            # One policy for the site and the admin: Django's admin has no
            # inline scripts, styles or handlers since 4.x (checked on every
            # admin page by accounts/tests/test_admin.py), so it runs under
            # script-src 'self' like the rest.
            response.headers.setdefault("Content-Security-Policy", settings.CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # A logged-in page is someone's personal data: never kept by a shared
        # browser or a proxy (back button after logout on a library computer).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response
