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
# Minutes, optionally seconds and microseconds (records made through the pages carry them,
# and an export must reload exactly), optionally the UTC offset, which must be the UK's at
# that time: it only says which of the two 01:30s is meant when the clocks go back.
_EXACT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(?:([+-])(\d{2}):(\d{2}))?$"
)

# Plausible dates for a child's record: nobody in it was born before 1900, and nothing is
# dated more than a few years ahead (a plan's end, an order's expiry). Outside these a
# date is a typo (2100 for 2010, year 1), and far-off dates overflow date arithmetic.
EARLIEST_DATE = dt.date(1900, 1, 1)
FUTURE_YEARS = 5

FUZZY_FORMATS = "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM"
# Also accepted for a time (docs/scenario-format.md): seconds, microseconds and the UK's UTC
# offset at that time, as export-scenario writes them: YYYY-MM-DDTHH:MM[:SS[.ffffff]][+HH:MM].


class DateError(ValueError):
    """A date in the right format that cannot be right: str() is "'text' reason"; `reason`
    alone (e.g. "is too far in the future (after 2031-11-28)") suits a form's label."""

    def __init__(self, text: str, reason: str):
        self.text = text
        self.reason = reason
        super().__init__(f"{text!r} {reason}")


def latest_date(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today.replace(year=today.year + FUTURE_YEARS, day=min(today.day, 28))


def check_plausible(day: dt.date, text: str = "") -> dt.date:
    """The date, or DateError if it is before 1900 or more than FUTURE_YEARS ahead."""
    shown = text or day.isoformat()
    if day < EARLIEST_DATE:
        raise DateError(shown, f"is too far in the past (dates start at {EARLIEST_DATE})")
    latest = latest_date()
    if day > latest:
        raise DateError(shown, f"is too far in the future (after {latest})")
    return day


def aware_local(naive: dt.datetime, text: str = "") -> dt.datetime:
    """A wall-clock time in Europe/London made aware; DateError for a time that did not
    exist there (the hour the clocks go forward). A repeated hour (clocks back) is taken
    as its first occurrence."""
    aware = timezone.make_aware(naive)
    # Through UTC and back: a time in the spring-forward gap comes back an hour different.
    if timezone.localtime(aware.astimezone(dt.UTC)).replace(tzinfo=None) != naive:
        shown = text or naive.isoformat(timespec="minutes")
        raise DateError(
            shown, "is not a time that existed in the UK (the clocks went forward an hour)"
        )
    return aware


def parse_date(text: str) -> dt.date:
    """Exactly YYYY-MM-DD, a real and plausible date."""
    m = _DAY.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)")
    try:
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    return check_plausible(day, text)


def parse_date_or_time(text: str) -> dt.date | dt.datetime:
    """Exactly YYYY-MM-DD (a date) or YYYY-MM-DDTHH:MM (an aware London time)."""
    if _DAY.match(text):
        return parse_date(text)
    m = _EXACT.match(text)
    if not m:
        raise ValueError(
            f"{text!r} is not a date or time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        )
    try:
        micro = int((m[7] or "0").ljust(6, "0"))
        naive = dt.datetime(
            int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), micro
        )
    except ValueError:
        raise ValueError(f"{text!r} is not a real date and time") from None
    check_plausible(naive.date(), text)
    if not m[8]:
        return aware_local(naive, text)
    offset = dt.timedelta(hours=int(m[9]), minutes=int(m[10])) * (-1 if m[8] == "-" else 1)
    aware = naive.replace(tzinfo=dt.timezone(offset))
    if timezone.localtime(aware).replace(tzinfo=None) != naive:
        raise DateError(text, "has a UTC offset that was not the UK's at that time")
    return aware


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
    """Parse exactly '2019', '2019-06', '2019-06-16', '2019-06-16T21:40' (or a date/datetime).

    A time may carry seconds and the UK's own UTC offset (as export-scenario writes them);
    nothing else (no week dates, no other offsets: times are Europe/London). Raises
    ValueError with a message fit to show to the person who wrote the value: DateError
    for a well-formed date that cannot be right (not a real date, a time that did not exist
    in London, before 1900 or more than FUTURE_YEARS ahead).
    """
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            check_plausible(timezone.localtime(value).date())
            return FuzzyMoment(value, Precision.EXACT)
        check_plausible(value.date())
        return FuzzyMoment(aware_local(value), Precision.EXACT)
    if isinstance(value, dt.date):
        return FuzzyMoment(_aware_midnight(check_plausible(value)), Precision.DAY)
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date (expected {FUZZY_FORMATS})")
    text = value.strip()
    try:
        return _parse_fuzzy_text(text)
    except DateError:
        raise
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date (expected {FUZZY_FORMATS})") from None


def _parse_fuzzy_text(text: str) -> FuzzyMoment:
    if m := _YEAR.match(text):
        year = int(m[1])
        if year < EARLIEST_DATE.year:
            raise DateError(text, f"is too far in the past (dates start at {EARLIEST_DATE})")
        return FuzzyMoment(
            _aware_midnight(check_plausible(dt.date(year, 1, 1), text)), Precision.YEAR
        )
    if m := _MONTH.match(text):
        try:
            first = dt.date(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise ValueError(f"{text!r} is not a real month") from None
        return FuzzyMoment(_aware_midnight(check_plausible(first, text)), Precision.MONTH)
    if _DAY.match(text):
        return FuzzyMoment(_aware_midnight(parse_date(text)), Precision.DAY)
    if _EXACT.match(text):
        return FuzzyMoment(parse_date_or_time(text), Precision.EXACT)
    raise ValueError(f"{text!r} is not a valid date (expected {FUZZY_FORMATS})")


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


# Calendar arithmetic for deadlines (the checks and the domain apps' own rules share it).


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later, clipped to the end of a shorter month (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def years_later(day: dt.date, years: int) -> dt.date:
    """Anniversary; 29 February counts as reached on 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)
