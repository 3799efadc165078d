"""Every URL's declared access rule, by URL name.

The authorisation matrix test (tests/test_access_urls.py) walks every URL pattern in the
project and fails for a URL whose name is not here, so a new page or API endpoint cannot
ship without saying who may reach it. The views enforce the rule (through
safeguard.access.policy and the capability checks); the test checks that what they do
matches what is declared here, for every role and every relationship to the child.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """Who may reach a URL.

    kind:
      public       anyone, signed in or not (sign-in, sign-out)
      second_factor signed in, before the second factor (the OTP pages)
      list         signed in; shows only children visible in `area` (caseload, search)
      child        signed in, and the child in the URL (`child_id`) visible in `area`;
                   otherwise 404 (a refusal does not confirm the child exists)
      capability   signed in with a role that has `capability`; otherwise 403. With an
                   `area` too, the child must also be visible in it (404 otherwise)
      break_glass  signed in with the break_glass capability (403 otherwise); shows a
                   form that names no child
      object       signed in, and the object in the URL (`param`, e.g. alert_id) is about
                   a child visible in `area`; otherwise 404
      contribute   signed in with a role in roles.CONTRIBUTE_ROLES (403 otherwise); names
                   no child, and a POST without a valid match token writes nothing (400)
      admin        the Django admin: superusers and administrators only (its own gate)
      write        signed in with a role that may write `write` (access.roles.WRITES:
                   "event:<category>"; "event:<event_type>" for the category of the type
                   in the URL; "event:any" for any event; "quick:<slug>" for the event
                   type of the quick-recording page in the URL; "record:<kind>"), and the child
                   visible in `area` (with `param`, a child of the object in the URL, e.g.
                   a meeting); otherwise 404, and nothing is written

    front_door: the page is also one the front door uses: for a member of a front-door team
    whose role has the `front_door` capability, a child on the front door's list (a
    contact awaiting a decision, or a strategy discussion decided and its concern open)
    opens or is listed too, whether or not anyone is involved (frontdoor/access.py),
    audited with the basis "front-door". Every other page refuses such a child as usual.

    get_status 405 marks a POST-only URL: the matrix test then also POSTs to it and
    checks the same allow/refuse outcome.
    """

    kind: str
    area: str = ""
    capability: str = ""
    write: str = ""
    param: str = ""
    # Status of a refusal for a role without the capability (checks:team answers 404).
    refusal: int = 403
    # Expected status of a GET for a permitted user when it is not 200 (e.g. POST-only).
    get_status: int = 200
    description: str = ""
    front_door: bool = False


PUBLIC = Rule("public")

ACCESS_RULES: dict[str, Rule] = {
    "favicon": PUBLIC,
    "accounts:sign-in": PUBLIC,
    "accounts:sign-out": Rule("public", get_status=405, description="POST only"),
    "access:otp-verify": Rule("second_factor"),
    "access:otp-set-up": Rule("second_factor"),
    "children:caseload": Rule("list", area="identity"),
    "children:search": Rule("list", area="identity"),
    "children:summary": Rule("child", area="identity"),
    "chronology:chronology": Rule("child", area="chronology"),
    "chronology:export": Rule("child", area="export"),
    "access:break-glass": Rule("break_glass"),
    "access:break-glass-find": Rule("capability", capability="break_glass"),
    "access:child-audit": Rule("capability", area="summary", capability="review_access"),
    "access:user-activity": Rule(
        "capability", capability="review_access", description="members of the manager's team"
    ),
    "access:break-glass-review": Rule("capability", capability="review_access"),
    "access:break-glass-review-child": Rule(
        "capability",
        capability="review_access",
        get_status=302,
        description="redirects to the review page (from an unreviewed-access alert)",
    ),
    "access:break-glass-reviewed": Rule(
        "capability", capability="review_access", get_status=405, description="POST only"
    ),
    # Alerts (branch checks): an alert names a child, so it is shown only to recipients and
    # their team managers who may see that child's summary.
    "checks:mine": Rule("list", area="summary"),
    "checks:delivery": Rule(
        "list", area="identity", description="my own choice of alert emails; names no child"
    ),
    "checks:team": Rule("capability", capability="review_access", refusal=404),
    "checks:detail": Rule("object", area="summary", param="alert_id"),
    "checks:acknowledge": Rule("object", area="summary", param="alert_id", get_status=405),
    "checks:close": Rule("object", area="summary", param="alert_id", get_status=405),
    "checks:notices-read": Rule(
        "child", area="identity", get_status=405, description="POST only: my notices, read"
    ),
    # Recording (safeguard/recording): the alert's action leads to the page that records it.
    "recording:resolve-alert": Rule(
        "object", area="summary", param="alert_id", get_status=302, description="redirects"
    ),
    # Meetings (safeguard/meetings/views.py; meetings:child, meetings:schedule and
    # meetings:reviews-due are recording/meeting_pages.py and casework/views.py). A meeting
    # may be about several children: its pages open if the professional may see at least
    # one and show only those.
    "meetings:child": Rule("child", area="summary"),
    "meetings:record-concern": Rule("write", area="identity", write="record:concern"),
    "meetings:schedule": Rule("write", area="identity", write="record:meeting"),
    "meetings:record-s47": Rule("write", area="identity", write="record:meeting"),
    "meetings:meeting": Rule("object", area="summary", param="meeting_id"),
    "meetings:hold": Rule("write", area="identity", write="record:meeting", param="meeting_id"),
    "meetings:minutes": Rule("write", area="identity", write="record:meeting", param="meeting_id"),
    "meetings:add-action": Rule(
        "write", area="identity", write="record:meeting", param="meeting_id"
    ),
    "meetings:complete-action": Rule(
        "write", area="identity", write="record:action", param="action_id"
    ),
    "meetings:move": Rule("write", area="identity", write="record:meeting", param="meeting_id"),
    "meetings:cancel": Rule("write", area="identity", write="record:meeting", param="meeting_id"),
    "meetings:close-concern": Rule(
        "write", area="identity", write="record:concern", param="concern_id"
    ),
    "meetings:conclude-s47": Rule(
        "write", area="identity", write="record:meeting", param="enquiry_id"
    ),
    "meetings:record-milestone": Rule("write", area="identity", write="record:meeting"),
    "meetings:review-milestone": Rule(
        "write", area="identity", write="record:meeting", param="milestone_id"
    ),
    "meetings:reviews-due": Rule("list", area="summary", description="IRO: children reviewed"),
    "meetings:minutes-outstanding": Rule("list", area="identity", description="meetings chaired"),
    # Contribute without seeing (safeguard/recording/contribute.py).
    "recording:contribute-find": Rule("contribute"),
    "recording:contribute-record": Rule("contribute"),
    "recording:event-types": Rule("write", area="identity", write="event:any"),
    "recording:event": Rule("write", area="identity", write="event:<event_type>"),
    # Quick recording (recording/quick.py): who may write the quick page's event type.
    "recording:quick-start": Rule("write", write="quick:<slug>"),
    "recording:quick": Rule("write", area="identity", write="quick:<slug>"),
    "recording:correct-event": Rule("write", area="chronology", write="event:<event_id>"),
    "recording:withdraw-event": Rule("write", area="chronology", write="event:<event_id>"),
}

# Recording the structured record (branch rec-records, recording/records.py): the role may
# write that kind of record (roles.WRITES) and may see the child's identity.
_RECORD_WRITES = {
    "recording:identity": "record:identity",
    "recording:person-add": "record:people",
    "recording:relationship-end": "record:people",
    "recording:involvement-add": "record:involvement",
    "recording:involvement-end": "record:involvement",
    "recording:episode-add": "record:episode",
    "recording:episode-end": "record:episode",
    "recording:placement-add": "record:placement",
    "recording:placement-end": "record:placement",
    "recording:condition-add": "record:health",
    "recording:health-assessment": "record:health",
    "recording:medicine-add": "record:medicine",
    "recording:medicine-end": "record:medicine",
    "recording:referral-add": "record:referral",
    # Exploitation and missing (recording/exploitation_pages.py).
    "recording:missing-episode": "record:missing",
    "recording:exploitation-assessment": "record:exploitation",
    "recording:safety-plan": "record:exploitation",
    "recording:protective-measure": "record:protective_measure",
    # Looked-after care (issue 13, recording/care_pages.py).
    "recording:placement-plan": "record:care",
    "recording:host-notified": "record:placement",
    "recording:appointments": "record:health",
    "recording:health-recommendations": "record:health",
    "recording:transition-plan": "record:health",
    "recording:capacity": "record:care",
    "recording:iro-disputes": "record:iro_dispute",
    "recording:education": "record:education",
    "recording:pathway": "record:care",
    "recording:death": "record:death",
    # The front door and help at home (recording/frontdoor.py).
    "recording:contact-add": "record:contact",
    "recording:contact-decision": "record:contact",
    "recording:assessment": "record:assessment",
    "recording:assessment-update": "record:assessment",
    "recording:household-add": "record:household",
    "recording:household-left": "record:household",
    "recording:adult-check": "record:household",
    "recording:injury-add": "record:injury",
    "recording:injury-medical": "record:injury",
    "recording:case-closure": "record:closure",
    "recording:worker-absence": "record:absence",
}
ACCESS_RULES.update(
    {name: Rule("write", area="identity", write=what) for name, what in _RECORD_WRITES.items()}
)
ACCESS_RULES.update(
    {
        "recording:register-child": Rule("write", write="record:child"),
        # Anyone who may see the child's identity may ask to be involved.
        "recording:involvement-request": Rule("child", area="identity"),
        "recording:involvement-request-decide": Rule(
            "write",
            area="identity",
            write="record:involvement",
            description="also the child's allocated social worker",
        ),
    }
)

# Exploitation and missing (safeguard/exploitation/views.py): a child's exploitation record
# and network need the `exploitation` area; the partnership lists need the capability and
# name only children the viewer may see.
ACCESS_RULES.update(
    {
        "exploitation:child": Rule("child", area="exploitation"),
        "exploitation:network": Rule("child", area="exploitation"),
        "exploitation:network-svg": Rule("child", area="exploitation"),
        "exploitation:adults": Rule("capability", capability="exploitation_lists"),
        "exploitation:hotspots": Rule("capability", capability="exploitation_lists"),
        "exploitation:missing-review": Rule("capability", capability="exploitation_lists"),
    }
)

# Issue 13: prescribing/dispensing messages name no child in the URL (the message names
# the child by NHS number, matched among the children the sender works with); the IRO
# dashboard shows counts only.
ACCESS_RULES.update(
    {
        "recording:fhir-message": Rule("capability", capability="send_medicines_messages"),
        "care:iro-dashboard": Rule("capability", capability="iro_dashboard"),
    }
)

# The front door's lists (frontdoor/views.py; visits due is casework/views.py): only
# children the user may see, audited.
# The queue also lists, for a front-door member, every child on the front door's list;
# deciding the contact and allocating a professional open for them too (front_door=True),
# and nothing else of such a child's record does.
ACCESS_RULES.update(
    {
        "frontdoor:queue": Rule(
            "list",
            area="summary",
            front_door=True,
            description="and, for the front door, every child with a contact awaiting a decision",
        ),
        "recording:contact-decision": Rule(
            "write", area="identity", write="record:contact", front_door=True
        ),
        "recording:involvement-add": Rule(
            "write", area="identity", write="record:involvement", front_door=True
        ),
        "frontdoor:visits-due": Rule("list", area="chronology"),
    }
)

# Whole namespaces with one gate. The admin site checks every view it serves
# (SafeguardAdminSite.has_permission), and no child-record model is registered there
# (tests/test_access_admin.py), so new admin URLs are covered by the same rule.
NAMESPACE_RULES: dict[str, Rule] = {
    "admin": Rule("admin"),
}
ADMIN_PUBLIC = {
    "admin:login": PUBLIC,
    "admin:logout": Rule("public", get_status=405, description="POST only"),
}


def rule_for(url_name: str) -> Rule | None:
    if url_name in ACCESS_RULES:
        return ACCESS_RULES[url_name]
    if url_name in ADMIN_PUBLIC:
        return ADMIN_PUBLIC[url_name]
    namespace = url_name.split(":", 1)[0] if ":" in url_name else ""
    return NAMESPACE_RULES.get(namespace)
