"""A child protection plan lasting more than 2 years without a review conference since."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef

from safeguard.children.models import InvolvementRole
from safeguard.core.dates import years_later
from safeguard.episodes.models import Episode, EpisodeKind
from safeguard.meetings.models import MeetingKind
from safeguard.meetings.selectors import held_links

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    month_key,
    register,
)
from ..models import Severity


@register
class LongChildProtectionPlan(Check):
    id = "CP-PLAN-OVER-2-YEARS"
    title = "Child protection plan over 2 years"
    severity = Severity.MEDIUM
    resolution = Resolution("Consider the plan at a review conference", "meeting:review_conference")
    sources = (
        Source(
            "Working Together to Safeguard Children 2023",
            "plans lasting two years or more reviewed with senior oversight",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.TEAM_MANAGER, InvolvementRole.ALLOCATED_SOCIAL_WORKER)
    description = (
        "A child protection plan open for more than the configured years needs a review "
        "conference held on or after its anniversary to consider why it continues. Clears "
        "when that conference is recorded or the plan ends."
    )
    thresholds = {"years": Threshold(2, "Years", "years")}

    def findings(self, as_of, child_ids=None):
        years = self.threshold("years")
        as_of_key = (as_of.year * 12 + as_of.month) * 32 + as_of.day

        def query(child_ids):
            reviewed = (
                held_links(MeetingKind.REVIEW_CONFERENCE, as_of)
                .annotate(held_key=month_key(F("meeting__held_on")))
                .filter(child_id=OuterRef("child_id"), held_key__gte=OuterRef("anniversary_key"))
            )
            return (
                self.restrict(Episode.objects.open_on(as_of), child_ids)
                .filter(kind=EpisodeKind.CHILD_PROTECTION)
                .filter(alive_on(as_of, "child__"))
                .annotate(anniversary_key=month_key(F("start_date")) + 32 * 12 * years)
                .filter(anniversary_key__lt=as_of_key)
                .filter(~Exists(reviewed))
                .values_list("child_id", "child__given_name", "pk", "start_date")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for child_id, name, plan_id, start in rows:
            due = years_later(start, years)
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"plan:{plan_id}",
                    due_date=due,
                    detail=(
                        f"{name}'s child protection plan began on {start:%-d %B %Y} and has "
                        f"lasted more than {years} years. Consider it at a review conference."
                    ),
                )
            )
        return results
