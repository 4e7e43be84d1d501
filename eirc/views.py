"""The health check: the one page of the core (the home page is documents'
``home``, wired in ``eirc/urls.py`` by name)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:
        log.warning("health: database check failed: %s", exc.__class__.__name__)
        return False, "unavailable"


def _check_broker() -> tuple[bool, str] | None:
    url = settings.CELERY_BROKER_URL
    if not url or settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return True, "ok"
    except Exception as exc:
        log.warning("health: broker check failed: %s", exc.__class__.__name__)
        return False, "unavailable"


@never_cache
@require_GET
def health(request):
    """JSON health: the database and, when configured, the broker. 200 or 503."""
    checks = {}
    ok, checks["database"] = _check_database()
    broker = _check_broker()
    if broker is not None:
        broker_ok, checks["broker"] = broker
        ok = ok and broker_ok
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


def server_error(request):
    """The 500 page in Russian (``handler500``). Rendered without the request:
    no context processors, no session or database access, which may be what
    failed."""
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render({"EIRC": settings.EIRC}))


def csrf_failure(request, reason=""):
    """A refused form (``CSRF_FAILURE_VIEW``): the Russian page, in the site's layout."""
    from django.shortcuts import render

    return render(request, "403_csrf.html", status=403)
