"""Review child protection conferences: the first within 3 months, then every 6 months."""

from __future__ import annotations

from django.db.models import F, OuterRef, Q, Subquery

from safeguard.children.models import InvolvementRole
from safeguard.core.dates import add_months
from safeguard.episodes.models import Episode, EpisodeKind
from safeguard.meetings.models import MeetingKind
from safeguard.meetings.selectors import held_links

from ..engine import (
    Check,
    Finding,
    Resolution,
    Threshold,
    alive_on,
    month_key,
    register,
)
from ..models import Severity
from ._meeting_sources import WT2023_CONFERENCES


def last_held(kind, as_of, since_ref="start_date"):
    return Subquery(
        held_links(kind, as_of)
        .filter(child_id=OuterRef("child_id"), meeting__held_on__gte=OuterRef(since_ref))
        .order_by("-meeting__held_on")
        .values("meeting__held_on")[:1]
    )


@register
class ReviewConferenceDue(Check):
    id = "CP-REVIEW-CONFERENCE"
    title = "Review child protection conference overdue"
    severity = Severity.HIGH
    resolution = Resolution("Hold and record the review conference", "meeting:review_conference")
    sources = (WT2023_CONFERENCES,)
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "While a child protection plan (episode) is open: the first review conference is "
        "due within the configured months of the plan's start (the initial conference), "
        "then each within the configured months of the last. Clears when a review "
        "conference is recorded or the plan ends."
    )
    thresholds = {
        "first_months": Threshold(3, "Months from the initial conference to the first review"),
        "then_months": Threshold(6, "Months between review conferences"),
    }

    def findings(self, as_of, child_ids=None):
        first, then = self.threshold("first_months"), self.threshold("then_months")
        as_of_key = (as_of.year * 12 + as_of.month) * 32 + as_of.day

        def query(child_ids):
            return (
                self.restrict(Episode.objects.open_on(as_of), child_ids)
                .filter(kind=EpisodeKind.CHILD_PROTECTION)
                .filter(alive_on(as_of, "child__"))
                .annotate(last=last_held(MeetingKind.REVIEW_CONFERENCE, as_of))
                .annotate(start_key=month_key(F("start_date")), last_key=month_key(F("last")))
                .filter(
                    Q(last__isnull=True, start_key__lt=as_of_key - 32 * first)
                    | Q(last__isnull=False, last_key__lt=as_of_key - 32 * then)
                )
                .values_list("child_id", "child__given_name", "start_date", "last")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for child_id, name, start, last in rows:
            due = add_months(last, then) if last else add_months(start, first)
            since = (
                f"the last review conference on {last:%-d %B %Y}"
                if last
                else (f"the plan began on {start:%-d %B %Y}")
            )
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"after:{(last or start).isoformat()}",
                    due_date=due,
                    detail=(
                        f"{name} has a child protection plan; {since}. A review conference "
                        f"was due by {due:%-d %B %Y} and none is recorded."
                    ),
                )
            )
        return results
