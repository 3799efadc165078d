"""Builders for the meetings tests: records written through the meetings services."""

import datetime as dt

from django.utils import timezone

from safeguard.accounts.models import AgencyKind
from safeguard.meetings import services
from tests import factories

D = dt.date

AGENCIES = {
    "csc": ("wcf", AgencyKind.CHILDRENS_SOCIAL_CARE),
    "police": ("police", AgencyKind.POLICE),
    "health": ("nhs", AgencyKind.NHS_TRUST),
    "gp": ("surgery", AgencyKind.GP_PRACTICE),
    "home": ("oak-house", AgencyKind.PLACEMENT_PROVIDER),
    "school": ("college", AgencyKind.SCHOOL),
}
FULL_STRATEGY = ("csc", "police", "health")


def agency(short):
    code, kind = AGENCIES[short]
    return factories.agency(code=code, kind=kind)


def at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def concern(children, raised_on, kind="significant_harm", risk_level="", **extra):
    children = children if isinstance(children, list | tuple) else [children]
    return services.record_concern(
        actor=None,
        children=children,
        kind=kind,
        risk_level=risk_level,
        raised_on=raised_on,
        summary="Found at the flat of an adult of concern",
        source_agency=agency("police"),
        raised_by_name="PC Test",
        **extra,
    )


def meeting(kind, children, held_on=None, attended=(), statuses=None, minutes_on=None, **outcome):
    """A meeting scheduled for `held_on` and, if given, held then; `attended` names
    agencies (AGENCIES keys) whose representative attended; `statuses` adds
    {agency short: status} for others."""
    children = children if isinstance(children, list | tuple) else [children]
    day = held_on or D(2030, 1, 1)
    invitees = [{"agency": agency(a), "name": f"{a} rep", "role": a} for a in attended]
    invitees += [{"agency": agency(a), "name": f"{a} other", "role": a} for a in statuses or {}]
    m = services.schedule_meeting(
        actor=None, kind=kind, children=children, scheduled_for=at(day), invitees=invitees
    )
    if held_on is None:
        return m
    rows = list(m.attendances.order_by("pk"))
    wanted = ["attended"] * len(attended) + list((statuses or {}).values())
    if kind == "strategy_discussion":
        outcome.setdefault("strategy_outcome", "single_agency")
    if kind == "initial_conference":
        outcome.setdefault("conference_decision", "cp_plan")
    m = services.hold_meeting(
        actor=None,
        meeting=m,
        held_on=held_on,
        attendance=[{"id": r.pk, "status": s} for r, s in zip(rows, wanted, strict=True)],
        **outcome,
    )
    if minutes_on is not None:
        m = services.record_minutes(
            actor=None, meeting=m, minutes="Minutes", recorded_at=at(minutes_on)
        )
    return m
