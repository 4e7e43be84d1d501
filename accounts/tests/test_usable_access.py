"""Access that works for everyone (issue 13): unlinking the last account
asks first; the captcha has a label, another picture and an audio version;
forms open on their error summary; accounts with nothing to pay on their
receipts can still prove who holds them — never with a guessable 0,00."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AccountLink
from accounts.tests.conftest import CAPTCHA, statement
from billing.models import LedgerEntry
from eirc.models import Period
from eirc.tests.factories import PaymentFactory, PeriodFactory, PersonalAccountFactory, StatementFactory

pytestmark = pytest.mark.django_db

REGISTER = "/accounts/register/"


def register(client, number, amount):
    return client.post(REGISTER, {"account_number": number, "amount": amount, "email": "n@example.ru", **CAPTCHA})


def advance_receipt(account, month: dt.date, advance: str):
    """A receipt of a closed period that ends in an advance: «Итого к оплате 0,00»."""
    StatementFactory(
        account=account,
        period=PeriodFactory(month=month, status="closed"),
        opening=Decimal("0.00"),
        charged=Decimal("1000.00"),
        paid=Decimal("1000.00") + Decimal(advance),
    )


def paid(account, amount: str, day: dt.date):
    """A payment credited to the account's ledger on ``day``."""
    period, _ = Period.objects.get_or_create(month=day.replace(day=1))
    payment = PaymentFactory(
        account=account,
        amount=Decimal(amount),
        status="succeeded",
        paid_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
    )
    LedgerEntry.objects.create(
        account=account, period=period, kind="payment", amount=-Decimal(amount), payment=payment, occurred_on=day
    )


# --- 7. unlinking the last account -------------------------------------------------


def test_unlinking_the_last_account_asks_for_confirmation_first(client, resident):
    client.force_login(resident)
    own = resident.account_links.get().account
    profile = client.get("/accounts/profile/").content.decode()
    assert f'href="/accounts/profile/unlink/{own.pk}/"' in profile  # a link to the question, not a one-tap form

    asked = client.post(f"/accounts/profile/unlink/{own.pk}/")  # one tap, as the old button did
    assert asked.status_code == 200
    assert AccountLink.objects.filter(account=own).exists()
    body = asked.content.decode()
    assert "Это последний лицевой счёт в вашем кабинете" in body
    assert 'name="confirm" value="yes"' in body

    done = client.post(f"/accounts/profile/unlink/{own.pk}/", {"confirm": "yes"})
    assert done.status_code == 302
    assert not AccountLink.objects.filter(account=own).exists()


# --- 10. the captcha ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/register/", "/accounts/password-reset/"])
def test_the_captcha_has_a_label_a_russian_alt_another_picture_and_audio(client, url, settings):
    body = client.get(url).content.decode()
    answer_id = re.search(r'<input type="text" name="captcha_1"[^>]*id="([^"]+)"', body).group(1)
    assert re.search(rf'<label[^>]*for="{answer_id}"[^>]*>Введите буквы с картинки</label>', body)
    assert 'alt="captcha"' not in body
    assert 'alt="Картинка с пятью латинскими буквами"' in body
    assert re.search(r"<button[^>]*data-captcha-refresh[^>]*>Другая картинка</button>", body)
    refresh = client.get("/captcha/refresh/", HTTP_X_REQUESTED_WITH="XMLHttpRequest").json()
    assert refresh["key"] and refresh["image_url"]
    if shutil.which("flite"):  # scripts/ensure-debian-packages installs it
        audio = re.search(r'<a class="[^"]*captcha-audio" href="([^"]+)">Прослушать буквы</a>', body).group(1)
        response = client.get(audio)
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/wav"


def test_a_wrong_captcha_opens_the_form_on_an_error_summary_linked_to_the_field(client, resident, password):
    response = client.post(
        "/accounts/login/", {"username": "1000000101", "password": password, "captcha_0": "x", "captcha_1": "WRONG"}
    )
    body = response.content.decode()
    summary = re.search(r'<div class="alert alert-danger error-summary"[^>]*>.*?</div>', body, re.S).group(0)
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    assert 'href="#id_captcha_1"' in summary
    assert body.index("error-summary") < body.index("<form")


# --- 14. proof of holding an account whose receipts show nothing to pay --------------


def test_a_zero_bill_is_not_a_proof(client):
    account = PersonalAccountFactory(number="3000000401")
    statement(account, dt.date(2026, 1, 1), Decimal("0.00"))
    statement(account, dt.date(2026, 2, 1), Decimal("0.00"))
    response = register(client, account.number, "0,00")
    assert response.status_code == 200
    assert "не совпадает" in response.content.decode()
    assert not mail.outbox


def test_an_account_in_advance_registers_with_its_last_payment(client, django_capture_on_commit_callbacks):
    account = PersonalAccountFactory(number="3000000402")
    advance_receipt(account, dt.date(2026, 1, 1), "120.00")
    advance_receipt(account, dt.date(2026, 2, 1), "250.00")  # the receipt prints «Итого к оплате 0,00»
    paid(account, "3517.45", dt.date(2026, 2, 3))
    assert register(client, account.number, "0,00").status_code == 200
    assert register(client, account.number, "-250,00").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = register(client, account.number, "3517,45")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/register/sent/"
    assert len(mail.outbox) == 1


def test_a_round_last_payment_is_too_easy_to_guess_and_is_not_a_proof(client):
    account = PersonalAccountFactory(number="3000000403")
    advance_receipt(account, dt.date(2026, 2, 1), "500.00")
    paid(account, "5000.00", dt.date(2026, 2, 3))
    response = register(client, account.number, "5000,00")
    assert response.status_code == 200
    assert not mail.outbox


def test_the_registration_page_explains_what_to_type_when_the_receipt_says_zero(client):
    body = client.get(REGISTER).content.decode()
    assert "В квитанции «Итого к оплате 0,00»?" in body
    assert "сумму последнего платежа" in body
