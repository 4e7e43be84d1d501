"""The amounts that prove a resident holds an account (registration and
linking, in accounts): accounts reads them through the setting
``ACCOUNTS_BILL_AMOUNTS``, which names :func:`recent_bill_amounts`.

The proof is something only the holder of the receipts (or of the bank
receipt of a payment) knows, never a value anyone can guess:

* the «Итого к оплате» of one of the account's last two receipts (closed
  periods), when it is above zero — the usual case;
* when neither of them has anything to pay (a zero bill, or an advance: the
  receipt prints «Итого к оплате 0,00», which everyone could type), the
  amount of the last payment credited to the account — unless it is a round
  sum (a multiple of 50 ₽), which is guessable: then there is no online
  proof, and the account is registered at the office;
* 0,00 is never a proof.
"""

from __future__ import annotations

from decimal import Decimal

from billing.models import LedgerEntry, Statement
from eirc.models import Period

# A payment of a multiple of this many roubles is too easy to guess to be a proof.
ROUND_PAYMENT = Decimal(50)


def recent_bill_amounts(*, account) -> list[Decimal]:
    """The amounts accepted as proof of holding ``account`` (see the module
    docstring), newest first; empty when only the office can register it.
    Two queries at most."""
    totals = list(
        Statement.objects.filter(account=account, period__status=Period.Status.CLOSED)
        .order_by("-period__month")
        .values_list("closing", flat=True)[:2]
    )
    to_pay = [t for t in totals if t > 0]
    if to_pay:
        return to_pay
    last = (
        LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.PAYMENT)
        .order_by("-occurred_on", "-id")
        .values_list("amount", flat=True)
        .first()
    )
    if last is None or -last <= 0 or (-last) % ROUND_PAYMENT == 0:
        return []
    return [-last]
