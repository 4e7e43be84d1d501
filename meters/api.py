"""The resident API (/api/v1/): personal bearer tokens, JSON, the same rules
and confirmation codes as the web form. Documented in ``docs/api.md`` and
``docs/openapi.yaml`` (the tests validate responses against it).

Rate limit: ``settings.METERS_API["RATE_PER_MINUTE"]`` requests per token per
minute (a cache counter per token and minute); over it, 429 with
``Retry-After``.
"""

from __future__ import annotations

import json
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ApiToken
from eirc import jsonbody
from eirc.errors import DomainError
from eirc.periods import today as local_today
from meters import selectors
from meters.models import Meter, Submission
from meters.services import ReadingErrors, field_name, reading_submit
from meters.tokens import api_token_authenticate
from meters.window import window_for

KEY_MAX = 64
# A request body: a few readings are a few hundred bytes.
BODY_MAX = 64 * 1024
BODY_ERRORS = {
    "too_large": ("too_large", f"Тело запроса больше {BODY_MAX // 1024} КБ."),
    "too_deep": ("bad_request", "Тело запроса вложено слишком глубоко."),
    "nul": ("bad_request", "Тело запроса содержит нулевой символ."),
    "malformed": ("bad_request", "Тело запроса — JSON в кодировке UTF-8."),
}


def _error(status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields is not None:
        body["error"]["fields"] = fields
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def _json(data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _rate_limited(token: ApiToken) -> int:
    """Seconds to wait, or 0 when the request may go on."""
    limit = settings.METERS_API["RATE_PER_MINUTE"]
    now = time.time()
    minute = int(now // 60)
    key = f"meters:api:rate:{token.pk}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        return 60 - int(now % 60)
    return 0


def token_required(view):
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        token = api_token_authenticate(presented.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return _error(
                401,
                "unauthorized",
                "Нужен действующий токен: заголовок Authorization: Bearer <токен>.",
                headers={"WWW-Authenticate": 'Bearer realm="eirc"'},
            )
        wait = _rate_limited(token)
        if wait:
            return _error(
                429, "rate_limited", "Слишком много запросов, повторите позже.", headers={"Retry-After": str(wait)}
            )
        if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        request.api_token = token
        request.account = token.account
        request.user = token.user
        return view(request, *args, **kwargs)

    return wrapper


def meter_json(meter: Meter, today) -> dict:
    window = window_for(meter.service, today=today)
    last = []
    for zone in meter.zone_list:
        r = selectors.last_reading(meter, zone)
        if r is not None:
            last.append(
                {
                    "zone": zone,
                    "value": f"{r.value:.3f}",
                    "period": r.period.month.strftime("%Y-%m"),
                    "taken_on": r.taken_on.isoformat(),
                    "source": r.source,
                }
            )
    return {
        "id": meter.pk,
        "service": meter.service.name,
        "unit": meter.service.unit,
        "serial": meter.serial,
        "zones": meter.zone_list,
        "digits": meter.digits,
        "verification_due": meter.verification_due.isoformat(),
        "verification_expired": meter.verification_due < today,
        "window": {
            "start_day": window.start_day,
            "end_day": window.end_day,
            "open": window.is_open,
            "days_left": window.days_left,
            "period": window.period.strftime("%Y-%m"),
            "text": window.describe(),
        },
        "last_readings": last,
    }


def submission_json(submission: Submission, *, replayed: bool = False) -> dict:
    result = submission.result or {}
    return {
        "code": submission.code,
        "created_at": submission.created_at.isoformat(),
        "account": submission.account.number,
        "channel": submission.channel,
        "period": result.get("period"),
        "in_window": bool(result.get("in_window")),
        "window": result.get("window", ""),
        "replayed": replayed,
        "items": [
            {
                k: item.get(k)
                for k in (
                    "meter_id",
                    "serial",
                    "service",
                    "unit",
                    "zone",
                    "value",
                    "previous",
                    "consumption",
                    "rollover",
                    "period",
                    "status",
                    "status_title",
                    "note",
                )
            }
            for item in result.get("items", [])
        ],
    }


@require_GET
@token_required
def meters_list(request):
    today = local_today()
    meters = selectors.meters_for_account(account=request.account)
    return _json({"account": request.account.number, "meters": [meter_json(m, today) for m in meters]})


@require_GET
@token_required
def meter_detail(request, meter_id):
    meter = selectors.meters_for_account(account=request.account).filter(pk=meter_id).first()
    if meter is None:
        return _error(404, "not_found", "Счётчик не найден.")
    return _json(meter_json(meter, local_today()))


@require_GET
@token_required
def submission_detail(request, code):
    submission = Submission.objects.filter(code=code, account=request.account).select_related("account").first()
    if submission is None:
        return _error(404, "not_found", "Передача показаний не найдена.")
    return _json(submission_json(submission))


@require_POST
@token_required
def readings_submit(request):
    """Submit readings. ``Idempotency-Key`` (required, ≤ 64 characters): the
    same key returns the first confirmation (200, ``replayed: true``)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > KEY_MAX or not (key.isascii() and key.isprintable()):
        return _error(400, "idempotency_key", f"Нужен заголовок Idempotency-Key (1–{KEY_MAX} печатных символов ASCII).")
    try:
        body = jsonbody.parse(request, max_bytes=BODY_MAX, empty={})
    except jsonbody.BadBody as exc:
        return _error(exc.status, BODY_ERRORS[exc.code][0], BODY_ERRORS[exc.code][1])
    try:
        readings = body["readings"]
        if not isinstance(readings, list) or not readings:
            raise ValueError
        values = {}
        for r in readings:
            meter_id, zone, value = int(r["meter_id"]), str(r.get("zone") or "single"), r["value"]
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise ValueError
            values[(meter_id, zone)] = value if isinstance(value, str) else json.dumps(value)
        confirm = bool(body.get("confirm_jump", False))
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        return _error(
            400, "bad_request", 'Тело запроса: {"readings": [{"meter_id": 1, "zone": "single", "value": "123,4"}]}.'
        )
    own = set(selectors.meters_for_account(account=request.account).values_list("pk", flat=True))
    done = Submission.objects.filter(account=request.account, client_key=key).first()
    if done is not None:
        return _json(submission_json(done, replayed=True), status=200)
    if any(mid not in own for mid, _zone in values):
        return _error(404, "not_found", "Счётчик не найден.")
    try:
        submission = reading_submit(
            account=request.account,
            user=request.user,
            values=values,
            confirm_jump=confirm,
            channel=Submission.Channel.API,
            client_key=key,
        )
    except ReadingErrors as exc:
        fields = {}
        for (mid, zone), _v in values.items():
            name = field_name(mid, zone)
            if name in exc.errors:
                fields[f"{mid}:{zone}"] = exc.errors[name]
        if "__all__" in exc.errors:
            fields["__all__"] = exc.errors["__all__"]
        code = "confirmation_required" if exc.needs_confirmation else "invalid"
        return _error(422, code, exc.message, fields)
    except DomainError as exc:
        return _error(422, exc.code, exc.message, {})
    replayed = getattr(submission, "replayed", False)
    return _json(submission_json(submission, replayed=replayed), status=200 if replayed else 201)
