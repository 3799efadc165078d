"""A plan milestone overdue and not reviewed: drift."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import Milestone

from ..engine import Check, Finding, Resolution, Threshold, alive_on, register
from ..models import Severity
from ._meeting_sources import REC6


@register
class MilestoneDrift(Check):
    id = "PLAN-MILESTONE-DRIFT"
    title = "Plan milestone overdue (drift)"
    severity = Severity.MEDIUM
    resolution = Resolution("Review the milestone: achieved or not", "milestone")
    sources = (REC6,)
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.IRO,
        InvolvementRole.TEAM_MANAGER,
    )
    description = (
        "A milestone of an open child in need, child protection, care or pathway plan that "
        "is more than the configured days past its due date and has not been reviewed "
        "(recorded achieved or not achieved). Recommendation 6: \u201cthe milestones set out "
        "in the plan are achieved and not allowed to drift\u201d. Clears when the milestone is "
        "reviewed or its plan ends."
    )
    thresholds = {"drift_days": Threshold(28, "Days past due before it counts as drift", "days")}

    def findings(self, as_of, child_ids=None):
        days = self.threshold("drift_days")

        def query(child_ids):
            return (
                self.restrict(Milestone.objects.filter(set_on__lte=as_of), child_ids)
                .filter(alive_on(as_of, "child__"))
                .filter(due_on__lt=as_of - dt.timedelta(days=days))
                .filter(Q(reviewed_on__isnull=True) | Q(reviewed_on__gt=as_of))
                .filter(Q(episode__end_date__isnull=True) | Q(episode__end_date__gte=as_of))
                .values_list(
                    "child_id", "child__given_name", "pk", "description", "due_on", "episode__kind"
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"milestone:{milestone_id}",
                due_date=due,
                detail=(
                    f"\u201c{description}\u201d, a milestone of {name}'s "
                    f"{kind.replace('_', ' ')} plan, was due by {due:%-d %B %Y} and has not "
                    f"been reviewed ({days} days' grace)."
                ),
                prefill={"milestone": milestone_id},
            )
            for child_id, name, milestone_id, description, due, kind in rows
        ]
