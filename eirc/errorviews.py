"""Error pages: the resident API (``/api/``) answers errors in JSON, like
its own responses (``{"error": {"code", "message"}}``); everything else gets
the site's Russian pages (templates 400/403/404 through Django's views, 500
through :func:`eirc.views.server_error`)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views import defaults

from eirc import views

API_PREFIX = "/api/"

_MESSAGES = {
    400: ("bad_request", "Неверный запрос."),
    403: ("forbidden", "Доступ запрещён."),
    404: ("not_found", "Не найдено: проверьте адрес запроса."),
    500: ("server_error", "Внутренняя ошибка сервера. Повторите запрос позже."),
}


def _api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(status: int) -> JsonResponse:
    code, message = _MESSAGES[status]
    response = JsonResponse(
        {"error": {"code": code, "message": message}}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception):
    return _json(400) if _api(request) else defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return _json(403) if _api(request) else defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return _json(404) if _api(request) else defaults.page_not_found(request, exception)


def server_error(request):
    return _json(500) if _api(request) else views.server_error(request)
