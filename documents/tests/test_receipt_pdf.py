"""The ЕПД as a PDF: its text (pdftotext) and its QR codes (zxing-cpp)."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings
from django.utils import timezone

from billing.models import Charge, Statement
from documents import qr, renderers, services
from documents.receipt_data import receipt_data
from documents.tests.conftest import pdf_qr_codes, pdf_text
from eirc.money import format_amount, to_kopecks


def _rendered(account, period):
    receipt, rendered = services.receipt_render(account=account, period=period)
    assert rendered
    return receipt, receipt.file.read()


def test_receipt_pdf_shows_account_period_every_service_totals_and_due_date(demo_account, closed_period):
    receipt, pdf = _rendered(demo_account, closed_period)
    text = " ".join(pdf_text(pdf).split())
    st = Statement.objects.get(account=demo_account, period=closed_period)
    assert demo_account.number in text
    assert f"{closed_period.month:%m.%Y}" in text
    assert f"{st.due_date:%d.%m.%Y}" in text
    charges = Charge.objects.filter(account=demo_account, period=closed_period).select_related("service")
    assert charges.count() >= 5
    for c in charges:
        assert c.service.name in text
        assert format_amount(c.total).replace("\xa0", " ") in text
    assert "Пени" in text
    assert format_amount(st.closing).replace("\xa0", " ") in text
    assert receipt.total_due == st.closing
    assert receipt.document.code in text


def test_payment_qr_carries_the_statement_total_and_the_payee_bank_details(demo_account, closed_period):
    _, pdf = _rendered(demo_account, closed_period)
    payloads = [t for t in pdf_qr_codes(pdf) if t.startswith("ST00012|")]
    assert len(payloads) == 1
    fields = qr.parse_payload(payloads[0])
    st = Statement.objects.get(account=demo_account, period=closed_period)
    payee = settings.EIRC_PAYEE
    assert fields["Name"] == payee["name"]
    assert fields["PersonalAcc"] == payee["bank"]["account"]
    assert fields["BankName"] == payee["bank"]["name"]
    assert fields["BIC"] == payee["bank"]["bic"]
    assert fields["CorrespAcc"] == payee["bank"]["correspondent_account"]
    assert fields["PayeeINN"] == payee["inn"]
    assert fields["KPP"] == payee["kpp"]
    assert int(fields["Sum"]) == to_kopecks(st.closing)
    assert fields["PersAcc"] == demo_account.number
    assert fields["PaymPeriod"] == f"{closed_period.month:%m.%Y}"
    assert fields["TechCode"] == "02"


def test_verify_qr_points_to_the_public_page_of_the_receipts_code(demo_account, closed_period):
    receipt, pdf = _rendered(demo_account, closed_period)
    assert renderers.verify_url(receipt.document.code) in pdf_qr_codes(pdf)


def test_one_qr_per_provider_when_providers_are_paid_separately(demo_account, closed_period, settings):
    settings.RECEIPT_QR_PER_PROVIDER = True
    _, pdf = _rendered(demo_account, closed_period)
    decoded = {qr.parse_payload(t)["PersonalAcc"]: qr.parse_payload(t) for t in pdf_qr_codes(pdf) if t.startswith("ST")}
    charges = Charge.objects.filter(account=demo_account, period=closed_period).select_related("service__provider")
    totals: dict = {}
    for c in charges:
        totals.setdefault(c.service.provider, 0)
        totals[c.service.provider] += c.total
    assert len(decoded) == len(totals)
    for provider, total in totals.items():
        fields = decoded[provider.settlement_account]
        assert fields["Name"] == provider.name
        assert fields["BIC"] == provider.bik
        assert fields["CorrespAcc"] == provider.corr_account
        assert fields["PayeeINN"] == provider.inn
        assert int(fields["Sum"]) == to_kopecks(total)


def test_qr_builder_refuses_fields_beyond_the_standard():
    import datetime as dt
    from decimal import Decimal

    good = qr.Payee("ООО «Тест»", "9204000000", "920401001", "Банк", "043510607", "4" * 20, "3" * 20)
    text = qr.payment_payload(
        payee=good, amount=Decimal("12.34"), account_number="1000000001", period=dt.date(2026, 3, 1)
    )
    assert text.startswith("ST00012|Name=ООО «Тест»|PersonalAcc=")
    assert "|Sum=1234|" in text and "|PaymPeriod=03.2026|" in text and text.endswith("|TechCode=02")
    for bad in (
        qr.Payee("Н" * 161, "9204000000", "920401001", "Банк", "043510607", "4" * 20, "3" * 20),
        qr.Payee("Имя", "9204000000", "920401001", "Б" * 46, "043510607", "4" * 20, "3" * 20),
        qr.Payee("Имя", "9204000000", "920401001", "Банк", "04351060", "4" * 20, "3" * 20),
        qr.Payee("Имя", "920400000", "920401001", "Банк", "043510607", "4" * 20, "3" * 20),
        qr.Payee("Имя", "9204000000", "920401001", "Банк", "043510607", "4" * 19, "3" * 20),
    ):
        with pytest.raises(ValueError):
            qr.payment_payload(payee=bad, amount=Decimal("1.00"), account_number="1", period=dt.date(2026, 3, 1))
    with pytest.raises(ValueError):
        qr.payment_payload(payee=good, amount=Decimal("1.005"), account_number="1", period=dt.date(2026, 3, 1))


def test_renderer_fetches_no_network_url_and_no_file_outside_static():
    fetcher = renderers.url_fetcher()
    for url in ("http://127.0.0.1:9/x.png", "https://example.org/a.css", "ftp://example.org/f", "file:///etc/passwd"):
        with pytest.raises(renderers.NetworkFetchRefused):
            fetcher.fetch(url)
    ok = fetcher.fetch(renderers.static_path("documents/receipt.css").as_uri())
    assert b"@page" in ok.read()


def test_rendering_a_document_with_a_network_image_connects_nowhere():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        server.setblocking(False)
        port = server.getsockname()[1]
        html = f'<html><body><p>x</p><img src="http://127.0.0.1:{port}/qr.png"><link rel="stylesheet" href="http://127.0.0.1:{port}/a.css"></body></html>'
        pdf = renderers.html_to_pdf(html)
        assert pdf.startswith(b"%PDF")
        with pytest.raises(BlockingIOError):
            server.accept()


def test_receipt_data_changes_its_hash_when_the_statement_changes(demo_account, closed_period):
    from documents.receipt_data import data_hash

    before = data_hash(receipt_data(account=demo_account, period=closed_period))
    assert before == data_hash(receipt_data(account=demo_account, period=closed_period))
    Statement.objects.filter(account=demo_account, period=closed_period).update(updated_at=timezone.now())
    assert before == data_hash(receipt_data(account=demo_account, period=closed_period))
