"""The dry run of the billing run (billing/dryrun.py): the preview of the
readings being entered equals what the monthly run then posts, to the kopeck,
on 200 drawn accounts of the demo city; it writes nothing, even when it fails
half-way."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import PersonalAccount
from billing import dryrun, engine
from billing.engine_write import write_chunk
from billing.models import Charge, LedgerEntry
from billing.services import billing_run
from eirc import periods
from meters.models import Meter, Reading
from meters.services import ReadingErrors, reading_submit
from meters.window import window_for

APPS = ("accounts", "billing", "meters", "payments", "documents", "eirc")


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for a in APPS for m in apps.get_app_config(a).get_models()}


@pytest.fixture
def city(db, settings):
    settings.DEMO_LOGINS_ALLOWED = True
    call_command("seed_demo", accounts=230, months=4, stdout=open("/dev/null", "w"))  # noqa: SIM115


def draw_values(account, rng: random.Random, today) -> dict[tuple[int, str], str]:
    """Readings a resident might type: last + a plausible consumption, some
    meters left empty (the run then estimates them)."""
    values = {}
    for meter in Meter.objects.filter(account=account, status=Meter.Status.ACTIVE, verification_due__gte=today):
        if rng.random() < 0.2:
            continue
        for zone in meter.zone_list:
            last = (
                Reading.objects.filter(meter=meter, zone=zone, status=Reading.Status.CURRENT)
                .order_by("-period__month")
                .values_list("value", flat=True)
                .first()
            )
            if last is None:
                continue
            step = Decimal(rng.randint(0, 25000)) / 1000
            values[(meter.pk, zone)] = f"{last + step:.3f}".replace(".", ",")
    return values


@pytest.mark.slow
def test_the_preview_equals_what_the_run_posts_on_200_drawn_accounts(city):
    today = periods.today()
    month = window_for(None, today=today).period
    rng = random.Random(19)
    drawn = rng.sample(list(PersonalAccount.objects.order_by("number")), 200)
    previews = {}
    before = row_counts()
    entered = {}
    for account in drawn:
        entered[account.pk] = draw_values(account, rng, today)
        previews[account.pk] = dryrun.readings_preview(account=account, values=entered[account.pk], month=month)
    assert row_counts() == before, "the previews wrote something"
    for account in drawn:
        if entered[account.pk]:
            reading_submit(account=account, user=None, values=entered[account.pk], confirm_jump=True)
    months = {p.month for p in previews.values()}
    for m in sorted(months):
        billing_run(period=m)
    compared = with_readings = 0
    for account in drawn:
        preview = previews[account.pk]
        posted = {
            c.service_id: c
            for c in Charge.objects.filter(account=account, period__month=preview.month).select_related("service")
        }
        assert {ln.service.pk for ln in preview.lines} == set(posted), account.number
        for ln in preview.lines:
            c = posted[ln.service.pk]
            got = (ln.basis, ln.quantity, ln.amount, ln.benefit, ln.recalculation, ln.total)
            assert got == (c.basis, c.quantity, c.amount, c.benefit, c.recalculation, c.total), (account.number, ln)
            compared += 1
        ledger = LedgerEntry.objects.filter(account=account, period__month=preview.month, run__isnull=False)
        assert preview.total == ledger.aggregate(s=Sum("amount"))["s"], account.number
        assert preview.penalty_total == (ledger.filter(kind="penalty").aggregate(s=Sum("amount"))["s"] or 0)
        with_readings += bool(entered[account.pk])
    assert compared > 1000 and with_readings > 150
    assert any(p.penalties for p in previews.values()), "no drawn account had a penalty line to compare"
    assert Charge.objects.filter(period__month=month, basis="meter").exists()
    assert Charge.objects.filter(period__month=month, basis__in=["average", "norm"]).exists()


@pytest.fixture
def small_city(db, settings):
    settings.DEMO_LOGINS_ALLOWED = True
    call_command("seed_demo", accounts=6, months=3, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return PersonalAccount.objects.order_by("number").first()


def test_a_dry_run_of_a_posted_month_equals_what_was_posted(small_city):
    last = periods.add_months(periods.current_period(), -1)
    for account in PersonalAccount.objects.all():
        result = dryrun.dry_run(account=account, month=last)
        posted = LedgerEntry.objects.filter(account=account, period__month=last, run__isnull=False)
        assert result.total == posted.aggregate(s=Sum("amount"))["s"]


def test_the_dry_run_writes_nothing(small_city):
    month = periods.current_period()
    before = row_counts()
    for account in PersonalAccount.objects.all():
        dryrun.dry_run(account=account, month=month)
        dryrun.dry_run(account=account, month=periods.add_months(month, -1))
    assert row_counts() == before


def test_a_dry_run_failing_half_way_leaves_nothing_written(small_city, monkeypatch):
    """Even a write slipped into the computation (here: the run's own COPY of
    the rows, then a crash) cannot persist: the dry run's savepoint is always
    rolled back."""
    before = row_counts()

    def write_then_fail(ctx, data):
        result = engine.compute_chunk(ctx, data)
        ctx.period.save()
        ctx.run.save()
        for row in result.charges:
            row.period_id, row.run_id = ctx.period.pk, ctx.run.pk
        for row in result.entries:
            row.period_id, row.run_id = ctx.period.pk, ctx.run.pk
        write_chunk(result.charges, result.entries, [])
        raise RuntimeError("crash in the middle")

    monkeypatch.setattr(dryrun, "compute_chunk", write_then_fail)
    with pytest.raises(RuntimeError):
        dryrun.dry_run(account=small_city, month=periods.add_months(periods.current_period(), 1))
    assert row_counts() == before


def test_a_write_slipped_into_a_successful_dry_run_is_rolled_back_too(small_city, monkeypatch):
    before = row_counts()

    def write_and_return(ctx, data):
        ctx.period.save()
        return engine.compute_chunk(ctx, data)

    monkeypatch.setattr(dryrun, "compute_chunk", write_and_return)
    result = dryrun.dry_run(account=small_city, month=periods.add_months(periods.current_period(), 2))
    assert result.lines
    assert row_counts() == before


def test_the_preview_refuses_what_the_submission_refuses(small_city):
    meter = Meter.objects.filter(account=small_city, status=Meter.Status.ACTIVE).first()
    with pytest.raises(ReadingErrors) as exc:
        dryrun.readings_preview(
            account=small_city, values={(meter.pk, meter.zone_list[0]): "1,2345"}, month=periods.current_period()
        )
    assert "не больше трёх знаков" in next(iter(exc.value.errors.values()))
