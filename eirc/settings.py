"""Settings of the EIRC residents' portal.

One file, read from the environment (django-environ). The defaults run the
embedded mode of DESIGN §6: SQLite under ``var/``, Celery eager (in process),
console email, sandbox payments. Production sets variables (see
``.env.example``); with DEBUG off, unsafe settings stop start-up.
"""

from __future__ import annotations

import ipaddress
import shutil
import sys
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

import environ
import whitenoise.compress
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():  # pragma: no cover - developer convenience
    environ.Env.read_env(str(env_file))

DEBUG = env.bool("DEBUG", default=True)
TESTING = "pytest" in sys.modules or env.bool("EIRC_TESTING", default=False)

_DEV_SECRET = "dev-insecure-key-only-for-debug-and-tests-0000000000000000000"  # noqa: S105 - refused when DEBUG is off
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])


def _refuse(message: str) -> NoReturn:
    """Stop start-up on an unsafe setting with one line, not a traceback.

    The error is still an ``ImproperlyConfigured`` (gunicorn and tests see
    the usual exception); only an uncaught one at the top of a command
    (``manage.py``, ``celery``) is printed as its message alone.
    """
    default_hook = sys.excepthook

    def one_line(kind, value, tb):
        if issubclass(kind, ImproperlyConfigured):
            print(f"ImproperlyConfigured: {value}", file=sys.stderr)
        else:
            default_hook(kind, value, tb)

    sys.excepthook = one_line
    raise ImproperlyConfigured(message)


def _weak_secret(key: str) -> bool:
    return len(key) < 50 or len(set(key)) < 5 or key.startswith(("django-insecure", "dev-insecure"))


if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET
else:
    if not SECRET_KEY:
        _refuse(
            "SECRET_KEY is not set: with DEBUG off set a random SECRET_KEY of 50+ characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    if _weak_secret(SECRET_KEY):
        _refuse("SECRET_KEY is weak: with DEBUG off use 50+ random characters, not a default value.")
    if not ALLOWED_HOSTS:
        _refuse("ALLOWED_HOSTS is empty: with DEBUG off list the site's host names.")

# Public address of the site: emailed links and the payment gateway's return
# address are built from it, never from the request's Host header. Unset, it
# is the embedded server's own address: `make run` serves on PORT (8000), so
# `PORT=8080 make run` links to :8080.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "captcha",
    "bootstrap",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "eirc",
    "accounts",
    "billing",
    "meters",
    "payments",
    "documents",
    "demo",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "eirc.middleware.SecurityHeadersMiddleware",
    "eirc.middleware.RefuseNulHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.LoginTransactionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "eirc.urls"
# Widgets render through the project's templates too, so templates/ may
# override a package's widget (templates/captcha/widgets/captcha.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "eirc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "eirc.context_processors.site",
                "documents.context_processors.notices",
            ],
        },
    },
]

# --- Database: SQLite under var/ by default, Postgres via DATABASE_URL ------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'eirc.sqlite3'}")}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Django's backend, with a health check that asks the socket before it
    # sends SELECT 1 (eirc/db/postgresql/base.py).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "eirc.db.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.AccountNumberBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Passwords (DOMAIN: >= 12 characters, common-password check, Argon2id) -
PASSWORD_HASHERS = [
    "eirc.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "email", "first_name", "last_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "eirc.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "accounts.validators.AccountSimilarityValidator"},
]

# --- Language, time ------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский"))]
TIME_ZONE = "Europe/Simferopol"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["eirc.formats"]

# --- Static and media ----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Receipts and certificates live in private storage: no public URL is ever
# generated; files are served by views that check ownership.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/nonexistent-private/"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# collectstatic compresses every file (gzip, and brotli, which weasyprint's
# fonttools brings in). Source maps are 13 MB of Bootstrap that only browser
# developer tools read: compressing them took 60 % of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*whitenoise.compress.Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# --- Cache (throttles, rate limits, cabinet pages) ------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A Redis outage must not answer 500: the cache holds only throttle
    # counters and cabinet pages that can be computed again, so while Redis
    # is away they read as empty (eirc/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "eirc.cache.OutageTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The cabinet's page bodies (eirc/pagecache.py) are keyed on data versions that
# every write bumps, so they are never stale; the lifetime only bounds memory.
CABINET_CACHE_SECONDS = env.int("CABINET_CACHE_SECONDS", default=15 * 60)

# --- Celery: workers on Redis, or eager in process when no broker is set ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# Tests run tasks in process unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL or TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Reliability (docs/operations.md): a message is acknowledged only after its
# task finished, so a worker killed mid-task (kill -9, OOM, a lost machine)
# leaves it to be delivered again; tasks are idempotent for that reason.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# Redis hands an unacknowledged message to another worker after this many
# seconds: longer than any task runs or waits for its retry (the longest
# back-off is send_email's 1800 s), short enough that a killed worker's
# tasks come back within the hour.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for such messages every 10 s (kombu's default scans every 100 s).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 5,
    "socket_timeout": 10,
}
# A worker and beat wait for the broker as long as it takes (systemd restarts
# them too); a web request never waits: the outbox (eirc/jobs.py) keeps the work.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks running when the broker connection drops finish their work; their
# messages come back after the visibility timeout and are skipped as done.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE: dict = {}


def scheduled(task: str, *, every: int, schedule) -> dict:
    """A beat entry that runs ``task`` at most once per period of ``every``
    seconds, however often beat fires it (eirc.tasks.scheduled)."""
    return {"task": "eirc.tasks.scheduled", "schedule": schedule, "kwargs": {"task": task, "every": every}}


def every_minutes(name: str, minutes: int) -> tuple[int, object]:
    """(period in seconds, crontab) of a task run every ``minutes`` on the
    clock (:00, :05, …), read from the variable ``name``: it divides 60."""
    if minutes < 1 or 60 % minutes:
        _refuse(f"{name} must divide 60 (1, 2, 3, 5, 10, 15, 20, 30 or 60), not {minutes}.")
    return minutes * 60, crontab(minute=f"*/{minutes}" if minutes < 60 else "0")


# The outbox sweep publishes what a broker outage left unsent (rows older
# than one sweep interval); finished rows are kept OUTBOX_KEEP_DAYS.
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=30)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=14)
CELERY_BEAT_SCHEDULE["eirc-outbox-sweep"] = {"task": "eirc.tasks.outbox_sweep", "schedule": float(OUTBOX_SWEEP_SECONDS)}
CELERY_BEAT_SCHEDULE["eirc-outbox-cleanup"] = scheduled(
    "eirc.tasks.outbox_cleanup", every=24 * 60 * 60, schedule=crontab(hour=3, minute=15)
)

# --- Email: console by default, SMTP via EMAIL_URL -----------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ЕИРЦ Севастополь <no-reply@lk.sev-eirc.ru>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- The centre itself (footer, emails, receipts) ---------------------------
EIRC = {
    "NAME": env.str("EIRC_NAME", default="ЕИРЦ Севастополь"),
    "FULL_NAME": env.str("EIRC_FULL_NAME", default="Единый информационно-расчётный центр города Севастополя"),
    "HOTLINE": env.str("EIRC_HOTLINE", default="+7 (8692) 00-00-00"),
    "EMAIL": env.str("EIRC_EMAIL", default="info@sev-eirc.ru"),
    "ADDRESS": env.str("EIRC_ADDRESS", default="299011, г. Севастополь, ул. Большая Морская, д. 28"),
    "WEBSITE": env.str("EIRC_WEBSITE", default="https://sev-eirc.ru"),
}

# --- Payments -------------------------------------------------------------
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="payments.providers.sandbox.SandboxProvider")
PAYMENT_SANDBOX_ALLOWED = env.bool("PAYMENT_SANDBOX_ALLOWED", default=False)
PAYMENT_MAX_AMOUNT = env.str("PAYMENT_MAX_AMOUNT", default="500000.00")
YOOKASSA_SHOP_ID = env.str("YOOKASSA_SHOP_ID", default="")
YOOKASSA_SECRET_KEY = env.str("YOOKASSA_SECRET_KEY", default="")
YOOKASSA_API_URL = env.str("YOOKASSA_API_URL", default="")
YOOKASSA_TIMEOUT = env.float("YOOKASSA_TIMEOUT", default=10.0)
YOOKASSA_WEBHOOK_NETWORKS = env.list(
    "YOOKASSA_WEBHOOK_NETWORKS",
    default=[
        "185.71.76.0/27",
        "185.71.77.0/27",
        "77.75.153.0/25",
        "77.75.156.11/32",
        "77.75.156.35/32",
        "77.75.154.128/25",
        "2a02:5180::/32",
    ],
)
# The reverse proxies whose X-Forwarded-For is believed (accounts.security.client_ip,
# the webhook's sender check). Behind nginx with none set, every client has
# nginx's address: one address's failed logins would lock everybody out and
# the per-address throttles would become one global counter. So with DEBUG
# off it is required.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        _refuse(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network (e.g. 127.0.0.1 or 10.0.0.0/24).")
if not DEBUG and not TRUSTED_PROXIES:
    _refuse(
        "TRUSTED_PROXIES is empty: with DEBUG off list the reverse proxy's addresses "
        "(127.0.0.1 when nginx runs on this machine), or every client looks like the proxy."
    )

if not DEBUG and PAYMENT_PROVIDER.endswith("SandboxProvider") and not PAYMENT_SANDBOX_ALLOWED:
    _refuse(
        "The sandbox payment provider is refused with DEBUG off: set PAYMENT_PROVIDER to "
        "payments.providers.yookassa.YooKassaProvider (or PAYMENT_SANDBOX_ALLOWED=true for a demo stand)."
    )

# --- Billing domain defaults (DOMAIN.md; staff-editable data lives in tables)
BILLING = {
    "READINGS_WINDOW": (env.int("READINGS_WINDOW_START", default=20), env.int("READINGS_WINDOW_END", default=25)),
    "AVERAGE_MAX_PERIODS": 3,
    "AVERAGE_HISTORY_MONTHS": 6,
    "IMPLAUSIBLE_FACTOR": env.int("READINGS_IMPLAUSIBLE_FACTOR", default=5),
}

# --- Forms, captcha ------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
CAPTCHA_TEST_MODE = env.bool("CAPTCHA_TEST_MODE", default=False)
CAPTCHA_LENGTH = 5
CAPTCHA_FONT_SIZE = 30
# The audio version of the captcha (a link beside the picture) is spoken by
# Debian's flite (scripts/ensure-debian-packages installs it); without flite
# the link is not shown.
CAPTCHA_FLITE_PATH = env.str("CAPTCHA_FLITE_PATH", default=shutil.which("flite") or "") or None

# --- Sessions and security (DOMAIN security baseline) -------------------------
# Database sessions (revocable, whatever happens to Redis), read with one
# plain query: eirc/sessions.py.
SESSION_ENGINE = "eirc.sessions"
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute lifetime
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "eirc.views.csrf_failure"
CSP = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    ),
)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# --- Logging: structured security log; the YooKassa SDK's logger stays off --
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The SDK logs request headers including Basic-auth secrets at DEBUG.
        "yookassa": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "eirc.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- public pages ---
# The project package is not an app: register its template library ({% load eirc %}).
TEMPLATES[0]["OPTIONS"].setdefault("libraries", {})["eirc"] = "eirc.templatetags.eirc"


# --- accounts (access) ---
# The proof of holding an account is an amount of a recent bill: a fact of
# billing, which sits above accounts, so accounts names the reader here.
ACCOUNTS_BILL_AMOUNTS = "billing.selectors.proof.recent_bill_amounts"
# Brute force (DOMAIN): django-axes locks a login identifier and a client
# address separately after AXES_FAILURE_LIMIT failures; the lockout lifts by
# itself AXES_COOLOFF_TIME after the last counted failure, and failures during
# a lockout do not extend it (no lock-forever by a third party). With 10
# failures per 15 minutes at most 40 failures per account per hour reach the
# password check (DOMAIN: at most 100).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "captcha_1"]
AXES_VERBOSE = False
# Registration and reset throttles (accounts/throttle.py): (limit, window in s).
ACCOUNTS_THROTTLES = {
    "register_number": (env.int("THROTTLE_REGISTER_PER_NUMBER", default=5), 3600),
    "register_ip": (env.int("THROTTLE_REGISTER_PER_IP", default=20), 3600),
    "reset_number": (env.int("THROTTLE_RESET_PER_NUMBER", default=5), 3600),
    "reset_ip": (env.int("THROTTLE_RESET_PER_IP", default=20), 3600),
    "link_number": (env.int("THROTTLE_LINK_PER_NUMBER", default=5), 3600),
    "link_user": (env.int("THROTTLE_LINK_PER_USER", default=10), 3600),
    # Wrong current passwords on the profile (password or email change).
    "reauth_user": (10, 3600),
    # Wrong one-time or recovery codes after a right password (two-factor login).
    "otp_user": (10, 900),
}
REGISTRATION_LINK_LIFETIME = timedelta(hours=24)
PASSWORD_RESET_LINK_LIFETIME = timedelta(hours=1)
EMAIL_CHANGE_LINK_LIFETIME = timedelta(hours=24)
# Residents per email task of a notice («разослать»): a chunk is one short task.
NOTICE_EMAIL_CHUNK = env.int("NOTICE_EMAIL_CHUNK", default=200)
HOUSEHOLD_INVITATION_LIFETIME = timedelta(hours=72)  # a relative may open it only after a weekend
# The e-receipt email's unsubscribe link (signed, no login): every monthly
# receipt brings a fresh one, so 60 days cover a late reader and a missed
# month; an older link says so and points to the cabinet.
UNSUBSCRIBE_LINK_LIFETIME = timedelta(days=60)
CONSENT_TEXT_VERSION = env.str("CONSENT_TEXT_VERSION", default="2026-01")
# Staff two-factor login (django-otp TOTP) for /admin/: on by default in
# production, off in DEBUG so the demo admin login of `make run` works.
# Enrol a device with `manage.py enroll_totp USERNAME`.
ADMIN_REQUIRE_OTP = env.bool("ADMIN_REQUIRE_OTP", default=not DEBUG)
OTP_TOTP_ISSUER = EIRC["NAME"]

# --- payments ---------------------------------------------------------------
# Pending attempts are re-fetched after this many minutes; given up after hours.
PAYMENT_RECONCILE_AFTER_MINUTES = env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=10)
PAYMENT_EXPIRE_AFTER_HOURS = env.int("PAYMENT_EXPIRE_AFTER_HOURS", default=24)
# 54-ФЗ receipt data: the codes are the accountant's decision, not guesses.
YOOKASSA_RECEIPT = {
    "enabled": env.bool("YOOKASSA_RECEIPT_ENABLED", default=True),
    "vat_code": env.int("YOOKASSA_VAT_CODE", default=1),
    "payment_subject": env.str("YOOKASSA_PAYMENT_SUBJECT", default="service"),
    "payment_mode": env.str("YOOKASSA_PAYMENT_MODE", default="full_payment"),
}
# Whether the shop's contract forwards a `payment_order` (type utilities) to ГИС ЖКХ.
YOOKASSA_PAYMENT_ORDER = env.bool("YOOKASSA_PAYMENT_ORDER", default=False)
YOOKASSA_PAYEE = {
    "name": env.str("EIRC_PAYEE_NAME", default="ГУПС «ЕИРЦ»"),
    "inn": env.str("EIRC_PAYEE_INN", default="9204000000"),
    "kpp": env.str("EIRC_PAYEE_KPP", default="920401001"),
    "bank": {
        "name": env.str("EIRC_PAYEE_BANK", default="РНКБ Банк (ПАО)"),
        "bic": env.str("EIRC_PAYEE_BIC", default="043510607"),
        "account": env.str("EIRC_PAYEE_ACCOUNT", default="40602810000000000001"),
        "correspondent_account": env.str("EIRC_PAYEE_CORR", default="30101810335100000607"),
    },
}
_every, _cron = every_minutes("PAYMENTS_RECONCILE_MINUTES", env.int("PAYMENTS_RECONCILE_MINUTES", default=5))
CELERY_BEAT_SCHEDULE["payments-reconcile"] = scheduled(
    "payments.tasks.payments_reconcile", every=_every, schedule=_cron
)
# Paying without friction (issue 17, docs/payments.md): quick pay without a
# login is throttled per address and per account number (lookups per hour);
# the texts of the saved-card and autopay consents carry their versions;
# autopay plans, warns and charges once a day (the task is idempotent: one
# payment per account and receipt however often it runs).
ACCOUNTS_THROTTLES["quickpay_ip"] = (env.int("THROTTLE_QUICKPAY_PER_IP", default=20), 3600)
ACCOUNTS_THROTTLES["quickpay_number"] = (env.int("THROTTLE_QUICKPAY_PER_NUMBER", default=5), 3600)
SAVED_CARD_CONSENT_VERSION = env.str("SAVED_CARD_CONSENT_VERSION", default="2026-12")
AUTOPAY_CONSENT_VERSION = env.str("AUTOPAY_CONSENT_VERSION", default="2026-12")
AUTOPAY_NOTICE_DAYS = 3
CELERY_BEAT_SCHEDULE["payments-autopay"] = scheduled(
    "payments.tasks.autopay_run", every=24 * 60 * 60, schedule=crontab(hour=10, minute=0)
)

# --- money (resident money pages) ---
# Residents land on the cabinet dashboard after logging in.
LOGIN_REDIRECT_URL = "/cabinet/"

# --- meters ---
# Resident API: requests per token per minute (cache counter).
METERS_API = {"RATE_PER_MINUTE": env.int("METERS_API_RATE_PER_MINUTE", default=60)}
# Reminders (meters.tasks): once a day; each reminder is sent at most once
# (meters.ReminderSent), so a rerun or a second beat is harmless.
_DAY = 24 * 60 * 60
CELERY_BEAT_SCHEDULE.update(
    {
        "meters-readings-window-reminders": scheduled(
            "meters.tasks.readings_window_reminders", every=_DAY, schedule=crontab(hour=9, minute=0)
        ),
        "meters-verification-reminders": scheduled(
            "meters.tasks.verification_reminders", every=_DAY, schedule=crontab(hour=9, minute=30)
        ),
    }
)

# --- documents ---
# The receipt's payment QR: one per provider when providers are paid
# separately (each to its own bank account), else one for the centre.
RECEIPT_QR_PER_PROVIDER = env.bool("RECEIPT_QR_PER_PROVIDER", default=False)
# The centre's payee details (receipt QR, certificates): those of the card payments.
EIRC_PAYEE = YOOKASSA_PAYEE
# Accounts per batch chunk (one Celery task each) when a period's receipts are issued.
RECEIPT_BATCH_CHUNK = env.int("RECEIPT_BATCH_CHUNK", default=200)
# Every 15 minutes: render receipts of closed periods that are missing or stale.
_every, _cron = every_minutes("RECEIPTS_SWEEP_MINUTES", env.int("RECEIPTS_SWEEP_MINUTES", default=15))
CELERY_BEAT_SCHEDULE["documents-receipts-sweep"] = scheduled(
    "documents.tasks.receipts_sweep", every=_every, schedule=_cron
)
# Residents' requests: at 08:30 every day (the task does nothing on a day
# off of the production calendar) each operator gets their overdue list and
# requests past their deadline are escalated to «Руководители».
CELERY_BEAT_SCHEDULE["documents-appeals-morning"] = scheduled(
    "documents.tasks.appeals_morning", every=_DAY, schedule=crontab(hour=8, minute=30)
)
# WeasyPrint logs every layout step at INFO.
LOGGING["loggers"]["weasyprint"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}
LOGGING["loggers"]["fontTools"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}

# --- demo data ----------------------------------------------------------------
# The demo logins' passwords are printed in the README: they work only where
# demo data is allowed (DEBUG, tests, or an explicit demo stand).
DEMO_LOGINS_ALLOWED = env.bool("DEMO_LOGINS_ALLOWED", default=DEBUG or TESTING)
