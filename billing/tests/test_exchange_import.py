"""The city import (docs/exchange.md): everything checked before anything is
written, idempotent by natural keys, changes logged, balances as opening
ledger entries that keep ``billing_check`` green; the admin upload page."""

from __future__ import annotations

import io
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import PersonalAccount
from billing.models import AccountService, ImportChange, ImportRun, LedgerEntry, Provider, Service, Statement, Tariff
from eirc.tests.factories import UserFactory
from meters.models import Meter, Reading

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "exchange-samples"
pytestmark = pytest.mark.django_db


@pytest.fixture
def city(tmp_path):
    target = tmp_path / "city"
    shutil.copytree(SAMPLES, target)
    return target


def run(directory, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_city", str(directory), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def replace_line(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def city_counts():
    return (
        PersonalAccount.objects.count(),
        Provider.objects.filter(inn__startswith="920400000").count(),
        Service.objects.filter(code__in=["elec", "maint"]).count(),
        Tariff.objects.count(),
        AccountService.objects.count(),
        Meter.objects.count(),
        Reading.objects.count(),
        LedgerEntry.objects.count(),
        Statement.objects.count(),
    )


def test_a_bad_line_in_every_file_writes_nothing_and_reports_each_line(city):
    before = city_counts()
    bad = {
        "houses.csv": (2, "H000001;г. Севастополь;ул. Большая Морская;1;29901"),  # postcode of 5 digits
        "providers.csv": (3, "92040000;920401001;ООО «Х»;Х;Банк;043510607;40702810000000000002;30101810335100000607"),
        "services.csv": (4, "hot;Горячая вода;9204000001;920401001;by_guess;м³;single;2.8000"),
        "tariffs.csv": (2, "elec;day;32.13.2025;6.1200"),
        "accounts.csv": (5, "1000000004;H000001;4;-3.00;1;Иванов;Иван;Иванович;0000023773;;open;01.01.2015;"),
        "account_services.csv": (6, "1000000001;sauna;01.01.2015;"),
        "meters.csv": (3, "1000000001;cold;S1000000001;single;5;15.01.2021;15.01.2029;25.11.2025;1,2/3,4"),
        "balances.csv": (7, "1000000001;13.2025;10.00"),
    }
    for name, (line, text) in bad.items():
        replace_line(city / name, line, text)
    with pytest.raises(CommandError, match="Ничего не записано"):
        run(city)
    err = ImportRun.objects.get().errors
    reported = {(file, line) for file, line, _column, _reason in err}
    for name, (line, _text) in bad.items():
        assert (name, line) in reported, f"{name}:{line} not reported"
    assert city_counts() == before
    assert ImportRun.objects.get().status == ImportRun.Status.REFUSED


def test_errors_are_reported_in_russian_with_file_line_and_column(city):
    replace_line(city / "accounts.csv", 3, "1000000002;H000001;2;73,3;1;Морозов;Пётр;;;;open;31.02.2015;")
    with pytest.raises(CommandError):
        call_command("import_city", str(city), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "accounts.csv, строка 3, столбец opened_on: дата — ДД.ММ.ГГГГ («31.02.2015»)" in err.getvalue()


def test_the_city_loads_and_the_same_files_twice_change_nothing(city):
    out, _err = run(city)
    assert "отклонено 0" in out
    assert PersonalAccount.objects.count() == 12
    assert Meter.objects.count() == 36
    assert Reading.objects.filter(source="import", zone="night").count() == 12
    first = city_counts()
    out, _err = run(city)
    assert "Итого: создано 0, обновлено 0" in out
    assert city_counts() == first
    assert ImportChange.objects.count() == 0


def test_a_changed_area_is_one_update_and_is_logged(city, client):
    run(city)
    acc = PersonalAccount.objects.get(number="1000000003")
    old_area = acc.area
    lines = (city / "accounts.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(";")
    assert cells[0] == "1000000003"
    cells[3] = "55.55"
    replace_line(city / "accounts.csv", 4, ";".join(cells))
    out, _err = run(city)
    assert "лицевые счета: создано 0, обновлено 1, без изменений 11" in out
    assert "Итого: создано 0, обновлено 1," in out
    acc.refresh_from_db()
    assert acc.area == Decimal("55.55")
    change = ImportChange.objects.get()
    assert (change.entity, change.key) == ("accounts", "1000000003")
    assert change.changes == {"area": [str(old_area), "55.55"]}
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:billing_importrun_change", args=[change.run_id])).content.decode()
    assert "1000000003" in page and "55.55" in page


def test_opening_balances_are_ledger_entries_and_billing_check_stays_green(city):
    run(city)
    call_command("billing_check", stdout=io.StringIO())
    acc = PersonalAccount.objects.get(number="1000000002")
    rows = [r.split(";") for r in (city / "balances.csv").read_text(encoding="utf-8").splitlines()[1:]]
    expected = {p: Decimal(b) for a, p, b in rows if a == acc.number}
    stmts = {f"{s.period.month:%m.%Y}": s for s in Statement.objects.filter(account=acc).select_related("period")}
    assert {p: s.opening for p, s in stmts.items()} == expected
    assert set(LedgerEntry.objects.filter(account=acc).values_list("kind", flat=True)) == {"opening"}
    # a changed balance: new entries (the ledger is never edited), still green
    first_ids = set(LedgerEntry.objects.values_list("pk", flat=True))
    line = next(i for i, r in enumerate(rows, start=2) if r[0] == acc.number and r[1] == "06.2025")
    replace_line(city / "balances.csv", line, f"{acc.number};06.2025;1234.56")
    out, _err = run(city)
    assert "входящее сальдо: создано 0, обновлено 2" in out  # June's entry and July's (its difference from June)
    assert first_ids < set(LedgerEntry.objects.values_list("pk", flat=True))
    call_command("billing_check", stdout=io.StringIO())
    june = Statement.objects.get(account=acc, period__month="2025-06-01")
    assert june.opening == Decimal("1234.56")
    july = Statement.objects.get(account=acc, period__month="2025-07-01")
    assert july.opening == expected["07.2025"]


def test_dry_run_reports_what_would_change_and_writes_nothing(city):
    before = city_counts()
    out, _err = run(city, "--dry-run")
    assert "лицевые счета: создано 12" in out
    assert "Пробный запуск: ничего не записано." in out
    assert city_counts() == before
    assert ImportRun.objects.get().status == ImportRun.Status.CHECKED


def test_an_interrupted_load_resumes_after_its_last_chunk(city, monkeypatch):
    from billing.exchange import merge

    real = merge.merge_chunk

    def crash_on_meters(step, **kw):
        if step.table == "meters_meter":
            raise RuntimeError("crash")
        return real(step, **kw)

    monkeypatch.setattr(merge, "merge_chunk", crash_on_meters)
    with pytest.raises(RuntimeError):
        run(city, "--chunk", "5")
    run_row = ImportRun.objects.get()
    assert run_row.status == ImportRun.Status.FAILED
    assert run_row.progress["accounts_personalaccount"] == 13
    assert PersonalAccount.objects.count() == 12 and Meter.objects.count() == 0
    monkeypatch.setattr(merge, "merge_chunk", real)
    out, _err = run(city, "--chunk", "5")
    assert "Продолжение прерванной загрузки" in out
    assert ImportRun.objects.get().status == ImportRun.Status.DONE
    assert Meter.objects.count() == 36
    call_command("billing_check", stdout=io.StringIO())


def _zip(directory: Path) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(directory.glob("*.csv")):
            zf.write(path, path.name)
    buf.seek(0)
    buf.name = "city.zip"
    return buf


def test_the_admin_upload_page_loads_a_zip_for_staff_with_the_permission(client, city):
    staff = UserFactory(username="loader", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    client.force_login(staff)
    url = reverse("admin:billing_importrun_upload")
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": _zip(city), "dry_run": ""})
    assert response.status_code == 200
    assert PersonalAccount.objects.count() == 12
    assert "Итоги" in response.content.decode()
    replace_line(city / "accounts.csv", 2, "100000000;H000001;1;50.00;1;Иванов;;;;;open;01.01.2015;")
    response = client.post(url, {"file": _zip(city), "dry_run": "on"})
    page = response.content.decode()
    assert "Ничего не записано" in page and "10 цифр" in page


def test_the_admin_upload_page_refuses_a_resident_and_staff_without_the_permission(client, resident, operator, city):
    url = reverse("admin:billing_importrun_upload")
    client.force_login(resident)
    response = client.post(url, {"file": _zip(city)})
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(operator)
    assert client.post(url, {"file": _zip(city)}).status_code == 403
    assert not PersonalAccount.objects.filter(number="1000000001").exists()


def _to_xlsx(csv_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for line in csv_path.read_text(encoding="utf-8").splitlines():
        sheet.append(line.split(";"))  # text cells: account numbers keep their zeros
    book.save(csv_path.with_suffix(".xlsx"))
    csv_path.unlink()


def test_xlsx_files_with_the_same_columns_load_the_same_city(city):
    _to_xlsx(city / "accounts.csv")
    _to_xlsx(city / "balances.csv")
    run(city)
    assert PersonalAccount.objects.count() == 12
    call_command("billing_check", stdout=io.StringIO())
    first = city_counts()
    out, _err = run(city)
    assert "Итого: создано 0, обновлено 0" in out and city_counts() == first


def test_a_bad_cell_of_an_xlsx_file_is_reported_by_its_row(city):
    import openpyxl

    _to_xlsx(city / "accounts.csv")
    book = openpyxl.load_workbook(city / "accounts.xlsx")
    book.active["D3"] = "много"
    book.save(city / "accounts.xlsx")
    with pytest.raises(CommandError):
        run(city)
    assert ["accounts.xlsx", 3, "area", "не число («много»)"] in ImportRun.objects.get().errors
    assert PersonalAccount.objects.count() == 0


def test_a_new_capital_repair_service_follows_ch_14_1_and_a_choice_made_in_the_admin_stays(city):
    """«Взнос на капитальный ремонт» (code ``capital``) is created under ЖК РФ
    ст. 155 ч. 14.1, the rest under ч. 14; a second load does not undo a
    rule staff changed."""
    run(city)
    rules = dict(Service.objects.values_list("code", "penalty_rule"))
    assert rules["capital"] == Service.PenaltyRule.CH14_1
    assert {r for code, r in rules.items() if code != "capital"} == {Service.PenaltyRule.CH14}
    Service.objects.filter(code="capital").update(penalty_rule=Service.PenaltyRule.CH14)
    run(city)
    assert Service.objects.get(code="capital").penalty_rule == Service.PenaltyRule.CH14
