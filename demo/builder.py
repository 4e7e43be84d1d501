"""Builds the demo city (see :mod:`demo`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.db import transaction
from django.db.models import Sum

from accounts.models import AccountLink, PersonalAccount
from billing.models import (
    AccountService,
    Benefit,
    BenefitCategory,
    Charge,
    LedgerEntry,
    Provider,
    Recalculation,
    Service,
    Tariff,
)
from demo.cards import cards_and_autopay
from demo.data import (
    BENEFIT_CATEGORIES,
    DEMO_ACCOUNT,
    FLATPAGES,
    LOGINS,
    NS,
    OFFICES,
    PROVIDERS,
    SERVICES,
    TZ,
    AccountPlan,
    account_plan,
    benefit_plan,
    debtor_window,
    rng_for,
    tariff_schedule,
)
from documents.models import Office
from eirc import periods
from eirc.models import Period
from eirc.money import format_rub, round_money
from meters.models import Meter, Reading
from payments.models import Payment


@dataclass
class MeterPlan:
    meter: Meter
    per_person: tuple[float, float] | None  # m³ per person per month (water)
    per_zone: dict | None = None  # kWh per month per zone (electricity)
    gaps: frozenset = frozenset()  # history indexes without a reading
    start_value: Decimal = Decimal("0")
    replaced_at: int | None = None  # history index of the replacement


def _money(value) -> Decimal:
    return round_money(Decimal(value))


def _engine():
    """The billing engine. The demo history is produced by it or not at all."""
    try:
        from billing import services
    except ImportError as exc:  # pragma: no cover - the engine is part of the project
        raise RuntimeError("seed_demo: нет billing.services — движок начислений не установлен") from exc
    missing = [name for name in ("billing_run", "period_close", "ledger_post_payment") if not hasattr(services, name)]
    if missing:
        raise RuntimeError(f"seed_demo: в billing.services нет {', '.join(missing)}")
    return services


class DemoBuilder:
    def __init__(self, *, accounts: int = 60, months: int = 24, out: Callable[[str], None] = print):
        if accounts < 1 or months < 1:
            raise ValueError("accounts and months must be positive")
        self.count = accounts
        self.months = months
        self.out = out
        self.today = periods.today()
        self.current = periods.current_period()
        self.history = [periods.add_months(self.current, i - months) for i in range(months)]
        self.baseline = periods.add_months(self.current, -months - 1)
        self.users = {}

    # -- entry point -------------------------------------------------------
    def run(self):
        engine = _engine()  # fails loudly before anything is written
        with transaction.atomic():
            self.site_and_pages()
            self.users_and_groups()
            self.providers_services_tariffs()
        with transaction.atomic():
            self.period_rows()
            self.accounts_and_meters()
            self.readings()
            self.recalculations()
            self.close_baseline()
        for index, month in enumerate(self.history):
            self.month(engine, index, month)
        self.current_month_payments(engine)
        cards_and_autopay(user=self.users["resident"], account=self.accounts[0])

    # -- reference data ----------------------------------------------------
    def site_and_pages(self):
        Site.objects.update_or_create(id=1, defaults={"domain": "127.0.0.1:8000", "name": "ЕИРЦ Севастополь"})
        site = Site.objects.get(id=1)
        for url, title, content in FLATPAGES:
            page, _ = FlatPage.objects.get_or_create(url=url, defaults={"title": title, "content": content})
            page.sites.add(site)
        for position, (name, address, hours, phones, email, note) in enumerate(OFFICES, start=1):
            Office.objects.get_or_create(
                name=name,
                defaults={
                    "address": address or settings.EIRC["ADDRESS"],
                    "hours": hours,
                    "phones": phones,
                    "email": email,
                    "note": note,
                    "position": position,
                },
            )

    def users_and_groups(self):
        User = get_user_model()
        operators, _ = Group.objects.get_or_create(name="Операторы")
        accountants, _ = Group.objects.get_or_create(name="Бухгалтерия")
        specs = {
            "resident": {"email": "resident@example.ru", "first_name": "Ирина", "last_name": "Ковальчук"},
            "operator": {"email": "operator@sev-eirc.ru", "first_name": "Оксана", "last_name": "Лебедева"},
            "accountant": {"email": "accountant@sev-eirc.ru", "first_name": "Галина", "last_name": "Морозова"},
            "admin": {"email": "admin@sev-eirc.ru", "first_name": "Администратор", "last_name": ""},
        }
        passwords = {login.username: login.password for login in LOGINS}
        for username, fields in specs.items():
            defaults = dict(fields)
            if username == "resident":
                defaults.update(middle_name="Петровна", email_confirmed_at=dt.datetime(2025, 3, 3, 9, 0, tzinfo=TZ))
            if username in ("operator", "accountant"):
                defaults["is_staff"] = True
            if username == "admin":
                defaults.update(is_staff=True, is_superuser=True)
            user = User.objects.filter(username=username).first()
            if user is None:  # the password is set once, at creation
                user = User(username=username, **defaults)
                user.set_password(passwords[username])
                user.save()
            self.users[username] = user
        self.users["operator"].groups.add(operators)
        self.users["accountant"].groups.add(accountants)

    def providers_services_tariffs(self):
        self.providers = {}
        for code, (name, short, inn, kpp, bank, acc, address, phone) in PROVIDERS.items():
            bank_name, bik, corr = bank
            self.providers[code], _ = Provider.objects.get_or_create(
                inn=inn,
                kpp=kpp,
                defaults={
                    "name": name,
                    "short_name": short,
                    "bank_name": bank_name,
                    "bik": bik,
                    "settlement_account": acc,
                    "corr_account": corr,
                    "address": address,
                    "phone": phone,
                },
            )
        self.services = {}
        for position, spec in enumerate(SERVICES, start=1):
            service, _ = Service.objects.get_or_create(
                code=spec.code,
                defaults={
                    "name": spec.name,
                    "provider": self.providers[spec.provider],
                    "method": spec.method,
                    "unit": spec.unit,
                    "zones": spec.zones,
                    "norm": spec.norm,
                    "no_meter_factor": spec.no_meter_factor,
                    "penalty_rule": spec.penalty_rule,
                    "position": position * 10,
                },
            )
            self.services[spec.code] = service
            for zone in spec.rates:
                for start, end, rate in tariff_schedule(spec, zone):
                    Tariff.objects.get_or_create(
                        service=service,
                        zone=zone,
                        valid_from=start,
                        defaults={"valid_to": end, "rate": rate, "basis": spec.basis},
                    )
        self.categories = {}
        for code, name, percent, services, basis in BENEFIT_CATEGORIES:
            category, created = BenefitCategory.objects.get_or_create(
                code=code, defaults={"name": name, "percent": percent, "basis": basis}
            )
            if created:
                category.services.set([self.services[s] for s in services])
            self.categories[code] = category

    # -- accounts, meters, readings ---------------------------------------
    def period_rows(self):
        self.periods = {}
        for month in [self.baseline, *self.history, self.current]:
            self.periods[month], _ = Period.objects.get_or_create(month=month)

    def accounts_and_meters(self):
        self.plans = [account_plan(i) for i in range(self.count)]
        self.accounts = {}
        self.meter_plans: list[MeterPlan] = []
        for plan in self.plans:
            account, _ = PersonalAccount.objects.get_or_create(
                number=plan.number,
                defaults={
                    "owner_last_name": plan.last_name,
                    "owner_first_name": plan.first_name,
                    "owner_middle_name": plan.middle_name,
                    "street": plan.street,
                    "house": plan.house,
                    "flat": plan.flat,
                    "postcode": plan.postcode,
                    "area": plan.area,
                    "heated_area": plan.area,
                    "residents": plan.residents,
                    "opened_on": plan.opened_on,
                    "els": plan.els,
                    "gis_document_id": plan.ipd,
                },
            )
            self.accounts[plan.index] = account
            for service in self.services.values():
                AccountService.objects.get_or_create(account=account, service=service, started_on=plan.opened_on)
            for code, start, end, document in benefit_plan(plan.index, self.history):
                Benefit.objects.get_or_create(
                    account=account,
                    category=self.categories[code],
                    valid_from=start,
                    defaults={"valid_to": end, "document": document},
                )
            self._meters(plan, account)
        resident = self.users["resident"]
        AccountLink.objects.get_or_create(account=self.accounts[0], defaults={"user": resident})

    def _meters(self, plan: AccountPlan, account: PersonalAccount):
        rng = rng_for("meters", plan.number)
        n = plan.index + 1
        months = self.months
        installed = dt.date(rng.randint(2019, 2022), rng.randint(1, 12), rng.randint(1, 28))
        if installed >= self.baseline:
            installed = self.baseline - dt.timedelta(days=200)
        cold_due = installed.replace(year=installed.year + 6)
        hot_due = installed.replace(year=installed.year + 4)
        if hot_due <= self.today + dt.timedelta(days=60):
            hot_due = hot_due.replace(year=hot_due.year + 4)  # verified once already
        elec_due = installed.replace(year=installed.year + 16)
        if cold_due <= self.today + dt.timedelta(days=60):
            cold_due = cold_due.replace(year=cold_due.year + 6)
        # A couple of expired verifications (readings stop: average, then
        # norm) and a couple due within 60 days (the reminder has work).
        if plan.index in (12, 26):
            cold_due = periods.add_months(self.current, -min(2, months - 1)) + dt.timedelta(days=13)
        if plan.index == 15:
            hot_due = periods.add_months(self.current, -1) + dt.timedelta(days=5)
        if plan.index in (0, 7):
            hot_due = self.current + dt.timedelta(days=45)
        if plan.index == 19:
            cold_due = self.current + dt.timedelta(days=50)

        def meter(service_code, serial, model, zones, digits, due, installed_on=installed, removed=None):
            service = self.services[service_code]
            obj, _ = Meter.objects.get_or_create(
                service=service,
                serial=serial,
                defaults={
                    "account": account,
                    "model_name": model,
                    "zones": zones,
                    "digits": digits,
                    "installed_on": installed_on,
                    "verification_due": due,
                    "status": Meter.Status.REMOVED if removed else Meter.Status.ACTIVE,
                    "removed_on": removed,
                },
            )
            return obj

        gaps: frozenset = frozenset()
        if plan.index == 2 and months >= 3:  # two months missing: by the average
            gaps = frozenset({months - 3, months - 2} if months >= 6 else {1})
        if plan.index == 5 and months >= 6:  # five months missing: average ×3, then norm
            gaps = frozenset(range(months - 6, months - 1))
        water = (3.0, 6.0)
        hot = (2.0, 4.0)
        cold_serial = f"{installed.year % 100:02d}{n:06d}"
        cold_start = Decimal(rng.randint(40, 900))
        digits = 5
        if plan.index == 3:  # rolls over in the middle of the history
            digits = 5
            cold_start = Decimal(10**5 - int(plan.residents * 4.5 * max(1, months // 2)))
        replaced_at = months // 2 if plan.index == 4 and months >= 3 else None
        cold = meter("cold_water", cold_serial, "Бетар СХВ-15", "single", digits, cold_due)
        self.meter_plans.append(
            MeterPlan(cold, per_person=water, gaps=gaps, start_value=cold_start, replaced_at=replaced_at)
        )
        if replaced_at is not None:
            day = self.history[replaced_at] + dt.timedelta(days=9)
            new = meter(
                "cold_water",
                f"{day.year % 100:02d}{n:06d}N",
                "Пульсар 15",
                "single",
                5,
                day.replace(year=day.year + 6),
                installed_on=day,
            )
            if cold.status != Meter.Status.REMOVED:
                Meter.objects.filter(pk=cold.pk).update(status=Meter.Status.REMOVED, removed_on=day, replaced_by=new)
                cold.refresh_from_db()
            self.meter_plans.append(MeterPlan(new, per_person=water, gaps=gaps, replaced_at=replaced_at))
        if plan.has_hot_meter:
            hot_meter = meter("hot_water", f"{installed.year % 100:02d}{n:06d}", "Бетар СГВ-15", "single", 5, hot_due)
            self.meter_plans.append(
                MeterPlan(hot_meter, per_person=hot, gaps=gaps, start_value=Decimal(rng.randint(20, 500)))
            )
        elec = meter("electricity", f"0{n:05d}{installed.year}", "Меркурий 200.02", "day,night", 6, elec_due)
        self.meter_plans.append(
            MeterPlan(
                elec,
                per_person=None,
                per_zone={"day": (120, 250), "night": (60, 120)},
                gaps=gaps,
                start_value=Decimal(rng.randint(3000, 40000)),
            )
        )

    def readings(self):
        """Readings of the baseline month and the history, only where missing.

        A meter's value walks month by month: an existing reading is taken
        as it is, a missing one adds the month's consumption (drawn from the
        meter's serial and the month), so a later run continues the series."""
        months = [self.baseline, *self.history]
        open_ids = {p.id for m, p in self.periods.items() if p.status == Period.Status.OPEN}
        existing = {
            (r["meter_id"], r["zone"], r["period_id"]): Decimal(r["value"])
            for r in Reading.objects.filter(
                meter__in=[p.meter for p in self.meter_plans], status=Reading.Status.CURRENT
            ).values("meter_id", "zone", "period_id", "value")
        }
        plans = {p.index: p for p in self.plans}
        account_index = {a.pk: i for i, a in self.accounts.items()}
        new_rows = []
        operator = self.users["operator"]
        for mp in self.meter_plans:
            meter = mp.meter
            residents = plans[account_index[meter.account_id]].residents
            is_replacement = mp.replaced_at is not None and meter.installed_on > self.baseline
            is_replaced = mp.replaced_at is not None and not is_replacement
            for zone in meter.zone_list:
                # the night register runs slower than the day one
                value = mp.start_value if zone != "night" else (mp.start_value * Decimal("0.45")).to_integral_value()
                for i, month in enumerate(months):
                    h = i - 1  # history index (-1: the baseline)
                    period = self.periods[month]
                    rng = rng_for("reading", meter.serial, zone, month.isoformat())
                    if mp.per_person:
                        low, high = mp.per_person
                        season = 1.15 if month.month in (6, 7, 8) else 1.0
                        usage = Decimal(str(round(rng.uniform(low, high) * residents * season, 3)))
                    else:
                        low, high = mp.per_zone[zone]
                        season = 1.2 if month.month in (12, 1, 2) else 1.0
                        usage = Decimal(str(round(rng.uniform(low, high) * season)))
                    source, taken, skip = Reading.Source.RESIDENT, month.replace(day=rng.randint(20, 25)), False
                    if is_replaced and h > mp.replaced_at:
                        break
                    if is_replacement:
                        if h < mp.replaced_at:
                            continue
                        if h == mp.replaced_at:
                            value, usage = Decimal("0"), Decimal("0")
                            source, taken = Reading.Source.INSTALL, meter.installed_on
                    elif is_replaced and h == mp.replaced_at:
                        usage = (usage * Decimal("0.3")).quantize(Decimal("0.001"))
                        source, taken = Reading.Source.REMOVAL, meter.removed_on
                    if h > -1 and month >= periods.month_start(meter.verification_due):
                        skip = True  # verification expired: readings are not accepted
                    if h in mp.gaps and source == Reading.Source.RESIDENT:
                        skip = True
                    if h == -1:
                        usage = Decimal("0")
                    if source == Reading.Source.RESIDENT and meter.service.code == "electricity" and rng.random() < 0.3:
                        source = Reading.Source.IMPORT
                    if source == Reading.Source.RESIDENT and rng.random() < 0.1:
                        source = Reading.Source.OPERATOR
                    key = (meter.pk, zone, period.pk)
                    if key in existing:
                        value = existing[key]
                        continue
                    value = (value + usage) % meter.capacity
                    if skip or period.pk not in open_ids:
                        continue
                    new_rows.append(
                        Reading(
                            meter=meter,
                            zone=zone,
                            period=period,
                            value=value.quantize(Decimal("0.001")),
                            taken_on=taken,
                            source=source,
                            entered_by=operator if source == Reading.Source.OPERATOR else None,
                        )
                    )
        Reading.objects.bulk_create(new_rows, batch_size=1000)
        self.readings_created = len(new_rows)

    def recalculations(self):
        """A recalculation or two, with a reason, applied by their period's run."""
        if self.months < 3:
            return
        operator = self.users["operator"]
        items = [
            (
                min(2, self.count - 1),
                "hot_water",
                self.months // 2 + 1,
                Decimal("-412.35"),
                "Отсутствие горячего водоснабжения 12 дней (ремонт теплосети), акт № 118",
            ),
            (
                0,
                "electricity",
                self.months - 3,
                Decimal("286.40"),
                "Доначисление по акту проверки прибора учёта (ошибка в переданных показаниях)",
            ),
            (
                min(7, self.count - 1),
                "maintenance",
                self.months // 3,
                Decimal("-150.00"),
                "Ненадлежащее качество уборки подъезда, акт обследования № 27",
            ),
        ]
        for index, code, h, amount, reason in items:
            period = self.periods[self.history[h]]
            if period.status != Period.Status.OPEN:
                continue
            Recalculation.objects.get_or_create(
                account=self.accounts[index],
                service=self.services[code],
                period=period,
                reason=reason,
                defaults={
                    "amount": amount,
                    "for_period": self.periods.get(periods.prev_period(period.month)),
                    "created_by": operator,
                },
            )

    def close_baseline(self):
        """The month before the history holds only the starting readings:
        it is never billed, and closed so that nothing treats it as pending."""
        period = self.periods[self.baseline]
        if period.status == Period.Status.OPEN and not LedgerEntry.objects.filter(period=period).exists():
            Period.objects.filter(pk=period.pk).update(
                status=Period.Status.CLOSED, closed_at=dt.datetime.combine(self.history[0], dt.time(9), tzinfo=TZ)
            )

    # -- the money history, month by month ----------------------------------
    def month(self, engine, h: int, month: dt.date):
        period = self.periods[month]
        period.refresh_from_db()
        if period.status == Period.Status.CLOSED:
            return
        with transaction.atomic():
            paid_count, paid_sum = self.payments(engine, h, month, last_day=None)
            engine.billing_run(period=month, user=self.users["accountant"])
            engine.period_close(period=month, user=self.users["accountant"])
        charges = Charge.objects.filter(period=period, account__in=self.accounts.values())
        total = LedgerEntry.objects.filter(period=period, kind=LedgerEntry.Kind.CHARGE).aggregate(s=Sum("amount"))["s"]
        self.out(
            f"{periods.period_label(month)}: {charges.values('account').distinct().count()} счетов, "
            f"{charges.count()} строк, начислено {format_rub(total or 0)}, оплат {paid_count} на {format_rub(paid_sum)}"
        )

    def current_month_payments(self, engine):
        if self.today.day <= 1:
            return
        with transaction.atomic():
            count, total = self.payments(engine, self.months, self.current, last_day=self.today.day - 1)
        self.out(
            f"{periods.period_label(self.current)}: период открыт, не рассчитан; оплат {count} на {format_rub(total)}"
        )

    def payments(self, engine, h: int, month: dt.date, *, last_day: int | None) -> tuple[int, Decimal]:
        """This month's payments (for last month's bill), posted to the ledger."""
        balances = dict(
            LedgerEntry.objects.filter(account__in=self.accounts.values())
            .values_list("account_id")
            .annotate(s=Sum("amount"))
            .values_list("account_id", "s")
        )
        # Everyone pays what they owe (a debtor's first payment after the
        # window clears the old debt too), but the "partial" payers.
        wanted = []
        for plan in self.plans:
            account = self.accounts[plan.index]
            due = balances.get(account.pk) or Decimal("0")
            window = debtor_window(plan.index, self.months, self.count)
            rng = rng_for("payment", plan.number, month.isoformat())
            if window and window[0] <= h < window[1]:
                continue
            if due <= 0:
                continue
            if plan.payer == "partial" and rng.random() < 0.4:
                amount = _money(due * Decimal(rng.randint(60, 95)) / 100)
            elif plan.payer == "round":
                amount = (due / 100).to_integral_value(rounding="ROUND_CEILING") * 100
            else:
                amount = _money(due)
            if not window and plan.index != 0 and rng.random() < 0.05:
                continue  # forgot this month; pays both next month
            day = rng.randint(15, 28) if plan.payer == "late" else rng.randint(2, 14)
            if last_day is not None and day > last_day:
                continue
            source = plan.source if rng.random() < 0.85 else rng.choice(("online", "registry", "cash"))
            key = f"{plan.number}/{month.isoformat()}"
            wanted.append(
                Payment(
                    id=uuid.uuid5(NS, f"payment/{key}"),
                    account=account,
                    user=self.users["resident"] if plan.index == 0 and source == "online" else None,
                    source=source,
                    amount=_money(amount),
                    status=Payment.Status.SUCCEEDED,
                    provider="sandbox" if source == "online" else "",
                    idempotence_key=uuid.uuid5(NS, f"idempotence/{key}"),
                    provider_payment_id=f"demo-{uuid.uuid5(NS, f'online/{key}')}" if source == "online" else None,
                    external_id=f"СБ-{month:%Y%m}-{plan.number}" if source == "registry" else None,
                    # Card and bank payments carry the period of the receipt
                    # they pay (its QR code); the cash desk leaves it to the
                    # ledger (oldest debt first). Any excess goes to the oldest.
                    for_period=self.periods.get(periods.prev_period(month)) if source != "cash" else None,
                    paid_at=dt.datetime(
                        month.year, month.month, day, rng.randint(8, 19), rng.randint(0, 59), tzinfo=TZ
                    ),
                )
            )
        existing = set(Payment.objects.filter(pk__in=[p.pk for p in wanted]).values_list("pk", flat=True))
        new = [p for p in wanted if p.pk not in existing]
        Payment.objects.bulk_create(new)
        for payment in sorted(wanted, key=lambda p: (p.paid_at, p.account.number)):
            engine.ledger_post_payment(payment=payment)  # exactly once: a repeat is a no-op
        return len(new), sum((p.amount for p in new), Decimal("0"))


def seed(*, accounts: int = 60, months: int = 24, out: Callable[[str], None] = print) -> DemoBuilder:
    builder = DemoBuilder(accounts=accounts, months=months, out=out)
    builder.run()
    return builder


def demo_exists() -> bool:
    return PersonalAccount.objects.filter(number=DEMO_ACCOUNT).exists()
