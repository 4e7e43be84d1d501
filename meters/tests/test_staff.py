"""Operators: readings by phone, meter replacement; the CSV import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from meters.importer import import_readings
from meters.models import Meter, Reading
from meters.selectors import monthly_consumption
from meters.services import ReadingErrors, meter_replace, reading_enter_by_operator
from meters.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_operator_enters_a_reading_with_source_and_author(operator, meter, history):
    submission = reading_enter_by_operator(
        meter=meter, values={"single": "156"}, user=operator, taken_on=dt.date(2026, 4, 21), now=at(2026, 4, 21)
    )
    reading = Reading.objects.get(submission=submission)
    assert (reading.source, reading.entered_by, submission.channel) == ("operator", operator, "operator")


def test_operator_entry_follows_the_same_rules(operator, meter, history):
    with pytest.raises(ReadingErrors):
        reading_enter_by_operator(meter=meter, values={"single": "100"}, user=operator, now=at(2026, 4, 21))


def test_meter_replacement_keeps_consumption_history_continuous(operator, resident, meter, history):
    new = meter_replace(
        old_meter=meter,
        final_readings={"single": "155"},
        new_serial="CW-0002",
        initial_readings={"single": "0,5"},
        replaced_on=dt.date(2026, 4, 10),
        verification_due=dt.date(2032, 4, 10),
        user=operator,
    )
    meter.refresh_from_db()
    assert meter.status == Meter.Status.REMOVED and meter.replaced_by == new
    from meters.services import reading_submit

    # the new meter's first reading is judged against its install reading, not the old meter's 155
    reading_submit(account=new.account, user=resident, values={(new.pk, "single"): "3,5"}, now=at(2026, 4, 22))
    points, _avg = monthly_consumption(meter=new, today=dt.date(2026, 4, 22))
    by_month = dict(points)
    assert by_month[dt.date(2026, 4, 1)] == Decimal("8.000")  # 155 − 150 on the old + 3.5 − 0.5 on the new
    assert by_month[dt.date(2026, 3, 1)] == Decimal("10.000")


def test_replacement_with_a_final_reading_below_the_previous_is_refused(operator, meter, history):
    with pytest.raises(ReadingErrors):
        meter_replace(
            old_meter=meter,
            final_readings={"single": "140"},
            new_serial="CW-0002",
            initial_readings={"single": "0"},
            replaced_on=dt.date(2026, 4, 10),
            verification_due=dt.date(2032, 4, 10),
            user=operator,
        )
    assert Meter.objects.count() == 1


def csv_file(account, meter, rows):
    lines = ["account;serial;zone;date;value;source_id"]
    lines += [f"{account.number};{meter.serial};single;{d};{v};{i}" for i, (d, v) in enumerate(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_import_applies_a_good_file(account, meter, history):
    report = import_readings(data=csv_file(account, meter, [("21.04.2026", "156,2")]), now=at(2026, 4, 28))
    assert report.applied and report.count("applied") == 1
    assert Reading.objects.get(period__month=dt.date(2026, 4, 1)).source == "import"


def test_import_with_a_bad_line_applies_nothing(account, meter, history):
    other = history[0].meter  # same meter, second line bad
    data = csv_file(account, other, [("21.04.2026", "156,2"), ("22.05.2026", "abc")])
    report = import_readings(data=data, now=at(2026, 5, 28))
    assert not report.applied
    assert [x.line for x in report.errors] == [3]
    assert not Reading.objects.filter(source="import").exists()


def test_import_with_skip_errors_applies_the_good_lines(account, meter, history):
    data = csv_file(account, meter, [("21.04.2026", "156,2"), ("22.05.2026", "abc")])
    report = import_readings(data=data, skip_errors=True, now=at(2026, 5, 28))
    assert report.applied and Reading.objects.filter(source="import").count() == 1


def test_importing_the_same_file_twice_changes_nothing(account, meter, history):
    data = csv_file(account, meter, [("21.04.2026", "156,2"), ("22.05.2026", "160")])
    import_readings(data=data, now=at(2026, 5, 28))
    before = list(Reading.objects.order_by("pk").values_list("pk", "value", "status"))
    report = import_readings(data=data, now=at(2026, 5, 28))
    assert report.count("unchanged") == 2
    assert list(Reading.objects.order_by("pk").values_list("pk", "value", "status")) == before


def test_dry_run_applies_nothing(account, meter, history):
    report = import_readings(
        data=csv_file(account, meter, [("21.04.2026", "156,2")]), dry_run=True, now=at(2026, 4, 28)
    )
    assert report.count("applied") == 1 and not report.applied
    assert not Reading.objects.filter(source="import").exists()


def test_import_command_reports_errors_by_line(tmp_path, account, meter, history):
    path = tmp_path / "readings.csv"
    path.write_bytes(csv_file(account, meter, [("21.04.2026", "1,2345")]))
    with pytest.raises(CommandError):
        call_command("import_readings", str(path))
    assert not Reading.objects.filter(source="import").exists()


def test_file_without_the_header_is_refused(account, meter):
    from eirc.errors import DomainError

    with pytest.raises(DomainError):
        import_readings(data=b"1;2;3\n")
