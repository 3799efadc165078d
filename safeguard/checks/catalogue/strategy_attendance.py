"""A strategy discussion held without children's social care, police and health (and the
placement, for a looked-after child)."""

from __future__ import annotations

from django.db.models import F, Q

from safeguard.accounts.models import AgencyKind
from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import MeetingKind
from safeguard.meetings.selectors import (
    attended_from,
    held_links,
    held_since,
    looked_after_on_ref,
    placement_attended,
)

from ..engine import Check, Finding, Resolution, alive_on, register
from ..models import Severity
from ._meeting_sources import REC2, Source

HEALTH_KINDS = (AgencyKind.NHS_TRUST, AgencyKind.GP_PRACTICE)


@register
class StrategyDiscussionAttendance(Check):
    id = "CP-STRATEGY-ATTENDANCE"
    title = "Strategy discussion held without social care, police and health"
    severity = Severity.HIGH
    resolution = Resolution(
        "Reconvene the strategy discussion with the missing agencies", "meeting:strategy_discussion"
    )
    sources = (
        Source(
            "Working Together to Safeguard Children 2023",
            "strategy discussion attended as a minimum by children's social care, police and "
            "health (and the residential or fostering service for a looked-after child)",
        ),
        REC2,
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "A strategy discussion held about a child must have been attended by at least one "
        "professional from children's social care, one from the police and one from health "
        "(an NHS trust or GP practice); for a child looked after on the day, also someone "
        "speaking for the placement (an attendee marked as the placement, or from a "
        "placement provider). Attendance is the meeting's recorded attendance "
        "(status attended; a report sent does not count). The alert is raised on the day "
        "of the discussion and clears when a later strategy discussion about the child is "
        "held, which this check then looks at in its turn."
    )
    thresholds = {}

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            return (
                self.restrict(held_links(MeetingKind.STRATEGY_DISCUSSION, as_of), child_ids)
                .filter(alive_on(as_of, "child__"))
                .annotate(
                    held=F("meeting__held_on"),
                    csc=attended_from([AgencyKind.CHILDRENS_SOCIAL_CARE]),
                    police=attended_from([AgencyKind.POLICE]),
                    health=attended_from(HEALTH_KINDS),
                    placement=placement_attended(),
                    looked_after=looked_after_on_ref("held"),
                )
                .filter(
                    Q(csc=False)
                    | Q(police=False)
                    | Q(health=False)
                    | Q(looked_after=True, placement=False)
                )
                .filter(
                    ~held_since(
                        MeetingKind.STRATEGY_DISCUSSION,
                        as_of,
                        child_ref="child_id",
                        since_ref="held",
                        strictly=True,
                    )
                )
                .values_list(
                    "child_id",
                    "child__given_name",
                    "meeting_id",
                    "held",
                    "csc",
                    "police",
                    "health",
                    "placement",
                    "looked_after",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for child_id, name, meeting_id, held, csc, police, health, placement, la in rows:
            missing = [
                label
                for label, present in (
                    ("children's social care", csc),
                    ("police", police),
                    ("health", health),
                    ("the placement", placement or not la),
                )
                if not present
            ]
            if not missing:
                continue
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"meeting:{meeting_id}",
                    due_date=held,
                    detail=(
                        f"The strategy discussion about {name} on {held:%-d %B %Y} was held "
                        f"without {', '.join(missing)}. Working Together 2023 expects social "
                        "care, police and health as a minimum"
                        + (" and, for a looked-after child, the placement" if la else "")
                        + ": reconvene it with them."
                    ),
                    prefill={"meeting": meeting_id},
                )
            )
        return results
