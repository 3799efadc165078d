"""Quick recording: one short page for each event partners record most often.

    Which child?   /record/<slug>/                         recording:quick-start
    Record         /children/<id>/record/quick/<slug>/     recording:quick
    (not involved) /contribute/?quick=<slug>               recording:contribute-find

A quick page is an event type's generated form (recording/forms.py, from the one
event-type registry) showing only the details that matter for that event, with the
questions worded as the partner would ask them. Validation is the generated form's and
then the service's (chronology.services.record_event / recording.services.contribute_event):
nothing here checks a value. Each entry names its event type, so who may use it is who may
write that type (access.roles.WRITES), and a partner who is not involved with the child
uses it through contribute-without-seeing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from safeguard.access import roles
from safeguard.access.audit import audit_search_results
from safeguard.accounts.models import Role
from safeguard.chronology.event_types import get_event_type

from .forms import EventForm, _detail_field, detail_field_name, event_form_class


@dataclass(frozen=True)
class QuickEntry:
    slug: str
    event_type: str
    title: str
    # The event type's details this page asks for, in order; the others are left out.
    details: tuple[str, ...] = ()
    # Question-style labels for this page (field name -> label).
    labels: dict[str, str] = field(default_factory=dict)
    # Details this page insists on although the registry does not (the person recording
    # always knows the answer, e.g. whether the child was seen alone at their own visit).
    must_answer: tuple[str, ...] = ()
    # Whether to offer the child's people (only where naming an adult matters).
    names_people: bool = False
    occurred_label: str = "When it happened"
    summary_label: str = "What happened"
    summary_hint: str = "Keep it short. Others will read it."
    summary_error: str = "Enter what happened"


def _q(*args, **kwargs) -> QuickEntry:
    return QuickEntry(*args, **kwargs)


QUICK: dict[str, QuickEntry] = {
    q.slug: q
    for q in [
        # Police
        _q(
            "missing-reported",
            "missing_from_care",
            "Child reported missing",
            ("reported_by", "reported_at", "episode_ref"),
            {
                "reported_by": "Who reported the child missing? (optional)",
                "reported_at": "When was the child reported missing? (optional)",
                "episode_ref": "Missing person report number (optional)",
            },
            occurred_label="When was the child last seen?",
            summary_label="Circumstances",
            summary_error="Enter the circumstances",
        ),
        _q(
            "found",
            "returned_from_missing",
            "Child found or returned",
            ("found_at", "found_with", "episode_ref"),
            {
                "found_at": "Where was the child found?",
                "found_with": "Who was the child with? (optional)",
                "episode_ref": "Missing person report number (optional)",
            },
            must_answer=("found_at",),
            names_people=True,
            occurred_label="When was the child found or did they return?",
            summary_label="What happened",
        ),
        _q(
            "police-incident",
            "police_incident",
            "Police incident",
            ("incident_ref",),
            {"incident_ref": "Incident number (optional)"},
            names_people=True,
        ),
        _q(
            "arrest",
            "arrest",
            "Arrest",
            ("offence", "custody_ref"),
            {
                "offence": "What offence is suspected? (optional)",
                "custody_ref": "Custody record number (optional)",
            },
            names_people=True,
            occurred_label="When was the arrest?",
            summary_label="Who was arrested, and what happened",
            summary_error="Enter who was arrested and what happened",
        ),
        _q(
            "bail",
            "bail_conditions_set",
            "Bail with conditions",
            ("conditions", "conditions_expire", "until"),
            {
                "conditions": "What are the bail conditions?",
                "conditions_expire": "When do the conditions end? (optional)",
                "until": "Bail return date (optional)",
            },
            names_people=True,
            occurred_label="When was bail given?",
            summary_label="Who is on bail, and for what",
            summary_error="Enter who is on bail and for what",
        ),
        # Pharmacy and GP
        _q(
            "prescription-issued",
            "prescription_issued",
            "Prescription issued",
            ("medicine", "days_supply", "prescription_ref"),
            {
                "medicine": "Medicine, as on the prescription",
                "days_supply": "How many days should it last? (optional)",
                "prescription_ref": "Prescription number (optional)",
            },
            occurred_label="When was it issued?",
            summary_label="Summary",
            summary_hint="For example, 28 days’ supply, to be collected by the carer.",
            summary_error="Enter a summary",
        ),
        _q(
            "dispensed",
            "prescription_dispensed",
            "Prescription dispensed",
            ("medicine", "prescription_ref"),
            {
                "medicine": "Medicine, as on the prescription",
                "prescription_ref": "Prescription number (optional)",
            },
            occurred_label="When was it dispensed?",
            summary_label="Summary",
            summary_hint="For example, 28 days’ supply, to be collected by the carer.",
            summary_error="Enter a summary",
        ),
        _q(
            "not-collected",
            "prescription_not_collected",
            "Prescription not collected",
            ("medicine", "prescription_ref"),
            {
                "medicine": "Medicine, as on the prescription",
                "prescription_ref": "Prescription number (optional)",
            },
            occurred_label="When should it have been collected?",
            summary_label="What you know",
            summary_error="Enter what you know",
            summary_hint="For example, whether you tried to contact the child or their carer.",
        ),
        # School
        _q(
            "school-absence",
            "school_absence",
            "School absence",
            ("sessions_missed", "authorised"),
            {
                "sessions_missed": "How many sessions (half days) were missed? (optional)",
                "authorised": "Was the absence authorised?",
            },
            occurred_label="When did the absence start?",
            summary_label="What you know about the absence",
            summary_error="Enter what you know about the absence",
        ),
        _q(
            "exclusion",
            "school_exclusion",
            "Exclusion",
            ("exclusion_type", "days"),
            {
                "exclusion_type": "Suspension or permanent exclusion? (optional)",
                "days": "How many school days, for a suspension? (optional)",
            },
            occurred_label="When does the exclusion start?",
            summary_label="Why the child was excluded",
            summary_error="Enter why the child was excluded",
        ),
        _q(
            "school-concern",
            "concern_raised",
            "Safeguarding concern",
            ("significant_harm",),
            {
                "significant_harm": "Do you think the child is suffering, or likely to suffer, "
                "significant harm?"
            },
            names_people=True,
            occurred_label="When did you become concerned?",
            summary_label="What are you concerned about?",
            summary_error="Enter what you are concerned about",
        ),
        # Health
        _q(
            "ae-attendance",
            "ae_attendance",
            "A&E or unscheduled care",
            ("setting", "reason"),
            {
                "setting": "Where was the child seen? (optional)",
                "reason": "Presenting complaint (optional)",
            },
            occurred_label="When did the child attend?",
            summary_label="What happened",
        ),
        _q(
            "seizure",
            "seizure",
            "Seizure",
            ("duration_minutes", "rescue_medication", "witnessed_by"),
            {
                "duration_minutes": "How long did it last, in minutes? (optional)",
                "rescue_medication": "Was rescue medication given?",
                "witnessed_by": "Who witnessed it? (optional)",
            },
            occurred_label="When was the seizure?",
        ),
        _q(
            "admission",
            "hospital_admission",
            "Hospital admission",
            ("reason",),
            {"reason": "Reason for admission (optional)"},
            occurred_label="When was the child admitted?",
        ),
        # Exploitation team and social workers
        _q(
            "visit",
            "social_worker_visit",
            "Visit to the child",
            ("seen_alone", "location"),
            {
                "seen_alone": "Was the child seen alone?",
                "location": "Where did the visit take place? (optional)",
            },
            must_answer=("seen_alone",),
            occurred_label="When was the visit?",
            summary_label="What the child said and what you saw",
            summary_error="Enter what the child said and what you saw",
        ),
        _q(
            "return-interview-offered",
            "return_interview_offered",
            "Return interview offered",
            ("independent", "accepted", "episode_ref"),
            {
                "independent": "Was it offered by someone independent of the placement and "
                "social worker?",
                "accepted": "Did the child accept?",
                "episode_ref": "Missing person report number (optional)",
            },
            occurred_label="When was the interview offered?",
            summary_label="How it was offered",
            summary_error="Enter how it was offered",
        ),
        _q(
            "return-interview-held",
            "return_interview_completed",
            "Return interview held",
            ("outcome", "reasons", "episode_ref"),
            {
                "outcome": "Was the interview held?",
                "reasons": "Why the child went missing, in their words (optional)",
                "episode_ref": "Missing person report number (optional)",
            },
            must_answer=("outcome",),
            occurred_label="When was the interview?",
            summary_label="What was learned",
            summary_error="Enter what was learned",
        ),
    ]
}

_POLICE = ("missing-reported", "found", "police-incident", "arrest", "bail")
_MEDICINES = ("prescription-issued", "dispensed", "not-collected")
_VISITS = ("visit", "return-interview-offered", "return-interview-held")

# Each role's quick pages, in the order its home page offers them.
BY_ROLE: dict[str, tuple[str, ...]] = {
    Role.POLICE_OFFICER: _POLICE,
    Role.PHARMACIST: ("dispensed", "not-collected", "prescription-issued"),
    Role.GP: _MEDICINES,
    Role.SCHOOL_SAFEGUARDING_LEAD: ("school-absence", "exclusion", "school-concern"),
    Role.HEALTH_PRACTITIONER: ("ae-attendance", "seizure", "admission"),
    Role.EXPLOITATION_WORKER: _VISITS,
    Role.SOCIAL_WORKER: _VISITS,
    Role.TEAM_MANAGER: _VISITS,
}


def quick_for(role: str) -> list[QuickEntry]:
    """The role's quick pages (only those whose event type the role may write)."""
    return [
        QUICK[slug]
        for slug in BY_ROLE.get(role, ())
        if roles.may_write_event_type(role, QUICK[slug].event_type)
    ]


def quick_entry(role: str, slug: str) -> QuickEntry:
    """The quick page, if the role may write its event type (whether or not its home page
    offers it); 404 otherwise."""
    entry = QUICK.get(slug)
    if entry is None or not roles.may_write_event_type(role, entry.event_type):
        raise Http404("No such page")
    return entry


@cache
def quick_form_class(slug: str) -> type[EventForm]:
    """The event type's generated form with only this page's details, in this page's order.

    Leaving a detail out sets the inherited field to None (Django drops it), so the fields
    kept are the generated ones, with the registry's validation; `must_answer` rebuilds a
    field from the registry as required.
    """
    entry = QUICK[slug]
    base = event_form_class(entry.event_type)
    etype = get_event_type(entry.event_type)
    attrs: dict = {"quick": entry, "__module__": __name__}
    for name, spec in etype.details.items():
        if name not in entry.details:
            attrs[detail_field_name(name)] = None
        elif name in entry.must_answer:
            attrs[detail_field_name(name)] = _detail_field(name, replace(spec, required=True))
    if not entry.names_people and etype.names_people:
        attrs["related_persons"] = None
    attrs["field_order"] = [
        "occurred",
        *(detail_field_name(n) for n in entry.details),
        "summary",
        "related_persons",
    ]

    def __init__(self, *args, **kwargs):
        base.__init__(self, *args, **kwargs)
        self.fields["occurred"].label = entry.occurred_label
        self.fields["summary"].label = entry.summary_label
        self.fields["summary"].help_text = entry.summary_hint
        self.fields["summary"].error_messages["required"] = entry.summary_error
        self.fields["summary"].widget.attrs["rows"] = 3
        for name, label in entry.labels.items():
            if detail_field_name(name) in self.fields:
                self.fields[detail_field_name(name)].label = label

    attrs["__init__"] = __init__
    name = "Quick" + "".join(p.capitalize() for p in slug.split("-")) + "Form"
    return type(name, (base,), attrs)


@login_required
def quick_start(request, slug: str):
    """Which child? The children the professional works with, or one they do not."""
    from safeguard.casework.selectors import caseload_for

    entry = quick_entry(request.user.role, slug)
    rows = caseload_for(request)
    audit_search_results(request, [row.child for row in rows], area="identity")
    return render(
        request,
        "recording/quick_start.html",
        {
            "entry": entry,
            "rows": rows,
            "may_contribute": roles.may_contribute(request.user.role),
        },
    )


@login_required
def quick_record(request, child_id: int, slug: str):
    from .events import record_page

    entry = quick_entry(request.user.role, slug)
    return record_page(
        request, child_id, entry.event_type, form_class=quick_form_class(slug), quick=entry
    )
