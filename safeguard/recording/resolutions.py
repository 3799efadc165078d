"""From an alert to the page that makes the record resolving it.

Each check names its `Resolution` (safeguard/checks/engine.py): "event:<type>" for a
chronology entry, or a structured record kind. This maps each kind to the recording page
(by URL name, taking the child id) that makes it; `?alert=<id>` tells the page to pre-fill
from the alert (Alert.prefill) and to show the user the alert's outcome after saving.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from safeguard.meetings.models import MeetingKind

# record kind -> URL name of the page that records it (args: child_id).
RECORD_PAGES: dict[str, str] = {
    "health_assessment": "recording:health-assessment",
    "identity": "recording:identity",
    # Exploitation and missing (safeguard/exploitation/views.py).
    "exploitation_assessment": "recording:exploitation-assessment",
    "safety_plan": "recording:safety-plan",
    # Meetings (recording/meeting_pages.py): the schedule page takes the kind from the
    # alert's check; the child's meetings page sends an action or minutes alert on to the
    # action or meeting the alert names (Alert.prefill).
    **{f"meeting:{kind}": "meetings:schedule" for kind in MeetingKind.values},
    "meeting_action": "meetings:child",
    "meeting_minutes": "meetings:child",
    "s47_enquiry": "meetings:record-s47",
    "milestone": "meetings:child",
    # Looked-after care (issue 13, recording/care_pages.py).
    "placement_plan": "recording:placement-plan",
    "host_notified": "recording:host-notified",
    "placement": "recording:placement-add",
    "appointment": "recording:appointments",
    "health_recommendation": "recording:health-recommendations",
    "transition_plan": "recording:transition-plan",
    "capacity_assessment": "recording:capacity",
    "iro_dispute": "recording:iro-disputes",
    "education": "recording:education",
    "pep": "recording:education",
    "leaving_care": "recording:pathway",
    "death_notification": "recording:death",
    # The front door and help at home (recording/frontdoor.py).
    "contact_decision": "recording:contact-decision",
    "assessment": "recording:assessment-update",
    "adult_check": "recording:adult-check",
    "household": "recording:household-left",
    "injury": "recording:injury-medical",
    "worker_absence": "recording:worker-absence",
    # An unreviewed emergency access: the review page (access/views.py).
    "emergency_access_review": "access:break-glass-review-child",
}
EVENT_PAGE = "recording:event"  # args: child_id, event_type


def resolution_url(alert, check) -> str:
    """The page that records what resolves `alert`, pre-filled from it."""
    record = check.resolution.record
    query = urlencode({"alert": alert.pk})
    if record.startswith("event:"):
        return f"{reverse(EVENT_PAGE, args=[alert.child_id, record.split(':', 1)[1]])}?{query}"
    try:
        name = RECORD_PAGES[record]
    except KeyError:
        raise LookupError(f"{check.id}: no recording page for {record!r}") from None
    return f"{reverse(name, args=[alert.child_id])}?{query}"
