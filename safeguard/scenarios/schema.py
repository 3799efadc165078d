"""The shape of a scenario file, version 1 (docs/scenario-format.md describes it).

Each mapping in the file has a schema: a dict of key -> Field. Any key not in the schema
is an error (a typo must not silently drop a fact from a child's record). Later versions of
the format add keys here; a change that alters the meaning of an existing key needs a new
`safeguard_scenario` version and a migration in loader.MIGRATIONS.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeguard.accounts.models import AgencyKind, Role
from safeguard.care.models import (
    CapacityOutcome,
    DecisionKind,
    DisputeStage,
    HomelessDecision,
    LeavingCareKind,
    PepKind,
    Recipient,
    RecommendationOutcome,
    SettingType,
)
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
from safeguard.episodes.models import EpisodeKind, ProviderRegistration, Siblings
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
from safeguard.health.models import (
    AppointmentService,
    AppointmentStatus,
    HealthAssessmentKind,
)
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
    "front_door": Field(
        "bool",
        "The team is the front door (MASH, duty): its social workers and team managers see "
        "every contact awaiting a decision (docs/access.md) (default false)",
    ),
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
    "distance_miles": Field("int", "Distance from the child's home, in miles"),
    "out_of_area": Field("bool", "Outside the responsible authority's area"),
    "host_authority_notified": Field("date", "When the host authority was told (out of area)"),
    "siblings": choice(Siblings.values, "Siblings placed together or apart"),
    "provider_registration": choice(
        ProviderRegistration.values, "The provider's Ofsted registration"
    ),
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

# One action a health assessment recommends, and its follow-up (care.HealthRecommendation).
HEALTH_ACTION = {
    "action": Field("text", "What is to be done (e.g. refer to CAMHS)", True),
    "owner": Field("ref", "Username of who is to do it", ref_kind="professional"),
    "owner_name": Field("text", "Who is to do it, when they have no account"),
    "due": Field("date", "By when", True),
    "followed_up": Field("date", "When it was followed up (with `outcome`)"),
    "outcome": choice(RecommendationOutcome.values, "done or not_done (with `followed_up`)"),
    "not_done_reason": Field("text", "Why it was not done (needed when not done)"),
    "follow_up_notes": Field("text", "Notes of the follow-up"),
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
    "recommendations": Field("text", "What the assessment recommends"),
    "health_plan_updated": Field(
        "date", "Day the recommendations were taken into the care plan's health plan"
    ),
    "actions": Field(
        "list", "Each recommendation as an action for a named person", schema=HEALTH_ACTION
    ),
    "synthetic": SYNTHETIC,
}

# Looked-after care (issue 13): safeguard/scenarios/care_format.py loads and exports these.


def _t(help, required=False):
    return Field("text", help, required)


def _d(help, required=False):
    return Field("date", help, required)


def _b(help):
    return Field("bool", help)


PLACEMENT_PLAN = {
    "requested": _d("Date of the placement request", True),
    "placement_start": _d("Start date of the child's placement it is the plan for"),
    "health_needs": _t("Health conditions and how to manage them (e.g. a seizure plan)"),
    "medicines": _t("Medicines and who gives them"),
    "behaviour_and_risks": _t("Behaviour and risks"),
    "education": _t("Education needs"),
    "contact": _t("Contact arrangements"),
    "matching_decision": _t("The matching decision and why"),
    "health_information_shared": _d("When the carer/provider was given the health information"),
    "carers_trained": _d("When the carers were trained (e.g. rescue medication)"),
    "training_needed": _t("What the carers needed training in"),
    "delegated_authority": _t("Who holds delegated authority for what"),
    "synthetic": SYNTHETIC,
}
CAPACITY = {
    "decision_kind": choice(DecisionKind.values, "Kind of decision", True),
    "decision": _t("The specific decision", True),
    "date": _d("Date of the assessment", True),
    "assessor": Field("ref", "Username of the assessor", ref_kind="professional"),
    "assessor_name": _t("Assessor's name when they have no account"),
    "impairment": _b("An impairment of, or disturbance in the functioning of, the mind or brain"),
    "understands": _b("Understands the information relevant to the decision"),
    "retains": _b("Retains it long enough to decide"),
    "uses_or_weighs": _b("Uses or weighs it in deciding"),
    "communicates": _b("Communicates the decision"),
    "outcome": choice(CapacityOutcome.values, "Outcome", True),
    "best_interests_decision": _t("The best-interests decision, where capacity is lacking"),
    "synthetic": SYNTHETIC,
}
ESCALATION = {
    "stage": choice(DisputeStage.values[1:], "Stage escalated to", True),
    "date": _d("Date escalated", True),
}
IRO_DISPUTE = {
    "issue": _t("The issue the IRO raised", True),
    "raised": _d("Date raised (the informal stage)", True),
    "raised_by": Field("ref", "Username of the IRO", ref_kind="professional"),
    "raised_by_name": _t("IRO's name when they have no account"),
    "escalations": Field("list", "Formal stages, in order", schema=ESCALATION),
    "resolved": _d("Date resolved (with `outcome`)"),
    "outcome": _t("How it was resolved"),
    "synthetic": SYNTHETIC,
}
EDUCATION = {
    "setting_type": choice(SettingType.values, "Kind of setting", True),
    "name": _t("Name of the school or setting"),
    "urn": _t("School URN"),
    "start": _d("Start date", True),
    "end": _d("End date"),
    "part_time": Field("bool", "Not in full-time education (a part-time timetable)"),
    "hours_per_week": Field("int", "Hours a week when part time"),
    "attendance_percent": Field("int", "Attendance (percent)"),
    "virtual_school_head": _t("Virtual school head"),
    "synthetic": SYNTHETIC,
}
PEP = {
    "kind": choice(PepKind.values, "pep or review", True),
    "date": _d("Date", True),
    "notes": _t("Notes"),
    "synthetic": SYNTHETIC,
}
LEAVING_CARE = {
    "kind": choice(
        LeavingCareKind.values, "needs_assessment, pathway_plan or pathway_review", True
    ),
    "date": _d("Date", True),
    "personal_adviser_name": _t("Personal adviser"),
    "accommodation": _t("Accommodation"),
    "notes": _t("Notes"),
    "synthetic": SYNTHETIC,
}
HOMELESS = {
    "presented": _d("When the young person presented as homeless", True),
    "decided": _d("When the s20 decision was made", True),
    "decision": choice(HomelessDecision.values, "The decision", True),
    "reasons": _t("Why", True),
    "synthetic": SYNTHETIC,
}
NOTIFICATION = {
    "recipient": choice(Recipient.values, "Kind of recipient", True),
    "name": _t("Recipient as the workflow names them", True),
    "done": _d("When they were told", True),
    "note": _t("Note"),
}
DEATH = {
    "date": _d("Date of death (the child's `date_of_death` too)", True),
    "notified": _d("When children's services learnt of it (the workflow counts from it)", True),
    "circumstances": _t("Circumstances", True),
    "abuse_or_neglect_suspected": _b("Abuse or neglect known or suspected"),
    "notifications": Field(
        "list", "Notifications done (the workflow creates one per recipient)", schema=NOTIFICATION
    ),
    "synthetic": SYNTHETIC,
}
APPOINTMENT = {
    "date": _d("Date of the appointment", True),
    "service": choice(AppointmentService.values, "Service", True),
    "clinic": _t("Clinic"),
    "condition": Field("ref", "Id of the condition it is for", ref_kind="condition"),
    "status": choice(AppointmentStatus.values, "What happened", True),
    "agency": Field("ref", "Agency that holds it", ref_kind="agency"),
    "notes": _t("Notes"),
    "synthetic": SYNTHETIC,
}
TRANSITION = {
    "date": _d("Date the transition plan was agreed", True),
    "condition": Field("ref", "Id of the condition", ref_kind="condition"),
    "named_worker": _t("Named worker for the transition"),
    "plan": _t("The plan", True),
    "synthetic": SYNTHETIC,
}

CARE = {
    "placement_plans": Field("list", "Placement requests and plans", schema=PLACEMENT_PLAN),
    "capacity_assessments": Field("list", "Mental capacity assessments (16+)", schema=CAPACITY),
    "iro_disputes": Field("list", "IRO disputes", schema=IRO_DISPUTE),
    "education": Field("list", "Schools and settings", schema=EDUCATION),
    "peps": Field("list", "Personal education plans and reviews", schema=PEP),
    "leaving_care": Field(
        "list", "Needs assessment, pathway plan and reviews", schema=LEAVING_CARE
    ),
    "homeless_assessments": Field("list", "Homeless 16-17 s20 assessments", schema=HOMELESS),
    "death": Field("map", "Death of a looked-after child or care leaver", schema=DEATH),
}
HEALTH_EXTRA = {
    "appointments": Field("list", "Health appointments", schema=APPOINTMENT),
    "transition_plans": Field("list", "Paediatric to adult transition plans", schema=TRANSITION),
}


HEALTH = {
    "conditions": Field("list", "Conditions", schema=CONDITION),
    "medicines": Field("list", "Medicines", schema=MEDICINE),
    "assessments": Field("list", "Statutory health assessments", schema=HEALTH_ASSESSMENT),
    **HEALTH_EXTRA,
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

# --- Exploitation and missing (records of safeguard/exploitation; loaded and exported by
# safeguard/scenarios/exploitation_format.py).
from safeguard.exploitation.indicators import ANSWERS, indicators  # noqa: E402
from safeguard.exploitation.models import (  # noqa: E402
    InterviewOutcome,
    JusticeKind,
    LocationKind,
    MeasureKind,
    MeasureStatus,
    MissingCode,
    OffenceCategory,
    RiskGrading,
    Strand,
)
from safeguard.exploitation.models import RiskLevel as ExploitationRiskLevel  # noqa: E402

LOCATION = {
    "name": Field("text", "Name or address of the place (the same name is the same place)", True),
    "kind": choice(LocationKind.values, "address, area or venue (default address)"),
    "postcode": Field("text", "Postcode"),
    "local_authority": Field("text", "The local authority area the place is in"),
    "resident": Field("ref", "Id of the person whose address it is", ref_kind="person"),
}

MISSING_EPISODE = {
    "ref": Field("text", "Episode reference (unique for the child)", True),
    "code": choice(MissingCode.values, "SSDA903: M missing, A away without authorisation", True),
    "went_missing": Field("moment", "When the child went missing (YYYY-MM-DDTHH:MM)", True),
    "source": Field("ref", "Agency that recorded the episode", True, ref_kind="agency"),
    "reported_by": Field("text", "Who reported the child missing"),
    "reported_at": Field("moment", "When the child was reported missing"),
    "risk_grading": choice(RiskGrading.values, "Police risk grading"),
    "last_seen": Field("map", "Where the child was last seen", schema=LOCATION),
    "returned": Field("moment", "When the child returned or was found"),
    "found": Field("map", "Where the child was found", schema=LOCATION),
    "with_adults": Field("refs", "Ids of adults the child was with", ref_kind="person"),
    "interview_offered": Field("moment", "When the return interview was offered"),
    "interview_offered_by": Field("text", "Who offered it"),
    "interview_independent": Field("bool", "Offered by someone independent"),
    "interview_outcome": choice(InterviewOutcome.values, "held, declined or not_possible"),
    "interview_on": Field("date", "When the interview was held, declined or found not possible"),
    "push_factors": Field("text", "What pushed the child away (in the child's words)"),
    "pull_factors": Field("text", "What pulled the child away"),
    # The chronology entries the episode writes, each named so that a meeting, a concern or
    # a correction can refer to it (export-scenario writes them).
    "missing_entry": Field("text", "Id of the entry the report writes (missing_from_care)"),
    "return_entry": Field("text", "Id of the entry the return writes (returned_from_missing)"),
    "offer_entry": Field("text", "Id of the entry the interview offer writes"),
    "interview_entry": Field("text", "Id of the entry the interview's outcome writes"),
    "synthetic": SYNTHETIC,
}

ANSWER = {
    "indicator": choice(
        [c for c, _, _ in indicators()], "Indicator code (docs/exploitation.md)", True
    ),
    "answer": choice(ANSWERS, "yes, no or unknown", True),
    "evidence": Field("text", "What the answer rests on (required for yes)"),
}

EXPLOITATION_ASSESSMENT = {
    "date": Field("date", "Date of the assessment", True),
    "review_due": Field("date", "When it must be reviewed", True),
    "level": choice(
        ExploitationRiskLevel.values,
        "no_known, low, medium or high (the practitioner's decision)",
        True,
    ),
    "decided_by": Field("text", "Who decided the level", True),
    "agency": Field("ref", "Agency", True, ref_kind="agency"),
    "answers": Field("list", "Indicators answered", schema=ANSWER),
    "rationale": Field("text", "Why this level"),
    "synthetic": SYNTHETIC,
}

PLAN_ACTION = {
    "agreed": Field("date", "When the action was agreed", True),
    "strand": choice(Strand.values, "prepare, prevent, protect or pursue", True),
    "action": Field("text", "The action", True),
    "owner": Field("text", "Who owns it", True),
    "due": Field("date", "Due by"),
    "done": Field("date", "Done on"),
    "synthetic": SYNTHETIC,
}

JUSTICE = {
    "kind": choice(JusticeKind.values, "What it is", True),
    "date": Field("date", "When", True),
    "person": Field("ref", "Id of the adult it concerns (none: the child)", ref_kind="person"),
    "offence": Field("text", "Offence"),
    "offence_category": choice(OffenceCategory.values, "drug_supply, sexual, violence, other"),
    "location": Field("map", "Where", schema=LOCATION),
    "reference": Field("text", "Police or court reference"),
    "outcome": Field("text", "Outcome or decision"),
    "source": Field("ref", "Agency", True, ref_kind="agency"),
    "entry": Field(
        "text",
        "Id of the chronology entry an arrest or incident writes, so that a meeting, concern or "
        "correction can name it (export-scenario writes it)",
    ),
    "synthetic": SYNTHETIC,
}

BREACH = {
    "date": Field("date", "When the breach happened", True),
    "summary": Field("text", "What happened", True),
    "entry": Field(
        "text",
        "Id of the chronology entry the breach writes, so that a meeting, concern or "
        "correction can name it (export-scenario writes it)",
    ),
    "synthetic": SYNTHETIC,
}

BAIL = {
    "set": Field("date", "When bail was set", True),
    "person": Field("ref", "Id of the adult on bail (none: the child)", ref_kind="person"),
    "expires": Field("date", "When the bail and its conditions end"),
    "curfew": Field("text", "Curfew"),
    "electronic_tag": Field("bool", "Electronic tag"),
    "no_contact_with": Field("text", "Named children not to be contacted"),
    "exclusion_zones": Field("text", "Exclusion zones"),
    "other_conditions": Field("text", "Other conditions"),
    "source": Field("ref", "Agency", True, ref_kind="agency"),
    "breaches": Field("list", "Breaches", schema=BREACH),
    "entry": Field(
        "text",
        "Id of the chronology entry the bail writes, so that a meeting, concern or "
        "correction can name it (export-scenario writes it)",
    ),
    "synthetic": SYNTHETIC,
}

MEASURE = {
    "kind": choice(MeasureKind.values, "The measure", True),
    "status": choice(MeasureStatus.values, "Its status on `date`", True),
    "date": Field("date", "Date of this status", True),
    "against": Field("ref", "Id of the adult it is against", ref_kind="person"),
    "expires": Field("date", "When it ends"),
    "not_pursued_reason": Field("text", "Why a considered measure was not pursued"),
    "notes": Field("text", "Notes"),
    "source": Field("ref", "Agency", True, ref_kind="agency"),
    "entry": Field(
        "text",
        "Id of the chronology entry a measure against an adult writes, so that a meeting, "
        "concern or correction can name it (export-scenario writes it)",
    ),
    "synthetic": SYNTHETIC,
}

EXPLOITATION_KEYS = {
    "missing_episodes": Field("list", "Missing episodes", schema=MISSING_EPISODE),
    "exploitation_assessments": Field(
        "list", "Exploitation risk assessments", schema=EXPLOITATION_ASSESSMENT
    ),
    "safety_plan": Field("list", "Contextual safety plan actions", schema=PLAN_ACTION),
    "justice": Field("list", "Police and youth justice records", schema=JUSTICE),
    "bail": Field("list", "Bail and its conditions", schema=BAIL),
    "protective_measures": Field("list", "Protective measures and civil orders", schema=MEASURE),
}

EXPLOITATION_SECTIONS = [
    ("children[].missing_episodes[]", MISSING_EPISODE),
    ("children[].exploitation_assessments[]", EXPLOITATION_ASSESSMENT),
    ("children[].exploitation_assessments[].answers[]", ANSWER),
    ("children[].safety_plan[]", PLAN_ACTION),
    ("children[].justice[]", JUSTICE),
    ("children[].bail[]", BAIL),
    ("children[].bail[].breaches[]", BREACH),
    ("children[].protective_measures[]", MEASURE),
    ("(a place: last_seen, found, location)", LOCATION),
]


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
    "concern": Field(
        "ref",
        "Id of the concern (in `concerns`) a strategy_discussion outcome raised; without it "
        "the outcome raises one on load (naming the worker's agency), dated the day completed",
        ref_kind="concern",
    ),
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
    "care": Field(
        "map",
        "Placement plans, capacity, IRO disputes, education, leaving care, death",
        schema=CARE,
    ),
    "referrals": Field("list", "Referrals to other services and their outcome", schema=REFERRAL),
    "events": Field("list", "Chronology events", schema=EVENT),
    # Exploitation and missing (safeguard/scenarios/exploitation_format.py).
    **EXPLOITATION_KEYS,
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
    ("children[].health.assessments[].actions[]", HEALTH_ACTION),
    ("children[].health.appointments[]", APPOINTMENT),
    ("children[].health.transition_plans[]", TRANSITION),
    ("children[].care", CARE),
    ("children[].care.placement_plans[]", PLACEMENT_PLAN),
    ("children[].care.capacity_assessments[]", CAPACITY),
    ("children[].care.iro_disputes[]", IRO_DISPUTE),
    ("children[].care.iro_disputes[].escalations[]", ESCALATION),
    ("children[].care.education[]", EDUCATION),
    ("children[].care.peps[]", PEP),
    ("children[].care.leaving_care[]", LEAVING_CARE),
    ("children[].care.homeless_assessments[]", HOMELESS),
    ("children[].care.death", DEATH),
    ("children[].care.death.notifications[]", NOTIFICATION),
    ("children[].referrals[]", REFERRAL),
    ("children[].events[]", EVENT),
    *EXPLOITATION_SECTIONS,
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
