"""Three or more contacts in 12 months closed with no further action: a manager reviews
the cumulative picture."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Subquery

from safeguard.children.models import Child, InvolvementRole
from safeguard.frontdoor.models import Contact, ContactDecision

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
from ._home import WT2023


@register
class RepeatNFA(Check):
    id = "FD-REPEAT-NFA"
    title = "Repeated contacts closed with no further action: review the cumulative picture"
    severity = Severity.HIGH
    resolution = Resolution("Record the manager's review", "event:cumulative_review")
    record_types = ("cumulative_review",)
    sources = (
        Source(
            WT2023,
            "Chapter 2: practitioners consider the cumulative effect of repeated concerns",
        ),
        Source(
            "Local threshold: 3 contacts closed NFA in 12 months",
            "number and window configurable",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.TEAM_MANAGER, InvolvementRole.ALLOCATED_SOCIAL_WORKER)
    description = (
        "When the configured number of contacts or referrals about a child were decided "
        "'no further action' within the configured window (counted back from the day), a "
        "manager reviews the cumulative picture and records it (chronology "
        "`cumulative_review`). A review dated on or after the latest of those decisions "
        "clears the alert; a further contact closed NFA after the review raises it again."
    )
    thresholds = {
        "contacts": Threshold(3, "Contacts closed NFA that call for a review"),
        "window_days": Threshold(365, "Window in days", "days"),
    }

    def findings(self, as_of, child_ids=None):
        n = self.threshold("contacts")
        since = as_of - dt.timedelta(days=self.threshold("window_days") - 1)

        def query(child_ids):
            nfa = Contact.objects.filter(
                child_id=OuterRef("pk"),
                decision=ContactDecision.NFA,
                decided_on__gte=since,
                decided_on__lte=as_of,
            )
            counted = nfa.order_by().values("child_id").annotate(c=Count("pk")).values("c")
            latest = nfa.order_by().values("child_id").annotate(m=Max("decided_on")).values("m")
            reviewed = current_events("cumulative_review", as_of).filter(
                child_id=OuterRef("pk"), occurred_on__gte=OuterRef("latest_nfa")
            )
            return (
                self.restrict(Child.objects.filter(alive_on(as_of)), child_ids, "pk")
                .annotate(
                    nfa_count=Subquery(counted, output_field=IntegerField()),
                    latest_nfa=Subquery(latest),
                )
                .filter(nfa_count__gte=n)
                .filter(~Exists(reviewed))
                .values_list("pk", "given_name", "nfa_count", "latest_nfa")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=pk,
                subject_key="repeat-nfa",
                due_date=latest,
                detail=(
                    f"{count} contacts about {name} since {since:%-d %B %Y} were closed with "
                    f"no further action, the latest on {latest:%-d %B %Y}. A manager should "
                    "review them together (the cumulative picture) and record the review."
                ),
                record_link="chronology",
            )
            for pk, name, count, latest in rows
        ]
