"""A worker absent with no cover for their children on plans."""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery

from safeguard.children.models import Involvement, InvolvementRole
from safeguard.frontdoor.models import WorkerAbsence

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._home import WT2023, on_plan


@register
class AbsenceNoCover(Check):
    id = "FD-ABSENCE-NO-COVER"
    title = "Allocated worker absent with no cover"
    severity = Severity.HIGH
    resolution = Resolution("Record who covers", "worker_absence")
    sources = (
        Source(WT2023, "Chapter 4: the lead practitioner's responsibilities continue"),
        Source(
            "Local procedure: cover arranged within 3 working days of an absence",
            "time configurable",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.TEAM_MANAGER,)
    description = (
        "For a child with a child in need or child protection plan open on the day whose "
        "allocated social worker is away (`frontdoor.WorkerAbsence` covering the day) with "
        "nobody recorded as covering, once the absence has lasted past the configured number "
        "of working days. Clears when cover is recorded or the worker is back."
    )
    thresholds = {
        "working_days": Threshold(3, "Working days of absence before cover is due", "days"),
    }

    def findings(self, as_of, child_ids=None):
        days = self.threshold("working_days")

        def query(child_ids):
            uncovered = (
                WorkerAbsence.objects.filter(
                    professional_id=OuterRef("professional_id"),
                    covered_by__isnull=True,
                    start_date__lte=as_of,
                )
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
                # Two absences from the same day: the first recorded, in both subqueries, so
                # the alert's subject (and the absence it prefills) is the same every sweep.
                .order_by("start_date", "pk")
            )
            return (
                self.restrict(
                    Involvement.objects.current(as_of).filter(
                        role=InvolvementRole.ALLOCATED_SOCIAL_WORKER
                    ),
                    child_ids,
                )
                .filter(alive_on(as_of, "child__"), on_plan(as_of))
                .annotate(away_from=Subquery(uncovered.values("start_date")[:1]))
                .annotate(absence=Subquery(uncovered.values("pk")[:1]))
                .filter(away_from__isnull=False)
                .annotate(due=working_days_after("away_from", days))
                .filter(due__lt=as_of)
                .values_list(
                    "child_id",
                    "child__given_name",
                    "professional__first_name",
                    "professional__last_name",
                    "away_from",
                    "due",
                    "absence",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"absence:{absence}",
                due_date=due,
                detail=(
                    f"{name}'s allocated social worker, {first} {last}, has been away since "
                    f"{away:%-d %B %Y} and nobody is recorded as covering. Cover was due by "
                    f"{due:%-d %B %Y}."
                ),
                prefill={"absence": absence},
            )
            for child_id, name, first, last, away, due, absence in rows
        ]
