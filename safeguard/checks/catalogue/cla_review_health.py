"""A looked-after review held while the child's health assessment was out of date."""

from __future__ import annotations

from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, When

from safeguard.children.models import InvolvementRole
from safeguard.episodes.models import Episode, EpisodeKind
from safeguard.health.models import HealthAssessment
from safeguard.meetings.models import MeetingKind
from safeguard.meetings.selectors import held_links

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, month_key, register
from ..models import Severity
from ._meeting_sources import CPPCR, REC6

UNDER_5_MONTHS, FROM_5_MONTHS = 6, 12


@register
class ReviewWithoutHealthAssessment(Check):
    id = "LAC-REVIEW-HEALTH-OUT-OF-DATE"
    title = "Looked-after review held while the health assessment was out of date"
    severity = Severity.MEDIUM
    resolution = Resolution("Record the health assessment", "health_assessment")
    sources = (Source(CPPCR, "reg 7 and Schedule 7"), REC6)
    tells = (
        InvolvementRole.IRO,
        InvolvementRole.DESIGNATED_NURSE,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
    )
    description = (
        "Computed from the record at each looked-after review: the child's health "
        "assessment was out of date if the child had been looked after (in the episode open "
        "on the day) for more than the configured working days and no health assessment is "
        "dated within the 6 months (under 5 on the review day) or 12 months before the "
        "review. Recommendation 6: reviews need \u201cup to date and complete health "
        "assessments\u201d. Raised on the day of the review; clears when a health assessment "
        "dated after the review is recorded. A change of legal status starts a new episode, "
        "so the working days are counted from the latest one (a simplification)."
    )
    thresholds = {
        "initial_working_days": Threshold(20, "Working days in care before one is expected")
    }

    def findings(self, as_of, child_ids=None):
        wd = self.threshold("initial_working_days")

        def query(child_ids):
            episode_start = Subquery(
                Episode.objects.filter(
                    child_id=OuterRef("child_id"),
                    kind=EpisodeKind.LOOKED_AFTER,
                    start_date__lte=OuterRef("held"),
                )
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("held")))
                .order_by("-start_date")
                .values("start_date")[:1]
            )
            recent = HealthAssessment.objects.annotate(key=month_key(F("date"))).filter(
                child_id=OuterRef("child_id"),
                date__lte=OuterRef("held"),
                key__gte=OuterRef("window_key"),
            )
            later = HealthAssessment.objects.filter(
                child_id=OuterRef("child_id"), date__gt=OuterRef("held"), date__lte=as_of
            )
            return (
                self.restrict(held_links(MeetingKind.CLA_REVIEW, as_of), child_ids)
                .filter(alive_on(as_of, "child__"))
                .annotate(held=F("meeting__held_on"), care_start=episode_start)
                .filter(care_start__isnull=False)
                .annotate(expected=working_days_after("care_start", wd))
                .filter(expected__lt=F("held"))
                .annotate(
                    held_key=month_key(F("held")),
                    fifth_key=month_key(F("child__date_of_birth")) + 5 * 12 * 32,
                )
                .annotate(
                    window_key=Case(
                        When(held_key__lt=F("fifth_key"), then=F("held_key") - 32 * UNDER_5_MONTHS),
                        default=F("held_key") - 32 * FROM_5_MONTHS,
                    )
                )
                .filter(~Exists(recent), ~Exists(later))
                .values_list("child_id", "child__given_name", "meeting_id", "held")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"meeting:{meeting_id}",
                due_date=held,
                detail=(
                    f"{name}'s looked-after review on {held:%-d %B %Y} was held while the "
                    "health assessment was out of date (none in the time allowed before the "
                    "review). Arrange the assessment and record it."
                ),
            )
            for child_id, name, meeting_id, held in rows
        ]
