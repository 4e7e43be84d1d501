"""Findings of the second security review (issue 12) on payments: the
webhook reads nothing before it knows the sender and reads within bounds;
an over-long email on the pay page and bad lines of a bank registry are
answered with messages, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import SecurityEvent
from payments.models import WebhookEvent
from payments.tests.conftest import ALLOWED_IP

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
