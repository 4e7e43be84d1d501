"""Findings of the second security review (issue 12) on meters: the API
reads its body within bounds and answers JSON even for an unknown address;
a NUL in a path or in an imported line is an answer, never a 500."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from meters.models import Reading, Submission
from meters.tests.conftest import at
from meters.tests.test_api import validate
from meters.tokens import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(resident, account):
    return api_token_create(user=resident, account=account, name="Умный дом")[1]


def post_readings(client, token, data, key="k-1", content_type="application/json"):
    return client.post(
        "/api/v1/readings/",
        data=data,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.parametrize(
    "body",
    ["[" * 950 + "]" * 950, '{"readings": ' + "[" * 950 + "]" * 950 + "}", "{" + '"a":{' * 100 + "}" * 101],
    ids=["array", "inside-readings", "100-levels"],
)
def test_a_deeply_nested_api_body_is_a_400_in_json(client, token, meter, body):
    response = post_readings(client, token, body)
    assert response.status_code == 400
    validate(response, "Error")
    assert response.json()["error"]["code"] == "bad_request"
    assert not Submission.objects.exists()


def test_an_api_body_over_64_kib_is_a_413_in_json(client, token, meter):
    body = json.dumps({"readings": [{"meter_id": meter.pk, "value": "1" * 70_000}]})
    response = post_readings(client, token, body)
    assert response.status_code == 413
    validate(response, "Error")
    assert response.json()["error"]["code"] == "too_large"


def test_the_api_reads_no_body_without_a_valid_token(client, meter):
    response = post_readings(client, "eirc_not-a-token", "[" * 950 + "]" * 950)
    assert response.status_code == 401


@time_machine.travel(at(2026, 4, 22), tick=False)
@pytest.mark.parametrize(
    "reading",
    [
        {"meter_id": 1e400, "value": "1"},
        {"meter_id": 1, "zone": "sin\u0000gle", "value": "1"},
        {"meter_id": 1, "value": 1e400},
        {"meter_id": 1, "value": "\u0000"},
    ],
    ids=["infinite-meter-id", "nul-zone", "infinite-value", "nul-value"],
)
def test_odd_values_in_the_api_body_are_a_4xx(client, token, meter, history, reading):
    body = json.dumps({"readings": [reading]}).replace("Infinity", "1e400")
    response = post_readings(client, token, body)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
    assert not Reading.objects.filter(source="api").exists()


def test_a_nul_in_the_idempotency_key_is_a_400(client, token, meter):
    body = json.dumps({"readings": [{"meter_id": meter.pk, "value": "1"}]})
    assert post_readings(client, token, body, key="k\x00").status_code == 400


def test_an_unknown_api_address_is_a_json_404(client, token):
    for url in ("/api/v1/nothing/", "/api/v1/meters/99999999999999999999/", "/api/v2/"):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
        validate(response, "Error")
        assert response.json()["error"]["code"] == "not_found"
    assert "text/html" in client.get("/no-such-page/")["Content-Type"]


def test_a_nul_in_a_submission_code_is_a_404(client, resident, token):
    client.force_login(resident)
    for url in (
        "/cabinet/readings/confirmation/AB%00CD/",
        "/cabinet/readings/confirmation/AB%00CD/download/",
        "/cabinet/readings/confirmation/%D0%AF/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.get("/api/v1/submissions/AB%00CD/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{number}\x00;{serial};single;21.04.2026;156,2;1", "Лицевой счёт — 10 цифр"),
        ("{number};CW\x00-0001;single;21.04.2026;156,2;1", "Заводской номер"),
        ("{number};{serial};sin\x00gle;21.04.2026;156,2;1", "Зона"),
        ("{number};{serial};single;01.01.0001;156,2;1", "Дата раньше"),
    ],
    ids=["nul-in-account", "nul-in-serial", "nul-in-zone", "year-one"],
)
@time_machine.travel(at(2026, 4, 28), tick=False)
def test_a_bad_line_of_a_readings_import_is_reported_in_the_admin(
    client, operator, account, meter, history, row, message
):
    client.force_login(operator)
    lines = ["account;serial;zone;date;value;source_id", row.format(number=account.number, serial=meter.serial)]
    upload = SimpleUploadedFile("r.csv", ("\n".join(lines) + "\n").encode())
    page = client.post("/admin/meters/meter/import/", {"file": upload, "dry_run": ""})
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not Reading.objects.filter(source="import").exists()
