"""The project's WSGI application plus one benchmark-only page, for bench/load.py.

``/bench/bare/``: a bare Django view doing one primary-key lookup, served by
the same project (its settings, its 15 middlewares, its database connection),
the baseline the cabinet pages are measured against. It exists only in this
module, which only bench/load.py hands to gunicorn: the product's URLconf
never has it, whatever the settings.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eirc.settings")
application = get_wsgi_application()


def _install():
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from eirc import urls
    from eirc.models import Period

    def bare(request):
        period = Period.objects.filter(pk=int(request.GET.get("pk", 1))).first()
        return HttpResponse(f"bare {period.month if period else '-'}", content_type="text/plain")

    urls.urlpatterns.insert(0, path("bench/bare/", bare))
    clear_url_caches()


_install()
