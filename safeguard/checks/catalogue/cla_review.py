"""Looked-after (CLA) reviews: within 20 working days, then 3 months, then every 6 months."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, OuterRef, Q, Subquery

from safeguard.children.models import Child, InvolvementRole
from safeguard.core.dates import add_months
from safeguard.core.workdays import add_working_days
from safeguard.meetings.models import MeetingKind
from safeguard.meetings.selectors import held_links

from ..calendar import working_days_after
from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    looked_after_on,
    month_key,
    register,
)
from ..models import Severity
from ._meeting_sources import CPPCR, REC6
from .health_assessment import care_period_start


def _review_in_period(as_of, newest: bool):
    return Subquery(
        held_links(MeetingKind.CLA_REVIEW, as_of)
        .filter(child_id=OuterRef("pk"), meeting__held_on__gte=OuterRef("care_start"))
        .order_by(("-" if newest else "") + "meeting__held_on")
        .values("meeting__held_on")[:1]
    )


def review_schedule(check, as_of: dt.date, child_ids=None):
    """For each child looked after on as_of: (child_id, name, care_start, first, last),
    first/last being the period's first and latest CLA reviews (None if none yet)."""
    return (
        check.restrict(Child.objects.filter(alive_on(as_of)), child_ids, "pk")
        .filter(looked_after_on(as_of))
        .annotate(care_start=care_period_start(as_of))
        .annotate(first=_review_in_period(as_of, False), last=_review_in_period(as_of, True))
    )


def next_review_due(check, care_start, first, last) -> tuple[dt.date, str]:
    """When the next review is due and which (first, second, subsequent)."""
    if first is None:
        return add_working_days(care_start, check.threshold("first_working_days")), "first"
    if first == last:
        return add_months(first, check.threshold("second_months")), "second"
    return add_months(last, check.threshold("then_months")), "subsequent"


@register
class LookedAfterReviewDue(Check):
    id = "LAC-REVIEW"
    title = "Looked-after review overdue"
    severity = Severity.HIGH
    resolution = Resolution("Hold and record the looked-after review", "meeting:cla_review")
    sources = (Source(CPPCR, "reg 33"), REC6)
    tells = (
        InvolvementRole.IRO,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
    )
    description = (
        "For a child looked after on the day: the first review is due within the "
        "configured working days of the start of the current period of care, the second "
        "within the configured months of the first, and each later one within the configured "
        "months of the last (CPPCR 2010 reg 33). Reviews are the CLA review meetings held "
        "in the current period of care. Clears when the review is recorded (a late one "
        "clears it; the lateness stays in the alert's history) or the child stops being "
        "looked after. The IRO's list of reviews due shows the same dates before they pass."
    )
    thresholds = {
        "first_working_days": Threshold(20, "Working days after care begins for the first"),
        "second_months": Threshold(3, "Months from the first review to the second"),
        "then_months": Threshold(6, "Months between later reviews"),
    }

    def findings(self, as_of, child_ids=None):
        first_wd = self.threshold("first_working_days")
        second, then = self.threshold("second_months"), self.threshold("then_months")
        as_of_key = (as_of.year * 12 + as_of.month) * 32 + as_of.day

        def query(child_ids):
            return (
                review_schedule(self, as_of, child_ids)
                .annotate(
                    first_due=working_days_after("care_start", first_wd),
                    first_key=month_key(F("first")),
                    last_key=month_key(F("last")),
                )
                .filter(
                    Q(first__isnull=True, first_due__lt=as_of)
                    | Q(first__isnull=False, last=F("first"), first_key__lt=as_of_key - 32 * second)
                    | (
                        Q(first__isnull=False, last_key__lt=as_of_key - 32 * then)
                        & ~Q(last=F("first"))
                    )
                )
                .values_list("pk", "given_name", "care_start", "first", "last")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for child_id, name, care_start, first, last in rows:
            due, which = next_review_due(self, care_start, first, last)
            since = (
                f"became looked after on {care_start:%-d %B %Y}"
                if first is None
                else f"last had a looked-after review on {last:%-d %B %Y}"
            )
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"{which}:{(last or care_start).isoformat()}",
                    due_date=due,
                    detail=(
                        f"{name} {since}. The {which} review was due by {due:%-d %B %Y} and "
                        "none is recorded (CPPCR 2010 reg 33)."
                    ),
                )
            )
        return results
