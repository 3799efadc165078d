"""An assessment not completed within 45 working days of the referral (WT 2023)."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Coalesce

from safeguard.children.models import InvolvementRole
from safeguard.frontdoor.models import Assessment

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._home import WT2023


@register
class AssessmentTimescale(Check):
    id = "FD-ASSESSMENT-45WD"
    title = "Assessment not completed within 45 working days of the referral"
    severity = Severity.MEDIUM
    resolution = Resolution("Complete the assessment", "assessment")
    sources = (Source(WT2023, "Chapter 2: maximum 45 working days from the point of referral"),)
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "An assessment (`frontdoor.Assessment`) open on the day is due within the "
        "configured number of working days of the referral: the day its contact or referral "
        "was received, or, when none is linked, the day the assessment started. An "
        "assessment left open when its worker changes stays open and keeps counting. The "
        "alert clears when the assessment is completed."
    )
    thresholds = {
        "working_days": Threshold(45, "Working days from the referral to completion", "days"),
    }

    def findings(self, as_of, child_ids=None):
        days = self.threshold("working_days")

        def query(child_ids):
            return (
                self.restrict(Assessment.objects.filter(started_on__lte=as_of), child_ids)
                .filter(alive_on(as_of, "child__"))
                .filter(Q(completed_on__isnull=True) | Q(completed_on__gt=as_of))
                .annotate(referral_on=Coalesce("contact__received_on", "started_on"))
                .annotate(due=working_days_after("referral_on", days))
                .filter(due__lt=as_of)
                .values_list(
                    "pk", "child_id", "child__given_name", "referral_on", "due", "worker__username"
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"assessment:{pk}",
                due_date=due,
                detail=(
                    f"{name}'s assessment (referral {referral:%-d %B %Y}) is not completed. "
                    f"It was due by {due:%-d %B %Y}, {days} working days after the referral"
                    + (f"; its worker is {worker}" if worker else "; it has no worker")
                    + ". Complete it, or record why it is taking longer."
                ),
                prefill={"assessment": pk},
            )
            for pk, child_id, name, referral, due, worker in rows
        ]
