"""An adult with a history of violence or offences against children in the household of a
child on a plan."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from safeguard.children.models import InvolvementRole
from safeguard.frontdoor.models import AdultCheck, HouseholdMember

from ..engine import Check, Finding, Resolution, Source, alive_on, register
from ..models import Severity
from ._home import WT2023, on_plan


@register
class FlaggedAdult(Check):
    id = "FD-FLAGGED-ADULT-IN-HOUSEHOLD"
    title = "Adult with a history of violence or offences against children in the household"
    severity = Severity.HIGH
    resolution = Resolution("Record the adult leaving the household", "household")
    sources = (Source(WT2023, "Chapter 2: risk from adults in the household; Chapter 4 (s47)"),)
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "A child with a child in need or child protection plan open on the day lives with "
        "an adult whom a check (`frontdoor.AdultCheck`, for this child or any other) has "
        "found to have a history of violence or offences against children. Only the days "
        "the adult lives there count: an adult who left is not flagged for later days. "
        "Clears when the adult leaves or the plan ends; otherwise the team records its "
        "safety plan and closes the alert with that reason."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            flagged = AdultCheck.objects.filter(
                person_id=OuterRef("person_id"), risk_to_children=True, result_on__lte=as_of
            )
            return (
                self.restrict(HouseholdMember.objects.filter(joined_on__lte=as_of), child_ids)
                .filter(Q(left_on__isnull=True) | Q(left_on__gt=as_of))
                .filter(alive_on(as_of, "child__"), on_plan(as_of))
                .filter(Exists(flagged))
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "person__given_name",
                    "person__family_name",
                    "joined_on",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"household:{pk}",
                due_date=as_of if joined < as_of else joined,
                detail=(
                    f"{given} {family}".strip()
                    + f", living with {name} since {joined:%-d %B %Y}, has a recorded "
                    "history of violence or offences against children. Consider a strategy "
                    "discussion and a safety plan."
                ),
            )
            for pk, child_id, name, given, family, joined in rows
        ]
