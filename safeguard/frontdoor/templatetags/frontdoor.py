"""The household panel on the child's summary (shown with the family and people)."""

from django import template
from django.utils import timezone

from safeguard.frontdoor import selectors

register = template.Library()


@register.inclusion_tag("frontdoor/_household_panel.html")
def household_panel(child, writes):
    return {
        "child": child,
        "household": selectors.household(child, timezone.localdate()),
        "may_record": "record:household" in writes,
    }
