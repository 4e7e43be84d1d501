"""The project's WSGI application plus two benchmark-only pages, for bench/load.py.

Both are a bare Django view doing one primary-key lookup, served by the same
project (its settings, its URLconf, its database connection):

- ``/bench/bare/`` goes through the project's 15 middlewares (the session and
  the login are loaded, as on every page of a logged-in resident): the
  baseline of what any page of this site costs;
- ``/bench/bare-nomw/`` is the same view through a handler with no
  middleware at all: the bare Django page of the issue, the floor.

They exist only in this module, which only bench/load.py hands to gunicorn:
the product's URLconf never has them, whatever the settings.
"""

from __future__ import annotations

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eirc.settings")
project = get_wsgi_application()
NO_MIDDLEWARE_PREFIX = "/bench/bare-nomw/"


class NoMiddlewareHandler(WSGIHandler):
    """Django's WSGI handler with an empty middleware chain."""

    def load_middleware(self, is_async=False):
        from django.test.utils import override_settings

        with override_settings(MIDDLEWARE=[]):
            super().load_middleware(is_async)


def _install():
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from eirc import urls
    from eirc.models import Period

    def bare(request):
        period = Period.objects.filter(pk=int(request.GET.get("pk", 1))).first()
        return HttpResponse(f"bare {period.month if period else '-'}", content_type="text/plain")

    urls.urlpatterns[:0] = [path("bench/bare/", bare), path(NO_MIDDLEWARE_PREFIX.strip("/") + "/", bare)]
    clear_url_caches()


_install()
bare = NoMiddlewareHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == NO_MIDDLEWARE_PREFIX:
        return bare(environ, start_response)
    return project(environ, start_response)
