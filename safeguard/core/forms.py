"""Form helpers shared by the pages: GOV.UK date inputs and errors in the shape the GOV.UK
error summary needs.

Every form page renders its fields with `{% include "govuk/field.html" with field=... %}`,
which picks the GOV.UK component from the widget (text input, textarea, select, radios,
checkbox(es), date input), so a new form needs no new markup.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from .dates import DateError, FuzzyMoment, Precision, parse_fuzzy


def posted(request):
    """The submitted data for a form, or None on GET. Not `request.POST or None`: a POST with
    nothing chosen (no radio picked) is an empty QueryDict, and must still be validated so
    the user sees what is missing rather than the blank form again."""
    return request.POST if request.method == "POST" else None


def error_summary(form: forms.Form, anchors: dict[str, str] | None = None) -> list[dict]:
    """The form's errors as [{"href": "#id", "text": message}], in field order.

    `anchors` maps a field name to the id the summary should link to (for a group of inputs
    such as a date, the first input of the group). Errors not tied to a field link to the
    first field, the place to start correcting them.
    """
    anchors = anchors or {}
    items: list[dict] = []
    seen: set[str] = set()
    names = list(form.fields)
    for message in form.non_field_errors():
        target = form[names[0]].id_for_label if names else ""
        items.append({"href": f"#{target}", "text": message})
    for name in names:
        for message in form.errors.get(name, []):
            if message in seen:
                continue  # one message per group (a date's day/month/year share one)
            seen.add(message)
            target = anchors.get(name) or _first_input_id(form[name])
            items.append({"href": f"#{target}", "text": message})
    return items


def _first_input_id(bound_field) -> str:
    widget = bound_field.field.widget
    if isinstance(widget, forms.MultiWidget):
        return f"{bound_field.auto_id}_{widget.widgets_names[0].lstrip('_')}"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label


def apply_service_errors(form: forms.Form, exc, field_map: dict[str, str] | None = None):
    """Put a service's ValidationError on the form: each model field's message on the form
    field of that name (or `field_map[name]`), anything else at the top of the page."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = field_map.get(name, name)
            for message in errors:
                form.add_error(target if target in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- GOV.UK date input (day, month, year as three boxes) ---------------------------------


class DatePartsWidget(forms.MultiWidget):
    """Three text boxes named `<name>_day`, `<name>_month`, `<name>_year` (GOV.UK date input)."""

    parts = ("day", "month", "year")

    def __init__(self, attrs=None):
        super().__init__(
            {part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in self.parts},
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, FuzzyMoment):
            local = value.start
            parts = [str(local.day), str(local.month), str(local.year)]
            if value.precision == Precision.YEAR:
                parts[:2] = ["", ""]
            elif value.precision == Precision.MONTH:
                parts[0] = ""
            return parts
        return [None, None, None]


def _parts_to_date(label: str, day: str, month: str, year: str) -> dt.date:
    try:
        y, m, d = int(year), int(month), int(day)
        if not 1900 <= y <= 2100:
            raise ValueError
        return dt.date(y, m, d)
    except (TypeError, ValueError):
        raise forms.ValidationError(
            f"{label} must be a real date, for example 27 3 2024", code="invalid"
        ) from None


class GovukDateField(forms.MultiValueField):
    """A whole date entered as day, month and year; `label` names it in error messages."""

    widget = DatePartsWidget

    def __init__(self, *, required=True, max_today=False, **kwargs):
        self.max_today = max_today
        part = forms.CharField(required=False, max_length=4, strip=True)
        super().__init__(
            fields=(part, part, part), require_all_fields=False, required=required, **kwargs
        )

    def compress(self, data_list):
        if not data_list or not any(data_list):
            if self.required:
                raise forms.ValidationError(f"Enter {self.label.lower()}", code="required")
            return None
        day, month, year = data_list
        missing = [
            n for n, v in zip(("a day", "a month", "a year"), data_list, strict=True) if not v
        ]
        if missing:
            raise forms.ValidationError(
                f"{self.label} must include {' and '.join(missing)}", code="incomplete"
            )
        value = _parts_to_date(self.label, day, month, year)
        if self.max_today and value > dt.date.today():
            raise forms.ValidationError(f"{self.label} must be today or in the past")
        return value


class FuzzyDateWidget(forms.MultiWidget):
    """Day, month, year, an optional time, and how precise the date is."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "day": forms.TextInput(attrs={"inputmode": "numeric"}),
                "month": forms.TextInput(attrs={"inputmode": "numeric"}),
                "year": forms.TextInput(attrs={"inputmode": "numeric"}),
                "time": forms.TextInput(),
                "precision": forms.RadioSelect(choices=FuzzyDateField.PRECISION_CHOICES),
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, FuzzyMoment):
            from django.utils import timezone

            local = timezone.localtime(value.start)
            time = local.strftime("%H:%M") if value.precision == Precision.EXACT else ""
            precision = {"exact": "day"}.get(value.precision, value.precision)
            parts = [str(local.day), str(local.month), str(local.year), time, precision]
            if value.precision == Precision.YEAR:
                parts[:2] = ["", ""]
            elif value.precision == Precision.MONTH:
                parts[0] = ""
            return parts
        return [None, None, None, None, "day"]


class FuzzyDateField(forms.MultiValueField):
    """When something happened, as exactly as it is known.

    The GOV.UK date input plus "I only know the month / the year" and an optional time.
    Cleans to a `FuzzyMoment` (what chronology.services.record_event takes).
    """

    PRECISION_CHOICES = (
        ("day", "I know the date"),
        ("month", "I only know the month"),
        ("year", "I only know the year"),
    )
    widget = FuzzyDateWidget

    def __init__(self, *, required=True, **kwargs):
        text = forms.CharField(required=False, max_length=5, strip=True)
        super().__init__(
            fields=(
                text,
                text,
                text,
                text,
                forms.ChoiceField(required=False, choices=self.PRECISION_CHOICES),
            ),
            require_all_fields=False,
            required=required,
            **kwargs,
        )

    def compress(self, data_list):
        if not data_list or not any(data_list[:4]):
            if self.required:
                raise forms.ValidationError(f"Enter {self.label.lower()}", code="required")
            return None
        day, month, year, time, precision = data_list
        precision = precision or "day"
        label = self.label
        if not year:
            raise forms.ValidationError(f"{label} must include a year", code="incomplete")
        if precision in ("day", "month") and not month:
            raise forms.ValidationError(f"{label} must include a month", code="incomplete")
        if precision == "day" and not day:
            raise forms.ValidationError(
                f"{label} must include a day, or choose ‘I only know the month’",
                code="incomplete",
            )
        try:
            y = int(year)
            if not 1900 <= y <= 2100:
                raise ValueError
            if precision == "year":
                text = f"{y:04d}"
            elif precision == "month":
                text = f"{y:04d}-{int(month):02d}"
                dt.date(y, int(month), 1)
            else:
                text = dt.date(y, int(month), int(day)).isoformat()
        except ValueError:
            raise forms.ValidationError(
                f"{label} must be a real date, for example 27 3 2024", code="invalid"
            ) from None
        if time:
            if precision != "day":
                raise forms.ValidationError(
                    f"Give a time for {label.lower()} only when you know the date",
                    code="invalid",
                )
            try:
                parsed = dt.time.fromisoformat(time if len(time) == 5 else f"0{time}")
            except ValueError:
                raise forms.ValidationError(
                    "The time must be a real time in 24-hour form, for example 21:40",
                    code="invalid",
                ) from None
            text += f"T{parsed:%H:%M}"
        try:
            return parse_fuzzy(text)
        except DateError as exc:
            # Too far ahead, or a time that did not exist in London.
            raise forms.ValidationError(f"{label} {exc.reason}", code="invalid") from None
