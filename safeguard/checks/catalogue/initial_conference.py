"""Initial child protection conference later than 15 working days after the strategy
discussion that started the section 47 enquiry."""

from __future__ import annotations

from django.db.models import F, Q

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import MeetingKind, S47Enquiry, S47Outcome
from safeguard.meetings.selectors import held_since

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity


@register
class InitialConferenceDue(Check):
    id = "CP-INITIAL-CONFERENCE"
    title = "Initial child protection conference not held within 15 working days"
    severity = Severity.HIGH
    resolution = Resolution("Hold and record the initial conference", "meeting:initial_conference")
    sources = (
        Source(
            "Working Together to Safeguard Children 2023",
            "initial child protection conference within 15 working days of the strategy "
            "discussion at which section 47 enquiries were initiated",
        ),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "For each section 47 enquiry, an initial conference about the child is due within "
        "the configured working days of the strategy discussion that started it, unless the "
        "enquiry has concluded (on or before the day) that the concerns were not "
        "substantiated, or substantiated without a likelihood of significant harm. Clears "
        "when an initial conference held on or after the strategy discussion is recorded."
    )
    thresholds = {"working_days": Threshold(15, "Working days after the strategy discussion")}

    def findings(self, as_of, child_ids=None):
        wd = self.threshold("working_days")
        no_conference_needed = Q(
            completed_on__lte=as_of,
            outcome__in=(S47Outcome.SUBSTANTIATED, S47Outcome.NOT_SUBSTANTIATED),
        )

        def query(child_ids):
            return (
                self.restrict(S47Enquiry.objects.filter(started_on__lte=as_of), child_ids)
                .exclude(no_conference_needed)
                .filter(alive_on(as_of, "child__"))
                .annotate(sd=F("strategy_discussion__held_on"))
                .annotate(due=working_days_after("sd", wd))
                .filter(due__lt=as_of)
                .filter(
                    ~held_since(
                        MeetingKind.INITIAL_CONFERENCE, as_of, child_ref="child_id", since_ref="sd"
                    )
                )
                .values_list("child_id", "child__given_name", "pk", "sd", "due")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"s47:{enquiry_id}",
                due_date=due,
                detail=(
                    f"The section 47 enquiry about {name} began at the strategy discussion on "
                    f"{sd:%-d %B %Y}. No initial child protection conference is recorded; it "
                    f"was due by {due:%-d %B %Y} ({wd} working days)."
                ),
                prefill={"s47": enquiry_id},
            )
            for child_id, name, enquiry_id, sd, due in rows
        ]
