"""A bounded fuzz over every resident and public URL and form: never a 5xx.

The URLs come from the URLconf itself, so a new page is fuzzed without
anyone adding it here; only the prefixes in ``fuzzing.EXCLUDED`` are left out, each
with its reason (and the flatpage fallback, which no pattern names, is
added). Every URL pattern gets, as hypothesis examples:

* first the classic attacks (explicit examples, the same on every run): a
  NUL, 2147483648, a 40-digit number, broken percent-escapes in each path
  parameter; a NUL, huge numbers, 3 000 Cyrillic letters and a valid
  311-character email in each form field alone, the others plausible; a NUL
  in the headers; JSON nested 950 deep, infinities and NULs in the bodies;
* then ``EXAMPLES`` GETs and ``EXAMPLES`` or ``FORM_EXAMPLES`` POSTs drawn at
  random (derandomised: the same draws on every run): path parameters that
  are the resident's own ids, what the converter accepts, or anything;
  query strings (the names views read, random ones, raw broken ones);
  forms whose fields are read from every page's HTML (so a new form is
  covered) with plausible values, a few replaced by hostile ones (long,
  NUL, huge numbers, odd Unicode), some dropped; hostile X-Forwarded-For,
  User-Agent, Accept-Language and Referer; for the API a bearer token and
  JSON bodies; for the payment webhook raw bodies from an allow-listed and
  a stranger's address.

Resident pages are fetched logged in as the demo resident (the demo city of
``seed_demo``: closed months, meters, payments, a certificate, live emailed
links); public pages by a fresh visitor each time. Throttles and lockouts
are raised out of the way so every example reaches the view, and each URL
starts from the same city (its changes are rolled back). ``FUZZ_VERBOSE=1``
prints what every URL answered. On this 2-core machine the fuzz runs
≈ 2 200 requests in about 1.5 minutes when the machine is otherwise idle.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from eirc.tests.fuzzing import (
    ALLOWED_WEBHOOK_IP,
    CLASSIC_BODIES,
    CLASSIC_VALUES,
    FLATPAGES,
    HEADERS,
    ROUTES,
    City,
    classic_forms,
    classic_paths,
    form_strategy,
    hostile,
    json_values,
    path_strategy,
    query_strategy,
    readings_body_strategy,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FUZZ_VERBOSE = bool(os.environ.get("FUZZ_VERBOSE"))
EXAMPLES = 8  # GETs per URL pattern, and POSTs where no form posts to it
FORM_EXAMPLES = 12  # POSTs to a URL that a form (or the API, or the gateway) posts to


@pytest.fixture
def city(settings, monkeypatch):
    from captcha.conf import settings as captcha_settings
    from django.core.cache import cache

    from payments import providers

    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)
    # Hashing is not what is fuzzed: a cheap hasher keeps logins, password
    # changes and the seed fast (Argon2 still verifies any Argon2 hash).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    settings.PAYMENT_PROVIDER = "payments.providers.sandbox.SandboxProvider"
    providers._load.cache_clear()
    # Throttles and lockouts would turn most examples into a 429 at the door.
    settings.AXES_FAILURE_LIMIT = 10**6
    settings.ACCOUNTS_THROTTLES = {
        scope: (10**6, window) for scope, (_l, window) in settings.ACCOUNTS_THROTTLES.items()
    }
    settings.METERS_API = {**settings.METERS_API, "RATE_PER_MINUTE": 10**6}
    # As in production behind nginx: X-Forwarded-For is read (and fuzzed).
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    cache.clear()
    yield City()
    cache.clear()
    providers._load.cache_clear()


# --- the fuzz ------------------------------------------------------------------------------


def test_the_fuzz_covers_the_resident_and_public_urls():
    routes = [r for r, _c, _g in ROUTES]
    for expected in (
        "",
        "accounts/login/",
        "accounts/register/",
        "accounts/password-reset/",
        "accounts/profile/email/",
        "cabinet/",
        "cabinet/readings/",
        "cabinet/receipts/<int:year>-<int:month>/download/",
        "cabinet/receipts/paperless/",
        "payments/pay/",
        "payments/yookassa/webhook/",
        "api/v1/readings/",
        "api/v1/submissions/<key:code>/",
        "documents/unsubscribe/<key:token>/",
        FLATPAGES,
    ):
        assert expected in routes, expected
    assert not [r for r in routes if r.startswith("admin/")]


def _with_examples(test, examples: list[dict]):
    for kwargs in reversed(examples):
        test = example(**kwargs)(test)
    return test


def _fuzz_route(city: City, route: str, convs: dict, regex: bool, tally: Counter) -> None:
    """Hypothesis over one URL pattern: GET, then POST (form, JSON or raw)."""
    resident = route in city.resident_routes
    client = city.resident
    api = route.startswith("api/")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {city.token}"} if api else {}
    sample = city.sample_path(route, convs) if not regex else "/" + route.replace("(?P<key>\\w+)", "abc")
    posts_a_form = bool(city.fields.get(route)) or route in ("api/v1/readings/", "payments/yookassa/webhook/")
    examples = {"get": EXAMPLES, "post": FORM_EXAMPLES if posts_a_form else EXAMPLES}

    def fuzz(method, test, explicit):
        return hsettings(
            max_examples=examples[method] + len(explicit),
            derandomize=True,
            database=None,
            deadline=None,
            phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure is reported as it came
            suppress_health_check=list(HealthCheck),
        )(_with_examples(test, explicit))

    def send(method, path, *args, **kwargs):
        if resident and method != "get":  # a GET logs nobody out; a POST may have
            city.login()
        # A visitor starts afresh each time (a plausible login may succeed).
        who = client if resident else Client(raise_request_exception=True)
        # A savepoint per request: a failing one is reported and cannot
        # poison the transaction for the next.
        with transaction.atomic():
            response = getattr(who, "post" if method == "raw" else method)(path, *args, **kwargs)
        tally[f"{response.status_code // 100}xx"] += 1
        tally[(route, method, response.status_code)] += 1
        assert response.status_code < 500, f"{method.upper()} {path!r} → {response.status_code}"

    @given(
        path=path_strategy(city, route, convs, regex), query=query_strategy(city.fields.get(route, {})), extra=HEADERS
    )
    def get(path, query, extra):
        if isinstance(query, str):
            send("get", f"{path}?{query}", **headers, **extra)
        else:
            send("get", path, query, **headers, **extra)

    @given(path=path_strategy(city, route, convs, regex), form=form_strategy(city, route), extra=HEADERS)
    def post(path, form, extra):
        send("post", path, form, **headers, **extra)

    @given(body=readings_body_strategy(city), key=hostile)
    def post_json(body, key):
        key = "".join(c for c in key if c.isascii() and c.isprintable())[:60] or "k"
        send("raw", "/" + route, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers)

    @given(
        body=st.one_of(json_values.map(json.dumps), hostile), ip=st.sampled_from([ALLOWED_WEBHOOK_IP, "203.0.113.9"])
    )
    def post_webhook(body, ip):
        send("raw", "/" + route, body, content_type="application/json", REMOTE_ADDR=ip)

    paths = classic_paths(city, route, regex)
    gets = [{"path": p, "query": {}, "extra": {}} for p in paths] + [
        {"path": sample, "query": {"page": value, "code": value}, "extra": {}} for value in CLASSIC_VALUES[:2]
    ]
    gets.append({"path": sample, "query": {}, "extra": {"HTTP_USER_AGENT": "x\x00", "HTTP_X_FORWARDED_FOR": "x\x00"}})
    city.login()
    fuzz("get", get, gets)()
    if route == "payments/yookassa/webhook/":
        bodies = [{"body": body, "ip": ip} for body in CLASSIC_BODIES for ip in (ALLOWED_WEBHOOK_IP, "203.0.113.9")]
        fuzz("post", post_webhook, bodies)()
    elif route == "api/v1/readings/":
        fuzz(
            "post",
            post_json,
            [{"body": body, "key": "k"} for body in CLASSIC_BODIES] + [{"body": "{}", "key": "k\x00"}],
        )()
    else:
        posts = [{"path": sample, "form": form, "extra": {}} for form in classic_forms(city, route)]
        posts += [{"path": p, "form": {}, "extra": {}} for p in paths]
        fuzz("post", post, posts)()


def test_no_input_on_any_resident_or_public_url_makes_a_5xx(city):
    tally: Counter = Counter()
    failures = []
    for route, convs, regex in ROUTES:
        try:
            # Every URL starts from the same city: what one fuzzed (a password
            # change, an unlinked account, a revoked token) is rolled back.
            started = time.monotonic()
            with transaction.atomic():
                _fuzz_route(city, route, dict(convs), regex, tally)
                transaction.set_rollback(True)
            tally[(route, "seconds")] = round(time.monotonic() - started, 1)
        except Exception as exc:
            failures.append(f"/{route}: {type(exc).__name__}: {str(exc)[:300]}")
    classes = {k: v for k, v in tally.items() if isinstance(k, str)}
    total = sum(classes.values())
    print(f"\nfuzz: {total} requests over {len(ROUTES)} URL patterns, by status class {dict(sorted(classes.items()))}")
    if FUZZ_VERBOSE:
        for route, *_ in ROUTES:
            seen = {
                f"{k[1]} {k[2]}": n for k, n in tally.items() if isinstance(k, tuple) and len(k) == 3 and k[0] == route
            }
            login = "resident" if route in city.resident_routes else "visitor"
            print(
                f"  {tally[(route, 'seconds')]:5.1f}s /{route} [{login}] fields={sorted(city.fields.get(route, {}))} {seen}"
            )
    assert not failures, "\n".join(failures)
    assert tally["5xx"] == 0
    assert total >= len(ROUTES) * EXAMPLES
