"""A synthetic city of N accounts in the exchange format (docs/exchange.md).

    .venv/bin/python bench/make_city.py --accounts 50000 --out var/city50k [--seed 1]

Deterministic by seed: the same arguments write the same bytes. About 60
flats a house on a few dozen streets (one of them «ул. Большая Морская»),
7 services from 3 providers, 3 meters an account (electricity day/night, cold
and hot water) with a last reading on 25.11.2025, and twelve monthly opening
balances (01.2025–12.2025) per account. Streams its output: memory is flat
in N.
"""

from __future__ import annotations

import argparse
import random
from decimal import Decimal
from pathlib import Path

STREETS = [
    "ул. Большая Морская", "ул. Ленина", "пр-т Нахимова", "ул. Гоголя", "ул. Пожарова", "ул. Хрусталёва",
    "пр-т Октябрьской Революции", "ул. Адмирала Октябрьского", "ул. Генерала Острякова", "ул. Малая Морская",
    "ул. Кулакова", "ул. Очаковцев", "ул. Советская", "ул. Частника", "ул. Героев Севастополя", "ул. Вакуленчука",
    "пр-т Победы", "ул. Степаняна", "ул. Правды", "ул. Бориса Михайлова", "ул. Косарева", "ул. Одесская",
    "ул. Маринеско", "ул. Тараса Шевченко", "ул. Большая Балаклавская", "ул. Колобова", "ул. Жидилова",
    "ул. Лётчиков", "ул. Гагарина", "ул. Хрюкина",
]  # fmt: skip
LAST = ["Иванов", "Петров", "Сидоренко", "Кузнецов", "Смирнов", "Ковальчук", "Морозов", "Волков", "Соловьёв",
        "Лебедев", "Козлов", "Новиков", "Павленко", "Семенов", "Голубев", "Виноградов", "Богданов", "Воробьёв"]  # fmt: skip
FIRST = ["Иван", "Пётр", "Анна", "Мария", "Сергей", "Ольга", "Елена", "Андрей", "Наталья", "Дмитрий"]
MIDDLE = ["Иванович", "Петрович", "Сергеевна", "Андреевна", "Николаевич", "Викторовна"]
PROVIDERS = [
    ("9204000001", "920401001", "ГУП «Водоканал»", "Водоканал", "РНКБ Банк (ПАО)", "043510607",
     "40602810000000000001", "30101810335100000607"),
    ("9204000002", "920401001", "ООО «Севэнергосбыт»", "Севэнергосбыт", "РНКБ Банк (ПАО)", "043510607",
     "40702810000000000002", "30101810335100000607"),
    ("9204000003", "920401001", "УК «Морская»", "УК Морская", "РНКБ Банк (ПАО)", "043510607",
     "40702810000000000003", "30101810335100000607"),
]  # fmt: skip
# code, name, provider, method, unit, zones, norm, tariffs [(zone, valid_from, rate)]
SERVICES = [
    ("elec", "Электроснабжение", 1, "meter", "кВт·ч", "day,night", "80.0000",
     [("day", "01.07.2025", "6.1200"), ("night", "01.07.2025", "3.0100")]),
    ("cold", "Холодное водоснабжение", 0, "meter", "м³", "single", "3.5000", [("single", "01.07.2025", "52.3000")]),
    ("hot", "Горячее водоснабжение", 0, "meter", "м³", "single", "2.8000", [("single", "01.07.2025", "220.1000")]),
    ("maint", "Содержание жилого помещения", 2, "area", "м²", "single", "", [("single", "01.07.2025", "25.5000")]),
    ("capital", "Взнос на капитальный ремонт", 2, "area", "м²", "single", "", [("single", "01.01.2025", "9.8000")]),
    ("waste", "Обращение с ТКО", 2, "per_resident", "чел.", "single", "", [("single", "01.01.2025", "120.0000")]),
    ("intercom", "Домофон", 2, "fixed", "мес.", "single", "", [("single", "01.01.2025", "60.0000")]),
]  # fmt: skip
METERS = (("elec", "day,night", 6), ("cold", "single", 5), ("hot", "single", 5))
MONTHS = [f"{m:02d}.2025" for m in range(1, 13)]
FLATS_PER_HOUSE = 60


def write(path: Path, header: str, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(header + "\n")
        for row in rows:
            f.write(";".join(row) + "\n")


def houses(n: int):
    for h in range((n + FLATS_PER_HOUSE - 1) // FLATS_PER_HOUSE):
        street = STREETS[h % len(STREETS)]
        yield (f"H{h + 1:06d}", "г. Севастополь", street, str(h // len(STREETS) + 1), f"2990{h % 90 + 10:02d}")


def accounts(n: int, rnd: random.Random):
    for i in range(n):
        h, flat = divmod(i, FLATS_PER_HOUSE)
        closed = rnd.random() < 0.01
        yield (
            f"{1000000001 + i:010d}", f"H{h + 1:06d}", str(flat + 1), f"{Decimal(rnd.randint(250, 1200)) / 10:.2f}",
            str(rnd.randint(1, 5)), rnd.choice(LAST), rnd.choice(FIRST), rnd.choice(MIDDLE),
            f"{(i * 7919 + 17) % 10**10:010d}", "", "closed" if closed else "open", "01.01.2015",
            "30.06.2025" if closed else "",
        )  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n, out = args.accounts, Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write(out / "houses.csv", "house_id;city;street;house;postcode", houses(n))
    write(out / "providers.csv", "inn;kpp;name;short_name;bank_name;bik;account;corr_account", PROVIDERS)
    write(
        out / "services.csv",
        "code;name;provider_inn;provider_kpp;method;unit;zones;norm",
        ((c, name, PROVIDERS[p][0], PROVIDERS[p][1], m, u, z, norm) for c, name, p, m, u, z, norm, _t in SERVICES),
    )
    write(out / "tariffs.csv", "service;zone;valid_from;rate", ((s[0], *t) for s in SERVICES for t in s[7]))
    write(
        out / "accounts.csv",
        "number;house_id;flat;area;residents;last_name;first_name;middle_name;els;ipd;status;opened_on;closed_on",
        accounts(n, random.Random(args.seed)),
    )
    write(
        out / "account_services.csv",
        "account;service;started_on;ended_on",
        ((f"{1000000001 + i:010d}", s[0], "01.01.2015", "") for i in range(n) for s in SERVICES),
    )
    rnd = random.Random(args.seed + 1)

    def meters():
        for i in range(n):
            for k, (code, zones, digits) in enumerate(METERS):
                values = [f"{Decimal(rnd.randint(0, 90000)) / 10:.1f}" for _z in zones.split(",")]
                yield (f"{1000000001 + i:010d}", code, f"S{k}{i + 1:09d}", zones, str(digits), "15.01.2021",
                       "15.01.2029", "25.11.2025", "/".join(values))  # fmt: skip

    write(out / "meters.csv", "account;service;serial;zones;digits;installed_on;verification_due;reading_date;reading",
          meters())  # fmt: skip
    rnd = random.Random(args.seed + 2)

    def balances():
        for i in range(n):
            balance = Decimal(rnd.randint(-50000, 300000)) / 100
            for month in MONTHS:
                yield (f"{1000000001 + i:010d}", month, f"{balance:.2f}")
                balance += Decimal(rnd.randint(-400000, 400000)) / 100

    write(out / "balances.csv", "account;period;balance", balances())
    print(f"{n} accounts written to {out}")


if __name__ == "__main__":
    main()
