"""reading_submit: every validation rule, the window edges, rollover, zones,
expired verification, corrections and estimates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from eirc.tests.factories import MeterFactory, PeriodFactory, ReadingFactory
from meters.models import Reading, Submission
from meters.services import ReadingErrors, field_name, reading_estimate, reading_submit
from meters.tests.conftest import add_history, at

pytestmark = pytest.mark.django_db

IN_WINDOW = at(2026, 4, 22)


def submit(resident, account, meter, value, zone="single", **kw):
    kw.setdefault("now", IN_WINDOW)
    return reading_submit(account=account, user=resident, values={(meter.pk, zone): value}, **kw)


def refusal(resident, account, meter, value, zone="single", **kw):
    with pytest.raises(ReadingErrors) as exc:
        submit(resident, account, meter, value, zone, **kw)
    return exc.value.errors[field_name(meter.pk, zone)]


def test_reading_in_the_window_is_stored_for_the_current_period(resident, account, meter, history):
    submission = submit(resident, account, meter, "158,5")
    reading = Reading.objects.get(submission=submission)
    assert reading.value == Decimal("158.500")
    assert reading.period.month == dt.date(2026, 4, 1)
    assert reading.source == Reading.Source.RESIDENT
    assert submission.result["items"][0]["status"] == "accepted"
    assert submission.result["items"][0]["consumption"] == "8.500"


@pytest.mark.parametrize("text", ["abc", "12a", "1,2345", "-5", "1 2", "1e3", "12,", ",5", "1.2.3"])
def test_value_that_is_not_a_plain_number_is_rejected(resident, account, meter, text):
    assert "Введите число" in refusal(resident, account, meter, text)
    assert not Reading.objects.exists()


@pytest.mark.parametrize("text", ["160", "160,5", "160.25", "160,125", "00160"])
def test_comma_or_dot_with_up_to_three_decimals_is_accepted(resident, account, meter, history, text):
    submit(resident, account, meter, text)
    assert Reading.objects.filter(period__month=dt.date(2026, 4, 1)).count() == 1


def test_value_beyond_the_digit_capacity_is_rejected(resident, account, meter):
    assert "не больше 5 цифр" in refusal(resident, account, meter, "100000")
    submit(resident, account, meter, "99999,999")
    assert Reading.objects.count() == 1


def test_reading_below_previous_is_rejected(resident, account, meter, history):
    message = refusal(resident, account, meter, "149,9")
    assert "меньше предыдущего" in message and "150" in message


def test_reading_equal_to_previous_is_accepted(resident, account, meter, history):
    submission = submit(resident, account, meter, "150")
    assert submission.result["items"][0]["consumption"] == "0.000"


def test_meter_that_rolled_over_is_accepted(resident, account):
    meter = MeterFactory(account=account, digits=5, verification_due=dt.date(2030, 1, 1))
    add_history(meter, [99900, 99950, 99990])
    submission = submit(resident, account, meter, "25")
    item = submission.result["items"][0]
    assert item["rollover"] is True
    assert item["consumption"] == "35.000"


def test_small_value_far_from_the_capacity_is_not_a_rollover(resident, account, meter, history):
    assert "меньше предыдущего" in refusal(resident, account, meter, "25")


def test_implausible_jump_requires_confirmation(resident, account, meter, history):
    # average 10 m³ a month; 51 m³ is more than 5 ×
    message = refusal(resident, account, meter, "201")
    assert "Подтверждаю показания" in message
    assert not Reading.objects.filter(value=Decimal("201")).exists()
    submit(resident, account, meter, "201", confirm_jump=True)
    assert Reading.objects.filter(value=Decimal("201"), status="current").exists()


def test_consumption_of_exactly_five_times_the_average_needs_no_confirmation(resident, account, meter, history):
    submit(resident, account, meter, "200")
    assert Reading.objects.filter(value=Decimal("200")).exists()


def test_jump_check_uses_the_factor_from_settings(resident, account, meter, history, settings):
    settings.BILLING = {**settings.BILLING, "IMPLAUSIBLE_FACTOR": 2}
    assert "в 2 раз" in refusal(resident, account, meter, "175")


def test_meter_with_expired_verification_takes_no_readings(resident, account):
    meter = MeterFactory(account=account, verification_due=dt.date(2026, 4, 1))
    message = refusal(resident, account, meter, "10")
    assert "Срок поверки счётчика истёк 01.04.2026" in message
    assert "поверку или замену" in message


def test_nothing_is_saved_when_any_value_has_an_error(resident, account, meter, history):
    other = MeterFactory(account=account, verification_due=dt.date(2030, 1, 1))
    with pytest.raises(ReadingErrors) as exc:
        reading_submit(
            account=account,
            user=resident,
            values={(meter.pk, "single"): "155", (other.pk, "single"): "x"},
            now=IN_WINDOW,
        )
    assert list(exc.value.errors) == [field_name(other.pk, "single")]
    assert not Reading.objects.filter(period__month=dt.date(2026, 4, 1)).exists()
    assert not Submission.objects.exists()


def test_empty_form_is_refused(resident, account, meter):
    with pytest.raises(ReadingErrors) as exc:
        reading_submit(account=account, user=resident, values={(meter.pk, "single"): "  "}, now=IN_WINDOW)
    assert "хотя бы одного" in exc.value.errors["__all__"]


def test_another_accounts_meter_is_refused(resident, account, other_resident):
    foreign = MeterFactory(account=other_resident.account_links.get().account)
    assert "не найден" in refusal(resident, account, foreign, "10")


def test_day_and_night_zones_are_stored_separately(resident, account):
    meter = MeterFactory(account=account, zones="day,night", verification_due=dt.date(2030, 1, 1))
    add_history(meter, [1000, 1100], zone="day")
    add_history(meter, [500, 540], zone="night")
    submission = reading_submit(
        account=account, user=resident, values={(meter.pk, "day"): "1190", (meter.pk, "night"): "580"}, now=IN_WINDOW
    )
    assert {i["zone"]: i["consumption"] for i in submission.result["items"]} == {"day": "90.000", "night": "40.000"}


def test_night_zone_is_checked_against_its_own_previous_reading(resident, account):
    meter = MeterFactory(account=account, zones="day,night", verification_due=dt.date(2030, 1, 1))
    add_history(meter, [1000, 1100], zone="day")
    add_history(meter, [500, 540], zone="night")
    with pytest.raises(ReadingErrors) as exc:
        reading_submit(
            account=account,
            user=resident,
            values={(meter.pk, "day"): "1190", (meter.pk, "night"): "539"},
            now=IN_WINDOW,
        )
    assert list(exc.value.errors) == [field_name(meter.pk, "night")]


def test_zone_the_meter_does_not_have_is_refused(resident, account, meter):
    assert "нет такой тарифной зоны" in refusal(resident, account, meter, "10", zone="night")


@pytest.mark.parametrize(
    ("day", "period", "in_window"),
    [
        (19, dt.date(2026, 4, 1), False),
        (20, dt.date(2026, 4, 1), True),
        (25, dt.date(2026, 4, 1), True),
        (26, dt.date(2026, 5, 1), False),
    ],
)
def test_window_edges_decide_the_period(resident, account, meter, history, day, period, in_window):
    with time_machine.travel(at(2026, 4, day, 23), tick=False):
        submission = reading_submit(account=account, user=resident, values={(meter.pk, "single"): "155"})
    assert Reading.objects.get(submission=submission).period.month == period
    assert submission.result["in_window"] is in_window


def test_outside_the_window_the_confirmation_says_which_period(resident, account, meter, history):
    with time_machine.travel(at(2026, 4, 26), tick=False):
        submission = reading_submit(account=account, user=resident, values={(meter.pk, "single"): "155"})
    assert "приём закрыт" in submission.result["window"]
    assert "май 2026" in submission.result["window"]


def test_window_of_the_service_overrides_the_default(resident, account, meter, history):
    meter.service.window_start_day, meter.service.window_end_day = 15, 18
    meter.service.save()
    submission = submit(resident, account, meter, "155", now=at(2026, 4, 19))
    assert Reading.objects.get(submission=submission).period.month == dt.date(2026, 5, 1)


def test_correction_in_the_window_replaces_the_reading_and_keeps_the_old_one(resident, account, meter, history):
    submit(resident, account, meter, "158", now=at(2026, 4, 21))
    second = submit(resident, account, meter, "157", now=at(2026, 4, 23))
    april = Reading.objects.filter(meter=meter, period__month=dt.date(2026, 4, 1)).order_by("created_at")
    assert [(r.value, r.status) for r in april] == [(Decimal("158.000"), "replaced"), (Decimal("157.000"), "current")]
    assert april[0].replaced_at is not None
    assert second.result["items"][0]["status"] == "replaced"


def test_resident_reading_replaces_an_estimate(resident, account, meter, history):
    april = PeriodFactory(month=dt.date(2026, 4, 1))
    ReadingFactory(meter=meter, period=april, value=Decimal("160"), source="estimate")
    submit(resident, account, meter, "156")
    current = Reading.objects.get(meter=meter, period=april, status="current")
    assert current.source == "resident" and current.value == Decimal("156")


def test_estimate_never_overwrites_a_submitted_reading(resident, account, meter, history):
    submit(resident, account, meter, "156")
    assert reading_estimate(meter=meter, zone="single", period=dt.date(2026, 4, 1), value=Decimal("160")) is None
    current = Reading.objects.get(meter=meter, period__month=dt.date(2026, 4, 1), status="current")
    assert current.source == "resident" and current.value == Decimal("156")
    assert not Reading.objects.filter(source="estimate").exists()


def test_estimate_is_written_where_no_reading_exists(meter, history):
    estimate = reading_estimate(meter=meter, zone="single", period=dt.date(2026, 4, 1), value=Decimal("160"))
    assert estimate.source == "estimate" and estimate.status == "current"


def test_same_value_submitted_twice_is_stored_once(resident, account, meter, history):
    submit(resident, account, meter, "156")
    again = submit(resident, account, meter, "156,000")
    assert Reading.objects.filter(meter=meter, period__month=dt.date(2026, 4, 1)).count() == 1
    assert again.result["items"][0]["status"] == "accepted"


def test_each_submission_gets_its_own_code(resident, account, meter, history):
    codes = {submit(resident, account, meter, v).code for v in ("151", "152", "153")}
    assert len(codes) == 3


def test_confirmation_is_emailed_when_the_resident_opted_in(
    resident, account, meter, history, mailoutbox, django_capture_on_commit_callbacks
):
    resident.notify_readings = True
    resident.save()
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(resident, account, meter, "156")
    assert len(mailoutbox) == 1
    assert submission.code in mailoutbox[0].body and "156" in mailoutbox[0].body


def test_no_confirmation_email_without_opt_in(
    resident, account, meter, history, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(resident, account, meter, "156")
    assert mailoutbox == []
