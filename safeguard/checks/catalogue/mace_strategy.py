"""A MACE or missing meeting records a risk of significant harm and no strategy discussion
follows: the meeting used in place of child protection procedures."""

from __future__ import annotations

from django.db.models import F

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import RISK_MEETINGS, MeetingKind
from safeguard.meetings.selectors import held_links, held_since

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._meeting_sources import REC2, WT2023


@register
class RiskMeetingWithoutStrategyDiscussion(Check):
    id = "MACE-NO-STRATEGY-DISCUSSION"
    title = "MACE or missing meeting found significant harm; no strategy discussion followed"
    severity = Severity.HIGH
    resolution = Resolution(
        "Hold and record the strategy discussion", "meeting:strategy_discussion"
    )
    sources = (
        REC2,
        WT2023,
        Source(
            "Local MACE protocols",
            "MACE does not replace child protection procedures; within 1 working day",
            unconfirmed=True,
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.EXPLOITATION_WORKER,
    )
    description = (
        "A MACE (multi-agency child exploitation) meeting or a missing-from-care review "
        "meeting that recorded a risk of significant harm to a child needs a strategy "
        "discussion about that child within the configured working days: Recommendation 2 "
        "says these meetings \u201cmust not be used in place of child protection "
        "procedures\u201d. The alert clears when a strategy discussion about the child held "
        "on or after the meeting's day is recorded."
    )
    thresholds = {"working_days": Threshold(1, "Working days after the meeting")}

    def findings(self, as_of, child_ids=None):
        wd = self.threshold("working_days")

        def query(child_ids):
            return (
                self.restrict(held_links(RISK_MEETINGS, as_of), child_ids)
                .filter(meeting__significant_harm_risk=True)
                .filter(alive_on(as_of, "child__"))
                .annotate(held=F("meeting__held_on"))
                .annotate(due=working_days_after("held", wd))
                .filter(due__lt=as_of)
                .filter(
                    ~held_since(
                        MeetingKind.STRATEGY_DISCUSSION,
                        as_of,
                        child_ref="child_id",
                        since_ref="held",
                    )
                )
                .values_list(
                    "child_id", "child__given_name", "meeting_id", "meeting__kind", "held", "due"
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        labels = dict(MeetingKind.choices)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"meeting:{meeting_id}",
                due_date=due,
                detail=(
                    f"The {labels[kind]} on {held:%-d %B %Y} recorded a risk of significant "
                    f"harm to {name}, and no strategy discussion followed (due by "
                    f"{due:%-d %B %Y}). A MACE or missing meeting must not be used in place "
                    "of child protection procedures (Recommendation 2)."
                ),
                prefill={"meeting": meeting_id},
            )
            for child_id, name, meeting_id, kind, held, due in rows
        ]
