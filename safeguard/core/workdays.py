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


@lru_cache(maxsize=1)
def _bank_holiday_dates() -> frozenset[dt.date]:
    """The calendar's bank holidays as plain dates: a set lookup, where the `holidays`
    object's own membership test converts and checks its years on every call (counting
    working days in Python was most of the looked-after review check's sweep)."""
    return frozenset(_bank_holidays().keys())


def is_working_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    if type(day) is dt.date and CALENDAR_FIRST <= day <= CALENDAR_LAST:
        return day not in _bank_holiday_dates()
    return day not in _bank_holidays()  # a datetime, or a year the set does not hold


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


@lru_cache(maxsize=1)
def _working_days() -> tuple[tuple[dt.date, ...], dict[dt.date, int]]:
    """The calendar's working days in order, and for every day of the calendar how many
    working days fall on or before it (the Python twin of CalendarDay.working_day_index)."""
    days, index = [], {}
    for day, working, count, _name in calendar_rows():
        if working:
            days.append(day)
        index[day] = count
    return tuple(days), index


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n >= 1); the Python twin of
    checks.calendar.working_days_after."""
    _check_range(day)
    if type(day) is dt.date and n >= 1:
        # Two lookups, as the SQL twin does, rather than walking the days one by one.
        days, index = _working_days()
        position = index[day] + n - 1
        if position < len(days):
            return days[position]
    current = day
    counted = 0
    while counted < n:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    _check_range(current)
    return current
