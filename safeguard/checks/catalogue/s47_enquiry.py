"""A strategy discussion decided on a section 47 enquiry and none is recorded."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import MeetingKind, S47Enquiry, StrategyOutcome
from safeguard.meetings.selectors import held_links

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._meeting_sources import S47, WT2023


@register
class S47NotStarted(Check):
    id = "CP-S47-NO-ENQUIRY"
    title = "Section 47 enquiry decided but not recorded"
    severity = Severity.HIGH
    resolution = Resolution("Record the section 47 enquiry", "s47_enquiry")
    sources = (
        S47,
        WT2023,
        Source("Local child protection procedures", "start within 1 working day", unconfirmed=True),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "A strategy discussion whose outcome was a section 47 enquiry needs that enquiry "
        "recorded for each child it concerned, started within the configured working days. "
        "Clears when an enquiry linked to that strategy discussion is recorded."
    )
    thresholds = {"working_days": Threshold(1, "Working days after the strategy discussion")}

    def findings(self, as_of, child_ids=None):
        wd = self.threshold("working_days")

        def query(child_ids):
            enquiry = S47Enquiry.objects.filter(
                child_id=OuterRef("child_id"),
                strategy_discussion_id=OuterRef("meeting_id"),
                started_on__lte=as_of,
            )
            return (
                self.restrict(held_links(MeetingKind.STRATEGY_DISCUSSION, as_of), child_ids)
                .filter(meeting__strategy_outcome=StrategyOutcome.SECTION_47)
                .filter(alive_on(as_of, "child__"))
                .annotate(held=F("meeting__held_on"))
                .annotate(due=working_days_after("held", wd))
                .filter(due__lt=as_of)
                .filter(~Exists(enquiry))
                .values_list("child_id", "child__given_name", "meeting_id", "held", "due")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"meeting:{meeting_id}",
                due_date=due,
                detail=(
                    f"The strategy discussion on {held:%-d %B %Y} decided on a section 47 "
                    f"enquiry about {name}; none is recorded (due to start by {due:%-d %B %Y})."
                ),
                prefill={"meeting": meeting_id},
            )
            for child_id, name, meeting_id, held, due in rows
        ]
