"""A meeting's minutes not recorded within the configured time."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q
from django.utils import timezone

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import MeetingChild, MeetingKind, MeetingStatus

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity
from ._meeting_sources import REC3


@register
class MinutesOutstanding(Check):
    id = "MEETING-MINUTES-OUTSTANDING"
    title = "Meeting minutes not recorded in time"
    severity = Severity.MEDIUM
    resolution = Resolution("Record the minutes", "meeting_minutes")
    sources = (
        REC3,
        Source("Local procedures", "minutes within 5 working days", unconfirmed=True),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "A meeting that was held needs its minutes recorded within the configured working "
        "days (Recommendation 3: MACE meetings \u201cproperly recorded\u201d). Applies to every "
        "kind of meeting; the chair also sees it in their list of minutes outstanding. "
        "Clears when the minutes are recorded."
    )
    thresholds = {"working_days": Threshold(5, "Working days after the meeting")}

    def findings(self, as_of, child_ids=None):
        wd = self.threshold("working_days")
        next_day = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))

        def query(child_ids):
            return (
                self.restrict(MeetingChild.objects.all(), child_ids)
                .filter(meeting__status=MeetingStatus.HELD, meeting__held_on__lte=as_of)
                .filter(alive_on(as_of, "child__"))
                .filter(
                    Q(meeting__minutes_recorded_at__isnull=True)
                    | Q(meeting__minutes_recorded_at__gte=next_day)
                )
                .annotate(held=F("meeting__held_on"))
                .annotate(due=working_days_after("held", wd))
                .filter(due__lt=as_of)
                .values_list("child_id", "meeting_id", "meeting__kind", "held", "due")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        labels = dict(MeetingKind.choices)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"meeting:{meeting_id}",
                due_date=due,
                detail=(
                    f"The minutes of the {labels[kind]} on {held:%-d %B %Y} are not recorded; "
                    f"they were due by {due:%-d %B %Y} ({wd} working days)."
                ),
                prefill={"meeting": meeting_id},
            )
            for child_id, meeting_id, kind, held, due in rows
        ]
