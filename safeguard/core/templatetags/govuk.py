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
