"""A contact or referral with no decision within 1 working day (WT 2023)."""

from __future__ import annotations

from django.db.models import Q

from safeguard.children.models import InvolvementRole
from safeguard.frontdoor.models import Contact

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._home import WT2023


@register
class ReferralDecision(Check):
    id = "FD-REFERRAL-DECISION"
    title = "Contact or referral with no decision within 1 working day"
    severity = Severity.HIGH
    resolution = Resolution("Record the decision", "contact_decision")
    sources = (
        Source(
            WT2023, "Chapter 2, Assessing need: decision on the response within one working day"
        ),
    )
    tells = (InvolvementRole.TEAM_MANAGER, InvolvementRole.ALLOCATED_SOCIAL_WORKER)
    description = (
        "Every contact or referral received by children's social care (`frontdoor.Contact`) "
        "needs a decision (no further action, information and advice, early help, assessment "
        "or strategy discussion) within the configured number of working days of the day it "
        "was received. A contact is counted as well as a referral: it is the front door's "
        "decision that turns a contact into a referral, and a contact left undecided is the "
        "same risk. The alert is raised on the first day after the deadline and clears when "
        "the decision is recorded (a late decision stays in the alert's history). Working "
        "days follow the England and Wales bank holidays (checks/calendar.py)."
    )
    thresholds = {
        "working_days": Threshold(1, "Working days after receipt by which to decide", "days"),
    }

    def findings(self, as_of, child_ids=None):
        days = self.threshold("working_days")

        def query(child_ids):
            return (
                self.restrict(Contact.objects.filter(received_on__lte=as_of), child_ids)
                .filter(alive_on(as_of, "child__"))
                .filter(Q(decided_on__isnull=True) | Q(decided_on__gt=as_of))
                .annotate(due=working_days_after("received_on", days))
                .filter(due__lt=as_of)
                .values_list("pk", "child_id", "child__given_name", "kind", "received_on", "due")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"contact:{pk}",
                due_date=due,
                detail=(
                    f"A {kind} about {name} was received on {received:%-d %B %Y} and has no "
                    f"decision. It was due by {due:%-d %B %Y} ({days} working day"
                    f"{'s' if days != 1 else ''}). Decide the response and record it."
                ),
                prefill={"contact": pk},
            )
            for pk, child_id, name, kind, received, due in rows
        ]
