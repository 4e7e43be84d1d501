"""Quick pay without a login (issue 17, docs/payments.md).

Anyone who holds a receipt may pay it: the account number plus the flat
number (the house number for a private house, which has no flat) find the
latest receipt; the page shows its amount due, period and due date and an
address masked to street and house — never a name. The rules:

- a wrong pair and an unknown number get the same answer (the same text,
  the same status), so the form cannot be used to learn which numbers
  exist; a closed account answers the same too;
- every lookup counts against the caller's address and against the number
  (``settings.ACCOUNTS_THROTTLES["quickpay_ip" | "quickpay_number"]``),
  counted before the comparison so a guesser cannot probe for free;
- each receipt prints a short link and a QR code «Оплатить онлайн» to
  ``/pay/r/<code>/``: the code is the account number and the month — both
  printed on the receipt anyway — and a 64-bit HMAC of them under the site's
  secret (:func:`receipt_code`), so the link cannot be forged for another
  account and carries nothing the paper does not.

The receipt's amount is the statement's closing balance of that closed
period, not below zero — the same figure the ЕПД prints as «Итого к оплате»
(documents.receipt_data).
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts import throttle
from accounts.models import PersonalAccount
from billing.models import Statement
from eirc import periods as P
from eirc.errors import DomainError
from eirc.models import Period
from eirc.money import ZERO, round_money

SALT = "payments.quickpay.receipt"
MAC_CHARS = 16  # hex: 64 bits

NOT_FOUND = (
    "Не нашли квитанцию по этим данным. Проверьте номер лицевого счёта и номер квартиры "
    "(для частного дома — номер дома), как они напечатаны в квитанции."
)
THROTTLED = "Слишком много попыток. Попробуйте через %(minutes)d мин. или войдите в личный кабинет."


@dataclass(frozen=True)
class ReceiptDue:
    """What quick pay shows of a receipt: nothing that names the payer."""

    account: PersonalAccount
    period: Period
    amount: Decimal
    due_date: dt.date
    code: str

    @property
    def address(self) -> str:
        return masked_address(self.account)


def masked_address(account: PersonalAccount) -> str:
    """Street and house only: no flat, no name."""
    return f"{account.street}, д. {account.house}"


# --- the receipt's code ----------------------------------------------------------
def _mac(body: str) -> str:
    return salted_hmac(SALT, body, algorithm="sha256").hexdigest()[:MAC_CHARS]


def receipt_code(*, account_number: str, month: dt.date) -> str:
    """``<number>-<YYYYMM>-<mac>``: what the receipt's «Оплатить онлайн» link carries."""
    body = f"{account_number}-{month:%Y%m}"
    return f"{body}-{_mac(body)}"


def receipt_pay_url(*, account_number: str, month: dt.date) -> str:
    """The absolute short link printed on the receipt (documents uses it)."""
    code = receipt_code(account_number=account_number, month=month)
    return settings.SITE_URL + reverse("payments:quick_receipt", args=[code])


def code_parse(code: str) -> tuple[str, dt.date]:
    """(account number, month) of a valid code; DomainError otherwise."""
    bad = DomainError(_("Ссылка на оплату повреждена. Введите номер лицевого счёта вручную."), code="bad_code")
    parts = (code or "").split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[1]) != 6:
        raise bad
    body = f"{parts[0]}-{parts[1]}"
    if not hmac.compare_digest(_mac(body), parts[2]):
        raise bad
    try:
        month = dt.date(int(parts[1][:4]), int(parts[1][4:]), 1)
    except ValueError:
        raise bad from None
    return parts[0], month


# --- reads -------------------------------------------------------------------------
def receipt_due(*, account: PersonalAccount, month: dt.date | None = None) -> ReceiptDue | None:
    """The receipt of ``month`` (or the latest one): a closed period's
    statement. None when the account has no such receipt."""
    statements = Statement.objects.filter(account=account, period__status=Period.Status.CLOSED).select_related("period")
    if month is not None:
        statements = statements.filter(period__month=month)
    st = statements.order_by("-period__month").first()
    if st is None:
        return None
    amount = round_money(st.closing if st.closing > 0 else ZERO)
    return ReceiptDue(
        account=account,
        period=st.period,
        amount=amount,
        due_date=st.due_date or P.due_date(st.period.month),
        code=receipt_code(account_number=account.number, month=st.period.month),
    )


def _norm(text: str) -> str:
    return "".join((text or "").split()).lower().removeprefix("кв.").removeprefix("д.")


def quickpay_find(*, number: str, place: str, ip: str | None) -> ReceiptDue:
    """The latest receipt of the account ``number`` whose flat (or, without a
    flat, house) is ``place``. Raises DomainError — the same one for an
    unknown number, a wrong place, a closed account or no receipt yet — and
    a throttle DomainError once the address or the number used up its hour."""
    number = "".join((number or "").split())
    for scope, ident in (("quickpay_ip", ip), ("quickpay_number", number)):
        if throttle.is_limited(scope, ident):
            minutes = max(1, throttle.seconds_left(scope) // 60)
            raise DomainError(_(THROTTLED) % {"minutes": minutes}, code="throttled")
    throttle.hit("quickpay_ip", ip)
    throttle.hit("quickpay_number", number)
    account = PersonalAccount.objects.filter(number=number, status=PersonalAccount.Status.OPEN).first()
    expected = (account.flat or account.house) if account is not None else None
    # Compare even when there is no account, so both answers cost the same.
    matches = hmac.compare_digest(_norm(expected or "\0").encode(), _norm(place).encode())
    due = receipt_due(account=account) if account is not None and matches else None
    if due is None:
        raise DomainError(_(NOT_FOUND), code="not_found")
    return due


def receipt_by_code(*, code: str) -> ReceiptDue:
    """The receipt a printed link names; DomainError when the code is bad or
    names no receipt (the same answer)."""
    number, month = code_parse(code)
    account = PersonalAccount.objects.filter(number=number).first()
    due = receipt_due(account=account, month=month) if account is not None else None
    if due is None:
        raise DomainError(_("Ссылка на оплату повреждена. Введите номер лицевого счёта вручную."), code="bad_code")
    return due
