from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from eirc.tests.factories import PersonalAccountFactory
from payments.models import Payment, RegistryImport
from payments.registry import registry_import
from payments.tests.helpers import assert_billing_consistent, balance

HEADER = "date;time;transaction_id;account;amount;period\n"


@pytest.fixture
def accounts(db):
    return [PersonalAccountFactory(number="3000000001"), PersonalAccountFactory(number="3000000002")]


def registry(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")


GOOD = registry(
    "15.03.2026;10:15;TX-1;3000000001;1500,00;02.2026",
    "15.03.2026;11:20:05;TX-2;3000000002;99.99;",
)


def test_registry_applies_every_line_once(accounts):
    report = registry_import(content=GOOD, filename="sber-0315.csv")
    assert report.ok and report.applied == 2
    assert report.total == Decimal("1599.99")
    assert Payment.objects.filter(source=Payment.Source.REGISTRY, status=Payment.Status.SUCCEEDED).count() == 2
    assert balance(accounts[0]) == Decimal("-1500.00")
    assert_billing_consistent()


def test_the_same_file_twice_gives_one_set_of_payments(accounts):
    registry_import(content=GOOD, filename="a.csv")
    again = registry_import(content=GOOD, filename="a-copy.csv")
    assert again.already_imported
    assert Payment.objects.count() == 2
    assert RegistryImport.objects.count() == 1


def test_a_transaction_in_another_file_is_not_imported_twice(accounts):
    registry_import(content=GOOD, filename="a.csv")
    overlapping = registry(
        "15.03.2026;10:15;TX-1;3000000001;1500,00;02.2026", "16.03.2026;09:00;TX-3;3000000001;10.00;"
    )
    report = registry_import(content=overlapping, filename="b.csv")
    assert report.duplicates == 1 and report.applied == 1
    assert Payment.objects.count() == 3
    assert balance(accounts[0]) == Decimal("-1510.00")


@pytest.mark.parametrize(
    "bad",
    [
        "15.03.2026;10:15;TX-9;9999999999;10,00;",  # unknown account
        "15.03.2026;10:15;TX-9;3000000001;10;",  # no kopecks
        "2026-03-15;10:15;TX-9;3000000001;10,00;",  # date format
        "15.03.2026;10:15;;3000000001;10,00;",  # no transaction id
        "15.03.2026;10:15;TX-9;3000000001;-10,00;",  # negative
    ],
)
def test_a_file_with_a_bad_line_applies_nothing(accounts, bad):
    report = registry_import(content=registry("15.03.2026;10:15;TX-1;3000000001;1500,00;", bad), filename="x.csv")
    assert report.errors and report.errors[0][0] == 3
    assert Payment.objects.count() == 0
    assert RegistryImport.objects.count() == 0


def test_skip_errors_applies_the_good_lines(accounts):
    report = registry_import(
        content=registry("15.03.2026;10:15;TX-1;3000000001;1500,00;", "15.03.2026;10:15;TX-2;9999999999;1,00;"),
        filename="x.csv",
        skip_errors=True,
    )
    assert report.applied == 1 and len(report.errors) == 1


def test_command_reports_errors_by_line_and_dry_run_writes_nothing(accounts, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    call_command("import_payments", str(good), "--dry-run")
    assert Payment.objects.count() == 0
    call_command("import_payments", str(good))
    assert Payment.objects.count() == 2
    with pytest.raises(CommandError, match="уже был загружен"):
        call_command("import_payments", str(good))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(registry("15.03.2026;10:15;TX-7;3000000001;10;"))
    with pytest.raises(CommandError):
        call_command("import_payments", str(bad))
    assert "строка 2" in capsys.readouterr().err
