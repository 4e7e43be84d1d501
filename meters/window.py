"""The readings window: which period a reading taken on a day counts for.

Rule (DOMAIN "Meter readings"): residents submit readings from the window's
start day to its end day (default the 20th–25th, ``settings.BILLING
["READINGS_WINDOW"]``; per service where ``Service.window_start_day`` /
``window_end_day`` are set).

* Inside the window (start ≤ day ≤ end): the reading counts for the current
  month.
* After the end day: it counts for the next month.
* Before the start day: the previous month's window has closed and this
  month's has not opened; the reading counts for the period whose window
  opens next, i.e. the current month. It is still "outside the window" and
  the page says so: it is kept for the coming window, and a later reading in
  the same window replaces it.

So a day never maps to an earlier period than the day before it (the 19th
and the 20th of April both count for April; the 26th counts for May).
Pure functions: no database access.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from eirc.periods import month_start, next_period, period_title


def plural_days(n: int) -> str:
    """Russian plural of «день»: 1 день, 2 дня, 5 дней."""
    if n % 10 == 1 and n % 100 != 11:
        return "день"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "дня"
    return "дней"


@dataclass(frozen=True)
class Window:
    start_day: int
    end_day: int
    today: dt.date

    @property
    def is_open(self) -> bool:
        return self.start_day <= self.today.day <= self.end_day

    @property
    def period(self) -> dt.date:
        """The period a reading taken today counts for."""
        month = month_start(self.today)
        return next_period(month) if self.today.day > self.end_day else month

    @property
    def days_left(self) -> int:
        """Days left including today (0 when the window is closed)."""
        return self.end_day - self.today.day + 1 if self.is_open else 0

    @property
    def opens_on(self) -> dt.date:
        return self.period.replace(day=self.start_day)

    @property
    def closes_on(self) -> dt.date:
        return self.period.replace(day=self.end_day)

    def describe(self) -> str:
        """«Приём показаний с 20 по 25 число, осталось 3 дня» or, outside the
        window, where the reading goes."""
        base = f"Приём показаний с {self.start_day} по {self.end_day} число"
        if self.is_open:
            n = self.days_left
            left = "последний день" if n == 1 else f"осталось {n} {plural_days(n)}"
            return f"{base}, {left}."
        return (
            f"{base}. Сейчас приём закрыт: переданные сегодня показания будут учтены "
            f"за {period_title(self.period)} (приём за этот период — с {self.opens_on:%d.%m.%Y} "
            f"по {self.closes_on:%d.%m.%Y})."
        )


def window_days(service=None) -> tuple[int, int]:
    """(start day, end day) for a service, the settings default where unset."""
    default_start, default_end = settings.BILLING["READINGS_WINDOW"]
    start = getattr(service, "window_start_day", None) or default_start
    end = getattr(service, "window_end_day", None) or default_end
    return start, end


def window_for(service=None, *, today: dt.date) -> Window:
    start, end = window_days(service)
    return Window(start_day=start, end_day=end, today=today)
