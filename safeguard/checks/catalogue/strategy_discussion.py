"""A concern of significant harm (or high exploitation risk) with no strategy discussion."""

from __future__ import annotations

from django.db.models import F, Q

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import ConcernChild, ConcernKind, MeetingKind, RiskLevel
from safeguard.meetings.selectors import held_since

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._meeting_sources import REC2, S47, WT2023


@register
class StrategyDiscussionDue(Check):
    id = "CP-STRATEGY-DISCUSSION"
    title = "Concern of significant harm with no strategy discussion"
    severity = Severity.HIGH
    resolution = Resolution(
        "Hold and record the strategy discussion", "meeting:strategy_discussion"
    )
    sources = (
        WT2023,
        S47,
        Source("Local child protection procedures", "within 1 working day", unconfirmed=True),
        REC2,
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.EXPLOITATION_WORKER,
    )
    description = (
        "Each concern recorded as significant harm, or as exploitation graded high risk, "
        "needs a strategy discussion about each child it concerns, held within the "
        "configured working days of the day it was raised. The alert is raised on the first "
        "day after that, and clears when a strategy discussion about the child held on or "
        "after the day the concern was raised is recorded (a late one clears it; the "
        "lateness stays in the alert's history). A concern closed, with a reason, on or "
        "before its due day needs none."
    )
    thresholds = {"working_days": Threshold(1, "Working days after the concern for the discussion")}

    def findings(self, as_of, child_ids=None):
        wd = self.threshold("working_days")

        def query(child_ids):
            return (
                self.restrict(ConcernChild.objects.all(), child_ids)
                .filter(concern__raised_on__lte=as_of)
                .filter(
                    Q(concern__kind=ConcernKind.SIGNIFICANT_HARM)
                    | Q(concern__risk_level=RiskLevel.HIGH)
                )
                .filter(alive_on(as_of, "child__"))
                .annotate(raised=F("concern__raised_on"), closed=F("concern__closed_on"))
                .annotate(due=working_days_after("raised", wd))
                .filter(due__lt=as_of)
                .filter(Q(closed__isnull=True) | Q(closed__gt=F("due")) | Q(closed__gt=as_of))
                .filter(
                    ~held_since(
                        MeetingKind.STRATEGY_DISCUSSION,
                        as_of,
                        child_ref="child_id",
                        since_ref="raised",
                    )
                )
                .values_list(
                    "child_id",
                    "child__given_name",
                    "concern_id",
                    "raised",
                    "due",
                    "concern__kind",
                    "concern__summary",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for child_id, name, concern_id, raised, due, kind, summary in rows:
            what = (
                "significant harm"
                if kind == ConcernKind.SIGNIFICANT_HARM
                else ("exploitation graded high risk")
            )
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"concern:{concern_id}",
                    due_date=due,
                    detail=(
                        f"A concern of {what} about {name} was raised on {raised:%-d %B %Y} "
                        f"(\u201c{summary}\u201d). No strategy discussion is recorded; one was "
                        f"due by {due:%-d %B %Y} ({wd} working day{'s' if wd != 1 else ''}). "
                        "Convene it with children's social care, police and health "
                        "(Working Together 2023; Children Act 1989 s47)."
                    ),
                    prefill={"concern": concern_id},
                )
            )
        return results
