"""The production calendar of Russia as data: exceptions to the five-day week
for 2025–2027 (staff edit it in the admin; add a year's transfers when its
decree is published).

Sources: ТК РФ ст. 112 (the holidays; ч. 2 moves a weekend holiday other than
the New Year ones to the next working day); ПП РФ от 04.10.2024 № 1335 (2025);
ПП РФ от 24.09.2025 № 1466 (2026). For 2027 no decree is shipped: only the
holidays of ст. 112 and the moves of ч. 2; the transfers of 2 and 3 January
2027 are to be added by staff when the decree is published.
"""

import datetime as dt

from django.db import migrations, models

TK = "ТК РФ ст. 112"
TK2 = "ТК РФ ст. 112 ч. 2 (праздник в выходной)"
PP2025 = "ПП РФ от 04.10.2024 № 1335"
PP2026 = "ПП РФ от 24.09.2025 № 1466"

NEW_YEAR = [(1, d) for d in range(1, 9)]  # 1–6 and 8 January: New Year holidays, 7 January: Christmas
OTHER_HOLIDAYS = [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]

# (date, kind, note): the moves of each year.
MOVES = [
    # 2025: 4 and 5 January → 2 May and 31 December; 23 February → 8 May;
    # 8 March → 13 June; Saturday 1 November is worked for Monday 3 November.
    ("2025-05-02", "day_off", f"{PP2025}: с 4 января"),
    ("2025-12-31", "day_off", f"{PP2025}: с 5 января"),
    ("2025-05-08", "day_off", f"{PP2025}: с 23 февраля"),
    ("2025-06-13", "day_off", f"{PP2025}: с 8 марта"),
    ("2025-11-03", "day_off", f"{PP2025}: с 1 ноября"),
    ("2025-11-01", "working", f"{PP2025}: рабочая суббота"),
    # 2026: 3 and 4 January → 9 January and 31 December; 8 March (Sunday)
    # and 9 May (Saturday) move to the next Monday by law.
    ("2026-01-09", "day_off", f"{PP2026}: с 3 января"),
    ("2026-12-31", "day_off", f"{PP2026}: с 4 января"),
    ("2026-03-09", "day_off", TK2),
    ("2026-05-11", "day_off", TK2),
    # 2027: no decree shipped; 1 May, 9 May, 12 June fall on weekends.
    ("2027-05-03", "day_off", TK2),
    ("2027-05-10", "day_off", TK2),
    ("2027-06-14", "day_off", TK2),
]


def rows():
    for year in (2025, 2026, 2027):
        for month, day in NEW_YEAR + OTHER_HOLIDAYS:
            yield dt.date(year, month, day), "holiday", TK
    for iso, kind, note in MOVES:
        yield dt.date.fromisoformat(iso), kind, note


def load(apps, schema_editor):
    CalendarDay = apps.get_model("eirc", "CalendarDay")
    db = schema_editor.connection.alias
    for day, kind, note in rows():
        CalendarDay.objects.using(db).update_or_create(date=day, defaults={"kind": kind, "note": note})


def unload(apps, schema_editor):
    CalendarDay = apps.get_model("eirc", "CalendarDay")
    CalendarDay.objects.using(schema_editor.connection.alias).filter(date__in=[r[0] for r in rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [("eirc", "0003_verbose_names_ru")]

    operations = [
        migrations.CreateModel(
            name="CalendarDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(unique=True, verbose_name="дата")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("holiday", "нерабочий праздничный день"),
                            ("day_off", "выходной (перенесённый)"),
                            ("working", "рабочий день (перенесённый)"),
                        ],
                        max_length=10,
                        verbose_name="вид",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=250, verbose_name="основание")),
            ],
            options={
                "verbose_name": "день производственного календаря",
                "verbose_name_plural": "производственный календарь",
                "ordering": ["date"],
            },
        ),
        migrations.RunPython(load, unload),
    ]
