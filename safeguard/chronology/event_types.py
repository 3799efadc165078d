"""The one registry of chronology event types.

Every event recorded by any agency has one of these types. Each type says what it is,
which category it sits in on the timeline, and the structured details it carries (checks
read those details). docs/event-types.md is generated from this registry
(`safeguard event_types --markdown`) and a test keeps the two the same.

To add a type: add an EventType here, regenerate the doc. Removing or renaming a type that
has been recorded needs a data migration: stored events keep their type code for ever.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError

from safeguard.core.dates import parse_date


@dataclass(frozen=True)
class Detail:
    kind: str  # "text", "bool", "int", "date", "datetime", "choice", "ref"
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventType:
    code: str
    label: str
    category: str
    description: str
    details: dict[str, Detail] = field(default_factory=dict)
    # Whether an entry of this type may name people from the child's record (an adult of
    # concern, a parent): the recording form then offers them as related persons.
    names_people: bool = False


CATEGORIES = {
    "social_care": "Social care",
    "missing": "Missing from home or care",
    "exploitation": "Exploitation",
    "police": "Police",
    "health": "Health",
    "medicines": "Medicines",
    "education": "Education",
    "placement": "Placement",
    "other": "Other",
}

_MEDICINE = Detail("text", "Name of the medicine, as on the prescription", required=True)
_PRESCRIPTION_REF = Detail(
    "ref", "Identifier linking issue, dispensing and collection of one prescription"
)
_MISSING_REF = Detail("ref", "Identifier linking a missing episode with its return")
_RETURN_EVENT = Detail(
    "ref", "Chronology id of the return this answers, when the episode has no reference"
)
RETURN_INTERVIEW_OUTCOMES = ("held", "declined", "not_possible")

# Types whose entries may name people from the child's record (related persons).
_NAMES_PEOPLE = frozenset(
    {
        "concern_raised",
        "disclosure",
        "family_contact",
        "court_hearing",
        "note",
        "missing_from_care",
        "returned_from_missing",
        "exploitation_concern",
        "protective_options_considered",
        "police_incident",
        "arrest",
        "bail_conditions_set",
        "bail_breach",
        "police_intelligence",
        "police_protection",
    }
)

EVENT_TYPES: dict[str, EventType] = {
    t.code: replace(t, names_people=t.code in _NAMES_PEOPLE)
    for t in [
        # Social care
        EventType(
            "referral",
            "Referral",
            "social_care",
            "A referral to children's social care.",
            {
                "referrer": Detail("text", "Who made the referral"),
                "decision": Detail("text", "The decision on the referral"),
            },
        ),
        EventType(
            "assessment_completed",
            "Assessment completed",
            "social_care",
            "A social work assessment was completed.",
            {"outcome": Detail("text", "What the assessment concluded")},
        ),
        EventType(
            "social_worker_visit",
            "Social worker visit",
            "social_care",
            "A statutory visit to the child (CPPCR 2010 reg 28 for looked-after children; "
            "the child in need or child protection plan for a child at home).",
            {
                "seen_alone": Detail("bool", "Whether the child was seen alone"),
                "location": Detail("text", "Where the visit took place"),
                # A visit with no access or refused is still recorded: two in a row alert.
                "outcome": Detail(
                    "choice",
                    "What happened: seen (default), not_seen (the child was not there), "
                    "no_access (nobody answered) or refused (entry or seeing the child refused)",
                    choices=("seen", "not_seen", "no_access", "refused"),
                ),
                "reason": Detail("text", "Why the child was not seen, or not seen alone"),
            },
        ),
        EventType(
            "cumulative_review",
            "Manager's review of the cumulative picture",
            "social_care",
            "A manager reviewed the child's contacts and referrals together (after repeated "
            "contacts closed with no further action).",
            {"conclusion": Detail("text", "What the review concluded")},
        ),
        EventType(
            "concern_raised",
            "Concern raised",
            "social_care",
            "A safeguarding concern raised by any agency.",
            {
                "significant_harm": Detail(
                    "bool", "Reasonable cause to suspect significant harm (s47 threshold)"
                )
            },
        ),
        EventType(
            "disclosure",
            "Disclosure",
            "social_care",
            "The child disclosed harm or risk to a professional.",
        ),
        EventType(
            "family_contact",
            "Contact with family",
            "social_care",
            "Contact with parents or family recorded by a professional.",
        ),
        EventType(
            "death",
            "Death of the child",
            "social_care",
            "The child died.",
            {
                "place": Detail("text", "Where the child died"),
                "cause": Detail("text", "Cause, as known at the time"),
            },
        ),
        EventType(
            "court_hearing",
            "Court hearing",
            "social_care",
            "A hearing in family or criminal proceedings about the child (the order made "
            "is recorded on the looked-after episode).",
            {
                "court": Detail("text", "The court"),
                "outcome": Detail("text", "What the court decided"),
            },
        ),
        EventType("note", "Case note", "other", "Any other recorded event."),
        # Missing
        EventType(
            "missing_from_care",
            "Missing",
            "missing",
            "The child went missing from home or care.",
            {
                "missing_code": Detail(
                    "choice", "SSDA903: M missing, A away without authorisation", choices=("M", "A")
                ),
                "episode_ref": _MISSING_REF,
                "reported_by": Detail("text", "Who reported the child missing"),
                "reported_at": Detail("datetime", "When the child was reported missing"),
            },
        ),
        EventType(
            "returned_from_missing",
            "Returned from missing",
            "missing",
            "The child returned or was found.",
            {
                "episode_ref": _MISSING_REF,
                "found_at": Detail("text", "Where the child was found"),
                "found_with": Detail("text", "Who the child was with when found"),
            },
        ),
        EventType(
            "return_interview_offered",
            "Return interview offered",
            "missing",
            "An independent return interview was offered (DfE 2014: within 72 hours).",
            {
                "episode_ref": _MISSING_REF,
                "return_event": _RETURN_EVENT,
                "independent": Detail(
                    "bool", "Offered by someone independent of the placement and social worker"
                ),
                "accepted": Detail("bool", "Whether the child accepted"),
                "outcome": Detail(
                    "choice",
                    "What came of the offer: interview held, declined by the child, or not "
                    "possible",
                    choices=RETURN_INTERVIEW_OUTCOMES,
                ),
            },
        ),
        EventType(
            "return_interview_completed",
            "Return interview completed",
            "missing",
            "The return interview took place, or the attempt to hold it ended (the outcome "
            "says which).",
            {
                "episode_ref": _MISSING_REF,
                "return_event": _RETURN_EVENT,
                "outcome": Detail(
                    "choice",
                    "Whether the interview was held",
                    choices=("held", "declined", "not_possible"),
                ),
                "reasons": Detail("text", "Why the child went missing, in their words"),
            },
        ),
        # Exploitation
        EventType(
            "exploitation_concern",
            "Exploitation concern",
            "exploitation",
            "Indicators of sexual or criminal exploitation.",
            {
                "exploitation_type": Detail(
                    "choice", "Kind of exploitation", choices=("sexual", "criminal", "both")
                )
            },
        ),
        EventType(
            "protective_options_considered",
            "Protective options considered",
            "exploitation",
            "The options to protect a child from an adult of concern were considered (police "
            "protection, Child Abduction Warning Notice where available, Sexual Risk Order, "
            "inherent jurisdiction injunction, bail conditions) and a decision made. Name the "
            "adult as a related person.",
            {
                "options": Detail("text", "The options considered", required=True),
                "decision": Detail("text", "What was decided, and why", required=True),
            },
        ),
        # Issue 13 (Rec 8): a 16-17-year-old's risky decision needs a capacity assessment for
        # that decision (care.CapacityAssessment, same `decision` code).
        EventType(
            "risky_decision",
            "Risky decision by a young person",
            "social_care",
            "A young person made a decision that puts them at risk (returning to an adult of "
            "concern, refusing medicine or treatment). Name the adult as a related person.",
            {
                "decision": Detail(
                    "choice",
                    "Kind of decision",
                    required=True,
                    choices=(
                        "return_to_adult_of_concern",
                        "refuse_medicine",
                        "refuse_treatment",
                        "other",
                    ),
                ),
            },
            names_people=True,
        ),
        # Police
        EventType(
            "police_incident",
            "Police incident",
            "police",
            "An incident attended or recorded by police.",
            {"incident_ref": Detail("ref", "Police incident number")},
        ),
        EventType(
            "arrest",
            "Arrest",
            "police",
            "Someone was arrested.",
            {
                "offence": Detail("text", "Offence suspected"),
                "custody_ref": Detail("ref", "Custody record number"),
            },
        ),
        EventType(
            "bail_conditions_set",
            "Bail conditions set",
            "police",
            "Bail conditions imposed on a person (e.g. not to contact the child).",
            {
                "conditions": Detail("text", "The conditions", required=True),
                "until": Detail("date", "Bail return date"),
                "conditions_expire": Detail("date", "When the conditions end"),
            },
        ),
        EventType(
            "bail_breach",
            "Bail conditions breached",
            "police",
            "A breach of bail conditions was reported or found.",
        ),
        EventType(
            "police_intelligence",
            "Police intelligence",
            "police",
            "Intelligence or information shared by police about a risk to the child (for "
            "example about an adult of concern).",
            {"intelligence_ref": Detail("ref", "Police intelligence reference")},
        ),
        EventType(
            "police_protection",
            "Police protection",
            "police",
            "The child was taken into police protection (Children Act 1989 s46).",
        ),
        # Health
        EventType(
            "ae_attendance",
            "A&E attendance",
            "health",
            "Attendance at an emergency department or minor injuries unit.",
            {
                "reason": Detail("text", "Presenting complaint"),
                "setting": Detail(
                    "choice",
                    "Where the child was seen",
                    choices=("emergency_department", "urgent_treatment_centre", "minor_injuries"),
                ),
            },
        ),
        EventType(
            "hospital_admission",
            "Hospital admission",
            "health",
            "Admission to hospital.",
            {"reason": Detail("text", "Reason for admission")},
        ),
        EventType(
            "ambulance_callout",
            "Ambulance call-out",
            "health",
            "Emergency services called to the child.",
        ),
        EventType(
            "seizure",
            "Seizure",
            "health",
            "An epileptic or other seizure.",
            {
                "witnessed_by": Detail("text", "Who witnessed it"),
                "duration_minutes": Detail("int", "How long it lasted, in minutes"),
                "rescue_medication": Detail("bool", "Whether rescue medication was given"),
            },
        ),
        EventType("self_harm", "Self-harm", "health", "An episode of self-harm or overdose."),
        EventType(
            "health_appointment",
            "Health appointment",
            "health",
            "A clinic, specialist or GP appointment (attended or missed).",
            {"attended": Detail("bool", "Whether the child attended")},
        ),
        EventType(
            "was_not_brought_follow_up",
            "Missed appointments followed up",
            "health",
            "The child's missed health appointments ('was not brought') were followed up with "
            "those who care for the child and the clinic; it answers the WAS-NOT-BROUGHT alert.",
            {"outcome": Detail("text", "What was agreed (e.g. rebooked, transport, referral)")},
        ),
        EventType("procedure", "Procedure", "health", "A clinical procedure (e.g. SEEG)."),
        # Medicines
        EventType(
            "prescription_issued",
            "Prescription issued",
            "medicines",
            "A prescription was issued.",
            {
                "medicine": _MEDICINE,
                "prescription_ref": _PRESCRIPTION_REF,
                "days_supply": Detail("int", "Days the supply should last"),
            },
        ),
        EventType(
            "prescription_dispensed",
            "Prescription dispensed",
            "medicines",
            "A pharmacy dispensed a prescription.",
            {"medicine": _MEDICINE, "prescription_ref": _PRESCRIPTION_REF},
        ),
        EventType(
            "prescription_collected",
            "Prescription collected",
            "medicines",
            "The dispensed medicine was collected by or for the child.",
            {
                "medicine": _MEDICINE,
                "prescription_ref": _PRESCRIPTION_REF,
                "collected_by": Detail("text", "Who collected it"),
            },
        ),
        EventType(
            "prescription_not_collected",
            "Prescription not collected",
            "medicines",
            "A pharmacy reports a dispensed medicine was not collected.",
            {"medicine": _MEDICINE, "prescription_ref": _PRESCRIPTION_REF},
        ),
        # Education
        EventType(
            "school_exclusion",
            "School exclusion",
            "education",
            "A suspension or permanent exclusion.",
            {
                "exclusion_type": Detail(
                    "choice",
                    "Suspension or permanent exclusion",
                    choices=("suspension", "permanent"),
                ),
                "days": Detail("int", "Length of a suspension in school days"),
            },
        ),
        EventType(
            "virtual_school_involved",
            "Virtual school head involved",
            "education",
            "The virtual school head was told of, and involved in, a looked-after child's "
            "exclusion; it answers the LAC-SCHOOL-EXCLUSION alert.",
            {"action": Detail("text", "What the virtual school head will do")},
        ),
        EventType(
            "school_absence",
            "School absence concern",
            "education",
            "Persistent or unexplained absence from school.",
            {
                "sessions_missed": Detail("int", "Number of sessions (half days) missed"),
                "authorised": Detail("bool", "Whether the absence was authorised"),
            },
        ),
        # Placement
        EventType(
            "placement_stability_review",
            "Placement stability review",
            "placement",
            "A review of the child's placement stability (a stability or disruption meeting) "
            "after repeated moves; it answers the PLACEMENT-STABILITY alert.",
            {"outcome": Detail("text", "What was decided to keep the placement stable")},
        ),
        EventType(
            "placement_move",
            "Placement move",
            "placement",
            "The child moved placement (the placement record holds the details).",
            {"from": Detail("text", "Previous placement"), "to": Detail("text", "New placement")},
        ),
    ]
}


def get_event_type(code: str) -> EventType:
    try:
        return EVENT_TYPES[code]
    except KeyError:
        raise ValidationError(
            {"event_type": f"{code!r} is not a known event type (see docs/event-types.md)"}
        ) from None


def _check_value(name: str, spec: Detail, value) -> object:
    where = f"details.{name}"
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError({"details": f"{where}: expected true or false, got {value!r}"})
    elif spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({"details": f"{where}: expected a whole number, got {value!r}"})
    elif spec.kind == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            parse_date(str(value))  # exactly YYYY-MM-DD, real and plausible
        except ValueError:
            raise ValidationError(
                {"details": f"{where}: expected a date YYYY-MM-DD, got {value!r}"}
            ) from None
    elif spec.kind == "choice":
        if value not in spec.choices:
            raise ValidationError(
                {"details": f"{where}: {value!r} is not one of {', '.join(spec.choices)}"}
            )
    elif spec.kind in {"text", "ref"}:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValidationError({"details": f"{where}: expected text, got {value!r}"})
        return str(value)
    return value


def clean_details(code: str, details: dict | None) -> dict:
    """Validate an event's details against its type; return them normalised for storage."""
    event_type = get_event_type(code)
    details = dict(details or {})
    unknown = sorted(set(details) - set(event_type.details))
    if unknown:
        allowed = ", ".join(event_type.details) or "none"
        raise ValidationError(
            {
                "details": f"details.{unknown[0]}: not a detail of {code!r} events "
                f"(allowed: {allowed})"
            }
        )
    cleaned = {}
    for name, spec in event_type.details.items():
        if name not in details or details[name] in (None, ""):
            if spec.required:
                raise ValidationError({"details": f"details.{name}: required for {code!r} events"})
            continue
        cleaned[name] = _check_value(name, spec, details[name])
    return cleaned


def as_markdown() -> str:
    lines = [
        "# Chronology event types",
        "",
        "Generated from `safeguard/chronology/event_types.py` by "
        "`safeguard event_types --markdown > docs/event-types.md`; a test keeps it current.",
        "",
    ]
    for cat_code, cat_label in CATEGORIES.items():
        types = [t for t in EVENT_TYPES.values() if t.category == cat_code]
        if not types:
            continue
        lines += [
            f"## {cat_label}",
            "",
            "| Code | Label | Description | Details |",
            "|---|---|---|---|",
        ]
        for t in types:
            details = (
                "; ".join(
                    f"`{n}` ({d.kind}{', required' if d.required else ''}"
                    f"{': ' + '/'.join(d.choices) if d.choices else ''}) {d.help}"
                    for n, d in t.details.items()
                )
                or "—"
            )
            people = " May name people from the child's record." if t.names_people else ""
            lines.append(f"| `{t.code}` | {t.label} | {t.description}{people} | {details} |")
        lines.append("")
    return "\n".join(lines)
