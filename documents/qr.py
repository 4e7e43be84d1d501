"""Payment QR codes (ГОСТ Р 56042-2014) and link QR codes, as data URIs.

The payment payload is ``ST00012`` (UTF-8) followed by ``|Key=Value`` fields
in one canonical order. Field formats and length limits of the standard are
enforced: a value that does not fit raises ``ValueError`` (bank details come
from validated provider rows, so this is a programming or data error, never
something a resident typed). Free-text values (``Purpose``, ``Name``) may not
contain the separator ``|``: it is replaced by ``/``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import segno

from eirc.money import to_kopecks

HEADER = "ST00012"
TECH_CODE_HOUSING = "02"

# Key -> (maximum length, exact length or None, regex or None).
FIELDS: dict[str, tuple[int, bool, str | None]] = {
    "Name": (160, False, None),
    "PersonalAcc": (20, True, r"^[0-9]{20}$"),
    "BankName": (45, False, None),
    "BIC": (9, True, r"^[0-9]{9}$"),
    "CorrespAcc": (20, False, r"^([0-9]{20}|0)$"),
    "PayeeINN": (12, False, r"^([0-9]{10}|[0-9]{12})$"),
    "KPP": (9, True, r"^[0-9]{9}$"),
    "Sum": (18, False, r"^[0-9]{1,18}$"),
    "Purpose": (210, False, None),
    "PersAcc": (30, False, None),
    "PaymPeriod": (7, True, r"^(0[1-9]|1[0-2])\.[0-9]{4}$"),
    "LastName": (60, False, None),
    "FirstName": (60, False, None),
    "MiddleName": (60, False, None),
    "PayerAddress": (210, False, None),
    "TechCode": (2, True, r"^[0-9]{2}$"),
}
ORDER = tuple(FIELDS)
REQUIRED = ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc")


@dataclass(frozen=True)
class Payee:
    """Who is paid: a provider, or the centre when it collects for everyone."""

    name: str
    inn: str
    kpp: str
    bank_name: str
    bic: str
    account: str
    corr_account: str

    @classmethod
    def from_provider(cls, provider) -> Payee:
        return cls(
            name=provider.name,
            inn=provider.inn,
            kpp=provider.kpp,
            bank_name=provider.bank_name,
            bic=provider.bik,
            account=provider.settlement_account,
            corr_account=provider.corr_account,
        )

    @classmethod
    def from_settings(cls, payee: dict) -> Payee:
        """From ``settings.EIRC_PAYEE`` (the shape of ``YOOKASSA_PAYEE``)."""
        bank = payee["bank"]
        return cls(
            name=payee["name"],
            inn=payee["inn"],
            kpp=payee.get("kpp", ""),
            bank_name=bank["name"],
            bic=bank["bic"],
            account=bank["account"],
            corr_account=bank["correspondent_account"],
        )


def _clean(value: str) -> str:
    return " ".join(str(value).replace("|", "/").split())


def _check(key: str, value: str) -> str:
    limit, exact, pattern = FIELDS[key]
    if not value:
        raise ValueError(f"QR field {key} is empty")
    if len(value) > limit or (exact and len(value) != limit):
        raise ValueError(f"QR field {key} must be {'exactly' if exact else 'at most'} {limit} characters: {value!r}")
    if pattern and not re.match(pattern, value):
        raise ValueError(f"QR field {key} has a wrong format: {value!r}")
    return value


def payment_payload(
    *,
    payee: Payee,
    amount: Decimal,
    account_number: str,
    period: dt.date,
    purpose: str | None = None,
    payer_address: str = "",
) -> str:
    """The ГОСТ Р 56042-2014 string for paying ``amount`` (rubles, a Decimal
    with at most 2 places; written as kopecks) to ``payee`` for the personal
    account ``account_number`` and the month ``period``. Raises ValueError
    when a field breaks its format or length."""
    label = f"{period.month:02d}.{period.year}"
    fields = {
        "Name": _clean(payee.name),
        "PersonalAcc": payee.account,
        "BankName": _clean(payee.bank_name),
        "BIC": payee.bic,
        "CorrespAcc": payee.corr_account or "0",
        "PayeeINN": payee.inn,
        "KPP": payee.kpp,
        "Sum": str(max(to_kopecks(amount), 0)),
        "Purpose": _clean(purpose or f"Оплата ЖКУ за {label}, л/с {account_number}")[:210],
        "PersAcc": account_number,
        "PaymPeriod": label,
        "PayerAddress": _clean(payer_address)[:210],
        "TechCode": TECH_CODE_HOUSING,
    }
    parts = [HEADER]
    for key in ORDER:
        value = fields.get(key, "")
        if not value and key not in REQUIRED:
            continue
        parts.append(f"{key}={_check(key, value)}")
    return "|".join(parts)


def parse_payload(text: str) -> dict[str, str]:
    """Inverse of :func:`payment_payload` (keys as written). For tests and
    for anyone checking a decoded code."""
    head, *rest = text.split("|")
    if head != HEADER:
        raise ValueError("not a ST00012 payload")
    return dict(item.split("=", 1) for item in rest)


# Every code (the payment QR and the verification QR) uses one fixed mask:
# scoring all eight, as segno does when none is given, cost ~13 ms per
# payment QR; any mask decodes, the score only tunes the module pattern.
MASK = 2


def png_data_uri(text: str, *, scale: int = 4, mask: int = MASK) -> str:
    """A QR code of ``text`` (byte mode, UTF-8, error correction M, quiet
    zone of 4 modules, the fixed ``MASK``) as a 1-bit PNG data URI: embedded
    in the HTML, so rendering fetches nothing. (PNG rather than SVG:
    WeasyPrint places a bitmap far faster than it parses a path of a
    thousand modules.)"""
    qr = segno.make(text, error="m", encoding="utf-8", micro=False, mask=mask)
    return qr.png_data_uri(scale=scale, border=4, dark="#000", light="#fff")
