"""A health assessment's recommendation for a looked-after child is open past its due date."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from safeguard.care.models import HealthRecommendation
from safeguard.children.models import InvolvementRole

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    looked_after_on,
    register,
    under_18_on,
)
from ..models import Severity

# The professional the recommendation names, told by name (not by an involvement role).
OWNER_ROLE = "health_recommendation_owner"
OWNER_LABEL = "Named in the health assessment's recommendation"


@register
class HealthRecommendationOverdue(Check):
    id = "LAC-HEALTH-RECOMMENDATION-OVERDUE"
    title = "A health assessment's recommendation has not been followed up"
    severity = Severity.MEDIUM
    scope_looked_after = True
    ends_at_18 = True
    resolution = Resolution(
        "Record the follow-up of the recommendation (done, or not done and why)",
        "health_recommendation",
    )
    sources = (
        Source(
            "Promoting the health and well-being of looked-after children (statutory "
            "guidance, 2015)",
            "the health plan made from the health assessment's recommendations is acted on, "
            "and its actions are followed up and reviewed at each review of the care plan",
        ),
        Source(
            "Care Planning, Placement and Case Review (England) Regulations 2010",
            "reg 5(b)(i) (the health plan in the care plan) and reg 7 (health assessments)",
        ),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.DESIGNATED_NURSE)
    also_tell = "the professional the recommendation names, when they have an account"
    description = (
        "Each action a looked-after child's health assessment recommends "
        "(`care.HealthRecommendation`: what, who, due by) that has no follow-up recorded "
        "(done, or not done with the reason) more than the configured grace days after its "
        "due date, for a child under 18 looked after on the day. One alert per "
        "recommendation, due on its due date, told to the professional it names (by name) "
        "as well as the social worker and the looked-after children's nurse. Cleared by "
        "recording the follow-up, from the alert; it ends (not resolved) when the child "
        "leaves care, turns 18 or dies."
    )
    thresholds = {
        "grace_days": Threshold(0, "Days after the due date before the alert", "days"),
    }

    def findings(self, as_of, child_ids=None):
        cutoff = as_of - dt.timedelta(days=self.threshold("grace_days"))

        def query(child_ids):
            return (
                self.restrict(HealthRecommendation.objects.all(), child_ids)
                .filter(due_on__lt=cutoff, assessment__date__lte=as_of)
                .filter(Q(followed_up_on__isnull=True) | Q(followed_up_on__gt=as_of))
                .filter(alive_on(as_of, "child__"), under_18_on(as_of, "child__"))
                .filter(looked_after_on(as_of, "child_id"))
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "action",
                    "due_on",
                    "owner_id",
                    "owner__first_name",
                    "owner__last_name",
                    "owner_name",
                    "assessment__date",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for pk, child_id, name, action, due, owner_id, first, last, owner_name, assessed in rows:
            who = f"{first} {last}".strip() if owner_id else owner_name
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"recommendation:{pk}",
                    due_date=due,
                    detail=(
                        f"{name}'s health assessment of {assessed:%-d %B %Y} recommended: "
                        f"\u201c{action}\u201d, by {who}, due by {due:%-d %B %Y}. No follow-up "
                        "is recorded. Find out whether it was done and record it (or why it "
                        "was not), so the next review of the care plan can act on it."
                    ),
                    prefill={"recommendation": pk},
                    recipients=((owner_id, OWNER_ROLE),) if owner_id else (),
                )
            )
        return results
