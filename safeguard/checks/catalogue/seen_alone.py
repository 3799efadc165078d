"""An assessment completed without the child seen alone and no reason recorded."""

from __future__ import annotations

from django.db.models import Q

from safeguard.children.models import InvolvementRole
from safeguard.frontdoor.models import Assessment

from ..engine import Check, Finding, Resolution, Source, alive_on, register
from ..models import Severity
from ._home import WT2023


@register
class SeenAlone(Check):
    id = "FD-ASSESSMENT-SEEN-ALONE"
    title = "Assessment completed without the child seen alone and no reason recorded"
    severity = Severity.HIGH
    resolution = Resolution("Record whether the child was seen alone", "assessment")
    sources = (Source(WT2023, "Chapter 2: children seen alone as part of the assessment"),)
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "An assessment completed on or before the day where the child was not recorded as "
        "seen alone (not seen, or seen but not alone) and no reason is recorded. Raised on "
        "the day it was completed; clears when the assessment records the child seen alone "
        "or the reason they were not."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            return (
                self.restrict(Assessment.objects.filter(completed_on__lte=as_of), child_ids)
                .filter(alive_on(as_of, "child__"))
                .filter(Q(seen_alone__isnull=True) | Q(seen_alone=False))
                .filter(not_seen_alone_reason="")
                .values_list("pk", "child_id", "child__given_name", "completed_on", "child_seen_on")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"assessment:{pk}",
                due_date=completed,
                detail=(
                    f"{name}'s assessment was completed on {completed:%-d %B %Y} "
                    + (
                        "without the child being seen"
                        if seen is None
                        else "without the child seen alone"
                    )
                    + ", and no reason is recorded. Record why, or see the child alone."
                ),
                prefill={"assessment": pk},
            )
            for pk, child_id, name, completed, seen in rows
        ]
