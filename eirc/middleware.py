"""Security headers Django does not set by itself (CSP, Permissions-Policy)."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


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
