"""Emergency (break-glass) access left unreviewed past its review deadline."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from safeguard.access.models import BreakGlassAccess

from ..engine import Check, Finding, Resolution, Source, register
from ..models import Severity

# The recipient role of the grant's named reviewer (AlertRecipient.role): not an
# involvement with the child, so the alert pages name the child by local ID only.
REVIEWER_ROLE = "emergency_access_reviewer"
REVIEWER_LABEL = "Reviewer of the emergency access"


def review_hours() -> int:
    return int(getattr(settings, "SAFEGUARD_EMERGENCY_REVIEW_HOURS", 72))


@register
class EmergencyAccessReview(Check):
    id = "EMERGENCY-ACCESS-UNREVIEWED"
    title = "Emergency access not reviewed in time"
    severity = Severity.HIGH
    resolution = Resolution("Review the emergency access", "emergency_access_review")
    sources = (
        Source(
            "NHS Care Identity Service: emergency access (legitimate-relationship override)",
            "every use is alerted to and reviewed by a privacy officer",
            unconfirmed=True,
        ),
        Source("UK GDPR", "Art. 5(2) accountability; Art. 32(1)(d) regular review of measures"),
    )
    # Nobody told by involvement: the grant names its reviewer (the team manager, else a
    # service-level reviewer, else the safeguarding lead: access.services.reviewer_for).
    tells = ()
    description = (
        "Each emergency (break-glass) access to a child's record needs a review by the "
        "reviewer chosen when it was granted. A grant not reviewed within "
        "SAFEGUARD_EMERGENCY_REVIEW_HOURS (72 by default, elapsed hours from the grant) "
        "raises this alert to that reviewer by name, on the day the deadline falls; a "
        "revoked or expired grant still needs its review (the access happened). The alert "
        "names the child by local ID only, as the review page does: the reviewer need not "
        "be able to open the record. Resolved only by recording the review on the "
        "emergency-access review page. A grant made before reviewers were assigned has no "
        "named reviewer: its alert says so, and is counted on the partnership's open-alert "
        "figures until one reviews it."
    )

    def findings(self, as_of, child_ids=None):
        hours = review_hours()
        # Deadlines that fall on or before the end of the as-of day (UK local time): one at
        # midnight falls at the end of the day before, which is its due date (issue 15).
        end_of_day = timezone.make_aware(
            dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
        )

        def query(child_ids):
            return (
                self.restrict(BreakGlassAccess.objects.all(), child_ids)
                .filter(reviewed_at__isnull=True)
                .filter(granted_at__lte=end_of_day - dt.timedelta(hours=hours))
                .values_list(
                    "pk",
                    "child_id",
                    "child__local_id",
                    "granted_at",
                    "reason",
                    "user__username",
                    "reviewer_id",
                )
                .order_by("pk")
            )

        # The deadline depends on a setting and the local time zone: both name the query.
        rows = self.prepared_rows(
            "rows", as_of, child_ids, query, key=(hours, timezone.get_current_timezone_name())
        )
        results = []
        for pk, child_id, local_id, granted_at, reason, username, reviewer_id in rows:
            deadline = granted_at + dt.timedelta(hours=hours)
            due = timezone.localtime(deadline - dt.timedelta(microseconds=1)).date()
            detail = (
                f"{username} used emergency access to record {local_id or child_id} at "
                f"{timezone.localtime(granted_at):%-d %B %Y %H:%M} (UK time), giving the "
                f"reason \u201c{reason}\u201d. It was to be reviewed within {hours} hours, by "
                f"{timezone.localtime(deadline):%-d %B %Y %H:%M}, and has not been. Check "
                "that the access was justified and record the review."
            )
            if reviewer_id is None:
                detail += " No reviewer was assigned when it was granted."
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"break-glass:{pk}",
                    due_date=due,
                    detail=detail,
                    prefill={"grant": pk},
                    recipients=((reviewer_id, REVIEWER_ROLE),) if reviewer_id else (),
                )
            )
        return results
