"""Working days on the England and Wales bank-holiday calendar, in Python and in SQL.

The `holidays` package (country GB, subdivision ENG) supplies bank holidays offline. The
calendar is materialised in `checks.CalendarDay` so that checks can do working-day
arithmetic inside one SQL query on SQLite and PostgreSQL alike. `fill_calendar` (run by
migration 0002, and by `safeguard checks calendar` after upgrading `holidays`) rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import holidays
from django.db import transaction
from django.db.models import DateField, IntegerField, OuterRef, Subquery

logger = logging.getLogger(__name__)

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


def fill_calendar(model=None) -> int:
    """Rebuild the CalendarDay table; returns the number of days written."""
    if model is None:
        from .models import CalendarDay as model
    rows = [
        model(date=d, is_working_day=w, working_day_index=i, holiday_name=n)
        for d, w, i, n in calendar_rows()
    ]
    with transaction.atomic():
        model.objects.all().delete()
        model.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def ensure_calendar() -> None:
    """Refill the calendar if its ends are missing.

    An empty calendar would make every working-day rule silently find nothing, so never
    evaluate without one. It can be emptied by `flush` (and by Django's transactional
    tests, which flush every table, data-migration rows included).
    """
    from .models import CalendarDay

    if CalendarDay.objects.filter(date__in=[CALENDAR_FIRST, CALENDAR_LAST]).count() != 2:
        logger.warning("The working-day calendar was empty or incomplete: refilling it")
        fill_calendar()


def _check_range(day: dt.date) -> None:
    if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
        raise CalendarRangeError(
            f"{day} is outside the working-day calendar ({CALENDAR_FIRST} to {CALENDAR_LAST})"
        )


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n >= 1); Python twin of `working_days_after`."""
    _check_range(day)
    current = day
    counted = 0
    while counted < n:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    _check_range(current)
    return current


def working_days_after(date_ref: str, n: int) -> Subquery:
    """SQL expression: the n-th working day after the date in column/annotation `date_ref`.

    Two indexed lookups in CalendarDay: the index of the base date, then the working day
    whose index is n more. NULL if the base date is NULL or outside the calendar.
    """
    from .models import CalendarDay

    base_index = CalendarDay.objects.filter(date=OuterRef(OuterRef(date_ref))).values(
        "working_day_index"
    )[:1]
    return Subquery(
        CalendarDay.objects.filter(
            is_working_day=True,
            working_day_index=Subquery(base_index, output_field=IntegerField()) + n,
        ).values("date")[:1],
        output_field=DateField(),
    )


def days_before(date_ref: str, n: int) -> Subquery:
    """SQL expression: the date n calendar days before the date in `date_ref`.

    Read from the calendar table (one row per day) rather than by date arithmetic, which
    SQLite does in text and would compare wrongly with a DateField on the boundary day.
    """
    from .models import CalendarDay

    return Subquery(
        CalendarDay.objects.filter(date__lte=OuterRef(date_ref))
        .order_by("-date")
        .values("date")[n : n + 1],
        output_field=DateField(),
    )
