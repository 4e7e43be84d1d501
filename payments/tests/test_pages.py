import uuid
from decimal import Decimal

import pytest

from payments.models import Payment
from payments.tests.helpers import balance


def pay_form(amount="1000,00", token=None):
    return {"amount": amount, "email": "resident@example.ru", "form_token": str(token or uuid.uuid4())}


def test_pay_page_defaults_to_the_debt(client, resident, debt, sandbox):
    client.force_login(resident)
    page = client.get("/payments/pay/").content.decode()
    assert 'value="5000,00"' in page
    assert "5\xa0000,00\xa0₽" in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0,00", "больше нуля"),
        ("0", "больше нуля"),
        # Whole roubles are fine for paying (issue 13); three decimals or letters are not.
        ("10,555", "в рублях, например 1000"),
        ("abc", "в рублях, например 1000"),
        ("-10", "в рублях, например 1000"),
        ("999999999,00", "не может превышать"),
    ],
)
def test_bad_amounts_get_a_clear_message_and_create_nothing(client, resident, debt, sandbox, amount, message):
    client.force_login(resident)
    response = client.post("/payments/pay/", pay_form(amount))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Payment.objects.count() == 0


def test_a_repeated_post_of_one_form_makes_one_payment(client, resident, debt, sandbox):
    client.force_login(resident)
    token = uuid.uuid4()
    first = client.post("/payments/pay/", pay_form(token=token))
    second = client.post("/payments/pay/", pay_form(token=token))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_sandbox_pay_credits_through_the_same_services(client, resident, debt, sandbox):
    client.force_login(resident)
    response = client.post("/payments/pay/", pay_form("1234,56"))
    payment = Payment.objects.get()
    assert response["Location"].endswith(f"/payments/sandbox/{payment.provider_payment_id}/")
    page = client.post(f"/payments/sandbox/{payment.provider_payment_id}/", {"decision": "pay"}, follow=True)
    assert "Оплачен" in page.content.decode()
    assert balance(debt) == Decimal("3765.44")


def test_sandbox_refusal_cancels_without_credit(client, resident, debt, sandbox):
    client.force_login(resident)
    client.post("/payments/pay/", pay_form())
    payment = Payment.objects.get()
    client.post(f"/payments/sandbox/{payment.provider_payment_id}/", {"decision": "fail"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED
    assert balance(debt) == Decimal("5000.00")


def test_return_page_shows_processing_and_never_marks_paid(client, resident, debt, sandbox):
    client.force_login(resident)
    client.post("/payments/pay/", pay_form())
    payment = Payment.objects.get()
    page = client.get(f"/payments/{payment.pk}/").content.decode()
    assert "обрабатывается" in page
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert client.get(f"/payments/{payment.pk}/status/").json()["final"] is False


def test_pending_return_page_does_not_reload_itself(client, resident, debt, sandbox):
    """WCAG 2.2.1: no meta refresh; a polite status region that the script
    (js/payment-status.js, polling payments:status) rewrites, and a link that
    reloads by hand without JavaScript."""
    from payments.providers.sandbox import SandboxProvider
    from payments.services import payment_confirm

    client.force_login(resident)
    client.post("/payments/pay/", pay_form())
    payment = Payment.objects.get()
    url = f"/payments/{payment.pk}/"
    page = client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in page.lower()
    assert 'id="payment-status" role="status" aria-live="polite"' in page
    assert f'data-status-url="{url}status/"' in page
    assert f'<a class="btn btn-primary btn-tap" href="{url}">Проверить статус</a>' in page
    assert "js/payment-status.js" in page

    SandboxProvider.decide(payment.provider_payment_id, pay=True)
    payment_confirm(payment_id=payment.pk)
    status = client.get(f"{url}status/").json()
    assert status["final"] is True and "Сумма зачислена" in status["html"]
    page = client.get(url).content.decode()
    assert "Проверить статус" not in page and "payment-status.js" not in page and "data-status-url" not in page


def test_another_residents_payment_is_a_404(client, resident, other_resident, debt, sandbox):
    client.force_login(resident)
    client.post("/payments/pay/", pay_form())
    payment = Payment.objects.get()
    client.force_login(other_resident)
    assert client.get(f"/payments/{payment.pk}/").status_code == 404
    assert client.get(f"/payments/{payment.pk}/status/").status_code == 404
    assert client.get(f"/payments/sandbox/{payment.provider_payment_id}/").status_code == 404
