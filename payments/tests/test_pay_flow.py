"""The resident's money, end to end through HTTP on 01.12.2026 (issue 13):
one line says what to pay by when on every page, the deadline survives a
payment, paying takes whole roubles and ends on a page with a way back and
the new balance, the provider breakdown adds up, history shows payment dates."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing.ledger import statement_refresh
from billing.models import LedgerEntry
from eirc import periods
from eirc.models import Period
from eirc.tests.factories import ChargeFactory, PaymentFactory, ProviderFactory, ServiceFactory
from payments.models import Payment

D = Decimal
NBSP = "\xa0"
# 1 December 2026, noon in Sevastopol: October (due 15.11) is overdue, November (due 15.12) is not yet due.
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=periods.TZ)
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def rub(text: str) -> str:
    return text.replace(" ", NBSP) + NBSP + "₽"


def bill(account, month: dt.date, lines: list[tuple]) -> Period:
    """Charges of a closed period, posted to the ledger, and its statement."""
    period, _ = Period.objects.get_or_create(month=month)
    for service, amount in lines:
        charge = ChargeFactory(account=account, period=period, service=service, amount=amount)
        LedgerEntry.objects.create(
            account=account,
            period=period,
            kind="charge",
            amount=amount,
            service=service,
            charge=charge,
            occurred_on=month,
        )
    statement_refresh(account=account, period=period)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.CLOSED)
    return period


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def billed(resident, frozen):
    """October 5 000,00 ₽ unpaid (overdue), November 5 491,19 ₽ (due 15.12.2026),
    from two providers."""
    account = resident.account_links.get().account
    water = ServiceFactory(name="Холодное водоснабжение", provider=ProviderFactory(name="ГУП «Водоканал»"), position=1)
    power = ServiceFactory(name="Электроснабжение", provider=ProviderFactory(name="ГУП «Севэнерго»"), position=2)
    bill(account, OCT, [(water, D("2000.00")), (power, D("3000.00"))])
    bill(account, NOV, [(water, D("2491.19")), (power, D("3000.00"))])
    return account


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def main_text(body: str) -> str:
    main = body.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", "", main))  # no-break spaces stay


def cell_text(html: str) -> str:
    """A table cell's text, its tags read as spaces (the phone label beside the value)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def pay_in_the_sandbox(client, amount: str) -> Payment:
    form = {"amount": amount, "email": "resident@example.ru", "form_token": str(uuid.uuid4())}
    response = client.post("/payments/pay/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    payment = Payment.objects.latest("created_at")
    client.post(f"/payments/sandbox/{payment.provider_payment_id}/", {"decision": "pay"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


# --- 1. the deadline after a payment ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_deadline_stays_that_of_the_billed_period_after_a_payment(client, resident, billed, sandbox, settings):
    settings.SITE_URL = "http://testserver"
    client.force_login(resident)
    before = main_text(page(client, "/cabinet/"))
    assert "Срок оплаты за ноябрь 2026: 15.12.2026" in before

    pay_in_the_sandbox(client, "1000,00")  # credited on 01.12.2026, in December's ledger

    text = main_text(page(client, "/cabinet/"))
    assert "Срок оплаты за ноябрь 2026: 15.12.2026" in text
    assert "15.01.2027" not in text and "декабрь 2026" not in text
    assert f"К оплате до 15.12.2026: {rub('9 491,19')}" in text


# --- 3. one line, the same words for the same numbers -----------------------------------------


@pytest.mark.django_db
def test_one_line_says_what_to_pay_by_when_and_how_much_is_overdue_with_two_buttons(client, resident, billed):
    client.force_login(resident)
    body = page(client, "/cabinet/")
    line = f"К оплате до 15.12.2026: {rub('10 491,19')}, из них просрочено {rub('5 000,00')}."
    assert line in main_text(body)
    assert re.search(r'<a [^>]*href="/payments/pay/">Оплатить всё', body)
    assert re.search(r'<a [^>]*href="/payments/pay/\?sum=overdue">Оплатить просроченное', body)
    # The pay page says it in the same words, and each button prefills its own sum.
    assert line in main_text(page(client, "/payments/pay/"))
    assert 'name="amount" value="10491,19"' in page(client, "/payments/pay/")
    assert 'name="amount" value="5000,00"' in page(client, "/payments/pay/?sum=overdue")


@pytest.mark.django_db
def test_nachisleno_is_the_same_number_on_the_dashboard_and_the_receipts_page(client, resident, billed):
    nov = Period.objects.get(month=NOV)
    Period.objects.filter(pk=nov.pk).update(status=Period.Status.OPEN)
    LedgerEntry.objects.create(account=billed, period=nov, kind="penalty", amount=D("28.68"), occurred_on=NOV)
    statement_refresh(account=billed, period=nov)
    Period.objects.filter(pk=nov.pk).update(status=Period.Status.CLOSED)
    client.force_login(resident)
    dashboard = main_text(page(client, "/cabinet/"))
    assert re.search(f"Начислено за ноябрь 2026 .*? Итого ?{rub('5 491,19')}", dashboard)
    receipts = page(client, "/cabinet/receipts/")
    row = re.search(r'<tr class="receipt-row".*?</tr>', receipts, re.S).group(0)  # newest first: November
    assert "Ноябрь 2026" in row
    cells = [cell_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[0] == f"Начислено {rub('5 491,19')}"
    assert cells[1] == f"Пени {rub('28,68')}"
    assert cells[2] == f"Итого к оплате по квитанции {rub('10 519,87')}"


@pytest.mark.django_db(transaction=True)
def test_a_refused_no_debt_certificate_says_prosrocheno_not_zadolzhennost(client, resident, billed):
    client.force_login(resident)
    response = client.post("/cabinet/certificates/", {"kind": "no_debt"})
    text = main_text(response.content.decode())
    assert f"на 01.12.2026 просрочено {rub('5 000,00')}" in text
    assert "задолженность на" not in text.lower()


# --- 4. paying --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_whole_roubles_are_accepted(client, resident, billed, sandbox):
    client.force_login(resident)
    form = {"amount": "1000", "email": "resident@example.ru", "form_token": str(uuid.uuid4())}
    response = client.post("/payments/pay/", form)
    assert response.status_code == 302
    assert Payment.objects.get().amount == D("1000.00")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/payments/pay/", "/payments/pay/?sum=overdue"])
def test_the_provider_breakdown_adds_up_to_the_prefilled_sum(client, resident, billed, url):
    client.force_login(resident)
    body = page(client, url)
    prefilled = D(re.search(r'name="amount" value="([\d,]+)"', body).group(1).replace(",", "."))
    table = re.search(r'<table class="table table-sm provider-split">.*?</table>', body, re.S).group(0)
    body_rows = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    parts = [
        D(v.replace(NBSP, "").replace(",", "."))
        for v in re.findall(r'<td class="text-end text-nowrap">([\d\xa0]+,\d{2})\xa0₽</td>', body_rows)
    ]
    assert len(parts) == 2
    assert sum(parts) == prefilled


@pytest.mark.django_db(transaction=True)
def test_the_result_page_shows_the_new_balance_and_the_way_back(client, resident, billed, sandbox, settings):
    settings.SITE_URL = "http://testserver"
    client.force_login(resident)
    payment = pay_in_the_sandbox(client, "5000")
    body = page(client, f"/payments/{payment.pk}/")
    text = main_text(body)
    assert "Сумма зачислена" in text
    assert f"К оплате до 15.12.2026: {rub('5 491,19')}" in text  # the overdue October is paid off
    assert 'href="/cabinet/"' in body.split("<main", 1)[1] and "Вернуться в кабинет" in text


@pytest.mark.django_db
def test_an_advance_reads_as_a_positive_advance_on_the_pay_page(client, resident, frozen):
    account = resident.account_links.get().account
    period, _ = Period.objects.get_or_create(month=NOV)
    payment = PaymentFactory(
        account=account, amount=D("100.00"), status="succeeded", paid_at=timezone.make_aware(dt.datetime(2026, 11, 20))
    )
    LedgerEntry.objects.create(
        account=account, period=period, kind="payment", amount=D("-100.00"), payment=payment, occurred_on=NOV
    )
    statement_refresh(account=account, period=period)
    client.force_login(resident)
    text = main_text(page(client, "/payments/pay/"))
    assert f"Аванс: {rub('100,00')}" in text
    assert "-100,00" not in text and "−100,00" not in text


# --- 6. payment dates ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_payment_history_shows_the_day_of_payment_not_the_day_the_record_was_made(client, resident, frozen):
    account = resident.account_links.get().account
    PaymentFactory(
        account=account,
        amount=D("777.00"),
        status="succeeded",
        source="registry",
        paid_at=dt.datetime(2026, 9, 9, 10, 0, tzinfo=periods.TZ),
    )  # recorded today, 01.12.2026, from a bank registry
    client.force_login(resident)
    body = page(client, "/cabinet/payments/")
    row = re.search(r'<tr class="payment-row.*?</tr>', body, re.S).group(0)
    assert "09.09.2026" in row
    assert "01.12.2026" not in row
