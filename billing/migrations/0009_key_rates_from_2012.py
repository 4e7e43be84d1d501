"""The key rates a penalty needs from 2016 on (DOMAIN: the 1/300 → 1/130 rule
applies to debts due from 01.01.2016), with the rate in force before that:
0004 started the table on 16.12.2019, so any earlier payment day found no
rate. Rows are added only where the table has none for that date, so an
accountant's edits stay."""

import datetime as d
from decimal import Decimal

from django.db import migrations

# Effective date → percent. 14.09.2012 is the refinancing rate (8.25 %), in
# force for penalties until 01.01.2016, when it was set equal to the key rate
# (11.0 % since 03.08.2015); from 03.08.2015 on, the key rate of the Bank of
# Russia. Later decisions are in 0004 (from 16.12.2019) or added by staff.
KEY_RATES = [
    ("2012-09-14", "8.25"), ("2015-08-03", "11.00"), ("2016-06-14", "10.50"), ("2016-09-19", "10.00"),
    ("2017-03-27", "9.75"), ("2017-05-02", "9.25"), ("2017-06-19", "9.00"), ("2017-09-18", "8.50"),
    ("2017-10-30", "8.25"), ("2017-12-18", "7.75"), ("2018-02-12", "7.50"), ("2018-03-26", "7.25"),
    ("2018-09-17", "7.50"), ("2018-12-17", "7.75"), ("2019-06-17", "7.50"), ("2019-07-29", "7.25"),
    ("2019-09-09", "7.00"), ("2019-10-28", "6.50"),
]


def load(apps, schema_editor):
    KeyRate = apps.get_model("billing", "KeyRate")
    for day, rate in KEY_RATES:
        KeyRate.objects.get_or_create(valid_from=d.date.fromisoformat(day), defaults={"rate": Decimal(rate)})


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_period_in_core")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
