"""Penalties for many debts at once: ``manage.py penalty --csv IN.csv``.

Input: CSV rows ``amount,due,paid`` (an optional header row ``amount,...``;
blank lines are skipped). ``amount`` in roubles with a point or a comma
(quote it when the comma is the decimal separator); dates as YYYY-MM-DD or
DD.MM.YYYY; an empty ``paid`` means unpaid, computed on the calculation day
given to :func:`penalty_csv`.

Output: one row per input row, in order, with the columns of
:data:`FIELDS`: the input echoed as given, then the days at 1/300 and at
1/130 (moratorium days excluded), the one rate used (percent), the penalty —
or, for a row that cannot be computed (unreadable, or refused: no key rate
for the rate day, a debt due before 01.01.2016), empty numbers and the reason
in ``refusal``. The rules are passed in once; nothing here reads the
database.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TextIO

from billing.penalties.calc import penalty_for
from billing.penalties.rules import PenaltyRefused, PenaltyRules

FIELDS = ("amount", "due", "paid", "days_300", "days_130", "rate", "penalty", "refusal")


class RowError(ValueError):
    """An input row that cannot be read; the message is Russian."""


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD or DD.MM.YYYY. Raises :class:`RowError`."""
    text = text.strip()
    try:
        if len(text) == 10 and text[2] == "." and text[5] == ".":
            return dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
        return dt.date.fromisoformat(text)
    except (ValueError, IndexError):
        raise RowError(f"дата «{text}» не в формате YYYY-MM-DD или DD.MM.YYYY") from None


def parse_amount(text: str) -> Decimal:
    """Roubles with at most two decimals, a point or a comma. Raises :class:`RowError`."""
    raw = text.strip().replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RowError(f"сумма «{text.strip()}» — не число") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise RowError(f"сумма «{text.strip()}» — не сумма в рублях с копейками")
    return value


@dataclass
class BatchSummary:
    rows: int = 0
    refused: int = 0


def penalty_row(cells: list[str], *, rules: PenaltyRules, on: dt.date) -> dict[str, str]:
    """The result row of one input row (see the module docstring)."""
    cells = [c.strip() for c in cells]
    row = dict.fromkeys(FIELDS, "")
    row.update(zip(("amount", "due", "paid"), cells, strict=False))
    try:
        if len(cells) not in (2, 3):
            raise RowError(f"ожидается amount,due,paid — получено полей: {len(cells)}")
        amount = parse_amount(cells[0])
        due = parse_date(cells[1])
        paid = parse_date(cells[2]) if len(cells) == 3 and cells[2] else None
        result = penalty_for(amount=amount, due=due, on=paid or on, paid_on=paid, rules=rules, explain=False)
    except (RowError, PenaltyRefused) as exc:
        row["refusal"] = str(exc)
        return row
    row["days_300"] = str(result.days_300)
    row["days_130"] = str(result.days_130)
    row["rate"] = str(result.percent) if result.percent is not None else ""
    row["penalty"] = str(result.total)
    return row


def penalty_rows(rows: Iterable[list[str]], *, rules: PenaltyRules, on: dt.date) -> Iterator[dict[str, str]]:
    """A result row per input row; a header row (first cell ``amount`` or
    ``сумма``) and blank rows are skipped."""
    first = True
    for cells in rows:
        if not cells or all(not c.strip() for c in cells):
            continue
        if first and cells[0].strip().lower().lstrip("\ufeff") in ("amount", "сумма"):
            first = False
            continue
        first = False
        yield penalty_row(cells, rules=rules, on=on)


def penalty_csv(*, source: TextIO, out: TextIO, rules: PenaltyRules, on: dt.date) -> BatchSummary:
    """Read ``source``, write the header and one result row per input row to
    ``out``. Returns the counts. One pass, the rules given once."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    summary = BatchSummary()
    for row in penalty_rows(csv.reader(source), rules=rules, on=on):
        summary.rows += 1
        summary.refused += bool(row["refusal"])
        writer.writerow(row)
    return summary
