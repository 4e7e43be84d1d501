"""Findings of the second security review (issue 12) on payments: the
webhook reads nothing before it knows the sender and reads within bounds;
an over-long email on the pay page and bad lines of a bank registry are
answered with messages, never a 500."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import SecurityEvent
from accounts.tests.test_review_findings import LONG_EMAIL
from eirc.tests.factories import PersonalAccountFactory
from payments.models import Payment, WebhookEvent
from payments.tests.conftest import ALLOWED_IP
from payments.tests.test_registry import HEADER

pytestmark = pytest.mark.django_db

WEBHOOK = "/payments/yookassa/webhook/"
DEEP = "[" * 950 + "]" * 950


def post_raw(body: str | bytes, ip: str = ALLOWED_IP):
    return Client().post(WEBHOOK, data=body, content_type="application/json", REMOTE_ADDR=ip)


def rejections() -> list[str]:
    kind = SecurityEvent.Kind.WEBHOOK_REJECTED
    return list(SecurityEvent.objects.filter(kind=kind).values_list("detail__reason", flat=True))


def test_a_webhook_nested_950_levels_deep_is_a_400_not_a_500(sandbox):
    assert post_raw(DEEP).status_code == 400
    assert post_raw('{"a":' * 950 + "1" + "}" * 950).status_code == 400
    assert WebhookEvent.objects.count() == 0
    assert rejections() == ["body too_deep", "body too_deep"]


def test_a_webhook_from_outside_the_allow_list_is_refused_before_its_body_is_read(sandbox):
    # Too big and too deep, but from a stranger: 403, and only the address is logged.
    assert post_raw(DEEP + " " * 100_000, ip="203.0.113.9").status_code == 403
    assert rejections() == ["address not allowed"]


def test_an_over_large_webhook_body_is_a_413(sandbox):
    body = json.dumps({"type": "notification", "event": "payment.succeeded", "object": {"id": "x" * 70_000}})
    assert post_raw(body).status_code == 413
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        '{"type": "notification", "event": "payment.succeeded", "object": {"id": "p\\u0000"}}',
        '{"type": "notification", "event": "payment.succeeded", "object": []}',
        '["notification"]',
        "\xff\xfe not json",
    ],
    ids=["nul-in-id", "object-is-a-list", "not-an-object", "not-utf8"],
)
def test_a_malformed_webhook_from_an_allowed_sender_is_a_400(sandbox, body):
    assert post_raw(body.encode("latin-1") if body.startswith("\xff") else body).status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_an_over_long_email_on_the_pay_page_is_a_form_error(client, resident, debt, sandbox):
    client.force_login(resident)
    response = client.post(
        "/payments/pay/",
        {"amount": "100,00", "email": LONG_EMAIL, "form_token": "6f1c1a36-2c11-4a49-9d8f-1d7c1b2b3c4d"},
    )
    assert response.status_code == 200
    assert "254" in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("15.03.2026;10:15;TX-1;3000000001\x00;1500,00;", "лицевой счёт"),
        ("15.03.2026;10:15;TX-\x001;3000000001;1500,00;", "номер операции"),
        ("15.03.2026;10:15;TX-1;3000000001;1500,00;01.2147483648", "период"),
        ("15.03.2026;10:15;TX-1;3000000001;12345678901234,00;", "сумма"),
        ("15.03.2026;10:15;TX-1;3000000001;1500,00;13.2026", "период"),
    ],
    ids=["nul-in-account", "nul-in-transaction", "huge-period", "14-digit-amount", "month-13"],
)
def test_a_bad_registry_line_is_reported_in_the_admin_and_nothing_is_applied(client, accountant, line, message):
    PersonalAccountFactory(number="3000000001")
    client.force_login(accountant)
    content = (HEADER + "15.03.2026;09:00;TX-0;3000000001;10,00;\n" + line + "\n").encode()
    page = client.post("/admin/payments/registryimport/upload/", {"file": SimpleUploadedFile("r.csv", content)})
    assert page.status_code == 200
    text = page.content.decode()
    assert "<td>3</td>" in text and message in text
    assert not Payment.objects.exists()


def test_a_nul_in_a_sandbox_payment_id_is_a_404(client, resident, sandbox):
    """Found by the fuzz: the id reached a PostgreSQL query."""
    client.force_login(resident)
    assert client.get("/payments/sandbox/sb%00x/").status_code == 404
    assert client.post("/payments/sandbox/sb%00x/", {"decision": "pay"}).status_code == 404
