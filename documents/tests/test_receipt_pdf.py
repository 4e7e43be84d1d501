"""The ЕПД as a PDF: its text (pdftotext) and its QR codes (zxing-cpp)."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import F
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


def _provider_totals(account, period) -> dict:
    totals: dict = {}
    for c in Charge.objects.filter(account=account, period=period).select_related("service__provider"):
        totals[c.service.provider] = totals.get(c.service.provider, Decimal(0)) + c.total
    return totals


def _shift_statement(account, period, *, opening=Decimal(0), penalties=Decimal(0), paid=Decimal(0)):
    """Change what the statement brings forward, charges as penalties and
    records as paid, keeping it adding up (the closing balance follows)."""
    Statement.objects.filter(account=account, period=period).update(
        opening=F("opening") + opening,
        penalties=F("penalties") + penalties,
        paid=F("paid") + paid,
        closing=F("closing") + opening + penalties - paid,
    )
    return Statement.objects.get(account=account, period=period)


def _payment_codes(pdf: bytes) -> list[dict]:
    return [qr.parse_payload(t) for t in pdf_qr_codes(pdf) if t.startswith("ST00012|")]


def test_per_provider_qr_sums_add_up_to_the_total_due_with_debt_penalties_and_payments(
    demo_account, closed_period, settings
):
    settings.RECEIPT_QR_PER_PROVIDER = True
    st = _shift_statement(
        demo_account, closed_period, penalties=Decimal("123.45"), paid=Decimal("1000.01"), opening=Decimal("0.07")
    )
    totals = _provider_totals(demo_account, closed_period)
    charged = sum(totals.values(), Decimal(0))
    # Debt brought forward, penalties and a payment make the total due differ
    # from the period's charges, so the codes cannot just carry the charges.
    assert st.penalties > 0 and st.opening > 0 and st.closing != charged
    _, pdf = _rendered(demo_account, closed_period)
    codes = _payment_codes(pdf)
    assert sum(int(f["Sum"]) for f in codes) == to_kopecks(st.closing)
    decoded = {f["PersonalAcc"]: f for f in codes}
    assert len(codes) == len(decoded) == len(totals)
    for provider, total in totals.items():
        fields = decoded[provider.settlement_account]
        assert fields["Name"] == provider.name
        assert fields["BIC"] == provider.bik
        assert fields["CorrespAcc"] == provider.corr_account
        assert fields["PayeeINN"] == provider.inn
        assert fields["PersAcc"] == demo_account.number
        # the provider's share of the total due, to within a kopeck
        assert abs(Decimal(fields["Sum"]) - to_kopecks(st.closing) * total / charged) < 1
    text = " ".join(pdf_text(pdf).split())
    assert "пропорционально их начислениям" in text
    for fields in codes:
        assert format_amount(Decimal(fields["Sum"]) / 100).replace("\xa0", " ") in text


def test_a_provider_with_no_positive_charges_gets_no_qr_and_the_others_carry_the_whole_total(
    demo_account, closed_period, settings
):
    settings.RECEIPT_QR_PER_PROVIDER = True
    totals = _provider_totals(demo_account, closed_period)
    charges = Charge.objects.filter(account=demo_account, period=closed_period)
    credited = next(p for p in totals if charges.filter(service__provider=p).count() == 1)
    # a refund larger than the period's charge: the provider's total is -10.00
    charges.filter(service__provider=credited).update(
        recalculation=F("benefit") - F("amount") - Decimal("10.00"), total=Decimal("-10.00")
    )
    st = Statement.objects.get(account=demo_account, period=closed_period)
    data = receipt_data(account=demo_account, period=closed_period)
    by_account = {g["account"]: g for g in data["providers"]}
    assert by_account[credited.settlement_account]["qr_payload"] == ""
    sums = [int(qr.parse_payload(g["qr_payload"])["Sum"]) for g in data["providers"] if g["qr_payload"]]
    assert len(sums) == len(totals) - 1
    assert sum(sums) == to_kopecks(st.closing)
    assert data["qr_payload"] == ""


def test_debt_with_no_positive_charges_in_the_period_falls_back_to_the_centres_single_qr(
    demo_account, closed_period, settings
):
    settings.RECEIPT_QR_PER_PROVIDER = True
    Charge.objects.filter(account=demo_account, period=closed_period).update(
        recalculation=F("benefit") - F("amount"), total=Decimal("0.00")
    )
    st = Statement.objects.get(account=demo_account, period=closed_period)
    assert st.closing > 0
    data = receipt_data(account=demo_account, period=closed_period)
    assert all(g["qr_payload"] == "" for g in data["providers"])
    assert data["per_provider"] is False
    fields = qr.parse_payload(data["qr_payload"])
    assert fields["PersonalAcc"] == settings.EIRC_PAYEE["bank"]["account"]
    assert int(fields["Sum"]) == to_kopecks(st.closing)


@pytest.mark.parametrize("closing", [Decimal("0.00"), Decimal("-250.75")])
def test_no_payment_qr_when_nothing_is_due_with_per_provider_codes(demo_account, closed_period, settings, closing):
    settings.RECEIPT_QR_PER_PROVIDER = True
    before = Statement.objects.get(account=demo_account, period=closed_period)
    st = _shift_statement(demo_account, closed_period, paid=before.closing - closing)
    assert st.closing == closing
    _, pdf = _rendered(demo_account, closed_period)
    assert _payment_codes(pdf) == []
    text = " ".join(pdf_text(pdf).split())
    text = text.replace("\xa0", " ")
    if closing < 0:
        assert f"К оплате 0,00 ₽ (аванс {format_amount(-closing)} ₽)".replace("\xa0", " ") in text
    else:
        assert "К оплате 0,00 ₽." in text
        assert "(аванс" not in text


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
