"""Dates with a precision.

Chronologies built from old records are often approximate ("June 2019", "2011"). An
approximate date is stored as the start of the period it names plus its precision; the
period's end is derived. Timeline order puts an entry at the start of its period and,
among entries starting at the same instant, the coarser one first, so "June 2019" heads
the events dated within June 2019.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils import timezone


class Precision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"
    EXACT = "exact", "Exact time"


# Coarser first: used as the tie-break in timeline order.
PRECISION_RANK = {Precision.YEAR: 0, Precision.MONTH: 1, Precision.DAY: 2, Precision.EXACT: 3}

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class FuzzyMoment:
    start: dt.datetime  # aware, Europe/London
    precision: Precision

    @property
    def date(self) -> dt.date:
        return timezone.localtime(self.start).date()

    @property
    def end(self) -> dt.datetime:
        """Exclusive end of the period the moment names."""
        return period_end(self.start, self.precision)


def period_end(start: dt.datetime, precision: str) -> dt.datetime:
    local = timezone.localtime(start)
    if precision == Precision.YEAR:
        nxt = local.replace(year=local.year + 1, month=1, day=1)
    elif precision == Precision.MONTH:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        nxt = local.replace(year=year, month=month, day=1)
    elif precision == Precision.DAY:
        nxt = local + dt.timedelta(days=1)
    else:
        return start
    return timezone.make_aware(nxt.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0))


def _aware_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def parse_fuzzy(value: object) -> FuzzyMoment:
    """Parse '2019', '2019-06', '2019-06-16', '2019-06-16T21:40' (or a date/datetime).

    Raises ValueError with a message fit to show to the person who wrote the value.
    """
    if isinstance(value, dt.datetime):
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        return FuzzyMoment(aware, Precision.EXACT)
    if isinstance(value, dt.date):
        return FuzzyMoment(_aware_midnight(value), Precision.DAY)
    if isinstance(value, int) and 1800 <= value <= 2200:
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(
            f"{value!r} is not a date (expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        )
    text = value.strip()
    try:
        if m := _YEAR.match(text):
            return FuzzyMoment(_aware_midnight(dt.date(int(m[1]), 1, 1)), Precision.YEAR)
        if m := _MONTH.match(text):
            return FuzzyMoment(_aware_midnight(dt.date(int(m[1]), int(m[2]), 1)), Precision.MONTH)
        if m := _DAY.match(text):
            return FuzzyMoment(
                _aware_midnight(dt.date(int(m[1]), int(m[2]), int(m[3]))), Precision.DAY
            )
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a valid date (expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        ) from None
    aware = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    return FuzzyMoment(aware, Precision.EXACT)


def format_fuzzy(start: dt.datetime, precision: str) -> str:
    local = timezone.localtime(start)
    if precision == Precision.YEAR:
        return f"{local.year}"
    if precision == Precision.MONTH:
        return local.strftime("%B %Y")
    if precision == Precision.DAY:
        return f"{local.day} {local.strftime('%B %Y')}"
    return f"{local.day} {local.strftime('%B %Y')} {local.strftime('%H:%M')}"


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years
