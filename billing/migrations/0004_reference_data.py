"""Dated legal data the penalty engine needs, as staff-editable rows
(DOMAIN: due dates, the key rate, the 9.5 % cap, the moratoria)."""

import datetime as d
from decimal import Decimal

from django.db import migrations

TERM_RULES = [
    (d.date(2000, 1, 1), 10, 1, "ЖК РФ ст. 155 ч. 1 (до 10-го числа следующего месяца)"),
    (d.date(2026, 3, 1), 15, 5, "ЖК РФ ст. 155 ч. 1 в редакции, действующей с 01.03.2026"),
]

# Key rate of the Bank of Russia (from the date given).
KEY_RATES = [
    ("2019-12-16", "6.25"), ("2020-02-10", "6.00"), ("2020-04-27", "5.50"), ("2020-06-22", "4.50"),
    ("2020-07-27", "4.25"), ("2021-03-22", "4.50"), ("2021-04-26", "5.00"), ("2021-06-15", "5.50"),
    ("2021-07-26", "6.50"), ("2021-09-13", "6.75"), ("2021-10-25", "7.50"), ("2021-12-20", "8.50"),
    ("2022-02-14", "9.50"), ("2022-02-28", "20.00"), ("2022-04-11", "17.00"), ("2022-05-04", "14.00"),
    ("2022-05-27", "11.00"), ("2022-06-14", "9.50"), ("2022-07-25", "8.00"), ("2022-09-19", "7.50"),
    ("2023-07-24", "8.50"), ("2023-08-15", "12.00"), ("2023-09-18", "13.00"), ("2023-10-30", "15.00"),
    ("2023-12-18", "16.00"), ("2024-07-29", "18.00"), ("2024-09-16", "19.00"), ("2024-10-28", "21.00"),
    ("2025-06-09", "20.00"), ("2025-07-28", "18.00"), ("2025-09-15", "17.00"), ("2025-10-27", "16.50"),
    ("2025-12-22", "16.00"),
]

CAPS = [
    (d.date(2022, 2, 28), d.date(2027, 1, 1), "9.50",
     "ПП РФ № 474 (2022), № 2382 (2023), № 329 (18.03.2025): ключевая ставка на 27.02.2022"),
]

MORATORIA = [
    (d.date(2020, 4, 6), d.date(2021, 1, 1), "ПП РФ № 424 от 02.04.2020"),
    (d.date(2022, 4, 1), d.date(2022, 10, 1), "ПП РФ № 497 от 28.03.2022 (мораторий на банкротство)"),
]


def load(apps, schema_editor):
    PaymentTermRule = apps.get_model("billing", "PaymentTermRule")
    KeyRate = apps.get_model("billing", "KeyRate")
    RateCap = apps.get_model("billing", "RateCap")
    Moratorium = apps.get_model("billing", "Moratorium")
    for applies_from, due_day, issue_day, basis in TERM_RULES:
        PaymentTermRule.objects.get_or_create(
            applies_from=applies_from, defaults={"due_day": due_day, "issue_day": issue_day, "basis": basis}
        )
    for day, rate in KEY_RATES:
        KeyRate.objects.get_or_create(valid_from=d.date.fromisoformat(day), defaults={"rate": Decimal(rate)})
    for start, end, rate, basis in CAPS:
        RateCap.objects.get_or_create(valid_from=start, defaults={"valid_to": end, "rate": Decimal(rate), "basis": basis})
    for start, end, basis in MORATORIA:
        Moratorium.objects.get_or_create(start=start, defaults={"end": end, "basis": basis})


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_ledger_immutable")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
