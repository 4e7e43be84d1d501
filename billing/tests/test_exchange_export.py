"""Files out (docs/exchange.md): one a provider, a checksum line, the same
bytes on a re-run, each file recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from billing.exchange.export import render
from billing.models import ExchangeExport, Provider, Service
from eirc.tests.factories import ChargeFactory, PaymentFactory, PeriodFactory, ProviderFactory, ServiceFactory
from payments.exchange_export import split

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "exchange-samples"
pytestmark = pytest.mark.django_db


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.csv"))}


def test_readings_export_is_one_file_per_provider_byte_identical_on_a_rerun(tmp_path):
    shutil.copytree(SAMPLES, tmp_path / "city")
    call_command("import_city", str(tmp_path / "city"), stdout=io.StringIO(), stderr=io.StringIO())
    for out in ("a", "b"):
        call_command("export_readings", "--period", "2025-11", "--out", str(tmp_path / out), stdout=io.StringIO())
    first, second = files(tmp_path / "a"), files(tmp_path / "b")
    assert first == second
    metered = Provider.objects.filter(services__method=Service.Method.METER).distinct()
    assert sorted(first) == sorted(f"readings-2025-11-{p.inn}-{p.kpp}.csv" for p in metered)
    water = first["readings-2025-11-9204000001-920401001.csv"].decode()
    lines = water.splitlines()
    assert lines[0] == "account;serial;service;zone;period;value;taken_on;source"
    assert lines[1].startswith("1000000001;S1000000001;cold;single;11.2025;")
    assert lines[1].endswith(";25.11.2025;import")
    body = water[: water.rindex("#checksum")].encode()
    assert lines[-1] == f"#checksum;sha256;{hashlib.sha256(body).hexdigest()};rows;24"
    records = ExchangeExport.objects.filter(kind="readings")
    assert records.count() == 2 * len(first)
    assert {r.sha256 for r in records} == {ln.decode().splitlines()[-1].split(";")[2] for ln in first.values()}
    assert {r.rows for r in records if r.filename.startswith("readings-2025-11-9204000001")} == {24}


def test_payments_export_splits_each_payment_by_provider_exactly_and_reruns_identically(tmp_path):
    water, power = ProviderFactory(inn="9204000011"), ProviderFactory(inn="9204000012")
    cold = ServiceFactory(code="cold-x", provider=water)
    elec = ServiceFactory(code="elec-x", provider=power)
    march = PeriodFactory(month=dt.date(2026, 3, 1))
    c1 = ChargeFactory(period=march, service=cold, amount=Decimal("100.00"))
    ChargeFactory(account=c1.account, period=march, service=elec, amount=Decimal("200.00"))
    paid_at = dt.datetime(2026, 4, 10, 9, 30, tzinfo=dt.UTC)
    PaymentFactory(account=c1.account, amount=Decimal("100.00"), status="succeeded", paid_at=paid_at)
    PaymentFactory(account=c1.account, amount=Decimal("50.00"), status="failed")
    for out in ("a", "b"):
        call_command("export_payments", "--date", "10.04.2026", "--out", str(tmp_path / out), stdout=io.StringIO())
    first, second = files(tmp_path / "a"), files(tmp_path / "b")
    assert first == second and len(first) == 2
    parts = []
    for data in first.values():
        rows = data.decode().splitlines()[1:-1]
        assert len(rows) == 1
        date, time, _pk, number, _period, part, total, _source = rows[0].split(";")
        assert (date, time, number, total) == ("10.04.2026", "12:30:00", c1.account.number, "100.00")
        parts.append(Decimal(part))
    assert sorted(parts) == [Decimal("33.33"), Decimal("66.67")]
    assert ExchangeExport.objects.filter(kind="payments", subject="10.04.2026").count() == 4


def test_a_split_adds_up_to_the_payment_to_the_kopeck():
    parts = split(Decimal("100.00"), {1: Decimal("1"), 2: Decimal("1"), 3: Decimal("1"), 4: Decimal("-5")})
    assert sum(parts.values()) == Decimal("100.00")
    assert sorted(parts.values()) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert split(Decimal("10.00"), {}) == {}


def test_a_file_names_its_own_hash_and_row_count():
    data, rows, digest = render(("a", "b"), [("x", Decimal("1.50")), ("y", dt.date(2026, 3, 1))])
    body = b"a;b\nx;1.50\ny;01.03.2026\n"
    assert data == body + f"#checksum;sha256;{hashlib.sha256(body).hexdigest()};rows;2\n".encode()
    assert rows == 2 and digest == hashlib.sha256(body).hexdigest()


def test_exports_from_the_admin_come_as_a_zip_and_are_recorded_with_the_user(client, tmp_path, settings, resident):
    import zipfile

    from django.urls import reverse

    from eirc.tests.factories import UserFactory

    settings.VAR_DIR = tmp_path
    shutil.copytree(SAMPLES, tmp_path / "city")
    call_command("import_city", str(tmp_path / "city"), stdout=io.StringIO(), stderr=io.StringIO())
    client.force_login(resident)
    assert client.post(reverse("admin:billing_exchangeexport_readings"), {"period": "11.2025"}).status_code == 302
    assert not ExchangeExport.objects.exists()
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert "Выгрузить платежи" in client.get(reverse("admin:billing_exchangeexport_changelist")).content.decode()
    response = client.post(reverse("admin:billing_exchangeexport_readings"), {"period": "11.2025"})
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == sorted(files(tmp_path / "exports"))
    assert set(ExchangeExport.objects.values_list("created_by__username", flat=True)) == {"boss"}
    page = client.post(reverse("admin:payments_payment_export"), {"day": "32.01.2026"}).content.decode()
    assert "Введите правильную дату" in page
    response = client.post(reverse("admin:payments_payment_export"), {"day": "10.04.2026"})
    assert response["Content-Type"] == "application/zip"
