"""The readings form tells what went wrong at its top (issue 13): an error
summary that takes the focus and links to each field; the «большой расход»
confirmation appears only when a value needs it."""

from __future__ import annotations

import re

import pytest
import time_machine

from meters.services import field_name
from meters.tests.conftest import at

pytestmark = pytest.mark.django_db

CONFIRM = 'name="confirm_jump"'


def summary_of(page: str) -> str:
    match = re.search(r'<div class="alert alert-danger error-summary"[^>]*>.*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_a_refused_value_is_summarised_at_the_top_with_a_link_to_its_field_and_the_focus(
    client, resident, meter, history
):
    client.force_login(resident)
    name = field_name(meter.pk, "single")
    page = client.post("/cabinet/readings/", {name: "140"}).content.decode()
    summary = summary_of(page)
    assert f'href="#id_{name}"' in summary
    assert "меньше предыдущего" in summary
    assert 'tabindex="-1"' in summary and "autofocus" in summary and "data-error-summary" in summary
    assert page.index("error-summary") < page.index(f'id="id_{name}"')  # above the fields
    assert '<script src="/static/js/site.js"></script>' in page  # moves the focus where autofocus does not


@time_machine.travel(at(2026, 4, 22), tick=False)
def test_the_large_consumption_confirmation_appears_only_when_needed(client, resident, meter, history):
    client.force_login(resident)
    name = field_name(meter.pk, "single")
    assert CONFIRM not in client.get("/cabinet/readings/").content.decode()
    assert CONFIRM not in client.post("/cabinet/readings/", {name: "140"}).content.decode()  # another error

    jump = client.post("/cabinet/readings/", {name: "400"}).content.decode()  # 250 m³ after 10 a month
    assert CONFIRM in jump
    assert "Расход необычно большой" in jump
    confirmed = client.post("/cabinet/readings/", {name: "400", "confirm_jump": "on"})
    assert confirmed.status_code == 302
