"""The resident API: tokens, idempotent submission, scoping, rate limit, and
every response validated against docs/openapi.yaml."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import time_machine
import yaml
from django.conf import settings
from django.core.cache import cache

from eirc.tests.factories import MeterFactory
from meters.models import Reading
from meters.tests.conftest import at
from meters.tokens import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

SPEC = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text(encoding="utf-8"))


def validate(response, schema_name: str):
    """Validate a JSON response body against a component schema of the spec."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    jsonschema.validate(response.json(), schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(resident, account):
    return api_token_create(user=resident, account=account, name="Умный дом")[1]


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_readings(client, token, body, key="k-1"):
    headers = auth(token)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post("/api/v1/readings/", data=json.dumps(body), content_type="application/json", **headers)


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_meters_are_listed_with_last_readings_and_the_window(client, token, meter, history):
    response = client.get("/api/v1/meters/", **auth(token))
    assert response.status_code == 200
    validate(response, "MeterList")
    data = response.json()
    assert data["meters"][0]["last_readings"][0]["value"] == "150.000"
    assert data["meters"][0]["window"]["open"] is True
    assert data["meters"][0]["window"]["days_left"] == 4


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_same_idempotency_key_returns_the_same_confirmation_and_stores_one_reading(client, token, meter, history):
    body = {"readings": [{"meter_id": meter.pk, "zone": "single", "value": "155,5"}]}
    first = post_readings(client, token, body)
    second = post_readings(client, token, body)
    assert first.status_code == 201 and second.status_code == 200
    validate(first, "Submission")
    validate(second, "Submission")
    assert first.json()["code"] == second.json()["code"]
    assert second.json()["replayed"] is True
    assert Reading.objects.filter(meter=meter, value=Decimal("155.5")).count() == 1


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_submission_can_be_fetched_by_its_code(client, token, meter, history):
    code = post_readings(client, token, {"readings": [{"meter_id": meter.pk, "value": "151"}]}).json()["code"]
    response = client.get(f"/api/v1/submissions/{code}/", **auth(token))
    assert response.status_code == 200
    validate(response, "Submission")


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_another_residents_meter_is_not_found(client, token, other_resident):
    foreign = MeterFactory(account=other_resident.account_links.get().account)
    response = post_readings(client, token, {"readings": [{"meter_id": foreign.pk, "value": "10"}]})
    assert response.status_code == 404
    validate(response, "Error")
    assert client.get(f"/api/v1/meters/{foreign.pk}/", **auth(token)).status_code == 404
    assert not Reading.objects.exists()


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_revoked_token_is_refused(client, resident, account, meter):
    row, token = api_token_create(user=resident, account=account, name="x")
    assert client.get("/api/v1/meters/", **auth(token)).status_code == 200
    api_token_revoke(user=resident, token_id=row.pk)
    response = client.get("/api/v1/meters/", **auth(token))
    assert response.status_code == 401
    validate(response, "Error")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_missing_or_wrong_token_is_refused(client, token):
    assert client.get("/api/v1/meters/").status_code == 401
    assert client.get("/api/v1/meters/", HTTP_AUTHORIZATION="Bearer eirc_nonsense").status_code == 401


def test_only_a_hash_of_the_token_is_stored(resident, account):
    row, token = api_token_create(user=resident, account=account, name="x")
    assert token not in (row.token_hash, row.prefix)
    assert len(row.token_hash) == 64


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_invalid_reading_is_a_422_with_the_field_message(client, token, meter, history):
    response = post_readings(client, token, {"readings": [{"meter_id": meter.pk, "value": "100"}]})
    assert response.status_code == 422
    validate(response, "Error")
    assert "меньше предыдущего" in response.json()["error"]["fields"][f"{meter.pk}:single"]


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_implausible_jump_asks_for_confirmation(client, token, meter, history):
    body = {"readings": [{"meter_id": meter.pk, "value": "300"}]}
    response = post_readings(client, token, body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "confirmation_required"
    confirmed = post_readings(client, token, {**body, "confirm_jump": True}, key="k-2")
    assert confirmed.status_code == 201


def test_submission_without_an_idempotency_key_is_refused(client, token, meter):
    response = post_readings(client, token, {"readings": [{"meter_id": meter.pk, "value": "1"}]}, key=None)
    assert response.status_code == 400
    validate(response, "Error")


def test_malformed_body_is_a_400(client, token):
    response = client.post(
        "/api/v1/readings/", data="{", content_type="application/json", HTTP_IDEMPOTENCY_KEY="x", **auth(token)
    )
    assert response.status_code == 400


def test_requests_over_the_rate_limit_get_429(client, token, settings):
    settings.METERS_API = {"RATE_PER_MINUTE": 3}
    codes = [client.get("/api/v1/meters/", **auth(token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_tokens_page_shows_a_new_token_once_and_revokes(client, resident, account):
    client.force_login(resident)
    response = client.post("/cabinet/readings/tokens/", {"name": "Умный дом"})
    token = response.context["new_token"]
    assert token in response.content.decode()
    listing = client.get("/cabinet/readings/tokens/").content.decode()
    assert token not in listing and "Умный дом" in listing
    row = resident.meter_api_tokens.get()
    client.post(f"/cabinet/readings/tokens/{row.pk}/revoke/")
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_another_residents_token_cannot_be_revoked(client, resident, other_resident):
    row, _ = api_token_create(user=other_resident, account=other_resident.account_links.get().account, name="x")
    client.force_login(resident)
    assert client.post(f"/cabinet/readings/tokens/{row.pk}/revoke/").status_code == 404
