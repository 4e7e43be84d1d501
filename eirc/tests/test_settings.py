"""Settings behave as DESIGN §6 says: safe embedded defaults, and with DEBUG
off an unsafe configuration stops start-up with one clear line.

Settings are read once per process, so every case runs ``manage.py`` in a
subprocess with a clean environment (nothing inherited from the test run).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(64)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "lk.sev-eirc.ru",
    "SITE_URL": "https://lk.sev-eirc.ru",
    "PAYMENT_PROVIDER": "payments.providers.yookassa.YooKassaProvider",
    "TRUSTED_PROXIES": "127.0.0.1",
}
MARK = "SETTINGS-JSON:"


@pytest.fixture
def manage(tmp_path):
    def run(*args: str, **variables: str) -> subprocess.CompletedProcess:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **variables,
        }
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture
def read_settings(manage):
    """Values of settings (or of any expression) as the process sees them."""

    def read(expressions: dict[str, str], **variables: str) -> dict:
        code = (
            "import json; from django.conf import settings; "
            f"print({MARK!r} + json.dumps({{{', '.join(f'{k!r}: {v}' for k, v in expressions.items())}}}))"
        )
        result = manage("shell", "-c", code, **variables)
        assert result.returncode == 0, result.stderr
        line = next(line for line in result.stdout.splitlines() if line.startswith(MARK))
        return json.loads(line[len(MARK) :])

    return read


def assert_refused_with_one_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def test_embedded_default_runs_without_any_variable(manage):
    result = manage("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_secret_key_stops_with_one_clear_line(manage):
    variables = {**PRODUCTION, "SECRET_KEY": ""}
    assert_refused_with_one_line(manage("check", **variables), "SECRET_KEY", "not set")


@pytest.mark.parametrize(
    "weak_key",
    [
        "short-key",
        "a" * 64,
        "django-insecure-" + "x1y2z3" * 10,
        "dev-insecure-key-only-for-debug-and-tests-0000000000000000000",
    ],
)
def test_debug_off_with_a_weak_secret_key_stops(manage, weak_key):
    assert_refused_with_one_line(manage("check", **{**PRODUCTION, "SECRET_KEY": weak_key}), "SECRET_KEY", "weak")


def test_debug_off_with_empty_allowed_hosts_stops(manage):
    variables = {key: value for key, value in PRODUCTION.items() if key != "ALLOWED_HOSTS"}
    assert_refused_with_one_line(manage("check", **variables), "ALLOWED_HOSTS")


def test_debug_off_without_trusted_proxies_stops(manage):
    """Behind nginx with no trusted proxy every client is 127.0.0.1: ten
    failed logins by anyone would lock everybody out."""
    variables = {key: value for key, value in PRODUCTION.items() if key != "TRUSTED_PROXIES"}
    assert_refused_with_one_line(manage("check", **variables), "TRUSTED_PROXIES", "empty")


def test_a_malformed_trusted_proxy_stops(manage):
    variables = {**PRODUCTION, "TRUSTED_PROXIES": "127.0.0.1,nginx.local"}
    assert_refused_with_one_line(manage("check", **variables), "TRUSTED_PROXIES", "nginx.local")


def test_debug_off_with_the_sandbox_payment_provider_stops(manage):
    variables = {**PRODUCTION, "PAYMENT_PROVIDER": "payments.providers.sandbox.SandboxProvider"}
    assert_refused_with_one_line(manage("check", **variables), "sandbox")


def test_debug_off_with_the_default_payment_provider_stops(manage):
    variables = {key: value for key, value in PRODUCTION.items() if key != "PAYMENT_PROVIDER"}
    assert_refused_with_one_line(manage("check", **variables), "sandbox")


def test_sandbox_payment_provider_with_debug_off_is_allowed_when_explicitly_allowed(manage):
    variables = {
        **PRODUCTION,
        "PAYMENT_PROVIDER": "payments.providers.sandbox.SandboxProvider",
        "PAYMENT_SANDBOX_ALLOWED": "true",
    }
    result = manage("check", **variables)
    assert result.returncode == 0, result.stderr


def test_deploy_check_passes_with_production_variables(manage):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_deploy_check_fails_on_the_embedded_defaults(manage):
    """The deploy check is a real gate: the debug defaults do not pass it."""
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on


def test_production_cookies_are_https_only_and_hsts_is_a_year(read_settings):
    values = read_settings(
        {
            "session_secure": "settings.SESSION_COOKIE_SECURE",
            "csrf_secure": "settings.CSRF_COOKIE_SECURE",
            "hsts": "settings.SECURE_HSTS_SECONDS",
            "ssl_redirect": "settings.SECURE_SSL_REDIRECT",
            "session_httponly": "settings.SESSION_COOKIE_HTTPONLY",
        },
        **PRODUCTION,
    )
    assert values["session_secure"] is True
    assert values["csrf_secure"] is True
    assert values["hsts"] >= 31536000
    assert values["ssl_redirect"] is True
    assert values["session_httponly"] is True


def test_time_zone_is_simferopol_and_language_is_russian(read_settings):
    values = read_settings(
        {
            "tz": "settings.TIME_ZONE",
            "lang": "settings.LANGUAGE_CODE",
            "i18n": "settings.USE_I18N",
            "use_tz": "settings.USE_TZ",
        }
    )
    assert values == {"tz": "Europe/Simferopol", "lang": "ru", "i18n": True, "use_tz": True}


def test_passwords_are_hashed_with_argon2id_at_the_tuned_parameters(read_settings):
    values = read_settings(
        {
            "first": "settings.PASSWORD_HASHERS[0]",
            "encoded": "__import__('django.contrib.auth.hashers', fromlist=['x']).make_password('correct horse 2026')",
        }
    )
    assert values["first"] == "eirc.hashers.TunedArgon2PasswordHasher"
    # argon2id, memory 19 MiB, 2 passes, 1 lane (OWASP minimum, DESIGN §9)
    assert values["encoded"].startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_celery_is_eager_when_no_broker_is_set(read_settings):
    values = read_settings(
        {
            "eager": "__import__('eirc.celery', fromlist=['app']).app.conf.task_always_eager",
            "broker": "settings.CELERY_BROKER_URL",
        }
    )
    assert values == {"eager": True, "broker": ""}


def test_celery_uses_redis_and_is_not_eager_when_redis_url_is_set(read_settings):
    values = read_settings(
        {
            "eager": "__import__('eirc.celery', fromlist=['app']).app.conf.task_always_eager",
            "broker": "__import__('eirc.celery', fromlist=['app']).app.conf.broker_url",
            "cache": "settings.CACHES['default']['BACKEND']",
        },
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert values == {
        "eager": False,
        "broker": "redis://127.0.0.1:6379/3",
        "cache": "eirc.cache.OutageTolerantRedisCache",
    }
