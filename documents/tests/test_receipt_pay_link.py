"""The ЕПД's «Оплатить онлайн» (issue 17): a short link and a second small
QR code that open quick pay for that receipt, amount filled in, without a
login — carrying nothing the receipt does not already print."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from billing.models import Statement
from documents import services
from documents.tests.conftest import pdf_qr_codes, pdf_text
from eirc.money import format_amount


def test_the_receipt_prints_a_pay_online_link_and_qr_that_open_quick_pay_with_the_amount(demo_account, closed_period):
    receipt, _ = services.receipt_render(account=demo_account, period=closed_period)
    pdf = receipt.file.read()
    links = [t for t in pdf_qr_codes(pdf) if t.startswith(settings.SITE_URL + "/pay/r/")]
    assert len(links) == 1
    link = links[0]
    text = " ".join(pdf_text(pdf).split())
    assert "Оплатить онлайн" in text
    code = link.rstrip("/").split("/")[-1]
    number, month, mac = code.split("-")
    assert (number, month) == (demo_account.number, f"{closed_period.month:%Y%m}")  # both printed anyway
    assert len(mac) == 16
    page = Client().get(link.removeprefix(settings.SITE_URL)).content.decode()
    st = Statement.objects.get(account=demo_account, period=closed_period)
    assert f'value="{format_amount(st.closing).replace(chr(160), "")}"' in page
    assert demo_account.owner_last_name not in page
