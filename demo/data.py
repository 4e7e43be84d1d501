"""The demo city's data: logins, providers, services and tariffs, benefits,
offices, articles, and the plan of every account (who, where, how they pay).
Everything random is drawn from ``rng_for`` (seed 2026 + a natural key)."""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from accounts.security import PUBLIC_DEMO_PASSWORDS
from billing.models import (
    Service,
)
from eirc import periods

SEED = 2026
# Namespace of the demo's derived UUIDs (payments): uuid5(NS, natural key).
NS = uuid.UUID("5e1f2026-0000-4000-8000-000000000001")
DEMO_ACCOUNT = "1000000001"
TZ = periods.TZ


def rng_for(*key) -> random.Random:
    """A generator seeded with 2026 and a natural key: stable across runs,
    independent of the order in which things are generated."""
    return random.Random("/".join([str(SEED), *map(str, key)]))


# --------------------------------------------------------------------------
# Logins
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    login_as: str  # what to type in the login form


LOGINS = (
    DemoLogin("resident", PUBLIC_DEMO_PASSWORDS["resident"], "житель, лицевой счёт 1000000001", DEMO_ACCOUNT),
    DemoLogin("operator", PUBLIC_DEMO_PASSWORDS["operator"], "оператор (группа «Операторы»)", "operator"),
    DemoLogin("accountant", PUBLIC_DEMO_PASSWORDS["accountant"], "бухгалтер (группа «Бухгалтерия»)", "accountant"),
    DemoLogin("admin", PUBLIC_DEMO_PASSWORDS["admin"], "администратор (суперпользователь)", "admin"),
)


def logins_text() -> str:
    port = os.environ.get("PORT", "8000")
    lines = [f"Демо-входы (http://127.0.0.1:{port}/accounts/login/, админка /admin/):"]
    for login in LOGINS:
        lines.append(f"  {login.login_as:<12} / {login.password:<22} — {login.role}")
    lines.append("  (житель может входить и по адресу resident@example.ru)")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------

RNKB = ("РНКБ Банк (ПАО)", "043510607", "30101810335100000607")
GENBANK = ("АО «Генбанк»", "043510123", "30101810835100000123")
CHBRR = ("ПАО «Банк ЧБРР»", "043510101", "30101810035100000101")

# code: (name, short name, ИНН, КПП, bank, р/с, address, phone)
PROVIDERS = {
    "vodokanal": (
        "ГУПС «Водоканал»",
        "Водоканал",
        "9204001530",
        "920401001",
        RNKB,
        "40602810241000000153",
        "г. Севастополь, ул. Адмирала Октябрьского, д. 5",
        "+7 (8692) 54-20-10",
    ),
    "teplo": (
        "ГУПС «Севтеплоэнерго»",
        "Севтеплоэнерго",
        "9204002115",
        "920401001",
        RNKB,
        "40602810741000000211",
        "г. Севастополь, ул. Гоголя, д. 12",
        "+7 (8692) 53-31-40",
    ),
    "energo": (
        "ООО «Севэнергосбыт»",
        "Севэнергосбыт",
        "9204553070",
        "920401001",
        GENBANK,
        "40702810900000045530",
        "г. Севастополь, ул. Пожарова, д. 25",
        "+7 (8692) 55-47-00",
    ),
    "uk": (
        "ООО «Управляющая компания «Севжилсервис»",
        "УК «Севжилсервис»",
        "9201519843",
        "920101001",
        CHBRR,
        "40702810400000019843",
        "г. Севастополь, пр-т Генерала Острякова, д. 62",
        "+7 (8692) 45-12-80",
    ),
    "ekocentr": (
        "ГУПС «Экоцентр»",
        "Экоцентр",
        "9204005780",
        "920401001",
        RNKB,
        "40602810041000000578",
        "г. Севастополь, Камышовое шоссе, д. 43",
        "+7 (8692) 41-55-30",
    ),
    "fkr": (
        "НО «Фонд содействия капитальному ремонту общего имущества в МКД г. Севастополя»",
        "Фонд капремонта",
        "9204016711",
        "920401001",
        RNKB,
        "40604810241000001671",
        "г. Севастополь, ул. Ленина, д. 2",
        "+7 (8692) 55-09-30",
    ),
}


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    provider: str
    method: str
    unit: str
    zones: str = "single"
    norm: Decimal | None = None
    no_meter_factor: Decimal = Decimal("1")
    # rate per zone on 01.07.2024; later rates follow INDEXATIONS
    rates: dict = field(default_factory=dict)
    indexation: str = "utilities"
    basis: str = ""
    penalty_rule: str = Service.PenaltyRule.CH14


M = Service.Method
SERVICES = (
    ServiceSpec(
        "cold_water",
        "Холодное водоснабжение",
        "vodokanal",
        M.METER,
        "м³",
        norm=Decimal("4.5"),
        no_meter_factor=Decimal("1.5"),
        rates={"single": Decimal("47.14")},
        basis="Приказ Департамента городского хозяйства г. Севастополя (тариф ХВС)",
    ),
    ServiceSpec(
        "hot_water",
        "Горячее водоснабжение",
        "teplo",
        M.METER,
        "м³",
        norm=Decimal("3.0"),
        no_meter_factor=Decimal("1.5"),
        rates={"single": Decimal("198.40")},
        basis="Двухкомпонентный тариф: холодная вода + тепловая энергия на подогрев",
    ),
    ServiceSpec(
        "sewerage",
        "Водоотведение",
        "vodokanal",
        M.PER_RESIDENT,
        "м³",
        norm=Decimal("7.5"),
        rates={"single": Decimal("37.20")},
        basis="Норматив водоотведения 7,5 м³ на человека в месяц (ХВС + ГВС)",
    ),
    ServiceSpec(
        "electricity",
        "Электроснабжение",
        "energo",
        M.METER,
        "кВт·ч",
        zones="day,night",
        norm=Decimal("100"),
        no_meter_factor=Decimal("1.5"),
        rates={"day": Decimal("4.48"), "night": Decimal("2.62")},
        basis="Тариф для населения, двухзонный (день 7:00–23:00, ночь 23:00–7:00)",
    ),
    ServiceSpec(
        "heating",
        "Отопление",
        "teplo",
        M.AREA,
        "м²",
        rates={"single": Decimal("33.65")},
        basis="Равномерно в течение года: 0,0147 Гкал/м² × тариф на тепловую энергию",
    ),
    ServiceSpec(
        "maintenance",
        "Содержание жилого помещения",
        "uk",
        M.AREA,
        "м²",
        rates={"single": Decimal("24.90")},
        indexation="maintenance",
        basis="Решение общего собрания собственников",
    ),
    ServiceSpec(
        "waste",
        "Обращение с ТКО",
        "ekocentr",
        M.PER_RESIDENT,
        "чел.",
        norm=Decimal("1"),
        rates={"single": Decimal("118.60")},
        basis="Единый тариф регионального оператора × норматив накопления на человека",
    ),
    ServiceSpec(
        "capital_repair",
        "Взнос на капитальный ремонт",
        "fkr",
        M.AREA,
        "м²",
        rates={"single": Decimal("9.80")},
        indexation="capital_repair",
        basis="Минимальный размер взноса, постановление Правительства Севастополя",
        penalty_rule=Service.PenaltyRule.CH14_1,
    ),
)

# Rates are given for 01.07.2024; each step multiplies the previous rate.
# The pattern follows the real indexation of 2025–2026: +11.9 % on
# 01.07.2025 (the middle of the default history), +1.7 % on 01.01.2026 (VAT
# 20 → 22 %), +9.9 % on 01.10.2026 (the 2026 indexation moved to October).
BASE_FROM = dt.date(2020, 1, 1)
INDEXATIONS = {
    "utilities": [(dt.date(2025, 7, 1), "1.119"), (dt.date(2026, 1, 1), "1.017"), (dt.date(2026, 10, 1), "1.099")],
    "maintenance": [(dt.date(2025, 7, 1), "1.100"), (dt.date(2026, 10, 1), "1.095")],
    "capital_repair": [(dt.date(2025, 1, 1), "1.070"), (dt.date(2026, 1, 1), "1.062")],
}
TARIFF_2024 = dt.date(2024, 7, 1)
BEFORE_2024 = Decimal("1.098")  # the rates before 01.07.2024 were 9.8 % lower


def tariff_schedule(spec: ServiceSpec, zone: str) -> list[tuple[dt.date, dt.date | None, Decimal]]:
    """[(valid_from, valid_to, rate)] of one service zone, oldest first."""
    base = spec.rates[zone]
    steps = [(BASE_FROM, (base / BEFORE_2024).quantize(Decimal("0.01"), ROUND_HALF_UP)), (TARIFF_2024, base)]
    rate = base
    for start, factor in INDEXATIONS[spec.indexation]:
        rate = (rate * Decimal(factor)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        steps.append((start, rate))
    out = []
    for i, (start, value) in enumerate(steps):
        end = steps[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(steps) else None
        out.append((start, end, value))
    return out


BENEFIT_CATEGORIES = (
    (
        "veteran_labour",
        "Ветеран труда",
        Decimal("50"),
        ("cold_water", "hot_water", "sewerage", "electricity", "heating", "maintenance", "waste"),
        "Закон г. Севастополя № 52-ЗС «О мерах социальной поддержки»: 50 % платы за ЖКУ",
    ),
    (
        "large_family",
        "Многодетная семья",
        Decimal("30"),
        ("cold_water", "hot_water", "sewerage", "electricity", "heating", "waste"),
        "Закон г. Севастополя о поддержке многодетных семей: 30 % платы за коммунальные услуги",
    ),
    (
        "disabled",
        "Инвалид I или II группы",
        Decimal("50"),
        ("maintenance", "capital_repair", "cold_water", "hot_water", "sewerage", "electricity"),
        "Федеральный закон № 181-ФЗ, ст. 17: 50 % платы за жильё и коммунальные услуги",
    ),
)

# The central office's address is the centre's own (settings EIRC["ADDRESS"],
# printed in every page's footer and on receipts): None here.
OFFICES = (
    (
        "Центральный офис ЕИРЦ",
        None,
        "Пн–Пт 8:00–18:00, без перерыва\nСб 9:00–14:00\nВс — выходной",
        "+7 (8692) 55-10-10; 8-800-100-92-92 (бесплатно)",
        "info@sev-eirc.ru",
        "Приём показаний, справки, оплата без комиссии",
    ),
    (
        "Офис на Острякова",
        "299053, г. Севастополь, пр-т Генерала Острякова, д. 154",
        "Пн–Пт 9:00–18:00, перерыв 13:00–14:00\nСб, Вс — выходные",
        "+7 (8692) 45-20-20",
        "ostryakova@sev-eirc.ru",
        "Ленинский район",
    ),
    (
        "Офис в Гагаринском районе",
        "299038, г. Севастополь, ул. Хрусталёва, д. 74",
        "Пн–Пт 9:00–18:00, перерыв 13:00–14:00\nСб 9:00–13:00",
        "+7 (8692) 41-30-30",
        "gagarin@sev-eirc.ru",
        "Гагаринский район, Камышовое шоссе, ул. Адмирала Фадеева",
    ),
)

FLATPAGES = (
    (
        "/info/kak-peredat-pokazaniya/",
        "Как передать показания счётчиков",
        """<p>Показания приборов учёта принимаются <strong>с 20 по 25 число</strong> каждого месяца.
Показания, переданные позже 25 числа, учитываются в следующем месяце.</p>
<ol>
<li>Войдите в личный кабинет по номеру лицевого счёта или электронной почте.</li>
<li>Откройте раздел «Показания» и введите текущие значения каждого счётчика
(для двухтарифного счётчика электроэнергии — «день» и «ночь»).</li>
<li>Проверьте введённые значения и нажмите «Передать». Сохраните код подтверждения.</li>
</ol>
<p>Если показания не переданы, начисление производится по среднему потреблению за последние
месяцы (не более трёх месяцев подряд), затем — по нормативу.
Показание меньше предыдущего не принимается, кроме случаев перехода счётчика через ноль
и замены прибора учёта.</p>
<p>Показания также можно передать в офисах ЕИРЦ и по телефону горячей линии.</p>""",
    ),
    (
        "/info/kak-zaregistrirovatsya/",
        "Как зарегистрироваться в личном кабинете",
        """<p>Для регистрации понадобятся номер лицевого счёта (10 цифр, указан в квитанции)
и сумма начисления из одной из последних квитанций — так мы убедимся, что счёт ваш.</p>
<ol>
<li>Нажмите «Регистрация» и введите номер лицевого счёта, сумму из квитанции и адрес
электронной почты.</li>
<li>Откройте письмо и перейдите по ссылке в течение 24 часов.</li>
<li>Придумайте пароль не короче 12 символов.</li>
</ol>
<p>К одной учётной записи можно привязать несколько лицевых счетов.
Если письмо не пришло, проверьте папку «Спам» или обратитесь в офис ЕИРЦ.</p>""",
    ),
    (
        "/info/faq/",
        "Частые вопросы",
        """<h2>Когда нужно оплатить квитанцию?</h2>
<p>До 10 числа месяца, следующего за расчётным; за периоды начиная с марта 2026 года —
до 15 числа.</p>
<h2>Почему начислены пени?</h2>
<p>Пени (ч. 14 ст. 155 ЖК РФ) начисляются на сумму, не оплаченную в срок, с 31-го дня
просрочки: с 31-го по 90-й день — 1/300 ставки за каждый день, с 91-го дня — 1/130 ставки.</p>
<p>На взносы на капитальный ремонт пени начисляются по ч. 14.1 ст. 155 ЖК РФ: со следующего дня
после срока оплаты, за все дни — 1/300 ставки. Если оплата покрывает долг месяца не полностью,
она делится между взносом на капитальный ремонт и остальными начислениями этого месяца
пропорционально их остаткам.</p>
<p>Ставка одна на всю просрочку — ключевая ставка Банка России на день оплаты. Пока долг не
оплачен, пени рассчитываются по ставке на последний день расчётного месяца и каждый месяц
пересчитываются; после оплаты они уточняются по ставке дня оплаты, а разница показывается
отдельной строкой. Если день оплаты (или расчёта) приходится на период с 28.02.2022 по
31.12.2026, ставка не выше 9,5 % (постановления Правительства РФ № 474, 2382 и 329) — тоже
для всех дней просрочки.</p>
<p>С 06.04.2020 по 31.12.2020 и с 01.04.2022 по 30.09.2022 пени не начислялись (мораторий);
дни просрочки в это время продолжали считаться.</p>
<p>Как рассчитаны ваши пени, видно в разделе «Начисления»: под строкой «Пени» нажмите
«Как рассчитаны пени».</p>
<h2>Как получить справку об отсутствии задолженности?</h2>
<p>Закажите её в личном кабинете в разделе «Справки» или в любом офисе ЕИРЦ.</p>""",
    ),
)

# --------------------------------------------------------------------------
# Accounts: addresses and names
# --------------------------------------------------------------------------

HOUSES = (
    ("ул. Большая Морская", "14", "299011"),
    ("пр-т Генерала Острякова", "154", "299053"),
    ("ул. Ленина", "31", "299011"),
    ("пр-т Победы", "48", "299045"),
    ("ул. Хрусталёва", "74", "299038"),
    ("ул. Пожарова", "21", "299014"),
    ("Камышовое шоссе", "35", "299057"),
    ("ул. Адмирала Фадеева", "48А", "299057"),
    ("ул. Адмирала Октябрьского", "9", "299011"),
    ("пр-т Октябрьской Революции", "45", "299040"),
    ("ул. Вакуленчука", "26", "299029"),
    ("ул. Гоголя", "18", "299011"),
)

# (male, female) surnames
SURNAMES = (
    ("Иванов", "Иванова"),
    ("Коваленко", "Коваленко"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Бондаренко", "Бондаренко"),
    ("Попов", "Попова"),
    ("Ткаченко", "Ткаченко"),
    ("Соколов", "Соколова"),
    ("Мельник", "Мельник"),
    ("Морозов", "Морозова"),
    ("Шевченко", "Шевченко"),
    ("Волков", "Волкова"),
    ("Кравченко", "Кравченко"),
    ("Лебедев", "Лебедева"),
    ("Черноморский", "Черноморская"),
    ("Нахимов", "Нахимова"),
    ("Ковальчук", "Ковальчук"),
    ("Павлов", "Павлова"),
    ("Семенов", "Семенова"),
    ("Литвиненко", "Литвиненко"),
    ("Голубев", "Голубева"),
    ("Зайцев", "Зайцева"),
    ("Корнилов", "Корнилова"),
    ("Орлов", "Орлова"),
)
MALE_NAMES = ("Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Николай", "Владимир", "Игорь", "Олег", "Павел")
FEMALE_NAMES = ("Елена", "Ольга", "Наталья", "Ирина", "Татьяна", "Светлана", "Марина", "Анна", "Юлия", "Людмила")
# (male, female) patronymics
PATRONYMICS = (
    ("Александрович", "Александровна"),
    ("Сергеевич", "Сергеевна"),
    ("Викторович", "Викторовна"),
    ("Николаевич", "Николаевна"),
    ("Петрович", "Петровна"),
    ("Владимирович", "Владимировна"),
    ("Иванович", "Ивановна"),
    ("Михайлович", "Михайловна"),
)


@dataclass(frozen=True)
class AccountPlan:
    """What one demo account is: who, where, what, and its special role."""

    index: int
    number: str
    last_name: str
    first_name: str
    middle_name: str
    street: str
    house: str
    flat: str
    postcode: str
    area: Decimal
    residents: int
    opened_on: dt.date
    has_hot_meter: bool
    payer: str  # regular | late | round | partial
    source: str  # online | registry | cash
    els: str = ""  # ЕЛС of ГИС ЖКХ, 10 characters
    ipd: str = ""  # ИПД, 18 characters


def account_plan(index: int) -> AccountPlan:
    """The demo account at ``index`` (0 is the demo resident's 1000000001)."""
    rng = rng_for("account", index)
    street, house, postcode = HOUSES[index % len(HOUSES)]
    block = index // len(HOUSES)
    flat = str(block * 9 + 1 + rng.randint(0, 8))
    female = rng.random() < 0.5
    surname = rng.choice(SURNAMES)[1 if female else 0]
    first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    middle = rng.choice(PATRONYMICS)[1 if female else 0]
    residents = rng.choices((1, 2, 3, 4, 5), weights=(20, 35, 25, 14, 6))[0]
    low, high = 28 + (residents - 1) * 8, 55 + (residents - 1) * 10
    area = Decimal(rng.randint(low * 10, min(high, 95) * 10)) / 10
    opened_on = dt.date(rng.randint(2008, 2021), rng.randint(1, 12), 1)
    payer = rng.choices(("regular", "late", "round", "partial"), weights=(60, 15, 15, 10))[0]
    source = rng.choices(("online", "registry", "cash"), weights=(40, 35, 25))[0]
    has_hot_meter = rng.random() > 0.08
    if index == 0:  # the account people will look at
        street, house, postcode, flat = "ул. Большая Морская", "14", "299011", "7"
        surname, first, middle = "Ковальчук", "Ирина", "Петровна"
        residents, area, payer, source, has_hot_meter = 3, Decimal("58.40"), "regular", "online", True
    if index == 1:  # no hot-water meter: always by the norm
        has_hot_meter = False
    if index == 9:  # «Многодетная семья»
        residents, area = 5, max(area, Decimal("72.5"))
    return AccountPlan(
        index=index,
        number=f"{1000000000 + index + 1:010d}",
        last_name=surname,
        first_name=first,
        middle_name=middle,
        street=street,
        house=house,
        flat=flat,
        postcode=postcode,
        area=area.quantize(Decimal("0.01")),
        residents=residents,
        opened_on=opened_on,
        has_hot_meter=has_hot_meter,
        payer=payer,
        source=source,
        # ГИС ЖКХ ids, printed on the ЕПД: ЕЛС (10 characters, 92 — Севастополь) and ИПД (18).
        els=f"92{rng.randint(0, 10**8 - 1):08d}",
        ipd=f"92{rng.randint(0, 10**8 - 1):08d}-{rng.randint(0, 10**7 - 1):07d}",
    )


def benefit_plan(index: int, history: list[dt.date]) -> list[tuple[str, dt.date, dt.date | None, str]]:
    """[(category code, valid_from, valid_to, document)] of the account."""
    if index == 0:
        return [("veteran_labour", dt.date(2019, 3, 1), None, "Удостоверение ветерана труда серии В № 482913")]
    if index == 9:
        return [("large_family", dt.date(2021, 9, 1), None, "Удостоверение многодетной семьи № 0715")]
    if index == 14:
        return [("veteran_labour", dt.date(2017, 5, 1), None, "Удостоверение ветерана труда серии Т № 115207")]
    if index == 21:
        return [("disabled", dt.date(2020, 2, 1), None, "Справка МСЭ-2019 № 2204118")]
    if index == 33:  # granted in the middle of the history
        start = history[len(history) // 2]
        return [("large_family", start, None, "Удостоверение многодетной семьи № 1122")]
    if index == 40:  # ended in the middle of the history
        end = history[len(history) // 2] - dt.timedelta(days=1)
        return [("disabled", dt.date(2018, 6, 1), end, "Справка МСЭ-2018 № 1907730 (срок истёк)")]
    return []


def debtor_window(index: int, months: int, count: int) -> tuple[int, int] | None:
    """Months (indexes into the history, [start, end)) without any payment.

    Debtors never pay for 4–8 months so that penalties appear. Some pay
    their debt afterwards, some still owe. The last account of a small run is
    a debtor, so that even ``--accounts 6`` shows penalties."""
    if index == 0:  # the demo resident: behind for the last two months
        return (max(months - 2, 0), months + 1)
    table = {5: (8, True), 11: (5, False), 17: (6, True), 23: (4, False), 31: (7, True), 44: (6, True)}
    if index not in table and index == count - 1 and count < 12:
        table[index] = (5, True)
    if index not in table:
        return None
    length, still_owes = table[index]
    length = min(length, months)
    if still_owes:
        return (months - length, months + 1)
    start = max(months - length - 6, 0)
    return (start, start + length)


# --------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------
