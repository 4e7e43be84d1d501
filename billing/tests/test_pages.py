"""The resident's money pages: login, scoping, numbers, formats, and a
bounded number of SQL queries on five years of history."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from billing.models import Charge
from billing.tests.money_history import build_history
from eirc import periods
from eirc.tests.factories import (
    BenefitCategoryFactory,
    BenefitFactory,
    ChargeFactory,
    PeriodFactory,
    ServiceFactory,
    StatementFactory,
)

D = Decimal
NBSP = "\xa0"
PAGES = ["billing:dashboard", "billing:charges", "payments:history", "billing:benefits", "billing:charts"]
# 2 April 2026, noon in Sevastopol: March 2026 is billed, due 15.04.2026.
NOW = dt.datetime(2026, 4, 2, 12, 0, tzinfo=periods.TZ)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def account(resident):
    return resident.account_links.get().account


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident)
    return client


def text(response):
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_pages_require_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_charge_detail_requires_login(client, account):
    charge = ChargeFactory(account=account)
    response = client.get(reverse("billing:charge_detail", args=[charge.pk]))
    assert response.status_code == 302


def test_residents_land_on_the_dashboard_after_login(settings):
    assert settings.LOGIN_REDIRECT_URL == reverse("billing:dashboard") == "/cabinet/"


@pytest.mark.django_db
def test_another_residents_charge_is_a_404(logged_in, other_resident):
    foreign = ChargeFactory(account=other_resident.account_links.get().account)
    assert logged_in.get(reverse("billing:charge_detail", args=[foreign.pk])).status_code == 404
    assert logged_in.get(reverse("billing:charge_detail", args=[foreign.pk + 10_000])).status_code == 404


@pytest.mark.django_db
def test_resident_sees_own_numbers_and_not_the_other_residents(frozen, logged_in, account, other_resident):
    mar = PeriodFactory(month=dt.date(2026, 3, 1))
    water = ServiceFactory(name="Холодное водоснабжение", position=1)
    ChargeFactory(account=account, period=mar, service=water, amount=D("1234.56"))
    StatementFactory(account=account, period=mar, opening=D(0), charged=D("1234.56"), paid=D(0))
    other = other_resident.account_links.get().account
    ChargeFactory(account=other, period=mar, service=water, amount=D("7777.77"))
    StatementFactory(account=other, period=mar, opening=D(0), charged=D("7777.77"), paid=D(0))
    for name in ("billing:dashboard", "billing:charges", "billing:charts"):
        body = text(logged_in.get(reverse(name)))
        assert f"1{NBSP}234,56{NBSP}₽" in body, name
        assert "7777" not in body and f"7{NBSP}777" not in body, name


@pytest.mark.django_db
def test_dashboard_splits_overdue_and_not_yet_due_around_the_due_date(client, resident, account):
    feb, mar = PeriodFactory(month=dt.date(2026, 2, 1)), PeriodFactory(month=dt.date(2026, 3, 1))
    StatementFactory(
        account=account, period=feb, opening=D(0), charged=D("1000.00"), paid=D(0), due_date=dt.date(2026, 3, 10)
    )
    StatementFactory(
        account=account,
        period=mar,
        opening=D("1000.00"),
        charged=D("2345.67"),
        paid=D(0),
        due_date=dt.date(2026, 4, 15),
    )
    with time_machine.travel(dt.datetime(2026, 4, 15, 20, 0, tzinfo=periods.TZ), tick=False):
        client.force_login(resident)
        body = text(client.get(reverse("billing:dashboard")))
    assert re.search(r'class="[^"]*overdue">1' + NBSP + "000,00" + NBSP + "₽<", body)
    assert re.search(r'class="[^"]*not-yet-due">2' + NBSP + "345,67" + NBSP + "₽<", body)
    assert "сегодня последний день" in body
    # February: due 10.03, penalty-free until 09.04 — already accruing on 15.04.
    assert f"На 1{NBSP}000,00{NBSP}₽ долга уже начисляются пени" in body
    # Half past midnight in Sevastopol is still the 15th in UTC: the day is local.
    client.logout()
    with time_machine.travel(dt.datetime(2026, 4, 16, 0, 30, tzinfo=periods.TZ), tick=False):
        client.force_login(resident)
        body = text(client.get(reverse("billing:dashboard")))
    assert re.search(r'class="[^"]*overdue">3' + NBSP + "345,67" + NBSP + "₽<", body)
    assert re.search(r'class="[^"]*not-yet-due">0,00' + NBSP + "₽<", body)
    # March: due 15.04 → pay by 15.05 inclusive, penalties from 16.05.2026.
    assert f"Оплатите 2{NBSP}345,67{NBSP}₽ до 15.05.2026 включительно — с 16.05.2026" in body


@pytest.mark.django_db
def test_dashboard_shows_due_date_days_left_and_benefits(frozen, logged_in, account):
    mar = PeriodFactory(month=dt.date(2026, 3, 1))
    StatementFactory(
        account=account, period=mar, opening=D(0), charged=D("500.00"), paid=D(0), due_date=dt.date(2026, 4, 15)
    )
    BenefitFactory(account=account, category=BenefitCategoryFactory(name="Ветеран труда", percent=D("50.00")))
    body = text(logged_in.get(reverse("billing:dashboard")))
    assert "<strong>15.04.2026</strong>" in body
    assert "осталось 13 дней" in body
    assert "Ветеран труда — 50 %" in body
    assert "Состояние счёта на 02.04.2026" in body  # the heading; «Задолженность» is not a word for the total any more


@pytest.mark.django_db
def test_pay_button_links_to_the_payment_page_when_it_exists(frozen, logged_in, account):
    body = text(logged_in.get(reverse("billing:dashboard")))
    try:
        pay_url = reverse("payments:pay")
    except NoReverseMatch:  # the payments part is not mounted
        assert "Оплатить</a>" not in body
    else:
        assert f'href="{pay_url}">Оплатить</a>' in body


@pytest.mark.django_db
def test_charge_detail_page_explains_the_charge(logged_in, account):
    charge = ChargeFactory(
        account=account,
        period=PeriodFactory(month=dt.date(2026, 3, 1)),
        service=ServiceFactory(name="Холодная вода", unit="м³"),
        basis="meter",
        quantity=D("6.000"),
        rate=D("45.6700"),
        amount=D("274.02"),
        details={"meter_serial": "ВК-77", "previous": "117.000", "current": "123.000"},
    )
    body = text(logged_in.get(reverse("billing:charge_detail", args=[charge.pk])))
    assert "Объём 6,000 м³ по показаниям счётчика № ВК-77: 123,000 − 117,000; тариф 45,67 ₽ за м³" in body
    assert f"начислено 274,02{NBSP}₽" in body


@pytest.mark.django_db
def test_charts_page_shows_both_charts_with_text_alternatives(frozen, logged_in, account):
    build_history(account, months=30)
    body = text(logged_in.get(reverse("billing:charts")))
    # Each chart in two sizes (the CSS shows one), each a role="img" with its title and description.
    assert body.count('role="img"') == 4
    assert 'aria-labelledby="chart-charges-wide-title chart-charges-wide-desc"' in body
    assert body.count("<details") == 2
    charges_svg = re.search(r'<svg[^>]*id="chart-charges-wide".*?</svg>', body, re.S).group(0)
    assert charges_svg.count('<g class="bar"') == 24
    assert body.count('class="legend-item"') == 9 + 2  # the services, then overdue and advance
    # The table under the chart: one row per month in words, money in the house format.
    assert '<th scope="row">март 2026</th>' in body
    assert '<th scope="row">апрель 2024</th>' in body
    assert re.search(r"<td class=\"text-end text-nowrap\">\d{1,3}(\xa0\d{3})*,\d{2}\xa0₽</td>", body)


@pytest.mark.django_db
def test_a_resident_who_pays_on_time_sees_no_debt_in_the_charts(frozen, logged_in, account):
    build_history(account, months=30, pay_ratio=D(1))  # every bill paid in full by the 8th of the next month
    for name in ("billing:charts", "billing:dashboard"):
        body = text(logged_in.get(reverse(name)))
        assert "Долг на конец месяца" not in body, name
        heights = [float(h) for h in re.findall(r'class="bar debt"[^>]*><rect[^>]*height="([\d.]+)"', body)]
        assert heights and max(heights) == 0, name


@pytest.mark.django_db
def test_dates_and_money_are_in_the_house_format_on_every_page(frozen, logged_in, account):
    build_history(account, months=3)
    for name in PAGES:
        body = text(logged_in.get(reverse(name)))
        main = body.split("<main", 1)[1].split("</main>", 1)[0]
        main = re.sub(r"<svg.*?</svg>", "", main, flags=re.S)
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", main), name
        assert not re.search(r"\d\.\d{2} ?(₽|руб)", main), name
        if name != "billing:benefits":
            assert re.search(r"\d,\d{2}\xa0₽", main), name
    payments = text(logged_in.get(reverse("payments:history")))
    assert re.search(r">\d{2}\.\d{2}\.\d{4}<", payments)
    charges = text(logged_in.get(reverse("billing:charges")))
    assert "Март 2026" in charges
    assert "15.04.2026" in charges  # the due date of March 2026, DD.MM.YYYY


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# The dashboard's next-month estimate is a dry run of the billing run for the
# account (billing/selectors/estimate.py): a fixed number of queries whatever
# the history, cached with the dashboard per account, day and data version.
ESTIMATE_QUERIES = 24


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("billing:dashboard", 18 + ESTIMATE_QUERIES),
        ("billing:charges", 12),
        ("payments:history", 12),
        ("billing:charts", 10),
    ],
)
def test_pages_run_a_bounded_number_of_queries_on_five_years_of_history(
    logged_in, account, frozen, name, limit, django_assert_max_num_queries
):
    build_history(account, months=60)
    assert Charge.objects.filter(account=account).count() == 60 * 9
    logged_in.get(reverse(name))  # warm the session
    cache.clear()  # and cool the cabinet's page cache
    with django_assert_max_num_queries(limit):
        response = logged_in.get(reverse(name))
    assert response.status_code == 200
    if name != "billing:dashboard":
        with django_assert_max_num_queries(limit):
            assert logged_in.get(reverse(name) + "?page=3").status_code == 200


# Cold (the cache empty) and warm (the body cached for this account, version
# and day): the session, the user, the accounts with their data versions.
# The dashboard's notices (documents' context processor): one query cold, cached under the site version.
NOTICE_QUERIES = 1
CACHED_PAGES = [
    ("billing:dashboard", 10 + ESTIMATE_QUERIES + NOTICE_QUERIES),
    ("billing:charges", 8),
    ("payments:history", 7),
]
WARM_QUERIES = 3


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "cold"), CACHED_PAGES)
def test_cached_pages_run_their_queries_once_then_three(logged_in, account, frozen, name, cold):
    build_history(account, months=60)
    logged_in.get(reverse(name))
    cache.clear()
    assert _count(logged_in, reverse(name)) == cold
    assert _count(logged_in, reverse(name)) == WARM_QUERIES
    if name != "billing:dashboard":  # each page of a paginated history is a body of its own
        assert _count(logged_in, reverse(name) + "?page=2") == cold
        assert _count(logged_in, reverse(name) + "?page=2") == WARM_QUERIES


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_length_of_the_history(client, resident, other_resident, frozen):
    short, long = resident.account_links.get().account, other_resident.account_links.get().account
    build_history(short, months=4)
    build_history(long, months=60)
    page_names = ["billing:dashboard", "billing:charges", "payments:history", "billing:charts"]
    counts = {}
    for user in (resident, other_resident):
        client.force_login(user)
        client.get(reverse("billing:dashboard"))
        counts[user.pk] = [_count(client, reverse(n)) for n in page_names]
        client.logout()
    assert counts[resident.pk] == counts[other_resident.pk]


@pytest.mark.django_db
def test_the_charges_page_explains_each_penalty_line_with_the_one_rate_of_the_delay(logged_in, account):
    """71 229,15 ₽ for January 2021, due 10.02.2021, paid 17.03.2022: the
    page explains March 2022's line by the payment day's rate, min(9,5 %, 20 %),
    on every day, and its numbers add up to the line."""
    from django.db.models import Sum
    from django.utils import timezone

    from billing.models import AccountService, LedgerEntry, Service
    from billing.services import billing_run, ledger_post_payment
    from eirc.tests.factories import PaymentFactory, TariffFactory

    svc = ServiceFactory(method=Service.Method.FIXED, name="Содержание жилья")
    TariffFactory(service=svc, rate=D("71229.15"), valid_from=dt.date(2020, 1, 1))
    AccountService.objects.create(
        account=account, service=svc, started_on=dt.date(2021, 1, 1), ended_on=dt.date(2021, 1, 31)
    )
    # a small charge every later month, so that every period is on the page
    # (the payment goes to January 2021 first, the oldest debt)
    small = ServiceFactory(method=Service.Method.FIXED, name="Вывоз мусора")
    TariffFactory(service=small, rate=D("10.00"), valid_from=dt.date(2020, 1, 1))
    AccountService.objects.create(account=account, service=small, started_on=dt.date(2021, 2, 1))
    month = dt.date(2021, 1, 1)
    while month <= dt.date(2022, 3, 1):
        if month == dt.date(2022, 3, 1):
            paid_at = timezone.make_aware(dt.datetime(2022, 3, 17, 12))
            ledger_post_payment(
                payment=PaymentFactory(account=account, amount=D("71229.15"), status="succeeded", paid_at=paid_at)
            )
        billing_run(period=month)
        month = periods.add_months(month, 1)
    january = LedgerEntry.objects.filter(account=account, kind="penalty", for_period__month=dt.date(2021, 1, 1))
    march = january.get(period__month=dt.date(2022, 3, 1))
    before = january.filter(period__month__lt=dt.date(2022, 3, 1))
    charged_before = before.aggregate(s=Sum("amount"))["s"]
    assert charged_before + march.amount == D("17489.50")
    page = text(logged_in.get(reverse("billing:charges")))
    assert "Как рассчитаны пени" in page
    assert "Ставка одна на всю просрочку — ключевая ставка Банка России на день оплаты" in page
    assert (
        "По ЖК РФ ст. 155 ч. 14 (начисления, кроме взносов на капитальный ремонт): "
        f"долг 71{NBSP}229,15{NBSP}₽ со сроком оплаты 10.02.2021, оплачен 17.03.2022: ставка 9,5 % на все дни "
        "просрочки (ключевая ставка на день оплаты 17.03.2022 — 20 %, не более 9,5 %); "
        f"60 дн. × 1/300 + 310 дн. × 1/130 = 17{NBSP}489,50{NBSP}₽." in page
    )

    def rub(x):
        return f"{x:,.2f}".replace(",", NBSP).replace(".", ",") + f"{NBSP}₽"

    assert (
        f"Пени за 01.2021: всего 17{NBSP}489,50{NBSP}₽, начислено раньше {rub(charged_before)}; "
        f"в этом месяце +{rub(march.amount)}." in page
    )
    # February 2022, unpaid on its calculation day: the rate of 28.02.2022, capped
    assert (
        "не оплачен на 28.02.2022: ставка 9,5 % на все дни просрочки (ключевая ставка на день расчёта 28.02.2022 — 20 %, не более 9,5 %)"
        in page
    )
