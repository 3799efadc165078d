"""Working days on the England and Wales bank-holiday calendar (in Python).

The `holidays` package (country GB, subdivision ENG) supplies bank holidays offline. Pure
date arithmetic, so it sits in core: the domain apps count working days for their own
deadlines (a death notification's steps, a visit's due date) without importing the
checks. The checks' SQL twin (`working_days_after`) reads the same days from the
materialised calendar table (checks/calendar.py, filled from `calendar_rows`).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

CALENDAR_FIRST = dt.date(1990, 1, 1)
CALENDAR_LAST = dt.date(2040, 12, 31)


class CalendarRangeError(ValueError):
    pass


@lru_cache(maxsize=1)
def _bank_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays(
        "GB", subdiv="ENG", years=range(CALENDAR_FIRST.year, CALENDAR_LAST.year + 1)
    )


def bank_holiday_name(day: dt.date) -> str:
    return _bank_holidays().get(day) or ""


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays()


def calendar_rows(first: dt.date = CALENDAR_FIRST, last: dt.date = CALENDAR_LAST):
    """(date, is_working_day, working_day_index, holiday_name) for every day in range."""
    index = 0
    day = first
    while day <= last:
        working = is_working_day(day)
        if working:
            index += 1
        yield day, working, index, bank_holiday_name(day)
        day += dt.timedelta(days=1)


def _check_range(day: dt.date) -> None:
    if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
        raise CalendarRangeError(
            f"{day} is outside the working-day calendar ({CALENDAR_FIRST} to {CALENDAR_LAST})"
        )


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n >= 1); the Python twin of
    checks.calendar.working_days_after."""
    _check_range(day)
    current = day
    counted = 0
    while counted < n:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    _check_range(current)
    return current
