"""The set-based registry import: the same ledger and statements, to the
kopeck, as crediting each payment on its own; chunks that resume after a
crash; progress for long files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import PersonalAccount
from billing.ledger import refresh_statements
from billing.models import LedgerEntry, Statement
from billing.services import ledger_post_payment, ledger_post_refund
from eirc.models import Period
from eirc.periods import TZ
from eirc.tests.factories import LedgerEntryFactory, PaymentFactory, PeriodFactory, PersonalAccountFactory
from payments.models import Payment, Refund, RegistryImport
from payments.registry import registry_import
from payments.tests.helpers import assert_billing_consistent

HEADER = "date;time;transaction_id;account;amount;period\n"
DEC, JAN, FEB, MAR = (dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1))

# (date, time, transaction, account, amount, named period): several payments
# per account, out of date order, in a closed month (posted to the next open
# one), in a month with no period yet, naming a period that does not exist,
# overpaying, two on one day.
LINES = [
    ("15.03.2026", "10:15", "TX-01", "3000000001", "700.00", ""),
    ("10.01.2026", "09:00", "TX-02", "3000000001", "500.00", ""),
    ("15.03.2026", "10:15", "TX-03", "3000000001", "800.00", ""),
    ("20.03.2026", "12:00", "TX-04", "3000000002", "100.00", "03.2026"),
    ("05.02.2026", "08:30", "TX-05", "3000000002", "450.55", ""),
    ("02.04.2026", "23:59:59", "TX-06", "3000000003", "3000.00", ""),
    ("16.03.2026", "00:00", "TX-07", "3000000004", "99.99", "05.2026"),
    ("16.03.2026", "00:01", "TX-08", "3000000004", "10.01", ""),
    ("31.01.2026", "23:59", "TX-09", "3000000005", "1200.00", "12.2025"),
    ("01.03.2026", "00:00", "TX-10", "3000000005", "0.01", ""),
    ("17.03.2026", "14:00", "TX-11", "3000000006", "1234.56", ""),
    ("17.03.2026", "14:00", "TX-12", "3000000001", "1000.00", ""),
    ("18.03.2026", "09:00", "TX-13", "3000000002", "200.00", ""),
    ("11.01.2026", "10:00", "TX-14", "3000000006", "15.00", "01.2026"),
]


def registry_file(lines=LINES) -> bytes:
    return (HEADER + "".join(";".join(line) + "\n" for line in lines)).encode()


@pytest.fixture
def history(db):
    """Six accounts with debts over several periods (two closed), a negative
    recalculation, an advance, a refund, an opening balance."""
    accounts = {n: PersonalAccountFactory(number=f"300000000{n}") for n in range(1, 7)}
    periods = {m: PeriodFactory(month=m) for m in (DEC, JAN, FEB, MAR)}

    def entry(n, month, amount, kind="charge"):
        LedgerEntryFactory(account=accounts[n], period=periods[month], kind=kind, amount=D(amount))

    entry(1, DEC, "1000.00")
    entry(1, JAN, "800.00")
    entry(1, FEB, "950.50")
    entry(2, JAN, "500.00")
    entry(2, FEB, "-600.00", kind="recalculation")
    entry(2, MAR, "300.00")
    entry(3, FEB, "1200.00")
    entry(4, DEC, "2000.00", kind="opening")
    entry(5, DEC, "1500.00")
    entry(5, FEB, "333.33")
    entry(6, MAR, "100.00")
    advance = PaymentFactory(account=accounts[3], amount=D("2000.00"), status="succeeded", paid_at=_at(JAN, 20))
    ledger_post_payment(payment=advance)
    paid = PaymentFactory(account=accounts[5], amount=D("900.00"), status="succeeded", paid_at=_at(FEB, 3))
    ledger_post_payment(payment=paid)
    refund = Refund.objects.create(
        payment=paid, amount=D("150.00"), reason="ошибка", status="succeeded", completed_at=_at(FEB, 9)
    )
    ledger_post_refund(refund=refund)
    refresh_statements(account_ids=[a.pk for a in accounts.values()], from_period=DEC)
    Period.objects.filter(month__in=[DEC, JAN]).update(status=Period.Status.CLOSED)
    return accounts


def _at(month: dt.date, day: int) -> dt.datetime:
    return dt.datetime.combine(month.replace(day=day), dt.time(12), tzinfo=TZ)


def import_row_by_row(lines) -> None:
    """The import as it was: each line its own Payment, credited on its own."""
    for date, time, txn, number, amount, period in lines:
        fmt = "%d.%m.%Y %H:%M:%S" if time.count(":") == 2 else "%d.%m.%Y %H:%M"
        named = Period.objects.get_or_create(month=dt.datetime.strptime(period, "%m.%Y").date())[0] if period else None
        payment = Payment.objects.create(
            account=PersonalAccount.objects.get(number=number),
            source=Payment.Source.REGISTRY,
            provider="registry",
            amount=D(amount),
            status=Payment.Status.SUCCEEDED,
            paid_at=dt.datetime.strptime(f"{date} {time}", fmt).replace(tzinfo=TZ),
            external_id=txn,
            for_period=named,
        )
        ledger_post_payment(payment=payment)


def month(period) -> dt.date | None:
    return period.month if period else None


def books() -> dict:
    """Everything the import touches, ids aside: each account's ledger in
    ledger order, every statement, the payments, the periods."""
    entries = LedgerEntry.objects.select_related("account", "period", "for_period", "payment")
    statements = Statement.objects.select_related("account", "period").order_by("account__number", "period__month")
    return {
        "ledger": [
            (
                e.account.number,
                e.period.month,
                e.kind,
                e.amount,
                month(e.for_period),
                e.occurred_on,
                e.description,
                e.payment.external_id if e.payment else None,
                e.created_by_id,
            )
            for e in entries.order_by("account__number", "occurred_on", "id")
        ],
        "statements": [
            (s.account.number, s.period.month, s.due_date)
            + tuple(getattr(s, c) for c in ("opening", "charged", "benefits", "recalculations"))
            + tuple(getattr(s, c) for c in ("penalties", "paid", "refunds", "corrections", "closing"))
            for s in statements
        ],
        "payments": sorted(
            (p.external_id or "", p.account.number, p.amount, p.paid_at, month(p.for_period), p.status, p.provider)
            for p in Payment.objects.select_related("account", "for_period")
        ),
        "periods": sorted(Period.objects.values_list("month", "status")),
    }


def test_set_based_import_writes_what_the_row_by_row_path_wrote_to_the_kopeck(history):
    with transaction.atomic():
        import_row_by_row(LINES)
        row_by_row = books()
        transaction.set_rollback(True)
    assert Payment.objects.filter(source="registry").count() == 0

    report = registry_import(content=registry_file(), filename="sber.csv", chunk_size=4)

    assert report.ok and report.applied == len(LINES)
    assert books() == row_by_row
    assert sum(1 for e in row_by_row["ledger"] if e[2] == "payment" and e[7]) == len(LINES)
    assert_billing_consistent()


def test_a_run_that_crashed_half_way_is_completed_by_running_the_file_again(history, tmp_path, capsys):
    path = tmp_path / "sber.csv"
    path.write_bytes(registry_file())
    real = registry_import.__globals__["_apply"]
    calls = []

    def crash_on_the_third_chunk(lines, accounts, registry):
        calls.append(len(lines))
        if len(calls) == 3:
            raise RuntimeError("сервер базы перезапущен")
        return real(lines, accounts, registry)

    with mock.patch("payments.registry._apply", crash_on_the_third_chunk), pytest.raises(RuntimeError):
        call_command("import_payments", str(path), "--chunk", "5")
    assert Payment.objects.filter(source="registry").count() == 10
    assert RegistryImport.objects.get().completed_at is None
    assert_billing_consistent()

    call_command("import_payments", str(path), "--chunk", "5")
    out = capsys.readouterr()
    assert "Продолжение прерванной загрузки" in out.out
    assert "новых платежей: 4, уже загруженных операций: 10" in out.out
    assert "строк проведено: 14 из 14 (100%)" in out.err
    assert Payment.objects.filter(source="registry").count() == len(LINES)
    assert LedgerEntry.objects.filter(payment__source="registry").count() == len(LINES)
    assert RegistryImport.objects.get().completed_at <= timezone.now()
    assert_billing_consistent()
    with pytest.raises(CommandError, match="уже был загружен"):
        call_command("import_payments", str(path))


def test_a_bad_line_in_the_last_chunk_applies_nothing_of_the_first(history):
    bad = (*LINES, ("18.03.2026", "09:00", "TX-99", "3999999999", "1.00", ""))
    report = registry_import(content=registry_file(bad), filename="x.csv", chunk_size=4)
    assert report.errors == [(len(bad) + 1, "лицевой счёт 3999999999 не найден")]
    assert report.applied == 0
    assert not Payment.objects.filter(source="registry").exists()
    assert not RegistryImport.objects.exists()


def test_a_file_that_is_not_utf8_further_down_applies_nothing(history):
    content = registry_file() + "18.03.2026;09:00;TX-99;3000000001;1,00;\n".encode("cp1251").replace(b"TX", b"\xd2X")
    report = registry_import(content=content, filename="x.csv", chunk_size=4, skip_errors=True)
    assert report.errors == [(0, "файл не в кодировке UTF-8")]
    assert report.rows == 0 and report.applied == 0
    assert not Payment.objects.filter(source="registry").exists()
