"""Working days of the production calendar of Russia (ТК РФ ст. 112 and the
Government's yearly decree on transfers), stored as exceptions to the
five-day week in :class:`eirc.models.CalendarDay` (shipped for 2025–2027 by
``eirc/0004_production_calendar``, editable in the admin).

Statutory deadlines of residents' requests count from the next working day
after filing (ГК РФ ст. 191: a period starts the day after the event).
"""

from __future__ import annotations

import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    from eirc.models import CalendarDay

    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind"))


def _working(day: dt.date, exceptions: dict[dt.date, str]) -> bool:
    kind = exceptions.get(day)
    if kind is None:
        return day.weekday() < 5
    return kind == "working"


def is_working_day(day: dt.date) -> bool:
    return _working(day, _exceptions(day, day))


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day``: the next working day after
    ``day`` is the first (``n`` ≥ 1). Filing on a Friday evening or on a
    holiday does not shorten the term."""
    if n < 1:
        raise ValueError("n must be at least 1")
    # Longest run of days off in the calendar is 12 (New Year): 3n + 30 days is plenty.
    exceptions = _exceptions(day, day + dt.timedelta(days=3 * n + 30))
    current, left = day, n
    while left:
        current += ONE_DAY
        if _working(current, exceptions):
            left -= 1
    return current


def add_calendar_days(day: dt.date, n: int) -> dt.date:
    """``n`` calendar days after ``day``; a term ending on a non-working day
    ends on the next working day (ГК РФ ст. 193)."""
    end = day + dt.timedelta(days=n)
    exceptions = _exceptions(end, end + dt.timedelta(days=30))
    while not _working(end, exceptions):
        end += ONE_DAY
    return end
