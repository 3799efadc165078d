"""A pathway plan not reviewed within 6 months."""

from __future__ import annotations

from django.db.models import Exists, Max, OuterRef, Q, Subquery

from safeguard.care.models import LeavingCareKind, LeavingCareRecord
from safeguard.children.models import Child, InvolvementRole
from safeguard.episodes.models import Episode, EpisodeKind

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    add_months,
    alive_on,
    register,
)
from ..models import Severity


@register
class PathwayReviewOverdue(Check):
    id = "LEAVING-CARE-PATHWAY-REVIEW"
    title = "Pathway plan not reviewed"
    severity = Severity.MEDIUM
    resolution = Resolution("Record the pathway plan review", "leaving_care")
    sources = (
        Source(
            "Care Leavers (England) Regulations 2010",
            "reg 7 (review at least every 6 months)",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.PERSONAL_ADVISER, InvolvementRole.ALLOCATED_SOCIAL_WORKER)
    description = (
        "A young person looked after or with a pathway plan episode open on the day, whose "
        "latest pathway plan or review (`care.LeavingCareRecord`) by the day is more than the "
        "configured months old."
    )
    thresholds = {"months": Threshold(6, "Months between reviews")}

    def findings(self, as_of, child_ids=None):
        months = self.threshold("months")
        latest = (
            LeavingCareRecord.objects.filter(
                child_id=OuterRef("pk"),
                date__lte=as_of,
                kind__in=(LeavingCareKind.PATHWAY_PLAN, LeavingCareKind.PATHWAY_REVIEW),
            )
            .values("child_id")
            .annotate(last=Max("date"))
            .values("last")
        )
        open_episode = Episode.objects.filter(
            child_id=OuterRef("pk"),
            kind__in=(EpisodeKind.LOOKED_AFTER, EpisodeKind.PATHWAY_PLAN),
            start_date__lte=as_of,
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
        rows = (
            self.restrict(Child.objects.all(), child_ids, "pk")
            .filter(alive_on(as_of), Exists(open_episode))
            .annotate(last=Subquery(latest))
            .filter(last__isnull=False)
            .values_list("pk", "given_name", "last")
        )
        out = []
        for pk, name, last in rows:
            due = add_months(last, months)
            if as_of <= due:
                continue
            out.append(
                Finding(
                    child_id=pk,
                    subject_key=f"pathway:{last.isoformat()}",
                    due_date=due,
                    detail=(
                        f"{name}'s pathway plan was last reviewed on {last:%-d %B %Y}; the "
                        f"next review was due by {due:%-d %B %Y}."
                    ),
                )
            )
        return out
