"""Quick pay without a login (issue 17) through the real YooKassa SDK and
the local stub: a stranger holding the receipt pays it; wrong pairs and
unknown numbers look alike; the throttle trips; the printed link's code
cannot be forged."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from payments import quickpay
from payments.models import Payment
from payments.tests.helpers import assert_billing_consistent, balance, notification, payment_entries
from payments.tests.test_yookassa import post_webhook

pytestmark = pytest.mark.usefixtures("clear_throttle")


def find(client, number, place, ip="10.1.1.1"):
    return client.post("/pay/", {"number": number, "place": place}, REMOTE_ADDR=ip)


def test_the_receipt_page_shows_amount_period_due_date_and_a_masked_address_only(client, receipt):
    response = find(client, receipt.number, "7")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "5\xa0000,00" in page and "10.03.2026" in page and "февраль 2026" in page.lower()
    assert "ул. Ленина, д. 12" in page
    assert "кв. 7" not in page and receipt.owner_last_name not in page
    assert 'value="5000,00"' in page  # the amount is filled in


@pytest.mark.django_db(transaction=True)
def test_a_stranger_pays_the_receipt_and_the_right_account_is_credited_once(yookassa, receipt, other_resident):
    stranger = Client()
    code = find(stranger, receipt.number, " 7 ")["Location"].rstrip("/").split("/")[-1]
    form = {"amount": "1500", "email": "payer@example.ru", "method": "card", "form_token": "7" * 32}
    response = stranger.post(f"/pay/r/{code}/", form)
    assert response["Location"].startswith("https://yoomoney.example/")
    assert stranger.post(f"/pay/r/{code}/", form).status_code == 302  # a double click
    payment = Payment.objects.get()
    assert payment.user is None and payment.account == receipt and payment.amount == Decimal("1500.00")
    body = yookassa.creates()[0]["body"]
    assert body["confirmation"]["return_url"].endswith(f"/pay/done/{payment.pk}/")
    assert body["metadata"]["account"] == receipt.number
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    for _ in range(2):  # the webhook is a hint, delivered twice
        assert post_webhook(Client(), notification(payment.provider_payment_id)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment_entries(payment) == 1
    assert balance(receipt) == Decimal("3500.00")
    other = other_resident.account_links.get().account
    assert balance(other) == Decimal("0")
    page = stranger.get(f"/pay/done/{payment.pk}/").content.decode()
    assert "Сумма зачислена" in page and receipt.owner_last_name not in page
    assert_billing_consistent()


def test_a_wrong_flat_gets_the_same_answer_as_an_unknown_number(client, receipt):
    wrong = find(client, receipt.number, "8", ip="10.1.1.2")
    unknown = find(client, "9999999999", "8", ip="10.1.1.3")
    assert wrong.status_code == unknown.status_code == 200
    text = quickpay.NOT_FOUND.split(".")[0]
    assert text in wrong.content.decode() and text in unknown.content.decode()
    assert same_page(wrong, receipt.number) == same_page(unknown, "9999999999")


def same_page(response, number: str) -> str:
    """The page without what differs by design: the typed number and the CSRF token."""
    body = response.content.decode().replace(number, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_the_throttle_trips_per_account_number_and_per_address(client, receipt, settings):
    settings.ACCOUNTS_THROTTLES = {**settings.ACCOUNTS_THROTTLES, "quickpay_number": (3, 3600)}
    for i in range(3):
        assert "Не нашли квитанцию" in find(client, receipt.number, str(100 + i), ip=f"10.2.0.{i}").content.decode()
    blocked = find(client, receipt.number, "7", ip="10.2.0.9")  # even the right flat, from a fresh address
    assert blocked.status_code == 200 and "Слишком много попыток" in blocked.content.decode()
    settings.ACCOUNTS_THROTTLES = {**settings.ACCOUNTS_THROTTLES, "quickpay_ip": (2, 3600)}
    for number in ("1111111111", "2222222222"):
        find(client, number, "1", ip="10.3.0.1")
    assert "Слишком много попыток" in find(client, "3333333333", "1", ip="10.3.0.1").content.decode()


def test_a_private_house_is_found_by_its_house_number(client, receipt):
    receipt.flat = ""
    receipt.save(update_fields=["flat"])
    assert find(client, receipt.number, "12").status_code == 302
    assert find(client, receipt.number, "7", ip="10.1.1.9").status_code == 200


def test_a_forged_or_altered_receipt_code_opens_nothing(client, receipt, other_resident):
    code = quickpay.receipt_code(account_number=receipt.number, month=receipt.statements.get().period.month)
    assert client.get(f"/pay/r/{code}/").status_code == 200
    other = other_resident.account_links.get().account.number
    forged = code.replace(receipt.number, other)
    assert client.get(f"/pay/r/{forged}/").status_code == 404
    altered = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert client.get(f"/pay/r/{altered}/").status_code == 404
    assert client.get("/pay/r/nonsense/").status_code == 404
