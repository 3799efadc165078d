"""Child protection visits: not made within the interval, or two in a row without seeing
the child."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Greatest

from safeguard.children.models import Child, InvolvementRole
from safeguard.episodes.models import EpisodeKind

from ..calendar import working_days_after
from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    current_events,
    register,
)
from ..models import Severity
from ._home import NOT_SEEN, PLANS, WT2023, child_seen, on_plan, plan_start, with_outcome

CP = (EpisodeKind.CHILD_PROTECTION,)


@register
class CPVisits(Check):
    id = "FD-CP-VISITS"
    title = "Child protection visit overdue"
    severity = Severity.HIGH
    resolution = Resolution("Record the visit", "event:social_worker_visit")
    record_types = ("social_worker_visit",)
    sources = (
        Source(WT2023, "Chapter 4: the child protection plan sets how often the child is seen"),
        Source(
            "Local procedure: the child seen at least every 10 working days",
            "interval configurable",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "For a child with a child protection plan open on the day: the child is to be seen "
        "(a chronology `social_worker_visit` whose outcome is not `not_seen`, `no_access` or "
        "`refused`) within the configured number of working days of the plan starting, then "
        "of the last visit at which they were seen. A visit without seeing the child does "
        "not stop the clock. Clears when a visit seeing the child is recorded."
    )
    thresholds = {
        "working_days": Threshold(10, "Working days between visits seeing the child", "days"),
    }

    def findings(self, as_of, child_ids=None):
        days = self.threshold("working_days")

        def query(child_ids):
            seen = with_outcome(current_events("social_worker_visit", as_of)).filter(
                child_seen(), child_id=OuterRef("pk")
            )
            last_seen = seen.filter(occurred_on__gte=OuterRef("plan_from")).order_by("-occurred_on")
            return (
                self.restrict(Child.objects.filter(alive_on(as_of)), child_ids, "pk")
                .filter(on_plan(as_of, "pk", CP))
                .annotate(plan_from=plan_start(as_of, "pk", CP))
                .annotate(last_seen=Subquery(last_seen.values("occurred_on")[:1]))
                .annotate(clock_from=Greatest("plan_from", "last_seen"))
                .annotate(plan_due=working_days_after("plan_from", days))
                .annotate(visit_due=working_days_after("clock_from", days))
                .filter(
                    Q(last_seen__isnull=True, plan_due__lt=as_of)
                    | Q(last_seen__isnull=False, visit_due__lt=as_of)
                )
                .values_list("pk", "given_name", "plan_from", "last_seen", "plan_due", "visit_due")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for pk, name, plan_from, last, plan_due, visit_due in rows:
            if last is None:
                due = plan_due
                since = f"the plan started on {plan_from:%-d %B %Y}"
            else:
                due = visit_due
                since = f"{name} was last seen on {last:%-d %B %Y}"
            results.append(
                Finding(
                    child_id=pk,
                    subject_key="cp-visit",
                    due_date=due,
                    detail=(
                        f"{name} is on a child protection plan; {since} and a visit seeing them "
                        f"was due by {due:%-d %B %Y} (every {days} working days). Visit and "
                        "record it."
                    ),
                    record_link="chronology",
                )
            )
        return results


@register
class VisitsNotSeen(Check):
    id = "FD-VISITS-NOT-SEEN"
    title = "Two visits in a row without seeing the child"
    severity = Severity.HIGH
    resolution = Resolution("Record a visit seeing the child", "event:social_worker_visit")
    record_types = ("social_worker_visit",)
    sources = (
        Source(WT2023, "Chapter 4: the child seen; no access escalated"),
        Source(
            "Local procedure: escalate after two consecutive no-access visits",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "For a child with a child in need or child protection plan open on the day: the "
        "latest two visits (chronology `social_worker_visit`, current entries) both had "
        "outcome `not_seen`, `no_access` or `refused`. Raised on the day of the second; "
        "clears when a visit seeing the child is recorded."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            visits = with_outcome(current_events("social_worker_visit", as_of))
            later = visits.filter(child_id=OuterRef("child_id")).filter(
                Q(occurred_at__gt=OuterRef("occurred_at"))
                | Q(occurred_at=OuterRef("occurred_at"), pk__gt=OuterRef("pk"))
            )
            earlier = (
                visits.filter(child_id=OuterRef("child_id"))
                .filter(
                    Q(occurred_at__lt=OuterRef("occurred_at"))
                    | Q(occurred_at=OuterRef("occurred_at"), pk__lt=OuterRef("pk"))
                )
                .order_by("-occurred_at", "-pk")
            )
            return (
                self.restrict(visits, child_ids)
                .filter(outcome__in=NOT_SEEN)
                .filter(~Exists(later))
                .filter(alive_on(as_of, "child__"), on_plan(as_of, "child_id", PLANS))
                .annotate(previous=Subquery(earlier.values("outcome")[:1]))
                .annotate(previous_on=Subquery(earlier.values("occurred_on")[:1]))
                .filter(previous__in=NOT_SEEN)
                .values_list(
                    "child_id", "child__given_name", "occurred_on", "outcome", "previous_on"
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key="visits-not-seen",
                due_date=on,
                detail=(
                    f"The last two visits to {name} ({previous_on:%-d %B %Y} and "
                    f"{on:%-d %B %Y}, the last {outcome.replace('_', ' ')}) did not see them. "
                    "Escalate to your manager and see the child."
                ),
                record_link="chronology",
            )
            for child_id, name, on, outcome, previous_on in rows
        ]
