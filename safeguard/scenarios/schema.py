"""The shape of a scenario file, version 1 (docs/scenario-format.md describes it).

Each mapping in the file has a schema: a dict of key -> Field. Any key not in the schema
is an error (a typo must not silently drop a fact from a child's record). Later versions of
the format add keys here; a change that alters the meaning of an existing key needs a new
`safeguard_scenario` version and a migration in loader.MIGRATIONS.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeguard.accounts.models import AgencyKind, Role
from safeguard.children.codes import Ethnicity, Sex
from safeguard.children.models import (
    DOBPrecision,
    InvolvementRole,
    PRBasis,
    ReferralOutcome,
    ReferralService,
    RelationshipType,
)
from safeguard.chronology.event_types import EVENT_TYPES
from safeguard.episodes.codes import (
    CINPrimaryNeed,
    CPCategory,
    LegalStatus,
    PlacementProvider,
    PlacementType,
)
from safeguard.episodes.models import EpisodeKind
from safeguard.frontdoor.codes import ReferralSource
from safeguard.frontdoor.models import (
    AbsenceKind,
    AssessmentOutcome,
    CheckKind,
    ContactDecision,
    ContactKind,
    InjuryKind,
    ReferrerRelationship,
)
from safeguard.health.models import HealthAssessmentKind
from safeguard.meetings.models import (
    AttendanceStatus,
    ConcernKind,
    ConferenceDecision,
    MeetingKind,
    Participation,
    RiskLevel,
    S47Outcome,
    StrategyOutcome,
)

CURRENT_VERSION = 1


@dataclass(frozen=True)
class Field:
    """One key of a mapping.

    kind: text | int | bool | date (YYYY-MM-DD) | fuzzy (YYYY, YYYY-MM, YYYY-MM-DD or
    YYYY-MM-DDTHH:MM) | moment (a date or a date and time) | choice | nhs | upn | ref (an
    id defined elsewhere) | refs (a list of ids) | list (of mappings with `schema`) | map
    (one mapping with `schema`) | details (a mapping of scalars checked against the event
    type's details).
    """

    kind: str
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    schema: dict[str, Field] | None = None
    ref_kind: str = ""


SYNTHETIC = Field("bool", "Detail invented where the source gives none (default false)")


def choice(values, help, required=False):
    return Field("choice", help, required=required, choices=tuple(values))


TEAM = {
    "code": Field("text", "Team code, unique within the agency (lower-case, hyphens)", True),
    "name": Field("text", "Team name", True),
    "synthetic": SYNTHETIC,
}

AGENCY = {
    "code": Field(
        "text",
        "Agency code: its id in the file and in the database (an existing agency with the "
        "same code is reused)",
        True,
    ),
    "name": Field("text", "Agency name", True),
    "kind": choice(AgencyKind.values, "Kind of agency", True),
    "external_id": Field("text", "ODS code, police force code or school URN"),
    "teams": Field("list", "Teams in the agency", schema=TEAM),
    "synthetic": SYNTHETIC,
}

PROFESSIONAL = {
    "username": Field(
        "text",
        "Sign-in name: the professional's id in the file (an existing account with the same "
        "username is reused)",
        True,
    ),
    "given_name": Field("text", "Given name", True),
    "family_name": Field("text", "Family name", True),
    "agency": Field("ref", "Agency code", True, ref_kind="agency"),
    "team": Field("text", "Team code within the agency"),
    "job_title": Field("text", "Job title as the agency names it"),
    "role": choice(Role.values, "Access role the professional signs in with", True),
    "email": Field("text", "Email address"),
    "phone": Field("text", "Telephone"),
    "password": Field(
        "text", "Demo-only password (omit for real accounts: they cannot sign in with one)"
    ),
    "synthetic": SYNTHETIC,
}

PARTNERSHIP = {
    "agencies": Field("list", "Agencies of the partnership", schema=AGENCY),
    "professionals": Field("list", "Professionals with accounts", schema=PROFESSIONAL),
}

PERSON = {
    "id": Field("text", "Id of the person (unique across the loaded files)"),
    "person": Field(
        "ref", "Id of a person defined for another child (a sibling)", ref_kind="person"
    ),
    "given_name": Field("text", "Given name (required unless `person` is given)"),
    "family_name": Field("text", "Family name"),
    "known_as": Field("text", "Name the person is known by"),
    "date_of_birth": Field("date", "Date of birth"),
    "sex": choice(Sex.values, "Sex (M, F, U)"),
    "notes": Field("text", "Notes about the person"),
    "relationship": choice(RelationshipType.values, "Relationship to the child", True),
    "parental_responsibility": Field("bool", "Holds parental responsibility (default false)"),
    "pr_basis": choice(PRBasis.values, "Basis of parental responsibility"),
    "start": Field("date", "When the relationship started (or became known)"),
    "end": Field("date", "When the relationship ended"),
    "relationship_notes": Field("text", "Notes about the relationship"),
    "recorded": Field("date", "When the person became known to the record (default: start)"),
    "synthetic": SYNTHETIC,
}

INVOLVEMENT = {
    "professional": Field("ref", "Username of the professional", True, ref_kind="professional"),
    "role": choice(InvolvementRole.values, "Role with the child", True),
    "start": Field("date", "Start date", True),
    "end": Field("date", "End date"),
    "synthetic": SYNTHETIC,
}

RESTRICTED_TO = {
    "professional": Field(
        "ref", "Username of the professional named on the record", True, ref_kind="professional"
    ),
    "reason": Field("text", "Why this person needs the restricted record", True),
}

EPISODE = {
    "kind": choice(EpisodeKind.values, "Kind of episode", True),
    "start": Field("date", "Start date", True),
    "end": Field("date", "End date"),
    "legal_status": choice(LegalStatus.values, "SSDA903 legal status (looked-after only)"),
    "cp_category": choice(CPCategory.values, "Child protection category"),
    "primary_need": choice(CINPrimaryNeed.values, "CIN primary need code"),
    "reason_ended": Field("text", "Reason the episode ended (SSDA903 REC for looked-after)"),
    "agency": Field(
        "ref", "Responsible agency (default: the child's local_authority)", ref_kind="agency"
    ),
    "notes": Field("text", "Notes"),
    "synthetic": SYNTHETIC,
}

PLACEMENT = {
    "type": choice(PlacementType.values, "SSDA903 placement type", True),
    "start": Field("date", "Start date", True),
    "end": Field("date", "End date"),
    "provider_type": choice(PlacementProvider.values, "SSDA903 placement provider"),
    "provider_name": Field("text", "Provider or carer name"),
    "postcode": Field("text", "Postcode"),
    "area": Field("text", "Local authority area of the placement"),
    "urn": Field("text", "Ofsted URN"),
    "reason_changed": Field("text", "SSDA903 reason for placement change"),
    "intended_until_18": Field("bool", "Planned to last until the child is 18"),
    "agency": Field(
        "ref", "Responsible agency (default: the child's local_authority)", ref_kind="agency"
    ),
    "notes": Field("text", "Notes"),
    "synthetic": SYNTHETIC,
}

CONDITION = {
    "id": Field("text", "Id, for medicines to refer to"),
    "name": Field("text", "Name of the condition", True),
    "snomed_code": Field("text", "SNOMED CT concept id"),
    "diagnosed": Field("fuzzy", "When diagnosed (year, month or day)", True),
    "chronic": Field("bool", "Long-term condition"),
    "resolved": Field("date", "When resolved"),
    "agency": Field("ref", "Agency that diagnosed or holds it", ref_kind="agency"),
    "notes": Field("text", "Notes"),
    "synthetic": SYNTHETIC,
}

MEDICINE = {
    "name": Field("text", "Medicine name", True),
    "dose": Field("text", "Dose and frequency"),
    "condition": Field("ref", "Id of the condition it treats", ref_kind="condition"),
    "prescriber": Field("ref", "Username of the prescriber", ref_kind="professional"),
    "prescriber_name": Field("text", "Prescriber's name when they have no account"),
    "dmd_code": Field("text", "dm+d code"),
    "start": Field("date", "Start date", True),
    "end": Field("date", "End date"),
    "long_term": Field("bool", "Long-term medicine whose missed collection matters"),
    "synthetic": SYNTHETIC,
}

HEALTH_ASSESSMENT = {
    "kind": choice(HealthAssessmentKind.values, "initial or review", True),
    "date": Field("date", "Date of the assessment", True),
    "assessor": Field("ref", "Username of the assessor", ref_kind="professional"),
    "assessor_name": Field("text", "Assessor's name when they have no account"),
    "agency": Field("ref", "Agency that carried it out", ref_kind="agency"),
    "outcome": Field("text", "Outcome"),
    "by_medical_practitioner": Field(
        "bool", "Carried out by a registered medical practitioner (needed for the initial one)"
    ),
    "refused": Field("bool", "The young person, competent to decide, refused it"),
    "refusal_reason": Field("text", "Why the young person refused (needed when refused)"),
    "synthetic": SYNTHETIC,
}

HEALTH = {
    "conditions": Field("list", "Conditions", schema=CONDITION),
    "medicines": Field("list", "Medicines", schema=MEDICINE),
    "assessments": Field("list", "Statutory health assessments", schema=HEALTH_ASSESSMENT),
}

REFERRAL = {
    "service": choice(ReferralService.values, "The service the child was referred to", True),
    "date": Field("date", "Date referred", True),
    "reason": Field("text", "Reason for the referral", True),
    "from_agency": Field("ref", "Agency that referred", ref_kind="agency"),
    "to_agency": Field("ref", "Agency referred to", ref_kind="agency"),
    "referred_by": Field("ref", "Username of the referrer", ref_kind="professional"),
    "referred_by_name": Field("text", "Referrer's name when they have no account"),
    "outcome": choice(ReferralOutcome.values, "Outcome (with `outcome_date`)"),
    "outcome_date": Field("date", "Date of the outcome (with `outcome`)"),
    "outcome_note": Field("text", "About the outcome"),
    "synthetic": SYNTHETIC,
}

EVENT = {
    "id": Field("text", "Id, for a later correction to refer to"),
    "type": choice(EVENT_TYPES, "Event type (required unless correcting or withdrawing)"),
    "occurred": Field(
        "fuzzy", "When it happened: year, month, day or exact time (required unless amending)"
    ),
    "recorded": Field("moment", "When it was recorded (default: when it occurred)"),
    "source": Field("ref", "Agency that recorded it (required unless amending)", ref_kind="agency"),
    "recorded_by": Field("ref", "Username of the recorder", ref_kind="professional"),
    "recorded_by_name": Field("text", "Recorder's name when they have no account"),
    "summary": Field("text", "What happened (required unless amending)"),
    "details": Field("details", "Structured details of the event type"),
    "related": Field("refs", "Ids of people involved", ref_kind="person"),
    "corrects": Field("ref", "Id of the event this entry corrects", ref_kind="event"),
    "withdraws": Field("ref", "Id of the event this entry withdraws", ref_kind="event"),
    "reason": Field("text", "Why the entry is corrected or withdrawn"),
    "synthetic": SYNTHETIC,
}

# --- The front door and help at home (built by scenarios/frontdoor_format.py).

CONTACT = {
    "id": Field("text", "Id of the contact, for an assessment to refer to"),
    "kind": choice(ContactKind.values, "contact (default) or referral"),
    "received": Field("date", "When it was received", True),
    "source": choice(ReferralSource.values, "CIN census referral source code", True),
    "referrer_agency": Field(
        "ref", "Agency that made it (none: a member of the public)", ref_kind="agency"
    ),
    "referrer_name": Field("text", "Who made it"),
    "referrer_relationship": choice(
        ReferrerRelationship.values, "A member of the public's relationship to the child"
    ),
    "summary": Field("text", "What was reported", True),
    "recorded_by": Field("ref", "Username of who recorded it", ref_kind="professional"),
    "decision": choice(ContactDecision.values, "The decision (with `decided` and `reason`)"),
    "reason": Field("text", "Why that decision"),
    "decided": Field("date", "When it was decided"),
    "decided_by": Field("ref", "Username of who decided", ref_kind="professional"),
    "judged_malicious": Field("bool", "Closed as malicious (only with decision nfa)"),
    "referrer_spoken_to": Field("bool", "The referrer was spoken to before deciding"),
    "concern": Field(
        "ref",
        "Id of the concern (in `concerns`) a strategy_discussion decision raised; without it "
        "the decision raises one on load, dated the day decided",
        ref_kind="concern",
    ),
    "synthetic": SYNTHETIC,
}

ASSESSMENT = {
    "contact": Field("ref", "Id of the contact or referral that led to it", ref_kind="contact"),
    "worker": Field("ref", "Username of the assessing social worker", ref_kind="professional"),
    "started": Field("date", "When it started", True),
    "child_seen": Field("date", "When the child was seen"),
    "seen_alone": Field("bool", "Whether the child was seen alone (with `child_seen`)"),
    "not_seen_alone_reason": Field("text", "Why the child was not seen alone"),
    "completed": Field("date", "When it was completed (with `outcome`)"),
    "factors": Field("text", "CIN census factor codes identified, separated by spaces"),
    "outcome": choice(AssessmentOutcome.values, "The outcome (with `completed`)"),
    "synthetic": SYNTHETIC,
}

HOUSEHOLD_MEMBER = {
    "person": Field("ref", "Id of the person (from the child's `people`)", True, ref_kind="person"),
    "relationship": choice(RelationshipType.values, "Their relationship to the child", True),
    "adult": Field("bool", "An adult (default true)"),
    "joined": Field("date", "When they came to live with the child", True),
    "left": Field("date", "When they left"),
    "synthetic": SYNTHETIC,
}

ADULT_CHECK = {
    "person": Field("ref", "Id of the person checked", True, ref_kind="person"),
    "kind": choice(CheckKind.values, "What was checked", True),
    "agency": Field("ref", "Agency asked", ref_kind="agency"),
    "requested": Field("date", "When the check was requested", True),
    "result_on": Field("date", "When the result came"),
    "result": Field("text", "What the check found"),
    "risk_to_children": Field("bool", "A history of violence or offences against children"),
    "synthetic": SYNTHETIC,
}

INJURY = {
    "noticed": Field("date", "When the injury was noticed", True),
    "agency": Field("ref", "Agency that noticed it", True, ref_kind="agency"),
    "kind": choice(InjuryKind.values, "Kind of injury", True),
    "body_site": Field("text", "Where on the body", True),
    "explanation": Field("text", "The explanation given"),
    "child_mobile": Field("bool", "The child is independently mobile", True),
    "medical_requested": Field("date", "When a child protection medical was requested"),
    "medical_held": Field("date", "When it was held"),
    "medical_findings": Field("text", "What it found"),
    "findings_shared_with": Field("text", "With whom the findings were shared"),
    "synthetic": SYNTHETIC,
}

CLOSURE = {
    "closed": Field("date", "When the case was closed", True),
    "reason": Field("text", "Why", True),
    "closed_by": Field("ref", "Username of who closed it", ref_kind="professional"),
    "synthetic": SYNTHETIC,
}

WORKER_ABSENCE = {
    "professional": Field("ref", "Username of the absent worker", True, ref_kind="professional"),
    "kind": choice(AbsenceKind.values, "leave, sickness or other", True),
    "start": Field("date", "First day away", True),
    "end": Field("date", "Last day away"),
    "covered_by": Field("ref", "Username of who covers", ref_kind="professional"),
    "synthetic": SYNTHETIC,
}

CHILD = {
    "local_id": Field("text", "The local authority's child id (unique)", True),
    "given_name": Field("text", "Given name", True),
    "family_name": Field("text", "Family name", True),
    "preferred_name": Field("text", "Preferred name"),
    "date_of_birth": Field(
        "date",
        "Date of birth (an approximate one: the first day of the month or year it names); "
        "give this or `expected_date_of_delivery`",
    ),
    "date_of_birth_precision": choice(
        DOBPrecision.values, "How exactly the date of birth is known (default day)"
    ),
    "age_assessed": Field("bool", "Age disputed and assessed (the date of birth is assessed)"),
    "age_assessment_note": Field("text", "Who assessed the age, when, and why"),
    "expected_date_of_delivery": Field(
        "date", "An unborn child's expected date of delivery (no `date_of_birth` then)"
    ),
    "date_of_death": Field("date", "Date of death"),
    "sex": choice(Sex.values, "Sex (M, F, U)", True),
    "ethnicity": choice(Ethnicity.values, "DfE ethnicity code (default NOBT)"),
    "nhs_number": Field("nhs", "NHS number (10 digits, modulus-11 check digit)"),
    "upn": Field("upn", "Unique pupil number"),
    "postcode": Field("text", "Home postcode (UK postcode, e.g. WR1 2AB)"),
    "restricted": Field("bool", "Restricted record"),
    "local_authority": Field(
        "ref", "Code of the responsible children's social care agency", True, ref_kind="agency"
    ),
    "registered": Field(
        "date", "When the child's record was opened (default: the first dated fact)"
    ),
    "people": Field("list", "Family, carers and adults of concern", schema=PERSON),
    "involvements": Field("list", "Professionals working with the child", schema=INVOLVEMENT),
    "restricted_to": Field(
        "list",
        "Professionals named on a restricted record, the only people who may see it (only "
        "with `restricted: true`)",
        schema=RESTRICTED_TO,
    ),
    "episodes": Field("list", "Early help, CIN, CP, looked-after, pathway plan", schema=EPISODE),
    "placements": Field("list", "Looked-after placements", schema=PLACEMENT),
    "health": Field("map", "Health record", schema=HEALTH),
    "referrals": Field("list", "Referrals to other services and their outcome", schema=REFERRAL),
    "events": Field("list", "Chronology events", schema=EVENT),
    "contacts": Field("list", "Contacts and referrals to children's social care", schema=CONTACT),
    "assessments": Field("list", "Children's social care assessments", schema=ASSESSMENT),
    "household": Field("list", "Who lives with the child, over time", schema=HOUSEHOLD_MEMBER),
    "adult_checks": Field("list", "Checks on adults in the household", schema=ADULT_CHECK),
    "injuries": Field("list", "Injuries and child protection medicals", schema=INJURY),
    "closures": Field("list", "Case closures", schema=CLOSURE),
    "synthetic": SYNTHETIC,
}

# --- Concerns, meetings, section 47 enquiries, plan milestones (top level: a concern or a
# MACE meeting can be about several children). Built by scenarios/meetings_format.py.

CONCERN = {
    "id": Field("text", "Id of the concern, for meetings to refer to", True),
    "children": Field("refs", "local_ids of the children it is about", True, ref_kind="child"),
    "kind": choice(ConcernKind.values, "significant_harm or exploitation", True),
    "risk_level": choice(RiskLevel.values, "Exploitation risk grading"),
    "category": choice(CPCategory.values, "Category of abuse"),
    "raised": Field("date", "When the concern was raised", True),
    "recorded": Field("moment", "When it was recorded (default: when raised)"),
    "summary": Field("text", "What the concern is", True),
    "source": Field("ref", "Agency that raised it", True, ref_kind="agency"),
    "raised_by": Field("ref", "Username of who raised it", ref_kind="professional"),
    "raised_by_name": Field("text", "Who raised it, when they have no account"),
    "trigger": Field("ref", "Id of the chronology event that prompted it", ref_kind="event"),
    "closed": Field("date", "When the concern was closed"),
    "closed_reason": Field("text", "Why it was closed (required with `closed`)"),
    "synthetic": SYNTHETIC,
}

ATTENDEE = {
    "agency": Field("ref", "Agency code (default: the professional's agency)", ref_kind="agency"),
    "professional": Field("ref", "Username of the professional", ref_kind="professional"),
    "name": Field("text", "Name, when they have no account"),
    "role": Field("text", "Their role at the meeting (e.g. designated nurse)"),
    "placement": Field("bool", "Speaks for the looked-after child's placement (carer, home)"),
    "status": choice(
        AttendanceStatus.values,
        "At the meeting: attended, sent_report, apologies or absent (default: attended when "
        "the meeting was held)",
    ),
}

MOVE = {
    "on": Field("date", "When it was moved", True),
    "to": Field("moment", "The new date and time", True),
    "reason": Field("text", "Why", True),
}

CANCEL = {
    "on": Field("date", "When it was cancelled", True),
    "reason": Field("text", "Why", True),
}

ACTION = {
    "description": Field("text", "What is to be done", True),
    "owner": Field(
        "ref", "Username of the professional who owns it", True, ref_kind="professional"
    ),
    "due": Field("date", "When it is due", True),
    "child": Field("ref", "local_id of the child it is about (default: all)", ref_kind="child"),
    "completed": Field("date", "When it was completed (or dropped)"),
    "status": choice(("done", "dropped"), "How it closed (default done, with `completed`)"),
    "evidence": Field("text", "What shows it was done (required with `completed`)"),
    "synthetic": SYNTHETIC,
}

MEETING = {
    "id": Field("text", "Id of the meeting, for enquiries and milestones to refer to", True),
    "kind": choice(MeetingKind.values, "Kind of meeting", True),
    "children": Field("refs", "local_ids of the children it is about", True, ref_kind="child"),
    "scheduled": Field("moment", "Date and time it was arranged for", True),
    "invited": Field("date", "When the invitations went out (default: the scheduled day)"),
    "place": Field("text", "Where (or how: telephone, video)"),
    "chair": Field("ref", "Username of the chair", ref_kind="professional"),
    "chair_name": Field("text", "Chair's name when they have no account"),
    "trigger_concern": Field("ref", "Id of the concern it responds to", ref_kind="concern"),
    "trigger_event": Field("ref", "Id of the chronology event it responds to", ref_kind="event"),
    "attendees": Field("list", "Invitees and, once held, their attendance", schema=ATTENDEE),
    "moved": Field("list", "Each time it was moved", schema=MOVE),
    "cancelled": Field("map", "When and why it was cancelled", schema=CANCEL),
    "held": Field("date", "The day it was held"),
    "decisions": Field("text", "What it decided"),
    "outcome": choice(StrategyOutcome.values, "Strategy discussion outcome (required if held)"),
    "conference_decision": choice(ConferenceDecision.values, "Conference decision"),
    "category": choice(CPCategory.values, "Category of abuse (conferences)"),
    "significant_harm_risk": Field(
        "bool", "MACE or missing meeting: the meeting recorded a risk of significant harm"
    ),
    "participation": choice(Participation.values, "CLA review: the child's participation"),
    "participation_how": Field("text", "CLA review: how the child took part"),
    "quality_sufficient": Field(
        "bool", "CLA review: the IRO judged the written information enough to evidence the plan"
    ),
    "minutes": Field("text", "The minutes"),
    "minutes_recorded_by": Field("ref", "Username of who recorded them", ref_kind="professional"),
    "minutes_recorded": Field("moment", "When the minutes were recorded (default: held day)"),
    "actions": Field("list", "Actions agreed", schema=ACTION),
    "synthetic": SYNTHETIC,
}

S47_ENQUIRY = {
    "child": Field("ref", "local_id of the child", True, ref_kind="child"),
    "strategy_discussion": Field(
        "ref", "Id of the strategy discussion that started it", True, ref_kind="meeting"
    ),
    "started": Field("date", "When it started", True),
    "completed": Field("date", "When it concluded"),
    "outcome": choice(S47Outcome.values, "Outcome (with `completed`)"),
    "lead": Field("ref", "Username of the social worker leading it", ref_kind="professional"),
    "notes": Field("text", "Notes"),
    "synthetic": SYNTHETIC,
}

MILESTONE = {
    "child": Field("ref", "local_id of the child", True, ref_kind="child"),
    "plan": choice(
        ("child_in_need", "child_protection", "looked_after", "pathway_plan"),
        "The plan (the child's episode of this kind open on `set`)",
        True,
    ),
    "description": Field("text", "What will happen", True),
    "owner": Field("ref", "Username of who will do it", ref_kind="professional"),
    "owner_name": Field("text", "Who, when they have no account"),
    "set": Field("date", "When the plan set it", True),
    "due": Field("date", "By when", True),
    "reviewed": Field("date", "When it was reviewed"),
    "status": choice(("achieved", "not_achieved"), "Its status at the review (with `reviewed`)"),
    "reviewed_at": Field("ref", "Id of the meeting that reviewed it", ref_kind="meeting"),
    "notes": Field("text", "Notes"),
    "synthetic": SYNTHETIC,
}

TOP = {
    "safeguard_scenario": Field(
        "int", f"Format version (this Safeguard reads {CURRENT_VERSION})", True
    ),
    "title": Field("text", "Title of the scenario"),
    "description": Field("text", "What the scenario is and where its facts come from"),
    "partnership": Field("map", "Agencies, teams and professionals", schema=PARTNERSHIP),
    "children": Field("list", "Children and their history", schema=CHILD),
    "concerns": Field("list", "Concerns of significant harm or exploitation", schema=CONCERN),
    "meetings": Field("list", "Multi-agency meetings", schema=MEETING),
    "s47_enquiries": Field("list", "Section 47 enquiries", schema=S47_ENQUIRY),
    "milestones": Field("list", "Plan milestones", schema=MILESTONE),
    "worker_absences": Field("list", "Workers' leave and sickness", schema=WORKER_ABSENCE),
}


_SECTIONS = [
    ("Top level", TOP),
    ("partnership", PARTNERSHIP),
    ("partnership.agencies[]", AGENCY),
    ("partnership.agencies[].teams[]", TEAM),
    ("partnership.professionals[]", PROFESSIONAL),
    ("children[]", CHILD),
    ("children[].people[]", PERSON),
    ("children[].involvements[]", INVOLVEMENT),
    ("children[].restricted_to[]", RESTRICTED_TO),
    ("children[].episodes[]", EPISODE),
    ("children[].placements[]", PLACEMENT),
    ("children[].health", HEALTH),
    ("children[].health.conditions[]", CONDITION),
    ("children[].health.medicines[]", MEDICINE),
    ("children[].health.assessments[]", HEALTH_ASSESSMENT),
    ("children[].referrals[]", REFERRAL),
    ("children[].events[]", EVENT),
    ("children[].contacts[]", CONTACT),
    ("children[].assessments[]", ASSESSMENT),
    ("children[].household[]", HOUSEHOLD_MEMBER),
    ("children[].adult_checks[]", ADULT_CHECK),
    ("children[].injuries[]", INJURY),
    ("children[].closures[]", CLOSURE),
    ("concerns[]", CONCERN),
    ("meetings[]", MEETING),
    ("meetings[].attendees[]", ATTENDEE),
    ("meetings[].moved[]", MOVE),
    ("meetings[].cancelled", CANCEL),
    ("meetings[].actions[]", ACTION),
    ("s47_enquiries[]", S47_ENQUIRY),
    ("milestones[]", MILESTONE),
    ("worker_absences[]", WORKER_ABSENCE),
]

_KIND_LABELS = {
    "text": "text",
    "int": "whole number",
    "bool": "true/false",
    "date": "date YYYY-MM-DD",
    "fuzzy": "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM",
    "moment": "YYYY-MM-DD or YYYY-MM-DDTHH:MM",
    "nhs": "NHS number",
    "upn": "UPN",
    "list": "list",
    "map": "mapping",
    "details": "mapping (see docs/event-types.md)",
    "refs": "list of ids",
}


def reference_markdown() -> str:
    """Every key of every mapping, generated from the schema (kept in docs by a test)."""
    lines = []
    for title, schema in _SECTIONS:
        lines += [f"### `{title}`", "", "| Key | Type | Required | Meaning |", "|---|---|---|---|"]
        for key, f in schema.items():
            if f.kind == "choice":
                shown = ", ".join(f.choices)
                kind = f"one of: {shown}" if len(f.choices) <= 16 else "code (see below)"
                if f.choices == tuple(EVENT_TYPES):
                    kind = "event type code (docs/event-types.md)"
            elif f.kind == "ref":
                kind = f"{f.ref_kind} reference"
            else:
                kind = _KIND_LABELS[f.kind]
            lines.append(f"| `{key}` | {kind} | {'yes' if f.required else ''} | {f.help} |")
        long_choices = [
            (k, f)
            for k, f in schema.items()
            if f.kind == "choice" and len(f.choices) > 16 and f.choices != tuple(EVENT_TYPES)
        ]
        for key, f in long_choices:
            lines += ["", f"`{key}` codes: {', '.join(f.choices)}."]
        lines.append("")
    return "\n".join(lines)
