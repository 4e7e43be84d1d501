"""Building blocks of the fuzz test (``test_fuzz.py``): hostile values, the
URL patterns of the URLconf, the demo city with the resident's own ids and
the forms read from its pages, and the hypothesis strategies built on them."""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import strategies as st

from accounts.security import PUBLIC_DEMO_PASSWORDS

# Left out, and why. Everything else the URLconf routes is fuzzed.
EXCLUDED = {
    "admin/": "staff only, behind TOTP; the staff upload pages have their own tests (issue 12 item 5)",
    "documents/paperless/": "a staff list behind the admin gate",
    "captcha/audio/": "django-simple-captcha's audio needs the flite binary, absent by design (404)",
}

ALLOWED_WEBHOOK_IP = "185.71.76.5"

# --- hostile values -----------------------------------------------------------------

HUGE_NUMBERS = [
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "9" * 40,
    "1e309",
    "-0",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
    "12345678901234,00",
    "99999999999.99",
    "0,001",
]
ODD_UNICODE = [
    "reſıdent@example.ru",
    "İstanbul",
    "straße",
    "١٢٣٤٥٦٧٨٩٠",
    "１２３４５６７８９０",
    "𝟏𝟐𝟑",
    "Ⅻ",
    "\u202eтекст",
    "\ufeff1000000001",
    "a\u200bb",
    "e\u0301",
    "👨\u200d👩\u200d👧",
    "\r\n",
    "\x0b\x0c",
    "%00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{7*7}}",
    "\\",
    "",
    " ",
]
NUL_VALUES = ["\x00", "1000000001\x00", "a\x00b", "\x00" * 50]
# Valid for Django's EmailValidator, 311 characters; the email columns hold 254.
LONG_VALID_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".ru"
# Text that the test client can encode (UTF-8 has no surrogates).
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
long_text = st.builds(lambda s, n: (s or "я") * n, text, st.integers(min_value=50, max_value=400))
hostile = st.one_of(
    st.sampled_from(HUGE_NUMBERS + ODD_UNICODE + NUL_VALUES),
    text,
    long_text,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.emails().map(lambda e: "a" * 200 + e),
    st.just(LONG_VALID_EMAIL),
)

# Escapes that decode to nothing valid (invalid UTF-8, NUL, an encoded slash).
RAW_ESCAPES = ["%FF", "%C0%AF", "%00", "%2F", "%25", "..%2F..%2F", "%E0%A4%A", "%F0%9F%98"]
RAW_QUERIES = [
    "%FF",
    "%00=%00",
    "page=%FF%FE",
    "a=%E0%A4%A",
    "page=1&page=2&page=%00",
    "=",
    "&&&",
    "q=" + "%D1%8F" * 3000,
]

# The names views read from query strings (grep request.GET), and a few more.
QUERY_NAMES = ["page", "credits", "code", "period", "year", "month", "account", "q", "next", "service", "from", "to"]

# --- the URLconf ---------------------------------------------------------------------

PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(patterns, prefix="", converters=None):
    """(route, converters, is_regex) for every leaf pattern."""
    for entry in patterns:
        pattern = entry.pattern
        route = getattr(pattern, "_route", None)
        regex = route is None
        text_ = route if route is not None else str(pattern).lstrip("^").rstrip("$")
        convs = {**(converters or {}), **getattr(pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + text_, convs)
        elif isinstance(entry, URLPattern):
            yield prefix + text_, convs, regex


# Not in the URLconf but served: staff-written articles come from the flatpage
# fallback middleware for any path that is otherwise a 404.
FLATPAGES = "info/<str:page>/"


def fuzzed_routes() -> list[tuple[str, dict, bool]]:
    routes = [(FLATPAGES, {}, False)]
    for route, convs, regex in _routes(get_resolver().url_patterns):
        if any(route.startswith(prefix) for prefix in EXCLUDED):
            continue
        routes.append((route, convs, regex))
    return sorted({(r, tuple(sorted(c.items())), g) for r, c, g in routes})


ROUTES = fuzzed_routes()


# --- the city and its ids ----------------------------------------------------------------


class FormFinder(HTMLParser):
    """Forms of a page: (action, {field name: the value the page puts in it})."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", {}))
        elif tag in ("input", "select", "textarea", "button") and self.forms and attrs.get("name"):
            value = attrs.get("value") or ""
            self.forms[-1][1][attrs["name"]] = value or self.forms[-1][1].get(attrs["name"], "")


class City:
    """The demo city, the resident's client and token, and the ids of the
    resident's own objects by parameter name (per route where one name means
    different things, like the emailed ``token``)."""

    def __init__(self):
        import datetime as dt
        from decimal import Decimal

        from django.contrib.flatpages.models import FlatPage

        from accounts import services as access
        from accounts.models import AccessToken, AccountLink, User
        from billing.models import Charge, Statement
        from demo import builder
        from documents import services as documents
        from documents.services.registry import register_document
        from eirc.errors import DomainError
        from meters.models import Meter, Submission
        from meters.services import reading_submit
        from meters.tokens import api_token_create
        from payments import services as payments
        from payments.models import SandboxPayment

        builder.seed(accounts=2, months=3, out=lambda *_: None)
        self.user = User.objects.get(username="resident")
        account = AccountLink.objects.filter(user=self.user).first().account
        for meter in Meter.objects.filter(account=account, zones="single")[:1]:
            # The window of today's date may refuse it: the history has codes anyway.
            with contextlib.suppress(DomainError):
                reading_submit(
                    account=account, user=self.user, values={(meter.pk, "single"): "99999"}, confirm_jump=True
                )
        token_row, self.token = api_token_create(user=self.user, account=account, name="fuzz")
        payment = payments.payment_start(
            payment_id=payments.payment_create(account=account, user=self.user, amount=Decimal("10.00")).pk
        )
        certificate = documents.certificate_order(user=self.user, account=account, kind="other", text="справка")
        document = register_document(kind="receipt", account=account, title="ЕПД")
        months = Statement.objects.filter(account=account, period__status="closed").values_list(
            "period__month", flat=True
        )
        tokens = {
            route: access.token_issue(purpose=purpose, lifetime=dt.timedelta(hours=1), **who)
            for route, purpose, who in (
                (
                    "accounts/register/confirm/<key:token>/",
                    AccessToken.Purpose.REGISTRATION,
                    {"account": account, "email": "new@example.ru"},
                ),
                ("accounts/password-reset/<key:token>/", AccessToken.Purpose.PASSWORD_RESET, {"user": self.user}),
                (
                    "accounts/profile/email/<key:token>/",
                    AccessToken.Purpose.EMAIL_CHANGE,
                    {"user": self.user, "email": "new@example.ru"},
                ),
            )
        }
        self.user.email_confirmed_at = self.user.email_confirmed_at or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self.user.save(update_fields=["email_confirmed_at"])
        self.ids: dict = {
            "meter_id": [str(m) for m in Meter.objects.filter(account=account).values_list("pk", flat=True)],
            "charge_id": [str(c) for c in Charge.objects.filter(account=account).values_list("pk", flat=True)[:5]],
            "payment_id": [str(payment.pk)],
            "request_id": [str(certificate.pk)],
            "account_id": [str(account.pk)],
            "token_id": [str(token_row.pk)],
            "code": list(Submission.objects.filter(account=account).values_list("code", flat=True)) + [document.code],
            "provider_payment_id": [str(pk) for pk in SandboxPayment.objects.values_list("pk", flat=True)[:3]],
            "year": sorted({str(m.year) for m in months}),
            "month": sorted({str(m.month) for m in months}),
            "page": [url.strip("/").rsplit("/", 1)[-1] for url in FlatPage.objects.values_list("url", flat=True)],
            ("documents/unsubscribe/<key:token>/", "token"): [documents.unsubscribe_token(self.user)],
            **{(route, "token"): [raw] for route, raw in tokens.items()},
        }
        assert all(self.ids[k] for k in ("meter_id", "charge_id", "code", "year", "provider_payment_id")), self.ids
        self.resident = Client(raise_request_exception=True)
        self.anonymous = Client(raise_request_exception=True)
        self.resident_routes: set[str] = set()
        self.fields: dict[str, dict[str, str]] = {}
        self._discover()

    def own(self, route: str, name: str) -> list[str]:
        return self.ids.get((route, name)) or self.ids.get(name) or []

    def login(self):
        self.resident.force_login(self.user)

    def sample_path(self, route: str, convs: dict) -> str:
        def fill(match):
            values = self.own(route, match["name"])
            if values:
                return quote(values[0], safe="")
            return str(uuid.uuid4()) if match["conv"] == "uuid" else "1"

        return "/" + PARAM.sub(fill, route)

    def _discover(self):
        """Which routes need a login (a visitor's GET or POST is sent to the
        login page), and the fields of every form, read from every page as
        the resident and as a visitor."""
        from django.urls import Resolver404, resolve

        self.login()
        # Reading the pages changes nothing (an empty POST may still consume
        # an emailed link, like the email-change confirmation).
        with transaction.atomic():
            self._read_pages(resolve, Resolver404)
            transaction.set_rollback(True)

    def _read_pages(self, resolve, Resolver404):
        for route, convs, regex in ROUTES:
            if regex:
                continue
            path = self.sample_path(route, dict(convs))
            for method in ("get", "post"):
                answer = getattr(self.anonymous, method)(path)
                if answer.status_code == 302 and answer.get("Location", "").startswith("/accounts/login/"):
                    self.resident_routes.add(route)
            for client in (self.resident, self.anonymous):
                response = client.get(path)
                if "text/html" not in response.get("Content-Type", ""):
                    continue
                finder = FormFinder()
                finder.feed(response.content.decode("utf-8", "replace"))
                for action, fields in finder.forms:
                    target = urlsplit(action).path or path
                    try:
                        match = resolve(target)
                    except Resolver404:
                        continue
                    known = self.fields.setdefault(match.route, {})
                    known.update({k: v for k, v in fields.items() if v or k not in known})
            self.login()  # a page may have ended the session (logout)


def param_strategy(city: City, route: str, converter, name: str):
    valid = st.from_regex(re.compile(converter.regex), fullmatch=True) if converter is not None else text
    valid = valid.map(lambda v: quote(v, safe=""))
    own = st.sampled_from([quote(v, safe="") for v in city.own(route, name)]) if city.own(route, name) else valid
    # Mostly the resident's own ids (to get past the 404), then what the
    # converter accepts, then anything at all (quoted), or broken escapes.
    return st.one_of(own, own, valid, hostile.map(lambda v: quote(v, safe="")), st.sampled_from(RAW_ESCAPES))


def path_strategy(city: City, route: str, convs: dict, regex: bool):
    if regex:
        # django-simple-captcha's patterns: generate what the regex accepts.
        return st.from_regex(re.compile("^" + route + "$"), fullmatch=False).map(lambda p: "/" + p.lstrip("^"))
    names = [m["name"] for m in PARAM.finditer(route)]
    if not names:
        return st.just("/" + route)
    parts = st.fixed_dictionaries({n: param_strategy(city, route, convs.get(n), n) for n in names})

    def build(values):
        return "/" + PARAM.sub(lambda m: values[m["name"]], route)

    return parts.map(build)


def query_strategy(names):
    keys = st.one_of(st.sampled_from(sorted(set(QUERY_NAMES) | set(names))), text.filter(bool))
    return st.one_of(st.dictionaries(keys, hostile, max_size=4), st.sampled_from(RAW_QUERIES))


# Request headers the site reads: the client address behind the proxy (parsed
# by accounts.security.client_ip, stored in security events and lockouts),
# the browser (stored by django-axes), the language (LocaleMiddleware).
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_X_FORWARDED_FOR": st.one_of(
            hostile, st.sampled_from(["203.0.113.5", "::1, 10.0.0.1", "1.2.3.4, 127.0.0.1"])
        ),
        "HTTP_USER_AGENT": hostile,
        "HTTP_ACCEPT_LANGUAGE": hostile,
        "HTTP_REFERER": hostile,
    },
)


# A plausible value per field name, so that a mutated form gets past the
# fields it does not mutate (a valid captcha, a real account number, the demo
# resident's password): the hostile value then reaches deep code.
PLAUSIBLE = {
    "username": "1000000001",
    "password": PUBLIC_DEMO_PASSWORDS["resident"],
    "current_password": PUBLIC_DEMO_PASSWORDS["resident"],
    "new_password1": "a-long-new-passphrase-2026",
    "new_password2": "a-long-new-passphrase-2026",
    "account_number": "1000000001",
    "amount": "100,00",
    "email": "resident@example.ru",
    "captcha_0": "test",
    "captcha_1": "PASSED",
    "kind": "other",
    "text": "справка о составе семьи",
    "date_from": "01.01.2026",
    "date_to": "31.01.2026",
    "name": "умный дом",
    "decision": "pay",
    "paperless": "on",
    "notify_readings": "on",
    "notify_payments": "on",
    "paperless_receipts": "on",
    "confirm_jump": "on",
    "account": "1",
    "code": "ABCD-EFGH",
}


def form_strategy(city: City, route: str):
    """The form's plausible values, a few of them (and of the headers)
    replaced by hostile ones, some dropped, some extra fields."""
    fields = {k: v for k, v in city.fields.get(route, {}).items() if k != "csrfmiddlewaretoken"}
    base = {name: PLAUSIBLE.get(name) or (value if value else "100") for name, value in fields.items()}
    if any(name.startswith("m") and name[1:2].isdigit() for name in base):  # the readings form: m<id>_<zone>
        base.update({name: "150" for name in base if name[:1] == "m" and name[1:2].isdigit()})
    names = sorted(base)
    mutations = st.dictionaries(st.sampled_from(names), hostile, max_size=3) if names else st.just({})
    dropped = st.sets(st.sampled_from(names), max_size=2) if names else st.just(set())
    extra = st.dictionaries(text.filter(bool), hostile, max_size=2)

    def build(parts):
        changed, gone, more, token = parts
        form = {**more, **{k: v for k, v in base.items() if k not in gone}, **changed}
        if "form_token" in base and "form_token" not in changed and "form_token" not in gone:
            form["form_token"] = token  # a form token names one attempt: each example is a new one
        return form

    return st.tuples(mutations, dropped, extra, st.uuids().map(str)).map(build)


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40), st.floats(), hostile
)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12
)


def readings_body_strategy(city: City):
    plausible = st.sampled_from(["160", "123,456", "99999", "0", "1e3", 170, 180.5])
    value = st.one_of(plausible, plausible, hostile, json_scalars)
    own = st.sampled_from(city.ids["meter_id"]).map(int)
    reading = st.fixed_dictionaries(
        {"meter_id": st.one_of(own, own, own, json_scalars), "value": value},
        optional={"zone": st.one_of(st.sampled_from(["single", "day", "night"]), json_scalars)},
    )
    body = st.one_of(
        st.fixed_dictionaries(
            {"readings": st.lists(reading, min_size=1, max_size=3)}, optional={"confirm_jump": json_scalars}
        ),
        st.fixed_dictionaries(
            {"readings": st.lists(reading, min_size=1, max_size=3)}, optional={"confirm_jump": json_scalars}
        ),
        json_values,
    )
    nested = st.integers(1, 1200).map(lambda n: "[" * n + "]" * n)
    return st.one_of(body.map(lambda b: json.dumps(b, ensure_ascii=False)), hostile, nested)


# The classic attacks, tried on every URL before the random ones (hypothesis'
# explicit examples): in every path parameter, in every form field alone (the
# others plausible), in the headers and in the JSON bodies.
CLASSIC_VALUES = ["x\x00", "2147483648", "9" * 40, "я" * 3000, LONG_VALID_EMAIL]
CLASSIC_PATH_VALUES = ["%00", "2147483648", "99999999999999999999", "%FF"]
DEEP_ARRAY = "[" * 950 + "]" * 950
DEEP_OBJECT = '{"a":' * 950 + "1" + "}" * 950
CLASSIC_BODIES = [
    DEEP_ARRAY,
    DEEP_OBJECT,
    '{"readings": [{"meter_id": 1e400, "value": "1"}]}',
    '{"readings": [{"meter_id": 1, "zone": "sin\\u0000gle", "value": "1"}]}',
    '{"readings": [{"meter_id": 1, "value": 1e400}]}',
    '{"type": "notification", "event": "payment.succeeded", "object": {"id": "p\\u0000"}}',
    '{"type": "notification", "event": "payment.succeeded", "object": []}',
    "x" * 70_000,
]


def classic_paths(city: City, route: str, regex: bool) -> list[str]:
    if regex or not PARAM.search(route):
        return []
    return ["/" + PARAM.sub(lambda m, v=value: v, route) for value in CLASSIC_PATH_VALUES]


def classic_forms(city: City, route: str) -> list[dict]:
    fields = {k: v for k, v in city.fields.get(route, {}).items() if k != "csrfmiddlewaretoken"}
    base = {name: PLAUSIBLE.get(name) or (value if value else "100") for name, value in fields.items()}
    forms = [dict(base)] if base else [{}]
    for name in sorted(base):
        forms += [{**base, name: value} for value in CLASSIC_VALUES]
    for form in forms:  # a form token names one attempt: each example is a new one
        if "form_token" in form and form["form_token"] in (base.get("form_token"), None):
            form["form_token"] = str(uuid.uuid4())
    return forms
