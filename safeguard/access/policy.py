"""The one place that decides who may see which children, and which parts of their record.

Every view, export, API endpoint and command that returns children goes through these
functions; nothing filters children by hand. Each takes the request (not just the user)
so that the audit layer can record who looked, from where and why.

Areas of a child's record (a role may see some and not others):
    summary     name, date of birth, identifiers, legal status, placement, who is involved
    chronology  the multi-agency timeline
    health      conditions, medicines, health assessments
    people      family, carers and adults of concern
    export      downloading the record (CSV)

Foundation version: any signed-in professional may see every child. The access-and-audit
issue replaces the bodies with the role x involvement rules; the signatures stay.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from safeguard.children.models import Child

AREAS = ("summary", "chronology", "health", "people", "export")


def visible_children(request, *, area: str = "summary") -> QuerySet[Child]:
    """Children the signed-in professional may see in `area`."""
    if area not in AREAS:
        raise ValueError(f"unknown area {area!r}")
    if not request.user.is_authenticated:
        return Child.objects.none()
    return Child.objects.all()


def open_child(request, child_id: int, *, area: str) -> Child:
    """The child, if the professional may see that area of the record; 404 otherwise.

    A 404 rather than 403 so that a refusal does not confirm the child exists.
    """
    try:
        return visible_children(request, area=area).get(pk=child_id)
    except Child.DoesNotExist:
        raise Http404("No child found") from None
