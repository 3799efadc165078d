"""A case closed while a concern, action or assessment is still open."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from safeguard.children.models import InvolvementRole
from safeguard.frontdoor.models import Assessment, CaseClosure
from safeguard.meetings.models import Action, Concern

from ..engine import Check, Finding, Resolution, Source, alive_on, register
from ..models import Severity
from ._home import WT2023


def _open_at(as_of):
    """Exists: something about the closure's child that was open when the case closed is
    still open on as_of."""
    assessments = Assessment.objects.filter(
        child_id=OuterRef("child_id"), started_on__lte=OuterRef("closed_on")
    ).filter(Q(completed_on__isnull=True) | Q(completed_on__gt=as_of))
    found = Exists(assessments)
    concerns = Concern.objects.filter(
        links__child_id=OuterRef("child_id"), raised_on__lte=OuterRef("closed_on")
    ).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))
    actions = Action.objects.filter(
        Q(child_id=OuterRef("child_id"))
        | Q(child__isnull=True, meeting__links__child_id=OuterRef("child_id")),
        meeting__held_on__lte=OuterRef("closed_on"),
    ).filter(Q(completed_on__isnull=True) | Q(completed_on__gt=as_of))
    return found | Exists(concerns) | Exists(actions)


@register
class ClosedWithOpen(Check):
    id = "FD-CLOSED-WITH-OPEN-WORK"
    title = "Case closed with a concern, action or assessment still open"
    severity = Severity.HIGH
    resolution = Resolution(
        "Complete the open assessment (or close the concern or action on the meetings pages)",
        "assessment",
    )
    sources = (Source(WT2023, "Chapter 2: closing a case only when the plan's work is done"),)
    tells = (InvolvementRole.TEAM_MANAGER, InvolvementRole.ALLOCATED_SOCIAL_WORKER)
    description = (
        "The child's latest case closure (`frontdoor.CaseClosure`, on or before the day) was "
        "made while an assessment, a concern or a meeting action about the child was open, "
        "and it is still open on the day. The closure keeps a snapshot of what was open; "
        "this check reads the record as it is now, so completing or closing the item clears "
        "the alert."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            later = CaseClosure.objects.filter(
                child_id=OuterRef("child_id"), closed_on__lte=as_of
            ).filter(
                Q(closed_on__gt=OuterRef("closed_on"))
                | Q(closed_on=OuterRef("closed_on"), pk__gt=OuterRef("pk"))
            )
            return (
                self.restrict(CaseClosure.objects.filter(closed_on__lte=as_of), child_ids)
                .filter(~Exists(later))
                .filter(alive_on(as_of, "child__"))
                .filter(_open_at(as_of))
                .values_list("pk", "child_id", "child__given_name", "closed_on", "open_items")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"closure:{pk}",
                due_date=closed,
                detail=(
                    # The space belongs to the list: with nothing listed (work recorded
                    # after the closure, dated before it) the sentence reads "open." not
                    # "open ." (test_work_recorded_after_the_closure_but_dated_before_it...).
                    f"{name}'s case was closed on {closed:%-d %B %Y} while work was open"
                    + (" (" + "; ".join(i["label"] for i in items) + ")" if items else "")
                    + ". Complete or close what is still open, or reopen the case."
                ),
            )
            for pk, child_id, name, closed, items in rows
        ]
