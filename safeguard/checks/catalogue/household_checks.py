"""A new adult in the household of a child in need or on a plan, with no checks asked for."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q

from safeguard.children.models import InvolvementRole
from safeguard.frontdoor.models import AdultCheck, HouseholdMember

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._home import WT2023, on_plan, plan_start


@register
class HouseholdChecks(Check):
    id = "FD-NEW-ADULT-NO-CHECKS"
    title = "New adult in the household with no checks requested"
    severity = Severity.HIGH
    resolution = Resolution("Request checks on the adult", "adult_check")
    sources = (
        Source(WT2023, "Chapter 2: understanding who is in the household and their history"),
        Source(
            "Local procedure: checks within 5 working days of an adult joining",
            "time configurable",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "An adult who came to live with a child while the child's child in need or child "
        "protection plan was open (on or after the plan started), with no check on them "
        "(police or another agency, `frontdoor.AdultCheck`) requested since they joined. "
        "Due the configured number of working days after they joined. Adults who were "
        "there before the plan are the assessment's business, not this check's. An adult "
        "who left before the day is not counted. Clears when a check is requested (or the "
        "adult leaves, or the plan ends)."
    )
    thresholds = {
        "working_days": Threshold(5, "Working days after joining to request checks", "days"),
    }

    def findings(self, as_of, child_ids=None):
        days = self.threshold("working_days")

        def query(child_ids):
            checked = AdultCheck.objects.filter(
                child_id=OuterRef("child_id"),
                person_id=OuterRef("person_id"),
                requested_on__gte=OuterRef("joined_on"),
                requested_on__lte=as_of,
            )
            return (
                self.restrict(
                    HouseholdMember.objects.filter(adult=True, joined_on__lte=as_of), child_ids
                )
                .filter(Q(left_on__isnull=True) | Q(left_on__gt=as_of))
                .filter(alive_on(as_of, "child__"), on_plan(as_of))
                .filter(~Exists(checked))
                .annotate(plan_from=plan_start(as_of))
                .filter(joined_on__gte=F("plan_from"))
                .annotate(due=working_days_after("joined_on", days))
                .filter(due__lt=as_of)
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "person__given_name",
                    "person__family_name",
                    "joined_on",
                    "due",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"household:{pk}",
                due_date=due,
                detail=(
                    f"{given} {family}".strip()
                    + f" came to live with {name} on {joined:%-d %B %Y} and no police or "
                    f"other agency check on them is requested. Checks were due by "
                    f"{due:%-d %B %Y}."
                ),
                prefill={"household_member": pk},
            )
            for pk, child_id, name, given, family, joined, due in rows
        ]
