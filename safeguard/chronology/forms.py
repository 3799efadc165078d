"""The chronology filter form (GET): agency, type, period, and corrected entries."""

from __future__ import annotations

import calendar
import datetime as dt

from django import forms

from .selectors import TimelineFilter, type_options


def _part() -> forms.CharField:
    return forms.CharField(required=False, max_length=4, strip=True)


class ChronologyFilterForm(forms.Form):
    """Period ends may be a whole year ("2019"), a month ("6 2019") or a day."""

    agency = forms.MultipleChoiceField(required=False)
    type = forms.MultipleChoiceField(required=False)
    from_day = _part()
    from_month = _part()
    from_year = _part()
    to_day = _part()
    to_month = _part()
    to_year = _part()
    corrected = forms.BooleanField(required=False, label="Show corrected and withdrawn entries")
    order = forms.ChoiceField(
        required=False,
        choices=(("newest", "Newest first"), ("oldest", "Oldest first")),
        label="Order",
    )

    # Where the error summary links for each date: the first input of its group.
    date_anchors = {
        "from_month": "id_from_day",
        "from_year": "id_from_day",
        "to_month": "id_to_day",
        "to_year": "id_to_day",
    }

    def __init__(self, *args, agency_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = list(agency_choices)
        self.fields["type"].choices = type_options()
        self.fields["agency"].error_messages["invalid_choice"] = (
            "Select agencies from the list (%(value)s is not one of them)"
        )
        self.fields["type"].error_messages["invalid_choice"] = (
            "Select types from the list (%(value)s is not a type of entry)"
        )

    def _period(self, prefix: str, label: str, *, end: bool) -> dt.date | None:
        """The first (or, for `end`, the last) day of the period the inputs name."""
        day, month, year = (self.cleaned_data.get(f"{prefix}_{p}", "") for p in PARTS)
        if not (day or month or year):
            return None
        if not year:
            self.add_error(f"{prefix}_year", f"The ‘{label}’ date must include a year")
            return None
        if day and not month:
            self.add_error(f"{prefix}_month", f"The ‘{label}’ date must include a month")
            return None
        try:
            y = int(year)
            m = int(month) if month else (12 if end else 1)
            if not 1000 <= y <= 9999:
                raise ValueError
            whole_month = (1, calendar.monthrange(y, m)[1])
            return dt.date(y, m, int(day) if day else whole_month[end])
        except ValueError:
            field = f"{prefix}_day" if day else (f"{prefix}_month" if month else f"{prefix}_year")
            self.add_error(
                field, f"The ‘{label}’ date must be a real date, for example 27 3 2019 or 2019"
            )
            return None

    def clean(self):
        cleaned = super().clean()
        date_from = self._period("from", "from", end=False)
        date_to = self._period("to", "to", end=True)
        if date_from and date_to and date_to < date_from:
            self.add_error("to_day", "The ‘to’ date must be the same as or after the ‘from’ date")
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def to_filter(self) -> TimelineFilter:
        data = self.cleaned_data
        return TimelineFilter(
            agencies=frozenset(data.get("agency") or ()),
            types=frozenset(data.get("type") or ()),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            include_superseded=bool(data.get("corrected")),
            newest_first=data.get("order") != "oldest",
        )


PARTS = ("day", "month", "year")
