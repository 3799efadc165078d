"""Working days on the England and Wales bank-holiday calendar, in SQL.

The Python side (which days are working days, `add_working_days`) is core/workdays.py, so
that the domain apps can count working days without importing the checks. The
calendar is materialised in `checks.CalendarDay` so that checks can do working-day
arithmetic inside one SQL query on SQLite and PostgreSQL alike. `fill_calendar` (run by
migration 0002, and by `safeguard checks calendar` after upgrading `holidays`) rebuilds it.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import DateField, IntegerField, OuterRef, Subquery

from safeguard.core.prepared import run_prepared
from safeguard.core.workdays import CALENDAR_FIRST, CALENDAR_LAST, calendar_rows

logger = logging.getLogger(__name__)


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

    # Prepared (compiled once per process, then only the SQL runs): this is on the path of
    # every re-check after a write. Not remembered once seen filled: a flush, or the
    # rollback of the transaction that refilled it, can empty the table again.
    ends = run_prepared(
        "calendar:ends",
        lambda p: (
            CalendarDay.objects.filter(date__in=[CALENDAR_FIRST, CALENDAR_LAST])
            .order_by()
            .values_list("date", flat=True)
        ),
    )
    if len(ends) != 2:
        logger.warning("The working-day calendar was empty or incomplete: refilling it")
        fill_calendar()


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
