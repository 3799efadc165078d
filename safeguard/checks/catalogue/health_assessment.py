"""Looked-after child's statutory health assessment: initial, then reviews by age."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, Subquery

from safeguard.children.models import Child, InvolvementRole
from safeguard.core.dates import add_months, years_later
from safeguard.episodes.models import Episode, EpisodeKind
from safeguard.health.models import HealthAssessment, HealthAssessmentKind

from ..calendar import days_before, working_days_after
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
    under_18_on,
)
from ..models import Severity

REVIEW_AGE = 5
# What counts as the initial assessment: by a registered medical practitioner (reg 7(1)),
# taken to be so when not recorded and recorded as the initial one; or a recorded refusal.
INITIAL = (
    Q(refused=True)
    | Q(by_medical_practitioner=True)
    | Q(by_medical_practitioner__isnull=True, kind=HealthAssessmentKind.INITIAL)
)


def care_period_start(as_of, child_ref: str = "pk") -> Subquery:
    """Start of the child's current period of care: the latest looked-after episode that
    starts on or before as_of and does not continue another (SSDA903 records a change of
    legal status as one episode ending on the day the next starts)."""
    continues_another = Episode.objects.filter(
        child_id=OuterRef("child_id"),
        kind=EpisodeKind.LOOKED_AFTER,
        end_date=OuterRef("start_date"),
    )
    return Subquery(
        Episode.objects.filter(
            child_id=OuterRef(child_ref), kind=EpisodeKind.LOOKED_AFTER, start_date__lte=as_of
        )
        .filter(~Exists(continues_another))
        .order_by("-start_date")
        .values("start_date")[:1]
    )


@register
class LookedAfterHealthAssessment(Check):
    id = "LAC-HEALTH-ASSESSMENT"
    title = "Looked-after child's health assessment is overdue"
    severity = Severity.HIGH
    resolution = Resolution("Record the health assessment", "health_assessment")
    scope_looked_after = True
    excludes_short_breaks = True
    ends_at_18 = True
    sources = (
        Source("Care Planning, Placement and Case Review (England) Regulations 2010", "reg 7"),
        Source(
            "Promoting the health and well-being of looked-after children (statutory "
            "guidance, 2015)",
            "initial assessment within 20 working days of becoming looked after",
            unconfirmed=True,
        ),
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendation 6"),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.DESIGNATED_NURSE,
        InvolvementRole.IRO,
        InvolvementRole.TEAM_MANAGER,
    )
    description = (
        "For a child looked after on the day (not a series of short breaks, V3 or V4: reg 48 "
        "modifies reg 7 for them) and under 18: the initial health assessment is due within "
        "the configured number of working days of the start of the current period of care; "
        "then a review is due within 6 months of the last assessment if the child was under "
        "5 at that assessment, else within 12 months. Assessments come from the health "
        "record (health.HealthAssessment) dated within the current period of care or up to "
        "the configured days before it began (reg 7(1): the assessment is made before the "
        "child is placed or, if not reasonably practicable, before the first review). The "
        "initial assessment needs a registered medical practitioner: an assessment counts "
        "as the initial one if `by_medical_practitioner` is true, or is not recorded and the "
        "assessment is of kind `initial`; a nurse-led review does not. A refusal recorded "
        "for a competent young person (`refused`, with a reason; reg 7(2)) is the record "
        "for its cycle: it ends the initial alert, and the next review counts from it. The "
        "alert clears when the assessment (or refusal) is recorded."
    )
    thresholds = {
        "initial_working_days": Threshold(
            20, "Working days after becoming looked after by which the initial assessment is due"
        ),
        "review_months_under_5": Threshold(6, "Months between assessments under age 5"),
        "review_months_from_5": Threshold(12, "Months between assessments from age 5"),
        "days_before_care": Threshold(
            30, "Days before the period of care began within which an assessment counts"
        ),
    }

    def findings(self, as_of, child_ids=None):
        initial_wd = self.threshold("initial_working_days")
        under_5 = self.threshold("review_months_under_5")
        from_5 = self.threshold("review_months_from_5")
        before = self.threshold("days_before_care")
        results: list[Finding] = []

        def initial_query(child_ids):
            initial_in_period = HealthAssessment.objects.filter(
                child_id=OuterRef("pk"), date__gte=OuterRef("counts_from"), date__lte=as_of
            ).filter(INITIAL)
            return (
                self.restrict(
                    Child.objects.filter(alive_on(as_of), under_18_on(as_of)), child_ids, "pk"
                )
                .filter(looked_after_on(as_of, short_breaks=False))
                .annotate(care_start=care_period_start(as_of))
                .annotate(counts_from=days_before("care_start", before))
                .annotate(initial_due=working_days_after("care_start", initial_wd))
                .filter(~Exists(initial_in_period), initial_due__lt=as_of)
                .values_list("pk", "given_name", "care_start", "initial_due")
            )

        no_initial = self.prepared_rows("no_initial", as_of, child_ids, initial_query)
        for child_id, name, care_start, due in no_initial:
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key="initial",
                    prefill={"kind": "initial"},
                    due_date=due,
                    detail=(
                        f"{name} has been looked after since {care_start:%-d %B %Y} and no "
                        f"initial health assessment is recorded. It was due by {due:%-d %B %Y} "
                        f"({initial_wd} working days). Arrange it with the looked-after "
                        "children's health team (CPPCR 2010 reg 7)."
                    ),
                    record_link="summary",
                )
            )

        as_of_key = (as_of.year * 12 + as_of.month) * 32 + as_of.day

        def reviews_query(child_ids):
            later = HealthAssessment.objects.filter(
                child_id=OuterRef("child_id"), date__lte=as_of
            ).filter(Q(date__gt=OuterRef("date")) | Q(date=OuterRef("date"), pk__gt=OuterRef("pk")))
            initial_for_review = HealthAssessment.objects.filter(
                child_id=OuterRef("child_id"), date__gte=OuterRef("counts_from"), date__lte=as_of
            ).filter(INITIAL)
            return (
                self.restrict(HealthAssessment.objects.filter(date__lte=as_of), child_ids)
                .filter(~Exists(later))
                .filter(alive_on(as_of, "child__"), under_18_on(as_of, "child__"))
                .filter(looked_after_on(as_of, "child_id", short_breaks=False))
                .annotate(care_start=care_period_start(as_of, "child_id"))
                .annotate(counts_from=days_before("care_start", before))
                .filter(date__gte=F("counts_from"))
                # Until the initial assessment is recorded only the initial alert stands.
                .filter(Exists(initial_for_review))
                .annotate(
                    last_key=month_key(F("date")),
                    fifth_key=month_key(F("child__date_of_birth")) + REVIEW_AGE * 12 * 32,
                )
                .filter(
                    (Q(last_key__lt=F("fifth_key")) & Q(last_key__lt=as_of_key - 32 * under_5))
                    | (Q(last_key__gte=F("fifth_key")) & Q(last_key__lt=as_of_key - 32 * from_5))
                )
                .values_list(
                    "child_id", "child__given_name", "child__date_of_birth", "date", "kind"
                )
            )

        overdue_reviews = self.prepared_rows("reviews", as_of, child_ids, reviews_query)
        for child_id, name, dob, last, _kind in overdue_reviews:
            under_five = last < years_later(dob, REVIEW_AGE)
            months = under_5 if under_five else from_5
            due = add_months(last, months)
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"review-after:{last.isoformat()}",
                    prefill={"kind": "review"},
                    due_date=due,
                    detail=(
                        f"{name}'s last health assessment was on {last:%-d %B %Y}. A review "
                        f"was due by {due:%-d %B %Y} (every {months} months "
                        f"{'under' if under_five else 'from'} age 5) and none is recorded."
                    ),
                    record_link="summary",
                )
            )
        return results
