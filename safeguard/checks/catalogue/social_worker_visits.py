"""Statutory social worker visits to a looked-after child (CPPCR 2010 reg 28)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, DateField, Exists, F, OuterRef, Q, Subquery, When

from safeguard.children.models import InvolvementRole
from safeguard.core.dates import add_months, format_fuzzy
from safeguard.episodes.codes import PlacementType
from safeguard.episodes.models import Placement

from ..calendar import working_days_after
from ..engine import (
    APPROXIMATE_PRECISIONS,
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    current_events,
    date_key,
    first_date_with_key_at_least,
    looked_after_on,
    month_key,
    register,
    under_18_on,
)
from ..models import Severity
from .health_assessment import care_period_start


@register
class SocialWorkerVisits(Check):
    id = "LAC-SW-VISITS"
    title = "Statutory social worker visit overdue"
    severity = Severity.HIGH
    resolution = Resolution("Record the visit", "event:social_worker_visit")
    scope_looked_after = True
    excludes_short_breaks = True
    ends_at_18 = True
    record_types = ("placement_start", "placement_end")
    sources = (
        Source(
            "Care Planning, Placement and Case Review (England) Regulations 2010",
            "reg 28(2)-(4)",
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.IRO,
    )
    description = (
        "For a looked-after child's current placement: a visit (chronology event "
        "`social_worker_visit`) within 1 week of the placement starting; then, measured from "
        "the last visit, at most 6 weeks apart while that visit was in the placement's first "
        "year; after the first year at most 3 months apart if the placement is intended to "
        "last until the child is 18 (`Placement.intended_until_18`), else 6 weeks. The first "
        "year ends on the same day number 12 months later; a placement starting on 29 "
        "February has 28 February of the next year inside its first year (the SQL and the "
        "alert text use the same month keys). Interim rule for a child placed with a parent "
        "(placement type P1, which is how an interim care order at home, C1, is placed): "
        "visits weekly until the first looked-after review is due, taken as the configured "
        "working days after the current period of care began (reg 33: the first review is "
        "within 20 working days; the record holds no review dates yet), then the rules "
        "above. Not for a series of short breaks (legal status V3 or V4: reg 48 disapplies "
        "reg 28(2)), and not from the child's 18th birthday even if an episode was left "
        "open. An approximate visit date (month or year) is counted from the start of its "
        "period and the alert says so."
    )
    todo = (
        "Not yet encoded (reg 28(3)-(4) branches): a connected-person placement with "
        "temporary approval (weekly until the first review, then 4-weekly); visits the "
        "child, carer or IRO reasonably requests; the first review's real date once reviews "
        "are recorded (issue: meetings)."
    )
    thresholds = {
        "first_visit_days": Threshold(7, "Days after a placement starts by which to visit"),
        "first_year_weeks": Threshold(6, "Weeks between visits in a placement's first year"),
        "long_term_months": Threshold(
            3, "Months between visits after the first year when the placement is to last to 18"
        ),
        "other_weeks": Threshold(6, "Weeks between visits after the first year otherwise"),
        "with_parent_weekly_days": Threshold(
            7, "Placed with a parent (P1): days between visits until the first review"
        ),
        "first_review_working_days": Threshold(
            20, "Working days after care began when the first review is due (reg 33)"
        ),
    }

    def findings(self, as_of, child_ids=None):
        first_days = self.threshold("first_visit_days")
        first_year_weeks = self.threshold("first_year_weeks")
        long_term_months = self.threshold("long_term_months")
        other_weeks = self.threshold("other_weeks")
        weekly_days = self.threshold("with_parent_weekly_days")
        review_wd = self.threshold("first_review_working_days")

        as_of_key = (as_of.year * 12 + as_of.month) * 32 + as_of.day

        def query(child_ids):
            since_placement = current_events("social_worker_visit", as_of).filter(
                child_id=OuterRef("child_id"), occurred_on__gte=OuterRef("start_date")
            )
            # Overdue means no visit since the placement started satisfies the interval rule
            # that applies to it. Each rule is monotone in the visit date (if the latest visit
            # fails it, every earlier one does), so "no visit satisfies any rule" is two NOT
            # EXISTS range lookups on the (child, type, date) index, with no per-row "latest
            # visit" to compute and compare.
            # Placed with a parent: weekly until the first review is due. Visits before then
            # count only under the weekly rule; the general rules apply to later visits. For
            # other placements `weekly_until` is the placement's start, so no visit is weekly.
            in_time_weekly = since_placement.filter(
                occurred_on__lt=OuterRef("weekly_until"),
                occurred_on__gte=as_of - dt.timedelta(days=weekly_days),
            )
            with_key = since_placement.filter(occurred_on__gte=OuterRef("weekly_until")).annotate(
                visit_key=month_key(F("occurred_on"))
            )
            in_first_year = with_key.filter(visit_key__lt=OuterRef("first_year_end_key"))
            after_first_year = with_key.filter(visit_key__gte=OuterRef("first_year_end_key"))
            in_time_first_year = in_first_year.filter(
                occurred_on__gte=as_of - dt.timedelta(weeks=first_year_weeks)
            )
            in_time_long_term = after_first_year.filter(
                occurred_on__gte=first_date_with_key_at_least(as_of_key - 32 * long_term_months)
            )
            in_time_other = after_first_year.filter(
                occurred_on__gte=as_of - dt.timedelta(weeks=other_weeks)
            )
            latest = since_placement.order_by("-occurred_on", "-pk")
            return (
                self.restrict(Placement.objects.open_on(as_of), child_ids)
                .filter(alive_on(as_of, "child__"), under_18_on(as_of, "child__"))
                .filter(looked_after_on(as_of, "child_id", short_breaks=False))
                .annotate(first_year_end_key=month_key(F("start_date")) + 12 * 32)
                .annotate(care_start=care_period_start(as_of, "child_id"))
                .annotate(
                    weekly_until=Case(
                        When(
                            placement_type=PlacementType.P1,
                            then=working_days_after("care_start", review_wd),
                        ),
                        default=F("start_date"),
                        output_field=DateField(),
                    )
                )
                .filter(
                    Q(
                        ~Exists(since_placement),
                        start_date__lt=as_of - dt.timedelta(days=first_days),
                    )
                    | (
                        Q(Exists(since_placement))
                        & ~Q(Exists(in_time_weekly))
                        & ~Q(Exists(in_time_first_year))
                        & (
                            (Q(intended_until_18=True) & ~Q(Exists(in_time_long_term)))
                            | (Q(intended_until_18=False) & ~Q(Exists(in_time_other)))
                        )
                    )
                )
                .annotate(
                    last_visit=Subquery(latest.values("occurred_on")[:1]),
                    last_precision=Subquery(latest.values("precision")[:1]),
                )
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "start_date",
                    "intended_until_18",
                    "last_visit",
                    "last_precision",
                    "weekly_until",
                )
            )

        placements = self.prepared_rows("placements", as_of, child_ids, query)
        results = []
        for pk, child_id, name, start, long_term, last, precision, weekly_until in placements:
            if last is None:
                due = start + dt.timedelta(days=first_days)
                why = (
                    f"{name}'s placement started on {start:%-d %B %Y} and no visit is "
                    f"recorded since: one was due by {due:%-d %B %Y} (within {first_days} days)."
                )
            else:
                # The same month keys as the SQL, so both agree when the year ends.
                in_first_year = date_key(last) < date_key(start) + 12 * 32
                if weekly_until is not None and last < weekly_until:
                    due, rule = (
                        last + dt.timedelta(days=weekly_days),
                        (
                            f"every {weekly_days} days while placed with a parent, until the "
                            f"first review is due on {weekly_until:%-d %B %Y}"
                        ),
                    )
                elif in_first_year:
                    due, rule = (
                        last + dt.timedelta(weeks=first_year_weeks),
                        (f"every {first_year_weeks} weeks in the placement's first year"),
                    )
                elif long_term:
                    due, rule = (
                        add_months(last, long_term_months),
                        (f"every {long_term_months} months: the placement is to last until 18"),
                    )
                else:
                    due, rule = (
                        last + dt.timedelta(weeks=other_weeks),
                        (f"every {other_weeks} weeks"),
                    )
                when = format_fuzzy(_midnight(last), precision)
                why = (
                    f"{name}'s last recorded visit was {when}; the next was due by "
                    f"{due:%-d %B %Y} ({rule})."
                )
                if precision in APPROXIMATE_PRECISIONS:
                    why += (
                        f" The last visit is dated only as {when}: the due date counts from "
                        "the start of that period, so check the visit's real date."
                    )
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"placement:{pk}",
                    due_date=due,
                    detail=why + " Visit the child and record it in the chronology.",
                    approximate=last is not None and precision in APPROXIMATE_PRECISIONS,
                    record_link="chronology",
                )
            )
        return results

    def more_end_reasons(self, as_of, gone):
        placement_ids = {
            int(subject.split(":", 1)[1]): (child_id, subject)
            for child_id, subject in gone
            if subject.startswith("placement:")
        }
        ended = Placement.objects.filter(pk__in=sorted(placement_ids)).exclude(
            pk__in=Placement.objects.open_on(as_of).filter(pk__in=sorted(placement_ids))
        )
        return {
            placement_ids[pk]: "the placement ended" for pk in ended.values_list("pk", flat=True)
        }


def _midnight(day):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
