"""Return interview not offered within 72 hours of a child's return from missing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.db.models.fields.json import KT
from django.utils import timezone

from safeguard.children.models import InvolvementRole
from safeguard.core.dates import Precision, format_fuzzy, period_end

from ..engine import (
    APPROXIMATE_PRECISIONS,
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


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@register
class ReturnInterview(Check):
    id = "MISSING-RETURN-INTERVIEW"
    title = "Return interview not offered within 72 hours of return from missing"
    severity = Severity.HIGH
    resolution = Resolution("Record the return interview offer", "event:return_interview_offered")
    record_types = ("missing_from_care", "returned_from_missing", "return_interview_completed")
    sources = (
        Source(
            "Children who run away or go missing from home or care (DfE statutory guidance, 2014)",
            "independent return interview offered within 72 hours of return",
            unconfirmed=True,
        ),
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendation 3"),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.EXPLOITATION_WORKER,
        InvolvementRole.MISSING_PERSONS_COORDINATOR,
        InvolvementRole.TEAM_MANAGER,
    )
    description = (
        "Each `returned_from_missing` event needs a `return_interview_offered` event within "
        "the configured clock hours. An offer belongs to a return when both carry the same "
        "`details.episode_ref`; otherwise (either has no reference) it is the first offer on "
        "or after the day of the return and before the child next went missing. The alert "
        "is raised on the first day that begins after the deadline, and clears when an offer "
        "is recorded (a late offer clears it; the lateness stays in the alert's history). A "
        "return timed to the minute counts clock hours from that minute; a return dated to "
        "the day counts from the end of that day; an approximate return (month or year) "
        "counts from the end of its period and the alert says the date is approximate."
    )
    thresholds = {
        "hours": Threshold(72, "Clock hours after the return within which to offer", "hours"),
    }

    def findings(self, as_of, child_ids=None):
        hours = self.threshold("hours")
        # The deadline must have passed by the start of the as-of day.
        cutoff = _start_of(as_of) - dt.timedelta(hours=hours)
        cutoff_day = (dt.datetime.combine(as_of, dt.time()) - dt.timedelta(hours=hours)).date()

        offers = (
            current_events("return_interview_offered", as_of)
            .filter(child_id=OuterRef("child_id"), occurred_on__gte=OuterRef("occurred_on"))
            .annotate(ref=KT("details__episode_ref"))
        )
        went_missing_again = current_events("missing_from_care", as_of).filter(
            child_id=OuterRef(OuterRef("child_id")),
            occurred_at__gt=OuterRef(OuterRef("occurred_at")),
            occurred_at__lt=OuterRef("occurred_at"),
        )
        offers_in_sequence = offers.filter(~Exists(went_missing_again))

        returns = (
            self.restrict(current_events("returned_from_missing", as_of), child_ids)
            .filter(alive_on(as_of, "child__"))
            .filter(
                Q(precision=Precision.EXACT, occurred_at__lte=cutoff)
                | Q(precision=Precision.DAY, occurred_on__lt=cutoff_day)
                | Q(precision=Precision.MONTH, occurred_on__lt=cutoff_day.replace(day=1))
                | Q(precision=Precision.YEAR, occurred_on__lt=cutoff_day.replace(month=1, day=1))
            )
            .annotate(ret_ref=KT("details__episode_ref"))
            .annotate(
                offered_by_ref=Exists(offers.filter(ref=OuterRef("ret_ref"))),
                offered_unreferenced=Exists(offers_in_sequence.filter(ref__isnull=True)),
                offered_any=Exists(offers_in_sequence),
            )
            .filter(offered_by_ref=False, offered_unreferenced=False)
            .filter(Q(ret_ref__isnull=False) | Q(offered_any=False))
            .values_list("child_id", "child__given_name", "occurred_at", "precision", "ret_ref")
        )
        results = []
        for child_id, name, occurred_at, precision, ref in returns:
            if precision == Precision.EXACT:
                deadline = occurred_at + dt.timedelta(hours=hours)
            else:
                deadline = period_end(occurred_at, precision) + dt.timedelta(hours=hours)
            due = timezone.localtime(deadline - dt.timedelta(microseconds=1)).date()
            when = format_fuzzy(occurred_at, precision)
            detail = (
                f"{name} returned from missing {'at' if precision == Precision.EXACT else 'on'} "
                f"{when}{f' (episode {ref})' if ref else ''}. No return interview offer is "
                f"recorded; it was due within {hours} hours, by "
                f"{timezone.localtime(deadline):%-d %B %Y %H:%M}. Offer an independent return "
                "interview and record the offer."
            )
            approximate = precision in APPROXIMATE_PRECISIONS
            if approximate:
                detail += (
                    f" The return is dated only as {when}: the deadline is counted from the end "
                    "of that period, so the real deadline may have been earlier."
                )
            local = timezone.localtime(occurred_at).isoformat(timespec="minutes")
            subject = f"episode:{ref}" if ref else f"return:{local}"
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=subject,
                    due_date=due,
                    detail=detail,
                    approximate=approximate,
                    record_link="chronology",
                    prefill={"episode_ref": ref} if ref else {},
                )
            )
        return results
