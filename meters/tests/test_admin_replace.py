"""An operator replaces a meter from its admin page (the same service as
the tests of meter_replace): the old one is removed, the new one active."""

from decimal import Decimal

import pytest
import time_machine

from meters.models import Meter, Reading

pytestmark = pytest.mark.django_db


def form(**override):
    data = {
        "final_single": "155",
        "new_serial": "CW-0002",
        "model_name": "СГВ-15",
        "digits": "5",
        "initial_single": "0,5",
        "replaced_on": "10.04.2026",
        "verification_due": "10.04.2032",
    }
    return data | override


def test_operator_replaces_a_meter_in_admin(client, operator, meter, history):
    client.force_login(operator)
    url = f"/admin/meters/meter/{meter.pk}/replace/"
    assert "Заменить счётчик" in client.get(f"/admin/meters/meter/{meter.pk}/change/").content.decode()
    with time_machine.travel("2026-04-10 12:00 +0300", tick=False):
        response = client.post(url, form())
    assert response.status_code == 302
    meter.refresh_from_db()
    new = Meter.objects.get(serial="CW-0002")
    assert meter.status == Meter.Status.REMOVED and meter.replaced_by == new
    assert Reading.objects.filter(meter=meter, source="removal").get().value == Decimal("155.000")
    assert Reading.objects.filter(meter=new, source="install").get().value == Decimal("0.500")


def test_a_final_reading_below_the_previous_is_shown_next_to_the_field(client, operator, meter, history):
    client.force_login(operator)
    with time_machine.travel("2026-04-10 12:00 +0300", tick=False):
        page = client.post(f"/admin/meters/meter/{meter.pk}/replace/", form(final_single="140"))
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    assert Meter.objects.count() == 1
