"""500s the fuzz test (test_fuzz.py) found, each pinned by its own test."""

from __future__ import annotations

import pytest

from accounts.tests.conftest import CAPTCHA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def captcha_test_mode(monkeypatch):
    from captcha.conf import settings as captcha_settings

    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)


@pytest.mark.parametrize("header", ["HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_REFERER"])
def test_a_nul_in_a_request_header_of_a_failed_login_is_a_400(client, resident, header):
    data = {"username": "1000000101", "password": "wrong-password-1", **CAPTCHA}
    response = client.post("/accounts/login/", data, **{header: "Mozilla\x00/5.0"})
    assert response.status_code == 400
    assert "Неверный запрос" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_nul_in_a_header_of_an_api_request_is_a_json_400(client):
    response = client.get("/api/v1/meters/", HTTP_USER_AGENT="curl\x00")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
