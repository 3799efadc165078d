"""`{% risk_picture_panel child areas %}`: the child's risk picture (checks/risk.py) at the
top of the child summary, showing only the strands the viewer's areas allow."""

from django import template
from django.utils import timezone

from ..risk import risk_picture

register = template.Library()


@register.inclusion_tag("checks/_risk_picture.html")
def risk_picture_panel(child, areas):
    as_of = child.date_of_death or timezone.localdate()
    strands = risk_picture(child, as_of, areas)
    return {
        "child": child,
        "strands": strands,
        "any_items": any(s.items for s in strands),
        "as_of": as_of,
    }
