"""GOV.UK forms for chronology events, generated from the one event-type registry.

`event_form_class(code)` builds the form for an event type from its `details`
(safeguard/chronology/event_types.py), so a new type needs no new form or template:

  occurred          FuzzyDateField  "When it happened" (as exactly as it is known)
  summary           textarea        "What happened"
  detail_<name>     one per Detail: bool -> radios Yes / No / Not known, int -> numeric
                    input, date -> GOV.UK date input, datetime -> date as exactly as known,
                    choice -> radios (select when long), text/ref -> input (textarea for
                    the long-text details)
  related_persons   checkboxes of the child's people, for types that name people

Validation is server-side only. The service (chronology.services.record_event) has the
last word: `apply_service_errors()` puts its ValidationErrors back on the fields they are
about ("details.<name>: ..." on the field of that detail).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django import forms
from django.utils import timezone

from safeguard.chronology.event_types import EVENT_TYPES, Detail, EventType, get_event_type
from safeguard.core.dates import FuzzyMoment, Precision
from safeguard.core.forms import FuzzyDateField, GovukDateField

DETAIL_PREFIX = "detail_"

# Free-text details long enough to want a textarea.
LONG_TEXT = frozenset({"options", "decision", "reasons", "conditions", "outcome", "cause"})

BOOL_CHOICES = (("yes", "Yes"), ("no", "No"), ("", "Not known"))

# Which service error keys land on which form field.
SERVICE_FIELDS = {"occurred_at": "occurred", "occurred_on": "occurred", "summary": "summary"}


def detail_field_name(name: str) -> str:
    return f"{DETAIL_PREFIX}{name}"


def _label(name: str, spec: Detail) -> str:
    text = spec.help[0].upper() + spec.help[1:] if spec.help else name.replace("_", " ")
    if not spec.required and spec.kind != "bool":
        text += " (optional)"
    return text


def _choice_label(value: str) -> str:
    return value.replace("_", " ").capitalize() if len(value) > 1 else value


class _YesNoUnknown(forms.ChoiceField):
    """Radios Yes / No / Not known; cleans to True, False or None (not known: not stored)."""

    def __init__(self, *, required=False, **kwargs):
        choices = BOOL_CHOICES[:2] if required else BOOL_CHOICES
        super().__init__(choices=choices, required=required, widget=forms.RadioSelect, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return {"yes": True, "no": False}.get(value)

    def prepare_value(self, value):
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return value


def _detail_field(name: str, spec: Detail) -> forms.Field:
    label = _label(name, spec)
    required = spec.required
    missing = {"required": f"Enter {spec.help[0].lower() + spec.help[1:]}"} if spec.help else {}
    if spec.kind == "bool":
        field = _YesNoUnknown(required=required, label=label)
        field.error_messages["required"] = f"Select {spec.help[0].lower() + spec.help[1:]}"
        return field
    if spec.kind == "int":
        return forms.IntegerField(
            required=required,
            label=label,
            min_value=0,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
            error_messages={
                **missing,
                "invalid": f"{label.removesuffix(' (optional)')} must be a whole number, like 3",
            },
        )
    if spec.kind == "date":
        return GovukDateField(required=required, label=label.removesuffix(" (optional)"))
    if spec.kind == "datetime":
        return FuzzyDateField(required=required, label=label.removesuffix(" (optional)"))
    if spec.kind == "choice":
        choices = [(c, _choice_label(c)) for c in spec.choices]
        if len(choices) <= 6:
            field = forms.ChoiceField(
                choices=choices if required else [*choices, ("", "Not known")],
                required=required,
                label=label,
                widget=forms.RadioSelect,
            )
        else:
            field = forms.ChoiceField(
                choices=[("", "Choose")] + choices, required=required, label=label
            )
        field.error_messages["required"] = f"Select {spec.help[0].lower() + spec.help[1:]}"
        field.error_messages["invalid_choice"] = f"Select one of the options for: {spec.help}"
        return field
    # text and ref
    widget = forms.Textarea if name in LONG_TEXT else forms.TextInput
    return forms.CharField(
        required=required, label=label, max_length=2000, widget=widget, error_messages=missing
    )


def _moment_text(moment: FuzzyMoment) -> str:
    """A datetime detail as stored: ISO 8601 at the precision it is known."""
    local = timezone.localtime(moment.start)
    if moment.precision == Precision.YEAR:
        return f"{local.year:04d}"
    if moment.precision == Precision.MONTH:
        return f"{local.year:04d}-{local.month:02d}"
    if moment.precision == Precision.DAY:
        return local.date().isoformat()
    return local.isoformat(timespec="minutes")


class EventForm(forms.Form):
    """Base of the generated forms; `event_type` is set on each generated class."""

    event_type: EventType

    occurred = FuzzyDateField(
        label="When it happened",
        help_text="For example, 27 3 2026. Add the time if you know it, for example 21:40.",
    )
    summary = forms.CharField(
        label="What happened",
        help_text="Say what happened, who was there and what was done. Others will read it.",
        widget=forms.Textarea,
        max_length=10000,
        error_messages={"required": "Enter what happened"},
    )

    def __init__(self, *args, child=None, prefill: dict | None = None, **kwargs):
        initial = dict(kwargs.pop("initial", None) or {})
        for key, value in (prefill or {}).items():
            if key == "related_person":
                initial["related_persons"] = [str(value)]
            elif key in self.event_type.details:
                initial[detail_field_name(key)] = value
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.child = child
        if "related_persons" in self.fields:
            people = people_choices(child) if child is not None else []
            if people:
                self.fields["related_persons"].choices = people
            else:
                del self.fields["related_persons"]

    def clean_occurred(self):
        moment = self.cleaned_data["occurred"]
        if moment is not None and moment.start > timezone.now():
            raise forms.ValidationError("When it happened must be today or in the past")
        return moment

    def cleaned_event(self) -> dict:
        """kwargs for chronology.services.record_event (after is_valid())."""
        data = self.cleaned_data
        details = {}
        for name, spec in self.event_type.details.items():
            value = data.get(detail_field_name(name))
            if value is None or value == "":
                continue
            if spec.kind == "datetime":
                value = _moment_text(value)
            elif spec.kind == "date" and isinstance(value, dt.date):
                value = value.isoformat()
            details[name] = value
        related = []
        if "related_persons" in self.fields and data.get("related_persons"):
            from safeguard.children.models import Person

            related = list(Person.objects.filter(pk__in=data["related_persons"]))
        return {
            "event_type": self.event_type.code,
            "occurred": data["occurred"],
            "summary": data["summary"],
            "details": details,
            "related_persons": related,
        }

    def apply_service_errors(self, exc) -> None:
        """Put a service's ValidationError on the fields it is about."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for key, errors in exc.message_dict.items():
            for message in errors:
                target = SERVICE_FIELDS.get(key)
                if key == "details" and message.startswith("details."):
                    name = message.split(":", 1)[0].removeprefix("details.")
                    if detail_field_name(name) in self.fields:
                        target = detail_field_name(name)
                elif key in self.fields:
                    target = key
                self.add_error(target, message)


def people_choices(child) -> list[tuple[str, str]]:
    """The child's people (family, carers, adults of concern), for naming in an event."""
    from safeguard.children.models import Relationship

    rows = (
        Relationship.objects.filter(child=child)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "pk")
    )
    people: dict[str, str] = {}
    for rel in rows:  # a person with two relationships is listed once
        people.setdefault(
            str(rel.person_id), f"{rel.person} ({rel.get_relationship_display().lower()})"
        )
    return list(people.items())


@cache
def event_form_class(event_type_code: str) -> type[EventForm]:
    """The GOV.UK form for recording one event of this type (ValidationError if unknown)."""
    event_type = get_event_type(event_type_code)
    attrs: dict = {"event_type": event_type, "__module__": __name__}
    for name, spec in event_type.details.items():
        attrs[detail_field_name(name)] = _detail_field(name, spec)
    if event_type.names_people:
        attrs["related_persons"] = forms.MultipleChoiceField(
            required=False,
            label="People this is about (optional)",
            help_text="Name the adults or family members involved, from the child’s record.",
            widget=forms.CheckboxSelectMultiple,
        )
    class_name = "".join(p.capitalize() for p in event_type.code.split("_")) + "EventForm"
    return type(class_name, (EventForm,), attrs)


def all_event_form_classes() -> dict[str, type[EventForm]]:
    return {code: event_form_class(code) for code in EVENT_TYPES}


@cache
def correction_form_class(event_type_code: str) -> type[EventForm]:
    """The event's form plus the reason for the correction (the original is kept)."""
    base = event_form_class(event_type_code)
    reason = forms.CharField(
        label="Why are you correcting this entry?",
        help_text="The original stays in the chronology, marked as corrected, with this reason.",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say why the entry is being corrected"},
    )
    return type(f"Correct{base.__name__}", (base,), {"reason": reason, "__module__": __name__})


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing this entry?",
        help_text="For example, it was recorded on the wrong child’s record. The entry stays "
        "in the chronology, marked as withdrawn, with this reason.",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say why the entry is being withdrawn"},
    )
