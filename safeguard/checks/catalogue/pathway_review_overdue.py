"""A pathway plan not reviewed within 6 months."""

from __future__ import annotations

from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest

from safeguard.care.models import LeavingCareKind, LeavingCareRecord
from safeguard.children.models import Child, InvolvementRole
from safeguard.core.dates import add_months
from safeguard.episodes.models import Episode, EpisodeKind
from safeguard.meetings.models import MeetingChild, MeetingKind, MeetingStatus

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
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
        Source(
            "Care Planning, Placement and Case Review (England) Regulations 2010",
            "reg 43 (a looked-after young person's pathway plan is reviewed at each "
            "review of their case)",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.PERSONAL_ADVISER, InvolvementRole.ALLOCATED_SOCIAL_WORKER)
    description = (
        "A young person looked after or with a pathway plan episode open on the day, whose "
        "latest pathway plan or review (`care.LeavingCareRecord`) by the day is more than the "
        "configured months old. While the young person is looked after the pathway plan is "
        "reviewed at each looked-after review, so a held CLA review (`meetings.Meeting`, kind "
        "`cla_review`) after the pathway plan counts as a review too."
    )
    thresholds = {"months": Threshold(6, "Months between reviews")}

    def findings(self, as_of, child_ids=None):
        months = self.threshold("months")

        def query(child_ids):
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
            # The looked-after review that reviewed the plan (meetings' record, not a second one).
            cla_review = (
                MeetingChild.objects.filter(
                    child_id=OuterRef("pk"),
                    meeting__kind=MeetingKind.CLA_REVIEW,
                    meeting__status=MeetingStatus.HELD,
                    meeting__held_on__lte=as_of,
                )
                .values("child_id")
                .annotate(last=Max("meeting__held_on"))
                .values("last")
            )
            open_episode = Episode.objects.filter(
                child_id=OuterRef("pk"),
                kind__in=(EpisodeKind.LOOKED_AFTER, EpisodeKind.PATHWAY_PLAN),
                start_date__lte=as_of,
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
            return (
                self.restrict(Child.objects.all(), child_ids, "pk")
                .filter(alive_on(as_of), Exists(open_episode))
                .annotate(plan=Subquery(latest))
                .filter(plan__isnull=False)
                .annotate(last=Greatest("plan", Coalesce(Subquery(cla_review), "plan")))
                .values_list("pk", "given_name", "last")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
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
