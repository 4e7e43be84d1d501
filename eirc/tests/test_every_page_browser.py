"""Every page of the site in Debian's Chromium at 360×740 and 1280×800
(issue 13): public pages, the resident's cabinet and the staff admin.

On every page: axe-core (the pinned npm package, run inside the page)
reports no violation of WCAG 2.1 A/AA, and chart text is at least 12 px; at
360 px nothing is wider than the screen and the resident's buttons and
fields are at least 44 px tall. The pages are enumerated from the URLconf
and the admin registry: a new URL name fails :func:`test_every_url_name_is_visited_or_excused`
until it is visited here or excused with a reason. Screenshots of the
resident's money pages at 360 px go to ``$EIRC_SCREENSHOTS`` (or the test's
temporary directory)."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.flatpages.models import FlatPage
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from eirc.tests.a11y import LAYOUT_PROBE, axe_violations, ensure_axe, prepare_context
from eirc.tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS

WIDTHS = ((360, 740), (1280, 800))
BACKEND = "accounts.backends.AccountNumberBackend"
TIMINGS: list = []
SCREENSHOTS = {
    "billing:dashboard",
    "billing:charges",
    "payments:pay",
    "payments:return",
    "documents:receipts",
    "payments:quick_receipt",
    "payments:autopay",
    "payments:cards",
    "accounts:household",
    "accounts:notifications",
    "accounts:two_factor",
    "documents:notices",
}
SCREENSHOTS |= {"billing:readings_preview", "billing:penalty_calc", "billing:why_changed"}

# URL names that are not pages (a redirect after a POST, a file, JSON, an image).
EXCUSED = {
    "accounts:logout": "POST only",
    "accounts:email_change": "POST only, answers with the profile page",
    "accounts:link_account": "POST only, answers with the profile page",
    "accounts:switch_account": "POST only",
    "meters:confirmation_download": "a text file",
    "meters:token_revoke": "POST only",
    "accounts:member_role": "POST only",
    "accounts:member_remove": "POST only",
    "accounts:invitation_cancel": "POST only",
    "payments:status": "JSON",
    "billing:readings_preview_json": "POST, JSON (the readings form's preview script)",
    "payments:yookassa_webhook": "POST, JSON",
    "payments:card_delete": "POST only",
    "documents:paperless": "POST only",
    "documents:receipt_download": "a PDF",
    "documents:certificate_download": "a PDF",
    "documents:appeal_ack": "a PDF",
    "documents:appeal_attachment": "a file",
    "documents:appeal_reply": "POST only (its errors render the request's page)",
    "documents:appeal_withdraw": "POST only",
    "admin:documents_appeal_file": "a file",
    "admin:documents_appeal_ack": "a PDF",
    "health": "JSON",
    "captcha-image": "an image",
    "captcha-image-2x": "an image",
    "captcha-audio": "a sound",
    "captcha-refresh": "JSON",
    "admin:otp_totp_totpdevice_qrcode": "an image",
    "meters_api:meters": "JSON API",
    "meters_api:meter": "JSON API",
    "meters_api:readings": "JSON API",
    "meters_api:submission": "JSON API",
}
# Admin URL names that are not pages of their own.
ADMIN_EXCUSED_SUFFIXES = ("_autocomplete", "autocomplete", "jsi18n", "view_on_site", "logout")
ADMIN_REPRESENTATIVE = ("_history", "_delete")  # one object of one model: the same template for all


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespaces):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, namespaces + ([p.namespace] if p.namespace else []))
            elif p.name:
                names.add(":".join([*namespaces, p.name]))

    walk(get_resolver().url_patterns, [])
    return names


# --- the city the pages show ----------------------------------------------------------------


def build_site(live_server_url: str) -> dict:
    """The demo city (small) and one of everything a page can show; returns
    the URLs by audience. All ORM work happens here, before the browser."""
    from accounts import services as account_services
    from accounts.models import AccessToken, AccountLink, User
    from accounts.security import record
    from billing.models import Charge
    from documents import services as document_services
    from documents.models import CertificateRequest, Receipt
    from eirc.models import Period
    from meters.models import Meter, Reading, ReminderSent
    from meters.services import reading_submit
    from meters.tokens import api_token_create
    from payments import services as payment_services
    from payments.models import Payment, Refund, RegistryImport, WebhookEvent

    call_command("seed_demo", "--accounts", "3", "--months", "4")
    resident = User.objects.get(username="resident")
    account = AccountLink.objects.get(user=resident).account
    superuser = User.objects.get(username="admin")
    operator = User.objects.get(username="operator")

    # What the resident's pages need.
    charge = Charge.objects.filter(account=account).latest("period__month")
    meter = Meter.objects.filter(account=account, status=Meter.Status.ACTIVE).order_by("pk").first()
    last = Reading.objects.filter(meter=meter, zone=meter.zone_list[0], status="current").latest("period__month")
    values = {(meter.pk, zone): str(last.value + 3) for zone in meter.zone_list}
    submission = reading_submit(account=account, user=resident, values=values, confirm_jump=True)
    api_token_create(user=resident, account=account, name="Умный дом")
    period = Period.objects.filter(status="closed", statements__account=account).latest("month")
    receipt, _ = document_services.receipt_render(account=account, period=period)
    document_services.certificate_order(
        user=resident, account=account, kind=CertificateRequest.Kind.OTHER, text="Копия договора"
    )
    paid = payment_services.payment_start(
        payment_id=payment_services.payment_create(account=account, user=resident, amount=Decimal("1000.00")).pk
    )
    pending = payment_services.payment_start(
        payment_id=payment_services.payment_create(account=account, user=resident, amount=Decimal("250.50")).pk
    )
    from payments.providers.sandbox import SandboxProvider

    SandboxProvider.decide(paid.provider_payment_id, pay=True)
    payment_services.payment_confirm(payment_id=paid.pk)
    quick, _card, skip_token = _quick_pay_and_autopay(resident, account, period)

    # A request with a photo, an operator's answer and its history.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.models import AppealKind
    from documents.tests.test_appeals import _jpeg_with_gps

    appeal, _ = document_services.appeal_file(
        user=resident,
        account=account,
        kind=AppealKind.objects.get(code="charge"),
        token=uuid.uuid4(),
        data={"charge_id": charge.pk, "service": charge.service.name, "text": "Прошу проверить начисление"},
        uploads=[SimpleUploadedFile("photo.jpg", _jpeg_with_gps())],
    )
    document_services.appeal_assign(appeal=appeal, user=operator, operator=operator)
    document_services.appeal_message(appeal=appeal, user=operator, text="Проверяем начисление.", from_staff=True)
    # A request an operator registered from a call: the resident's list marks its channel.
    document_services.appeal_register(
        operator=operator,
        account=account,
        kind=AppealKind.objects.get(code="free"),
        channel="phone",
        contacted_at=timezone.now() - dt.timedelta(hours=1),
        token=uuid.uuid4(),
        data={"text": "Вопрос по телефону"},
    )

    # One of every kind of record the staff pages list.
    record("login", user=resident, ip="10.0.0.1")
    account_services.notifications_update(
        user=resident, ip="10.0.0.1", notify_readings=True, notify_payments=True, paperless_receipts=False
    )
    registration = account_services.token_issue(
        purpose=AccessToken.Purpose.REGISTRATION,
        lifetime=dt.timedelta(hours=24),
        account=account,
        email="new@example.ru",
    )
    reset = account_services.token_issue(
        purpose=AccessToken.Purpose.PASSWORD_RESET, lifetime=dt.timedelta(hours=1), user=resident
    )
    email_change = account_services.token_issue(
        purpose=AccessToken.Purpose.EMAIL_CHANGE, lifetime=dt.timedelta(hours=24), user=resident, email="new@example.ru"
    )
    ReminderSent.objects.create(user=resident, kind=ReminderSent.Kind.WINDOW_OPEN, key="2026-11")
    Refund.objects.create(payment=Payment.objects.get(pk=paid.pk), amount=Decimal("100.00"), reason="Ошибка в сумме")
    WebhookEvent.objects.create(provider="yookassa", event="payment.succeeded", object_id="hook-1", body={})
    RegistryImport.objects.create(filename="реестр.csv", checksum="0" * 64, rows=1, total=Decimal("1500.00"))
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=operator, name="Телефон оператора", confirmed=True)

    # A household: a member with «показания» and a pending invitation.
    from accounts.household import invitation_create
    from accounts.models import Membership
    from accounts.notifications import unsubscribe_token as notifications_token

    relative = User.objects.create_user(username="relative", email="relative@example.ru", last_name="Иванова")
    Membership.objects.create(account=account, user=relative, role="readings", invited_by=resident)
    _invitation, invitation = invitation_create(
        holder=resident, account=account, email="son@example.ru", role="viewer", ip=None
    )

    # A city-wide notice (home page, dashboard, the list) and one for the resident's house.
    from documents.models import Notice
    from eirc.periods import today as local_today

    day = local_today()
    Notice.objects.create(
        kind="tariff", title="Новые тарифы на воду", text="С 1 июля — новые тарифы.", starts_on=day, ends_on=day
    )
    Notice.objects.create(
        kind="outage",
        title="Отключение горячей воды",
        text="Плановые работы на теплотрассе: с 9:00 до 18:00 горячей воды не будет.",
        starts_on=day,
        ends_on=day + dt.timedelta(days=3),
        target="houses",
        houses=f"{account.street}, {account.house}",
    )

    article = FlatPage.objects.filter(url__startswith="/info/").first()
    from documents.services import unsubscribe_token

    public = {
        "home": reverse("home"),
        "documents:reference": reverse("documents:reference"),
        "documents:offices": reverse("documents:offices"),
        "documents:contacts": reverse("documents:contacts"),
        "documents:tariffs": reverse("documents:tariffs"),
        "documents:verify_form": reverse("documents:verify_form"),
        "documents:verify": reverse("documents:verify", args=[receipt.document.code]),
        "payments:quick_find": reverse("payments:quick_find"),
        "payments:quick_receipt": reverse("payments:quick_receipt", args=[quick["code"]]),
        "payments:quick_return": reverse("payments:quick_return", args=[quick["payment"].pk]),
        "payments:autopay_skip": reverse("payments:autopay_skip", args=[skip_token]),
        "documents:unsubscribe": reverse("documents:unsubscribe", args=[unsubscribe_token(resident)]),
        "accounts:login": reverse("accounts:login"),
        "accounts:register": reverse("accounts:register"),
        "accounts:register_sent": reverse("accounts:register_sent"),
        "accounts:register_confirm": reverse("accounts:register_confirm", args=[registration]),
        "accounts:password_reset": reverse("accounts:password_reset"),
        "accounts:password_reset_sent": reverse("accounts:password_reset_sent"),
        "accounts:password_reset_confirm": reverse("accounts:password_reset_confirm", args=[reset]),
        "accounts:email_confirm": reverse("accounts:email_confirm", args=[email_change]),
        "accounts:invitation": reverse("accounts:invitation", args=[invitation]),
        "accounts:unsubscribe": reverse("accounts:unsubscribe", args=[notifications_token(resident, "notices")]),
        "admin:login": reverse("admin:login"),
        "flatpage": article.url,
        "404": "/no-such-page/",
    }
    ym = [period.month.year, period.month.month]
    resident_pages = {
        "billing:dashboard": reverse("billing:dashboard"),
        "billing:charges": reverse("billing:charges"),
        "billing:charge_detail": reverse("billing:charge_detail", args=[charge.pk]),
        "billing:benefits": reverse("billing:benefits"),
        "billing:charts": reverse("billing:charts"),
        "billing:readings_preview": reverse("billing:readings_preview"),
        "billing:why_changed": reverse("billing:why_changed"),
        "billing:penalty_calc": reverse("billing:penalty_calc")
        + f"?amount=5000,00&on={dt.date.today() + dt.timedelta(days=40):%d.%m.%Y}",
        "payments:history": reverse("payments:history"),
        "payments:pay": reverse("payments:pay"),
        "payments:return": reverse("payments:return", args=[paid.pk]),
        "payments:return pending": reverse("payments:return", args=[pending.pk]),
        "payments:sandbox": reverse("payments:sandbox", args=[pending.provider_payment_id]),
        "payments:cards": reverse("payments:cards"),
        "payments:autopay": reverse("payments:autopay"),
        "meters:submit": reverse("meters:submit"),
        "meters:confirmation": reverse("meters:confirmation", args=[submission.code]),
        "meters:history": reverse("meters:history", args=[meter.pk]),
        "meters:tokens": reverse("meters:tokens"),
        "documents:receipts": reverse("documents:receipts"),
        "documents:receipt_print": reverse("documents:receipt_print", args=ym),
        "documents:certificates": reverse("documents:certificates"),
        "documents:certificate_order": reverse("documents:certificate_order"),
        "documents:appeals": reverse("documents:appeals"),
        "documents:appeal_new": reverse("documents:appeal_new", args=["charge"]) + f"?charge={charge.pk}",
        "documents:appeal_new absence": reverse("documents:appeal_new", args=["absence"]),
        "documents:appeal_detail": reverse("documents:appeal_detail", args=[appeal.pk]),
        "accounts:profile": reverse("accounts:profile"),
        "accounts:password_change": reverse("accounts:password_change"),
        "accounts:unlink_account": reverse("accounts:unlink_account", args=[account.pk]),
        "accounts:household": reverse("accounts:household"),
        "accounts:notifications": reverse("accounts:notifications"),
        "accounts:two_factor": reverse("accounts:two_factor"),
        "documents:notices": reverse("documents:notices"),
    }
    staff = {
        "documents:paperless_list": reverse("documents:paperless_list"),
        "documents:queues": reverse("documents:queues"),
        "admin:documents_appeal_work": reverse("admin:documents_appeal_work", args=[appeal.pk]),
        "admin:documents_appeal_register": reverse("admin:documents_appeal_register")
        + f"?account={account.number}&kind=absence",
        **admin_pages(superuser, paid.pk, meter.pk),
    }
    assert Receipt.objects.filter(account=account, status="ready").exists()
    return {
        "public": public,
        "resident": resident_pages,
        "staff": staff,
        "users": {"resident": resident, "staff": superuser},
    }


def _quick_pay_and_autopay(resident, account, period):
    """A quick payment, a saved card, autopay on with a planned charge
    (issue 17); returns (the quick pay code and payment, the card, the
    charge's skip token)."""
    from payments import autopay, quickpay
    from payments import services as payment_services
    from payments.models import AutopayCharge, SavedCard

    code = quickpay.receipt_code(account_number=account.number, month=period.month)
    payment = payment_services.payment_create(account=account, user=None, amount=Decimal("300.00"), method="sbp")
    card = SavedCard.objects.create(
        user=resident,
        provider="sandbox",
        gateway_method_id="sbpm_every_page",
        last4="4242",
        card_type="Visa",
        expiry_month=12,
        expiry_year=2030,
        consent_version="2026-12",
    )
    on = autopay.autopay_set(
        user=resident, account=account, card_id=card.pk, limit=Decimal("9000"), when="day", day=10, ip=None
    )
    charge = AutopayCharge.objects.create(
        autopay=on, account=account, period=period, amount=Decimal("1234.56"), charge_on=period.month
    )
    return {"code": code, "payment": payment}, card, autopay.skip_token(charge)


def admin_pages(superuser, payment_id, meter_id) -> dict[str, str]:
    """Every admin page: the index, each registered model's list, add form
    (where anyone may add) and change form (of its first object); one app
    page, one history and one delete page (the same templates for every
    model); the custom pages by name."""
    from billing.models import Provider
    from documents.models import CertificateRequest

    pages = {"admin:index": reverse("admin:index"), "admin:password_change": reverse("admin:password_change")}
    pages["admin:password_change_done"] = reverse("admin:password_change_done")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        pages[f"admin:{info}_changelist"] = reverse(f"admin:{info}_changelist")
        if model_admin.has_add_permission(request):  # read-only records have no add page
            pages[f"admin:{info}_add"] = reverse(f"admin:{info}_add")
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages[f"admin:{info}_change"] = reverse(f"admin:{info}_change", args=[obj.pk])
    # The app pages are the index's template, filtered: one of them.
    pages["admin:app_list"] = reverse("admin:app_list", args=["billing"])
    provider = Provider.objects.order_by("pk").first()
    pages["admin:billing_provider_history"] = reverse("admin:billing_provider_history", args=[provider.pk])
    pages["admin:billing_provider_delete"] = reverse("admin:billing_provider_delete", args=[provider.pk])
    request = CertificateRequest.objects.order_by("pk").first()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    pages.update(
        {
            "admin:auth_user_password_change": reverse("admin:auth_user_password_change", args=[superuser.pk]),
            "admin:otp_totp_totpdevice_config": reverse(
                "admin:otp_totp_totpdevice_config", args=[TOTPDevice.objects.order_by("pk").first().pk]
            ),
        }
    )
    pages.update(
        {
            "admin:meters_import": reverse("admin:meters_import"),
            "admin:meters_operator_entry": reverse("admin:meters_operator_entry", args=[meter_id]),
            "admin:meters_replace": reverse("admin:meters_replace", args=[meter_id]),
            "admin:payments_payment_refund": reverse("admin:payments_payment_refund", args=[payment_id]),
            "admin:payments_registryimport_upload": reverse("admin:payments_registryimport_upload"),
            "admin:billing_importrun_upload": reverse("admin:billing_importrun_upload"),
            "admin:billing_exchangeexport_readings": reverse("admin:billing_exchangeexport_readings"),
            "admin:billing_charge_dryrun": reverse("admin:billing_charge_dryrun")
            + "?account=1000000001&period="
            + f"{dt.date.today().replace(day=1) - dt.timedelta(days=1):%m.%Y}",
            "admin:payments_payment_export": reverse("admin:payments_payment_export"),
            "admin:documents_certificaterequest_resolve": reverse(
                "admin:documents_certificaterequest_resolve", args=[request.pk]
            ),
        }
    )
    return pages


# --- the checks -------------------------------------------------------------------------------


def check_pages(browser, base: str, width: int, height: int, groups: list[tuple], shots) -> dict:
    """Visit every page of ``groups`` ([(pages, cookies, check tap targets)])
    at one width; returns the problems by page."""
    problems: dict[str, list] = {}
    for pages, cookies, targets in groups:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU", bypass_csp=True)
        prepare_context(context, serve_static=False)  # the browser's cache keeps the static files
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        page.set_default_timeout(30000)
        for name, url in pages.items():
            started = time.monotonic()
            where = f"{name} {url} @{width}"
            try:
                response = page.goto(base + url, wait_until="load")
            except PlaywrightError as exc:  # e.g. an error status with no body
                problems[where] = [f"could not open: {exc.message.splitlines()[0]}"]
                continue
            status = response.status if response else 0
            if status >= 500 or (status >= 400 and name != "404"):
                problems[where] = [f"HTTP {status}"]
                continue
            if cookies and "/login/" in page.url and "login" not in name:
                problems[where] = [f"not logged in: landed on {page.url}"]
                continue
            if url.startswith("/admin/") and status == 200:  # static/admin-eirc/admin.js has named the controls
                page.wait_for_function(
                    "!document.querySelector('script[src*=\"admin-eirc\"]')"
                    " || document.documentElement.hasAttribute('data-controls-named')"
                )
            loaded = time.monotonic()
            found = []
            # Tap targets are the residents' concern; the admin is Django's own.
            check_targets = targets and width == 360 and not url.startswith("/admin/")
            probe = page.evaluate(LAYOUT_PROBE, {"targets": check_targets})
            if width == 360 and probe["scrollWidth"] > 360:
                found.append(f"page is {probe['scrollWidth']} px wide")
            found += [f"chart text {t}" for t in probe["smallText"]]
            found += [f"tap target {t}" for t in probe["smallTargets"]]
            checked = time.monotonic()
            found += [f"axe {v['id']} ({v['impact']}): {v['help']} — {v['nodes']}" for v in axe_violations(page)]
            TIMINGS.append((f"{name}@{width}", loaded - started, checked - loaded, time.monotonic() - checked))
            if found:
                problems[where] = found
            if shots is not None and width == 360 and name in SCREENSHOTS:
                page.screenshot(path=str(shots / f"{name.replace(':', '-')}-360.png"), full_page=True)
        context.close()
    return problems


def check_width(base: str, width: int, height: int, groups: list[tuple], shots) -> dict:
    """One browser for one width (the two widths run side by side)."""
    from playwright.sync_api import sync_playwright

    from eirc.tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return check_pages(browser, base, width, height, groups, shots)
        finally:
            browser.close()


def session_cookie(user, base) -> list[dict]:
    """A session of ``user`` of its own (a second login on one client would
    end the first one's session)."""
    client = Client()
    client.force_login(user)
    return [
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base}
    ]


def pending_code_cookie(user, base) -> list[dict]:
    """A session whose password step passed and whose code is awaited (the
    two-factor login's code page); stamped ahead so that it outlives the run."""
    from importlib import import_module

    from accounts.views_two_factor import PENDING

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[PENDING] = {"user": user.pk, "backend": BACKEND, "at": time.time() + 3600, "next": "/cabinet/"}
    store.save()
    return [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": base}]


@pytest.fixture
def eager(settings):
    from eirc.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = saved


def test_every_page_fits_a_phone_and_has_no_accessibility_violations(
    live_server, settings, monkeypatch, eager, tmp_path
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM runs beside Playwright's loop
    settings.SITE_URL = live_server.url
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    ensure_axe()
    site = build_site(live_server.url)
    base = live_server.url
    shots = Path(os.environ.get("EIRC_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    groups = [
        (site["public"], None, True),
        (site["resident"], session_cookie(site["users"]["resident"], base), True),
        (site["staff"], session_cookie(site["users"]["staff"], base), False),
        (
            {"accounts:login_code": reverse("accounts:login_code")},
            pending_code_cookie(site["users"]["resident"], base),
            True,
        ),
    ]
    with ThreadPoolExecutor(max_workers=len(WIDTHS)) as pool:
        runs = [pool.submit(check_width, base, width, height, groups, shots) for width, height in WIDTHS]
        problems = {}
        for run in runs:
            problems |= run.result()
    visited = sum(len(site[k]) for k in ("public", "resident", "staff"))
    report = "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in problems.items())
    TIMINGS.sort(key=lambda t: -(t[1] + t[2] + t[3]))
    (shots / "every-page-timings.txt").write_text(
        "\n".join(f"{n} load {a:.2f} probe {b:.2f} axe {c:.2f}" for n, a, b, c in TIMINGS)
    )
    (shots / "every-page-report.txt").write_text(
        f"{visited} pages × {len(WIDTHS)} widths, {len(problems)} page views with problems\n{report}\n"
    )
    assert not problems, f"{len(problems)} of {visited * len(WIDTHS)} page views have problems:\n{report}"


def test_every_url_name_is_visited_or_excused():
    """A new page joins the browser test above (or is excused with a reason)."""
    visited_names = {
        # public
        "home", "documents:reference", "documents:offices", "documents:contacts", "documents:tariffs",
        "documents:verify_form", "documents:verify", "documents:unsubscribe", "accounts:login", "accounts:register",
        "accounts:register_sent", "accounts:register_confirm", "accounts:password_reset",
        "accounts:password_reset_sent", "accounts:password_reset_confirm", "accounts:email_confirm",
        "payments:quick_find", "payments:quick_receipt", "payments:quick_return", "payments:autopay_skip",
        "accounts:invitation", "accounts:unsubscribe",
        # resident
        "billing:dashboard", "billing:charges", "billing:charge_detail", "billing:benefits", "billing:charts",
        "payments:history", "payments:pay", "payments:return", "payments:sandbox", "meters:submit",
        "meters:confirmation", "meters:history", "meters:tokens", "documents:receipts", "documents:receipt_print",
        "documents:certificates", "documents:certificate_order", "accounts:profile", "accounts:password_change",
        "accounts:unlink_account", "documents:appeals", "documents:appeal_new", "documents:appeal_detail",
        "payments:cards", "payments:autopay",
        "billing:readings_preview", "billing:penalty_calc", "billing:why_changed",
        "accounts:household", "accounts:notifications", "documents:notices", "accounts:two_factor",
        "accounts:login_code",
        # staff (besides the admin's registry)
        "documents:paperless_list", "documents:queues", "admin:documents_appeal_work",
        "admin:documents_appeal_register",
    }  # fmt: skip
    admin_custom = {
        "admin:meters_import", "admin:meters_operator_entry", "admin:meters_replace", "admin:payments_payment_refund",
        "admin:payments_registryimport_upload", "admin:documents_certificaterequest_resolve", "admin:index",
        "admin:billing_importrun_upload", "admin:billing_exchangeexport_readings", "admin:payments_payment_export",
        "admin:login", "admin:password_change", "admin:password_change_done", "admin:app_list",
        "admin:auth_user_password_change", "admin:otp_totp_totpdevice_config", "admin:billing_charge_dryrun",
    }  # fmt: skip
    registered = {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry}
    unknown = []
    for name in url_names():
        if name in visited_names or name in EXCUSED:  # (EXCUSED holds admin names too)
            continue
        if name.startswith("admin:"):
            short = name.removeprefix("admin:")
            if name in admin_custom or short.endswith(ADMIN_EXCUSED_SUFFIXES):
                continue
            base, _, kind = short.rpartition("_")
            if base in registered and kind in ("changelist", "add", "change", "history", "delete"):
                continue
        unknown.append(name)
    assert unknown == [], "pages the browser test does not visit: " + ", ".join(sorted(unknown))
