"""High exploitation risk with no MACE meeting convened in time."""

from __future__ import annotations

from django.db.models import F, Q

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import ConcernChild, ConcernKind, MeetingKind, RiskLevel
from safeguard.meetings.selectors import held_since

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._meeting_sources import REC3


@register
class MaceNotConvened(Check):
    id = "MACE-NOT-CONVENED"
    title = "High exploitation risk and no MACE meeting in time"
    severity = Severity.HIGH
    resolution = Resolution("Hold and record the MACE meeting", "meeting:mace")
    sources = (
        REC3,
        Source("Local MACE protocols", "MACE within 10 working days", unconfirmed=True),
    )
    tells = (
        InvolvementRole.EXPLOITATION_WORKER,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
    )
    description = (
        "An exploitation concern graded high risk needs a MACE meeting about the child "
        "within the configured working days of the grading (Recommendation 3: \u201cMACE "
        "meetings are convened in a timely fashion\u201d). Clears when a MACE meeting about "
        "the child held on or after the grading is recorded, or if the concern was closed "
        "with a reason on or before the due day."
    )
    thresholds = {"working_days": Threshold(10, "Working days after the high-risk grading")}

    def findings(self, as_of, child_ids=None):
        wd = self.threshold("working_days")

        def query(child_ids):
            return (
                self.restrict(ConcernChild.objects.all(), child_ids)
                .filter(
                    concern__kind=ConcernKind.EXPLOITATION,
                    concern__risk_level=RiskLevel.HIGH,
                    concern__raised_on__lte=as_of,
                )
                .filter(alive_on(as_of, "child__"))
                .annotate(raised=F("concern__raised_on"), closed=F("concern__closed_on"))
                .annotate(due=working_days_after("raised", wd))
                .filter(due__lt=as_of)
                .filter(Q(closed__isnull=True) | Q(closed__gt=F("due")) | Q(closed__gt=as_of))
                .filter(
                    ~held_since(MeetingKind.MACE, as_of, child_ref="child_id", since_ref="raised")
                )
                .values_list("child_id", "child__given_name", "concern_id", "raised", "due")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"concern:{concern_id}",
                due_date=due,
                detail=(
                    f"{name}'s exploitation risk was graded high on {raised:%-d %B %Y}. No "
                    f"MACE meeting is recorded; one was due by {due:%-d %B %Y} ({wd} working "
                    "days)."
                ),
                prefill={"concern": concern_id},
            )
            for child_id, name, concern_id, raised, due in rows
        ]
