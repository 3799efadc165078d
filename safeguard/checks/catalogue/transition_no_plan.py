"""A 16-17-year-old with a chronic condition moved to adult services with no transition plan."""

from __future__ import annotations

from django.db.models import Exists, Min, OuterRef

from safeguard.children.models import InvolvementRole
from safeguard.health.models import Appointment, AppointmentService, TransitionPlan

from ..engine import Check, Finding, Resolution, Source, alive_on, register, years_before
from ..models import Severity
from .placement_health_info import chronic_on


@register
class TransitionWithoutPlan(Check):
    id = "HEALTH-TRANSITION-NO-PLAN"
    title = "Moved to adult health services with no transition plan"
    severity = Severity.MEDIUM
    ends_at_18 = True
    resolution = Resolution("Record the transition plan", "transition_plan")
    sources = (
        Source("NICE guideline NG43 (2016)", "Transition from children's to adults' services"),
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendation 9"),
    )
    tells = (
        InvolvementRole.GP,
        InvolvementRole.DESIGNATED_NURSE,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
    )
    description = (
        "A young person aged 16 or 17 on the day, with a chronic condition, who has had an "
        "appointment with adult services (`Appointment.service` adult) by the day and no "
        "transition plan (`health.TransitionPlan`) dated on or before the day."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            plan = TransitionPlan.objects.filter(child_id=OuterRef("child_id"), date__lte=as_of)
            return (
                self.restrict(
                    Appointment.objects.filter(service=AppointmentService.ADULT, date__lte=as_of),
                    child_ids,
                )
                .filter(alive_on(as_of, "child__"), chronic_on(as_of))
                .filter(
                    child__date_of_birth__lte=years_before(as_of, 16),
                    child__date_of_birth__gt=years_before(as_of, 18),
                )
                .filter(~Exists(plan))
                .values("child_id", "child__given_name")
                .annotate(first=Min("date"))
                .values_list("child_id", "child__given_name", "first")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key="transition",
                due_date=first,
                detail=(
                    f"{name} is 16 or 17, has a chronic condition and was seen by adult "
                    f"services from {first:%-d %B %Y}, but no plan for the move from "
                    "paediatric to adult services is recorded (who leads, what changes, "
                    "a named worker)."
                ),
            )
            for child_id, name, first in rows
        ]
