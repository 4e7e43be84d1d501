"""Security headers Django does not set by itself (CSP, Permissions-Policy)."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CSP and not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", settings.CSP)
        elif settings.CSP:
            # Django admin uses inline scripts in a few widgets; keep framing and
            # plugins closed there too.
            response.headers.setdefault(
                "Content-Security-Policy", "frame-ancestors 'none'; object-src 'none'; base-uri 'self'"
            )
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # A logged-in page is someone's personal data: never kept by a shared
        # browser or a proxy (back button after logout on a library computer).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response
