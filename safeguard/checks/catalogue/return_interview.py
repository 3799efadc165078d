"""Independent return interview offered, with its outcome, within 72 hours of a return."""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from safeguard.children.models import InvolvementRole
from safeguard.chronology.event_types import RETURN_INTERVIEW_OUTCOMES
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

# Two hours of slack in the SQL pre-filter (a clock change moves local midnight by one);
# the exact deadline is then decided in Python with aware, elapsed-time arithmetic.
_SLACK = dt.timedelta(hours=2)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


# What answers a return: an independent offer (not recorded as not independent) with its
# outcome (held, declined by the child, or not possible; `accepted: false` is the child
# declining), or the interview itself recorded as held.
ANSWER = Q(event_type="return_interview_completed") | (
    Q(event_type="return_interview_offered")
    & (Q(details__independent=True) | Q(details__independent__isnull=True))
    & (Q(details__outcome__in=RETURN_INTERVIEW_OUTCOMES) | Q(details__accepted=False))
)


@register
class ReturnInterview(Check):
    id = "MISSING-RETURN-INTERVIEW"
    title = "Return interview not offered within 72 hours, or its outcome not recorded"
    severity = Severity.HIGH
    resolution = Resolution(
        "Record the return interview offer and its outcome", "event:return_interview_offered"
    )
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
        InvolvementRole.POLICE_OFFICER,
        InvolvementRole.IRO,
    )
    description = (
        "Each `returned_from_missing` event needs, within the configured hours, an "
        "independent return interview offered and its outcome: a `return_interview_offered` "
        "event not recorded as not independent (`details.independent`) whose "
        "`details.outcome` is held, declined (by the child) or not_possible (or whose "
        "`details.accepted` is false: the child declined), or a `return_interview_completed` "
        "event (held). An offer with no outcome does not answer the return. A record belongs "
        "to a return when both carry the same `details.episode_ref`, or the record's "
        "`details.return_event` names the return (the alert pre-fills it when the episode has "
        "no reference); otherwise it is the first record at or after the return and before "
        "the child next went missing. 'At or after' compares times when both are timed to "
        "the minute (an offer in the morning does not answer a return that evening), else "
        "dates. Hours are elapsed hours (across a clock change 72 hours after 14:00 BST on a "
        "Friday is 13:00 GMT on the Monday); the alert states the deadline in UK local time. "
        "A return timed to the minute counts from that minute; a return dated to the day "
        "counts from the end of that day; an approximate return (month or year) counts from "
        "the end of its period and the alert says so. The alert is raised on the day the "
        "deadline falls: the nightly sweep that morning raises it if nothing is recorded "
        "yet, so an answer made after the deadline (at 82 hours, say) always follows a "
        "raised alert. Any answer resolves the alert, in time or late; the lateness stays "
        "on the alert (its due date against the day it was resolved, and its history)."
    )
    thresholds = {
        "hours": Threshold(72, "Elapsed hours after the return within which to offer", "hours"),
    }

    def findings(self, as_of, child_ids=None):
        hours = dt.timedelta(hours=self.threshold("hours"))
        # Deadlines that fall on or before the end of the as-of day (pre-filter; see _SLACK).
        end_of_day = _start_of(as_of + dt.timedelta(days=1))
        cutoff = end_of_day - hours + _SLACK
        cutoff_day = (cutoff + dt.timedelta(days=1)).date()

        def query(child_ids):
            went_missing_again = current_events("missing_from_care", as_of).filter(
                child_id=OuterRef(OuterRef("child_id")),
                occurred_at__gt=OuterRef(OuterRef("occurred_at")),
                occurred_at__lt=OuterRef("occurred_at"),
            )
            answers = (
                current_events(("return_interview_offered", "return_interview_completed"), as_of)
                .filter(ANSWER)
                .filter(child_id=OuterRef("child_id"))
                .annotate(
                    ref=KT("details__episode_ref"),
                    for_return=KT("details__return_event"),
                    ret_ref=ExpressionWrapper(OuterRef("ret_ref"), output_field=CharField()),
                    ret_precision=ExpressionWrapper(
                        OuterRef("precision"), output_field=CharField()
                    ),
                )
                # At or after the return: by time when both are timed, else by date.
                .filter(
                    Q(
                        ret_precision=Precision.EXACT,
                        precision=Precision.EXACT,
                        occurred_at__gte=OuterRef("occurred_at"),
                    )
                    | (
                        ~Q(ret_precision=Precision.EXACT, precision=Precision.EXACT)
                        & Q(occurred_on__gte=OuterRef("occurred_on"))
                    )
                )
                .filter(
                    Q(ref=OuterRef("ret_ref"))
                    | Q(for_return=OuterRef("pk_text"))
                    | (
                        Q(for_return__isnull=True)
                        & (Q(ref__isnull=True) | Q(ret_ref__isnull=True))
                        & ~Exists(went_missing_again)
                    )
                )
            )
            return (
                self.restrict(current_events("returned_from_missing", as_of), child_ids)
                .filter(alive_on(as_of, "child__"))
                .filter(
                    Q(precision=Precision.EXACT, occurred_at__lte=cutoff)
                    | Q(precision=Precision.DAY, occurred_on__lt=cutoff_day)
                    | Q(precision=Precision.MONTH, occurred_on__lt=cutoff_day.replace(day=1))
                    | Q(
                        precision=Precision.YEAR, occurred_on__lt=cutoff_day.replace(month=1, day=1)
                    )
                )
                .annotate(ret_ref=KT("details__episode_ref"), pk_text=Cast("pk", CharField()))
                .filter(~Exists(answers))
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "occurred_at",
                    "precision",
                    "ret_ref",
                )
            )

        returns = self.prepared_rows("returns", as_of, child_ids, query)
        results = []
        for row in returns:
            pk, child_id, name, occurred_at, precision, ref = row
            start = (
                occurred_at if precision == Precision.EXACT else period_end(occurred_at, precision)
            )
            deadline = start + hours  # aware datetimes: elapsed time across a clock change
            due = timezone.localtime(deadline - dt.timedelta(microseconds=1)).date()
            if due > as_of:
                continue  # the SQL pre-filter is generous by _SLACK
            when = format_fuzzy(occurred_at, precision)
            detail = (
                f"{name} returned from missing {'at' if precision == Precision.EXACT else 'on'} "
                f"{when}{f' (episode {ref})' if ref else ''}. No independent return interview "
                f"offer with its outcome is recorded; it was due within "
                f"{self.threshold('hours')} hours, by "
                f"{timezone.localtime(deadline):%-d %B %Y %H:%M} (UK time). Offer an "
                "independent return interview and record the offer and what came of it (held, "
                "declined by the child, or not possible)."
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
                    prefill={"episode_ref": ref} if ref else {"return_event": str(pk)},
                )
            )
        return results
