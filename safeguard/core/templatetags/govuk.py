"""Template filters for GOV.UK-style display of record values."""

from django import template

register = template.Library()


@register.filter
def nhs_number(value: str) -> str:
    """'9434765919' -> '943 476 5919' (the NHS's printed 3-3-4 form)."""
    digits = "".join(str(value or "").split())
    if len(digits) != 10:
        return digits
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


@register.filter
def govuk_kind(bound_field) -> str:
    """Which GOV.UK component renders this form field (templates/govuk/field.html)."""
    from django import forms

    from safeguard.core.forms import DatePartsWidget, FuzzyDateWidget

    widget = bound_field.field.widget
    if isinstance(widget, FuzzyDateWidget):
        return "fuzzy_date"
    if isinstance(widget, DatePartsWidget):
        return "date"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


@register.filter
def part(values, index):
    """The index-th value of a multi-part field's value list ('' when absent)."""
    try:
        value = values[int(index)]
    except (TypeError, IndexError, ValueError, KeyError):
        return ""
    return "" if value is None else value


@register.filter
def is_checked(bound_field, value) -> bool:
    current = bound_field.value()
    if isinstance(current, list | tuple):
        return str(value) in [str(v) for v in current]
    return str(current) == str(value) if current not in (None, "") else False


@register.filter
def parts(bound_field) -> list:
    """A multi-part field's values: as submitted, or its initial value split into parts."""
    value = bound_field.value()
    if isinstance(value, list | tuple):
        return list(value)
    return bound_field.field.widget.decompress(value)
