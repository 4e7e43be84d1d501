"""``manage.py penalty``, one debt and the CSV batch, on the key rates, cap
and moratoria the migrations ship: the examples of issue 11 and DOMAIN, every
day-30/31/90/91 boundary, both moratoria edges, refusals, a half-kopeck tie.
Expected amounts are checked against :mod:`billing.tests.statute` too."""

import csv
import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import KeyRate, Moratorium, RateCap
from billing.tests.statute import DOMAIN_CAP, DOMAIN_MORATORIA, DOMAIN_RATES, statute_penalty

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.timedelta(days=1)


def penalty(amount, due, paid=None, *, on=None) -> str:
    args = ["--amount", str(amount), "--due", due.isoformat()]
    if paid is not None:
        args += ["--paid-on", paid.isoformat()]
    if on is not None:
        args += ["--on", on.isoformat()]
    out = StringIO()
    call_command("penalty", *args, stdout=out)
    return out.getvalue()


def total_of(out: str) -> Decimal:
    (text,) = re.findall(r"Итого пени: ([\d\xa0]+,\d\d)\xa0₽", out)
    return D(text.replace("\xa0", "").replace(",", "."))


def days_of(out: str) -> tuple[int, int]:
    m = re.search(r"Дней по 1/300: (\d+), по 1/130: (\d+)", out)
    return (int(m[1]), int(m[2])) if m else (0, 0)


def line_amounts(out: str) -> list[Decimal]:
    return [D(a.replace("\xa0", "").replace(",", ".")) for a in re.findall(r"дн\. × .* = ([\d\xa0]+,\d\d)\xa0₽", out)]


# --- the shipped data is DOMAIN's ----------------------------------------------------


def test_the_migrations_ship_domains_key_rates_cap_and_moratoria():
    assert list(KeyRate.objects.order_by("valid_from").values_list("valid_from", "rate")) == DOMAIN_RATES
    start, last, rate = DOMAIN_CAP
    assert list(RateCap.objects.values_list("valid_from", "valid_to", "rate")) == [(start, last + DAY, rate)]
    assert list(Moratorium.objects.order_by("start").values_list("start", "end")) == [
        (s, e + DAY) for s, e in DOMAIN_MORATORIA
    ]


# --- the examples ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "due", "paid", "expected", "rate_text"),
    [
        # a cap-period payment on a pre-2022 debt: 9.5 % on every day, 2021 included
        ("71229.15", dt.date(2021, 2, 10), dt.date(2022, 3, 17), "17489.50", "Ставка на всю просрочку: 9.50%"),
        # a payment day before the old table started (16.12.2019): 6.5 %, not 0.00
        ("158176.13", dt.date(2019, 2, 10), dt.date(2019, 12, 3), "18348.43", "Ставка на всю просрочку: 6.50%"),
        # the day before the 2020 moratorium, no cap then: 6.0 %
        ("441664.73", dt.date(2019, 1, 10), dt.date(2020, 4, 5), "78888.12", "Ставка на всю просрочку: 6.00%"),
        # DOMAIN's worked example: 120 days late at 9.5 %
        ("10000.00", dt.date(2026, 3, 15), dt.date(2026, 7, 13), "409.23", "Ставка на всю просрочку: 9.50%"),
    ],
)
def test_the_command_gives_the_statutory_penalty_of_the_examples(amount, due, paid, expected, rate_text):
    out = penalty(amount, due, paid)
    assert total_of(out) == D(expected)
    assert rate_text in out
    assert statute_penalty(D(amount), due, paid)[3] == D(expected)
    assert sum(line_amounts(out)) == D(expected)  # the lines add up to the total shown


def test_a_cap_period_payment_applies_the_capped_rate_to_every_day_of_a_pre_2022_delay():
    out = penalty("71229.15", dt.date(2021, 2, 10), dt.date(2022, 3, 17))
    assert "ключевая ставка на 17.03.2022 (20.00%), но не более 9.50%" in out
    assert "13.03.2021–11.05.2021: 60 дн. × 1/300 × 9.50% = 1\xa0353,35\xa0₽" in out
    assert "12.05.2021–17.03.2022: 310 дн. × 1/130 × 9.50% = 16\xa0136,15\xa0₽" in out
    assert total_of(out) == D("17489.50")  # one rounding: 1 353,35385 + 16 136,14205


def test_the_domain_worked_example_shows_its_two_lines():
    out = penalty("10000.00", dt.date(2026, 3, 15), dt.date(2026, 7, 13))
    assert "15.04.2026–13.06.2026: 60 дн. × 1/300 × 9.50% = 190,00\xa0₽" in out
    assert "14.06.2026–13.07.2026: 30 дн. × 1/130 × 9.50% = 219,23\xa0₽" in out


def test_an_unpaid_debt_takes_the_rate_of_the_calculation_day_for_the_whole_delay():
    due = dt.date(2021, 2, 10)
    # 31.12.2021: key rate 8.5 %, no cap yet; 17.03.2022: 20 % capped to 9.5 %
    before_cap = penalty("71229.15", due, on=dt.date(2021, 12, 31))
    assert "Ставка на всю просрочку: 8.50%" in before_cap
    assert "не оплачен на 31.12.2021" in before_cap
    assert total_of(before_cap) == statute_penalty(D("71229.15"), due, dt.date(2021, 12, 31))[3]
    assert total_of(penalty("71229.15", due, on=dt.date(2022, 3, 17))) == D("17489.50")


# --- boundaries ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "days"),
    [(30, (0, 0)), (31, (1, 0)), (32, (2, 0)), (90, (60, 0)), (91, (60, 1)), (92, (60, 2))],
)
def test_days_30_31_90_91_are_the_edges_of_nothing_one_three_hundredth_and_one_hundred_thirtieth(late, days):
    due = dt.date(2023, 3, 10)
    paid = due + dt.timedelta(days=late)
    out = penalty("100000.00", due, paid)
    assert days_of(out) == days
    expected = statute_penalty(D("100000.00"), due, paid)
    assert expected[:2] == days
    assert total_of(out) == expected[3]
    if late == 30:
        assert "Пени нет" in out and total_of(out) == 0


@pytest.mark.parametrize(
    ("paid", "days_130", "accrues_that_day"),
    [
        (dt.date(2020, 4, 5), 88, True),  # the last day before ПП 424
        (dt.date(2020, 4, 6), 88, False),  # its first day
        (dt.date(2020, 12, 31), 88, False),  # its last day
        (dt.date(2021, 1, 1), 89, True),  # accrues again
        (dt.date(2022, 3, 31), 543, True),  # the last day before ПП 497
        (dt.date(2022, 4, 1), 543, False),
        (dt.date(2022, 9, 30), 543, False),
        (dt.date(2022, 10, 1), 544, True),  # 01.10.2022 accrues (our reading, docs/penalties.md)
    ],
)
def test_moratorium_days_accrue_nothing_but_keep_counting(paid, days_130, accrues_that_day):
    due = dt.date(2019, 10, 10)  # day 91 = 09.01.2020
    out = penalty("50000.00", due, paid)
    assert days_of(out) == (60, days_130)
    assert days_of(penalty("50000.00", due, paid - DAY))[1] == days_130 - accrues_that_day
    assert total_of(out) == statute_penalty(D("50000.00"), due, paid)[3]


def test_a_delay_wholly_inside_a_moratorium_accrues_nothing_and_says_so():
    out = penalty("50000.00", dt.date(2020, 4, 10), dt.date(2020, 12, 31))
    assert "Дней моратория (пени не начисляются): 235" in out
    assert "Пени нет" in out and total_of(out) == 0


def test_an_exact_half_kopeck_rounds_up():
    # 1 430,00 × 9,5 % × (60/300 + 31/130) = 59,565 exactly (rate 12 % capped to 9.5 %)
    out = penalty("1430.00", dt.date(2023, 5, 10), dt.date(2023, 9, 8))
    assert days_of(out) == (60, 31)
    assert total_of(out) == D("59.57")
    assert statute_penalty(D("1430.00"), dt.date(2023, 5, 10), dt.date(2023, 9, 8))[3] == D("59.57")


# --- refusals ------------------------------------------------------------------------


def test_a_payment_day_without_a_known_rate_is_refused_naming_the_date():
    KeyRate.objects.filter(valid_from__lt=dt.date(2017, 1, 1)).delete()
    with pytest.raises(CommandError, match=r"Нет ключевой ставки Банка России на 01\.12\.2016"):
        penalty("1000.00", dt.date(2016, 9, 10), dt.date(2016, 12, 1))
    # within 30 days no rate is needed: nothing accrues
    assert total_of(penalty("1000.00", dt.date(2016, 9, 10), dt.date(2016, 10, 10))) == 0


def test_a_debt_due_before_2016_is_refused_naming_the_older_rule():
    with pytest.raises(CommandError, match=r"Срок оплаты 10\.12\.2015 — до 01\.01\.2016"):
        penalty("1000.00", dt.date(2015, 12, 10), dt.date(2016, 3, 1))
    assert total_of(penalty("1000.00", dt.date(2015, 12, 10), dt.date(2015, 12, 10))) == 0  # paid on time


def test_the_command_needs_a_debt_or_a_file():
    with pytest.raises(CommandError, match="--amount"):
        call_command("penalty", stdout=StringIO())


# --- the CSV batch -------------------------------------------------------------------


def batch(tmp_path, text: str, *extra: str) -> list[dict]:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    target = tmp_path / "out.csv"
    call_command("penalty", "--csv", str(source), "--out", str(target), *extra, stdout=StringIO(), stderr=StringIO())
    with target.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_batch_writes_one_result_row_per_input_row_in_order(tmp_path):
    rows = batch(
        tmp_path,
        "amount,due,paid\n"
        "71229.15,2021-02-10,2022-03-17\n"
        "158176.13,10.02.2019,03.12.2019\n"
        '"441664,73",2019-01-10,2020-04-05\n'
        "\n"
        "1000.00,2015-12-10,2016-03-01\n"
        "abc,2020-01-10,2020-05-01\n"
        "10000.00,2026-03-15,\n",
        "--on",
        "2026-07-13",
    )
    assert [(r["amount"], r["days_300"], r["days_130"], r["rate"], r["penalty"]) for r in rows[:3]] == [
        ("71229.15", "60", "310", "9.50", "17489.50"),
        ("158176.13", "60", "206", "6.50", "18348.43"),
        ("441664,73", "60", "361", "6.00", "78888.12"),
    ]
    assert rows[3]["penalty"] == "" and "до 01.01.2016" in rows[3]["refusal"]
    assert rows[4]["penalty"] == "" and "сумма «abc»" in rows[4]["refusal"]
    # an empty ``paid``: unpaid, computed on --on
    assert (rows[5]["paid"], rows[5]["rate"], rows[5]["penalty"], rows[5]["refusal"]) == ("", "9.50", "409.23", "")
    assert len(rows) == 6


def test_the_batch_refuses_a_row_without_a_rate_and_goes_on(tmp_path, capsys):
    KeyRate.objects.filter(valid_from__lt=dt.date(2017, 1, 1)).delete()
    source = tmp_path / "in.csv"
    source.write_text("1000.00,2016-09-10,2016-12-01\n1000.00,2023-03-10,2023-09-10\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("penalty", "--csv", str(source), stdout=out, stderr=err)
    rows = list(csv.DictReader(StringIO(out.getvalue())))
    assert "Нет ключевой ставки Банка России на 01.12.2016" in rows[0]["refusal"]
    assert rows[1]["penalty"] == str(statute_penalty(D("1000.00"), dt.date(2023, 3, 10), dt.date(2023, 9, 10))[3])
    assert "Строк: 2, отказов: 1" in err.getvalue()


def test_the_batch_agrees_with_the_statute_on_every_row_of_a_drawn_file(tmp_path):
    """2 000 seeded rows: debts due 2016–2026, paid up to three years later,
    half of them within a week of a day-30/31/90/91 edge or a moratorium or
    cap edge."""
    import random

    rnd = random.Random(20260311)
    edges = [dt.date(2020, 4, 6), dt.date(2021, 1, 1), dt.date(2022, 4, 1), dt.date(2022, 10, 1)]
    edges += [dt.date(2022, 2, 28), dt.date(2027, 1, 1)]
    cases = []
    for i in range(2000):
        amount = D(rnd.randint(1, 200_000_000)) / 100
        if i % 2:
            due = dt.date(2016, 1, 1) + dt.timedelta(days=rnd.randint(0, 4017))
            paid = due + dt.timedelta(days=rnd.choice([rnd.randint(0, 1100), *range(28, 34), *range(88, 94)]))
        else:
            paid = rnd.choice(edges) + dt.timedelta(days=rnd.randint(-3, 3))
            due = paid - dt.timedelta(days=rnd.randint(0, 1100))
        cases.append((amount, max(due, dt.date(2016, 1, 1)), paid))
    text = "".join(f"{a},{d.isoformat()},{p.isoformat()}\n" for a, d, p in cases)
    rows = batch(tmp_path, text)
    assert len(rows) == len(cases)
    for (amount, due, paid), row in zip(cases, rows, strict=True):
        d300, d130, rate, value = statute_penalty(amount, due, paid)
        assert (row["days_300"], row["days_130"], row["penalty"]) == (str(d300), str(d130), str(value)), row
        if rate is not None:
            assert D(row["rate"]) == rate
