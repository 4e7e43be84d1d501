"""Staff search for personal accounts that stays fast at a city's size.

The term is what an operator types: a full account number or ЕЛС (found by
its unique index), a part of a number, a surname, or a partial address such
as «Б. Морская 14», «Ленина, 5, 12», «пр-т Нахимова д. 3 кв. 7».

Rules:

* commas and dots separate words; words that name a kind of street or
  building («ул.», «пр-т», «д.», «кв.», «г.», …) are dropped, and the usual
  abbreviations are expanded to a stem that matches every gender
  («Б.» → «больш», «М.» → «мал», «Адм.» → «адмирал», «Ген.» → «генерал»);
* every remaining word must be found (case-insensitively, anywhere) in the
  street or in the payer's surname — words are matched independently, so
  «Морская Большая» finds «ул. Большая Морская»;
* with words, the first number is the house and the second the flat (exact);
  without words, each number is a part of the account number or the ЕЛС.

On PostgreSQL the "anywhere" matches use the trigram GIN indexes of
``accounts/migrations/0007_trigram_search.py`` (``UPPER(col) LIKE``, the
form Django's ``icontains`` takes).
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

FULL_NUMBER = re.compile(r"^[0-9]{10}$")
ABBREVIATIONS = {
    "б": "больш",
    "бол": "больш",
    "м": "мал",
    "мал": "мал",
    "адм": "адмирал",
    "ген": "генерал",
    "г-на": "генерал",
}
KIND_WORDS = {
    "ул", "улица", "пр", "пр-т", "просп", "проспект", "пер", "переулок", "пл", "площадь", "б-р", "бул", "бульвар",
    "ш", "шоссе", "наб", "набережная", "д", "дом", "кв", "квартира", "корп", "к", "г", "город", "севастополь",
}  # fmt: skip


def search_terms(term: str) -> tuple[list[str], list[str]]:
    """(words, numbers) of a search term, normalised as the module says."""
    words, numbers = [], []
    for raw in re.split(r"[\s,.;]+", term.lower()):
        token = raw.strip("«»\"'()")
        if not token or token in KIND_WORDS:
            continue
        if token[0].isdigit():
            numbers.append(token)
        else:
            words.append(ABBREVIATIONS.get(token, token))
    return words, numbers


def accounts_search(queryset: QuerySet, term: str) -> QuerySet:
    """Accounts of ``queryset`` that match ``term`` (see the module)."""
    term = term.strip()
    if FULL_NUMBER.match(term):
        return queryset.filter(Q(number=term) | Q(els=term))
    words, numbers = search_terms(term)
    if not words and not numbers:
        return queryset
    condition = Q()
    for word in words:
        condition &= Q(street__icontains=word) | Q(owner_last_name__icontains=word)
    if words:
        if numbers:
            condition &= Q(house__iexact=numbers[0])
        if len(numbers) > 1:
            condition &= Q(flat__iexact=numbers[1])
    else:
        for number in numbers:
            condition &= Q(number__contains=number) | Q(els__icontains=number)
    return queryset.filter(condition)
