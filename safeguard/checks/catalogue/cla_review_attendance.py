"""A looked-after review attended by fewer than three professionals, with no reports."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import Attendance, AttendanceStatus, MeetingKind
from safeguard.meetings.selectors import held_links, held_since

from ..engine import Check, Finding, Resolution, Threshold, alive_on, register
from ..models import Severity
from ._meeting_sources import REC6


@register
class ReviewAttendance(Check):
    id = "LAC-REVIEW-ATTENDANCE"
    title = "Looked-after review with too few professionals and no reports"
    severity = Severity.MEDIUM
    resolution = Resolution(
        "Hold the next review with the relevant professionals or their reports",
        "meeting:cla_review",
    )
    sources = (REC6,)
    tells = (InvolvementRole.IRO, InvolvementRole.TEAM_MANAGER)
    description = (
        "A looked-after review attended by fewer than the configured number of "
        "professionals (recorded attendance, status attended) at which no absent invitee "
        "sent a report. Recommendation 6: reviews \u201cattended by the relevant "
        "professionals or appropriate reports are submitted\u201d. Raised on the day of the "
        "review; clears when a later review about the child is held (which this check then "
        "looks at in its turn)."
    )
    thresholds = {"min_professionals": Threshold(3, "Professionals attending")}

    def findings(self, as_of, child_ids=None):
        minimum = self.threshold("min_professionals")

        def query(child_ids):
            reports = Attendance.objects.filter(
                meeting_id=OuterRef("meeting_id"), status=AttendanceStatus.SENT_REPORT
            )
            return (
                self.restrict(held_links(MeetingKind.CLA_REVIEW, as_of), child_ids)
                .filter(alive_on(as_of, "child__"))
                .annotate(
                    held=F("meeting__held_on"),
                    attended=Count(
                        "meeting__attendances",
                        filter=Q(meeting__attendances__status=AttendanceStatus.ATTENDED),
                    ),
                )
                .filter(attended__lt=minimum)
                .filter(~Exists(reports))
                .filter(
                    ~held_since(
                        MeetingKind.CLA_REVIEW,
                        as_of,
                        child_ref="child_id",
                        since_ref="held",
                        strictly=True,
                    )
                )
                .values_list("child_id", "child__given_name", "meeting_id", "held", "attended")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"meeting:{meeting_id}",
                due_date=held,
                detail=(
                    f"{name}'s looked-after review on {held:%-d %B %Y} was attended by "
                    f"{attended} professional{'s' if attended != 1 else ''} and no reports were "
                    f"submitted (at least {minimum}, or reports, expected)."
                ),
                prefill={"meeting": meeting_id},
            )
            for child_id, name, meeting_id, held, attended in rows
        ]
