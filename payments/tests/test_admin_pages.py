from decimal import Decimal

import pytest

from payments.models import Payment, Refund
from payments.tests.helpers import balance, started_payment
from payments.tests.test_registry import GOOD


@pytest.fixture
def paid(yookassa, debt, resident):
    from payments import services

    payment = started_payment(debt, resident, "1000.00")
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    services.payment_confirm(payment_id=payment.pk)
    return payment


def test_accountant_refunds_part_of_a_payment_in_admin(client, accountant, paid, debt):
    client.force_login(accountant)
    url = f"/admin/payments/payment/{paid.pk}/refund/"
    page = client.get(url)
    assert page.status_code == 200
    token = page.context["form"].initial["key"]
    response = client.post(url, {"amount": "400,00", "reason": "переплата", "key": token})
    assert response.status_code == 302
    client.post(url, {"amount": "400,00", "reason": "переплата", "key": token})  # double submit
    assert Refund.objects.filter(payment=paid, status=Refund.Status.SUCCEEDED).count() == 1
    assert balance(debt) == Decimal("4400.00")


def test_refund_above_the_payment_is_refused_with_a_message(client, accountant, paid):
    client.force_login(accountant)
    url = f"/admin/payments/payment/{paid.pk}/refund/"
    token = client.get(url).context["form"].initial["key"]
    page = client.post(url, {"amount": "1000,01", "reason": "x", "key": token})
    assert "Нельзя вернуть больше" in page.content.decode()
    assert not Refund.objects.exists()


def test_operator_cannot_refund(client, operator, paid):
    client.force_login(operator)
    assert client.get(f"/admin/payments/payment/{paid.pk}/refund/").status_code == 403


def test_accountant_uploads_a_registry_in_admin(client, accountant, db):
    from eirc.tests.factories import PersonalAccountFactory

    PersonalAccountFactory(number="3000000001")
    PersonalAccountFactory(number="3000000002")
    client.force_login(accountant)
    assert "Загрузить реестр" in client.get("/admin/payments/registryimport/").content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        "/admin/payments/registryimport/upload/",
        {"file": SimpleUploadedFile("r.csv", GOOD), "dry_run": ""},
    )
    assert page.status_code == 200
    assert Payment.objects.filter(source=Payment.Source.REGISTRY).count() == 2
