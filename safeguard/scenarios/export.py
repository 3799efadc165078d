"""Export a child's whole record as a scenario file (the inverse of loader.py).

`export_child(child)` returns the scenario as a dict in the key order of
docs/scenario-format.md; `dump_yaml(data)` writes it. Loading the file into an empty
database gives the same record: the round-trip tests compare every concrete field of every
model linked to the child, so a field the record gains and this module does not export
fails them.

What is exported, and how, is declared in `SECTIONS`: for each list of the format, the
model it comes from and a table of scenario key -> model attribute, next to the loader's
schema (schema.py). Each value is converted by the kind of its key in the schema (dates as
ISO text, references as codes/usernames/ids), so adding a field is usually one line here.
`NOT_EXPORTED` names the model fields the format deliberately does not carry, with why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db.models import Q
from django.utils import timezone

from safeguard.accounts.models import Agency, AgencyKind, User
from safeguard.children.models import Child, Person, Relationship
from safeguard.chronology.models import Event
from safeguard.core.dates import Precision

from . import schema as S

__all__ = ["ExportError", "SECTIONS", "dump_yaml", "export_child", "export_yaml"]


class ExportError(Exception):
    """The record holds something the scenario format cannot express."""


# --------------------------------------------------------------------------- values


class _Explicit:
    """A value written even when false (a required or non-default boolean)."""

    def __init__(self, value):
        self.value = value


class _Plain(str):
    """Text written without quotes (dates, so files read like the hand-written ones)."""


def _iso_date(value: dt.date) -> str:
    return _Plain(value.isoformat())


def _local_text(moment: dt.datetime) -> str:
    """A moment as local (Europe/London) ISO text that the loader reads back exactly.

    Minutes when whole, else seconds and microseconds; the UTC offset only when local time
    alone is ambiguous (the hour repeated when clocks go back).
    """
    local = timezone.localtime(moment)
    naive = local.replace(tzinfo=None)
    if naive.microsecond:
        text = naive.isoformat(timespec="microseconds")
    elif naive.second:
        text = naive.isoformat(timespec="seconds")
    else:
        text = naive.isoformat(timespec="minutes")
    if timezone.make_aware(naive) != moment:
        text += local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    return _Plain(text)


def fuzzy_text(start: dt.datetime | dt.date, precision: str) -> str:
    """A date with its precision as the format writes it: 2019, 2019-06, 2019-06-16 or a
    time."""
    if isinstance(start, dt.datetime):
        local = timezone.localtime(start)
        day = local.date()
    else:
        local, day = None, start
    if precision == Precision.YEAR:
        return _Plain(f"{day.year:04d}")
    if precision == Precision.MONTH:
        return _Plain(f"{day.year:04d}-{day.month:02d}")
    if precision == Precision.DAY:
        return _iso_date(day)
    if local is None:  # an exact precision on a date-only field: midnight
        return _Plain(f"{day.isoformat()}T00:00")
    return _local_text(start)


def moment_text(moment: dt.datetime) -> str:
    """A `recorded` moment: the date alone at local midnight, else the local time."""
    local = timezone.localtime(moment)
    if local.time() == dt.time() and timezone.make_aware(local.replace(tzinfo=None)) == moment:
        return _iso_date(local.date())
    return _local_text(moment)


# --------------------------------------------------------------------------- the tables


@dataclass(frozen=True)
class Key:
    """One scenario key and where its value comes from.

    attr: a model attribute name, or a function of the object. The value is converted by
    the kind of the key in `schema` (date -> ISO text, ref -> the referenced record's id in
    the file); None, "" and False are left out (the loader's defaults).
    """

    key: str
    attr: str | Callable[[Any], Any]
    # The model fields a function attr reads (a string attr names its own).
    covers: tuple[str, ...] = ()
    # A value left out like None: the loader's default (e.g. precision "day").
    omit: Any = None

    @property
    def fields(self) -> tuple[str, ...]:
        return self.covers or ((self.attr.split(".")[0],) if isinstance(self.attr, str) else ())


@dataclass(frozen=True)
class Section:
    """One list (or mapping) of the format and the model it holds."""

    path: str  # e.g. "children[].episodes[]" as in schema._SECTIONS
    model: type
    schema: dict[str, S.Field]
    keys: tuple[Key, ...]
    # Model fields not exported, each with why (the tests check every field is accounted for).
    not_exported: dict[str, str] = field(default_factory=dict)


def K(key: str, attr: str | Callable[[Any], Any] | None = None, *covers: str, omit=None) -> Key:
    return Key(key, attr or key, covers, omit)


# `omit=KEEP_FALSE`: a nullable yes/no whose False is information (not the loader's default).
KEEP_FALSE = object()


_ID = "database id, not part of the record's content"

# Imported late to keep the module's import order the same as the loader's.
from safeguard.access.models import RestrictedAccess  # noqa: E402
from safeguard.accounts.models import Team  # noqa: E402
from safeguard.children.models import Involvement, Referral  # noqa: E402
from safeguard.episodes.models import Episode, Placement  # noqa: E402
from safeguard.health.models import Condition, HealthAssessment, Medicine  # noqa: E402

AGENCY = Section(
    "partnership.agencies[]",
    Agency,
    S.AGENCY,
    (K("code"), K("name"), K("kind"), K("external_id"), K("synthetic")),
    {"id": _ID},
)


def _is_front_door(team) -> bool:
    from safeguard.frontdoor.models import FrontDoorTeam

    return FrontDoorTeam.objects.filter(team=team).exists()


TEAM = Section(
    "partnership.agencies[].teams[]",
    Team,
    S.TEAM,
    (K("code"), K("name"), K("front_door", _is_front_door)),
    {"id": _ID, "agency": "written as the team's place under its agency"},
)
PROFESSIONAL = Section(
    "partnership.professionals[]",
    User,
    S.PROFESSIONAL,
    (
        K("username"),
        K("given_name", "first_name"),
        K("family_name", "last_name"),
        K("agency", "agency"),
        K("team", "team.code"),
        K("job_title"),
        K("role"),
        K("email"),
        K("phone"),
    ),
    {
        "id": _ID,
        "password": "never exported: an exported account cannot sign in with a password",
        "last_login": "sign-in history, not part of a child's record",
        "date_joined": "when the account was made (timestamp)",
        "is_superuser": "site permissions are not given by scenario files",
        "is_staff": "site permissions are not given by scenario files",
        "is_active": "accounts are loaded active",
        "groups": "site permissions are not given by scenario files",
        "user_permissions": "site permissions are not given by scenario files",
        "scenario_ref": "set by the loader to the username",
        "alert_delivery": "the professional's own choice of alert emails, not part of a "
        "child's record (loaded as the default)",
    },
)
CHILD = Section(
    "children[]",
    Child,
    S.CHILD,
    (
        K("local_id"),
        K("given_name"),
        K("family_name"),
        K("preferred_name"),
        K("date_of_birth"),
        K("date_of_birth_precision", omit="day"),
        K("age_assessed"),
        K("age_assessment_note"),
        K("expected_date_of_delivery"),
        K("date_of_death"),
        K("sex"),
        K("ethnicity"),
        K("nhs_number"),
        K("upn"),
        K("postcode"),
        K("restricted"),
        K("synthetic"),
    ),
    {"id": _ID, "created_at": "when the row was made (timestamp)"},
)
PERSON = Section(
    "children[].people[]",
    Relationship,
    S.PERSON,
    (
        K("given_name", "person.given_name"),
        K("family_name", "person.family_name"),
        K("known_as", "person.known_as"),
        K("date_of_birth", "person.date_of_birth"),
        K("sex", "person.sex"),
        K("notes", "person.notes"),
        K("relationship"),
        K("parental_responsibility"),
        K("pr_basis"),
        K("start", "start_date"),
        K("end", "end_date"),
        K("relationship_notes", "notes"),
        K("synthetic", "person.synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under", "person": "written inline (above)"},
)
INVOLVEMENT = Section(
    "children[].involvements[]",
    Involvement,
    S.INVOLVEMENT,
    (K("professional"), K("role"), K("start", "start_date"), K("end", "end_date")),
    {"id": _ID, "child": "the child it is listed under"},
)
RESTRICTED_TO = Section(
    "children[].restricted_to[]",
    RestrictedAccess,
    S.RESTRICTED_TO,
    (K("professional", "user"), K("reason")),
    {
        "id": _ID,
        "child": "the child it is listed under",
        "granted_by": "who named them is in the audit trail; a load names them as the system",
        "granted_at": "when the naming was made (timestamp)",
        "expires_at": "only current namings are exported",
        "revoked_at": "only current namings are exported",
    },
)
EPISODE = Section(
    "children[].episodes[]",
    Episode,
    S.EPISODE,
    (
        K("kind"),
        K("start", "start_date"),
        K("end", "end_date"),
        K("legal_status"),
        K("cp_category"),
        K("primary_need"),
        K("reason_ended"),
        K("agency"),
        K("notes"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under"},
)
PLACEMENT = Section(
    "children[].placements[]",
    Placement,
    S.PLACEMENT,
    (
        K("type", "placement_type"),
        K("start", "start_date"),
        K("end", "end_date"),
        K("provider_type"),
        K("provider_name"),
        K("postcode"),
        K("area"),
        K("urn"),
        K("reason_changed"),
        K("intended_until_18"),
        K("distance_miles"),
        K("out_of_area"),
        K("host_authority_notified", "host_authority_notified_on"),
        K("siblings"),
        K("provider_registration"),
        K("agency"),
        K("notes"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under"},
)
CONDITION = Section(
    "children[].health.conditions[]",
    Condition,
    S.CONDITION,
    (
        K("name"),
        K("snomed_code"),
        K(
            "diagnosed",
            lambda c: fuzzy_text(c.diagnosed_on, c.diagnosed_precision),
            "diagnosed_on",
            "diagnosed_precision",
        ),
        K("chronic"),
        K("resolved", "resolved_on"),
        K("agency"),
        K("notes"),
        K("synthetic"),
    ),
    {
        "id": _ID,
        "child": "the child it is listed under",
    },
)
MEDICINE = Section(
    "children[].health.medicines[]",
    Medicine,
    S.MEDICINE,
    (
        K("name"),
        K("dose"),
        K("condition"),
        K("prescriber"),
        K("prescriber_name"),
        K("dmd_code"),
        K("start", "start_date"),
        K("end", "end_date"),
        K("long_term"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under"},
)
HEALTH_ASSESSMENT = Section(
    "children[].health.assessments[]",
    HealthAssessment,
    S.HEALTH_ASSESSMENT,
    (
        K("kind"),
        K("date"),
        K("assessor"),
        K("assessor_name"),
        K("agency"),
        K("outcome"),
        K("by_medical_practitioner", omit=KEEP_FALSE),
        K("refused"),
        K("refusal_reason"),
        K("recommendations"),
        K("health_plan_updated", "health_plan_updated_on"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under"},
)
REFERRAL = Section(
    "children[].referrals[]",
    Referral,
    S.REFERRAL,
    (
        K("service"),
        K("date"),
        K("reason"),
        K("to_agency"),
        K("from_agency"),
        K("referred_by"),
        K("referred_by_name"),
        K("outcome"),
        K("outcome_date"),
        K("outcome_note"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under"},
)
# Events are written by `_event` (an amendment writes only what it changes); the table
# still declares where each key comes from.
EVENT = Section(
    "children[].events[]",
    Event,
    S.EVENT,
    (
        K("type", "event_type"),
        K("occurred", lambda e: fuzzy_text(e.occurred_at, e.precision), "occurred_at", "precision"),
        K("recorded", lambda e: moment_text(e.recorded_at), "recorded_at"),
        K("source", "source_agency"),
        K("recorded_by"),
        K("recorded_by_name"),
        K("summary"),
        K("details", lambda e: dict(e.details) or None, "details"),
        K("related", "related_persons"),
        K("synthetic"),
    ),
    {
        "id": _ID,
        "uid": "a unique identifier, new on each load",
        "child": "the child it is listed under",
        "occurred_on": "derived from `occurred`",
        "supersedes": "written as `corrects` or `withdraws`",
        "withdrawn": "written as `withdraws`",
        "correction_reason": "written as `reason`",
    },
)

# Looked-after care (issue 13): each list's keys come from its table in care_format.py.
from safeguard.care.models import (  # noqa: E402
    Death,
    DeathNotification,
    DisputeStage,
    HealthRecommendation,  # noqa: E402
    IroDispute,
    PlacementPlan,
)

# A health assessment's recommended actions: written inside the assessment (`actions`,
# `_Exporter._rows`); listed in CHILD_LISTS for the model coverage tests.
HEALTH_ACTION = Section(
    "children[].health.assessments[].actions[]",
    HealthRecommendation,
    S.HEALTH_ACTION,
    (
        K("action"),
        K("owner"),
        K("owner_name"),
        K("due", "due_on"),
        K("followed_up", "followed_up_on"),
        K("outcome"),
        K("not_done_reason"),
        K("follow_up_notes"),
        K("synthetic"),
    ),
    {
        "id": _ID,
        "child": "the child it is listed under",
        "assessment": "the assessment it is listed under",
        "milestone": "not yet in the scenario format (milestones have no id in a file): "
        "the link to a plan milestone is not exported",
    },
)

from . import care_format  # noqa: E402
from . import exploitation_format as exploitation_scenario  # noqa: E402
from .exploitation_export import (  # noqa: E402
    CHILD_LISTS as EXPLOITATION_LISTS,
)
from .exploitation_export import SECTION_SET as EXPLOITATION_SECTIONS  # noqa: E402

_CARE_NOT_EXPORTED = {"id": _ID, "child": "the child it is listed under"}


def _care_section(spec) -> Section:
    keys = [K(key, target) for key, target in spec.fields.items()]
    keys += [K(key, name) for key, (name, _kind) in spec.refs.items()]
    keys += [K(later.key, later.model_field) for later in spec.later]
    if spec.model is PlacementPlan:
        keys.append(
            K(
                "placement_start",
                lambda p: p.placement.start_date if p.placement else None,
                "placement",
            )
        )
    return Section(
        f"children[].{spec.path}[]", spec.model, spec.schema, tuple(keys), _CARE_NOT_EXPORTED
    )


CARE_SECTIONS = {spec.path: _care_section(spec) for spec in care_format.LISTS}


def _escalations(dispute):
    """A dispute stores its current stage and since when: written as one escalation to it."""
    if dispute.stage == DisputeStage.INFORMAL:
        return None
    return [{"stage": dispute.stage, "date": _iso_date(dispute.stage_since)}]


IRO_DISPUTE = Section(
    "children[].care.iro_disputes[]",
    IroDispute,
    S.IRO_DISPUTE,
    (
        K("issue"),
        K("raised", "raised_on"),
        K("raised_by"),
        K("raised_by_name"),
        K("escalations", _escalations, "stage", "stage_since"),
        K("resolved", "resolved_on"),
        K("outcome"),
        K("synthetic"),
    ),
    {
        **_CARE_NOT_EXPORTED,
        "resolved_stage": "the stage it was at when resolved (derived on reload)",
    },
)


def _notifications_done(death):
    rows = []
    for n in death.notifications.exclude(done_on=None).order_by("due_date", "id"):
        row = {"recipient": n.recipient, "name": n.recipient_name, "done": _iso_date(n.done_on)}
        if n.note:
            row["note"] = n.note
        rows.append(row)
    return rows or None


DEATH = Section(
    "children[].care.death",
    Death,
    S.DEATH,
    (
        K("date"),
        K("notified", "notified_on"),
        K("circumstances"),
        K("abuse_or_neglect_suspected"),
        K("notifications", _notifications_done),
        K("synthetic"),
    ),
    {**_CARE_NOT_EXPORTED, "recorded_by": "the loader records it as the system"},
)
_WORKFLOW = "created by the death workflow from the record (safeguard/care/services.py)"
DEATH_NOTIFICATION = Section(
    "children[].care.death.notifications[]",
    DeathNotification,
    S.NOTIFICATION,
    (K("recipient"), K("name", "recipient_name"), K("done", "done_on"), K("note")),
    {
        **_CARE_NOT_EXPORTED,
        "death": "the death it is listed under",
        "person": _WORKFLOW,
        "agency": _WORKFLOW,
        "due_date": _WORKFLOW,
        "who_tells": _WORKFLOW,
        "how": _WORKFLOW,
        "synthetic": "the death's",
    },
)

# The lists of a child in the order the format writes them, with the related name of the
# child's rows and their order. A new record kind is a Section and a line here.

# The front door and help at home (scenarios/frontdoor_format.py loads them).
from safeguard.frontdoor.models import (  # noqa: E402
    AdultCheck,
    Assessment,
    CaseClosure,
    Contact,
    HouseholdMember,
    Injury,
)

_VERSION = "edit counter of the row, not part of the record's content"
CONTACT = Section(
    "children[].contacts[]",
    Contact,
    S.CONTACT,
    (
        K("kind", omit="contact"),
        K("received", "received_on"),
        K("source"),
        K("referrer_agency"),
        K("referrer_name"),
        K("referrer_relationship"),
        K("summary"),
        K("recorded_by"),
        K("decision"),
        K("reason", "decision_reason"),
        K("decided", "decided_on"),
        K("decided_by"),
        K("judged_malicious"),
        K("referrer_spoken_to"),
        K("concern"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under", "version": _VERSION},
)
ASSESSMENT = Section(
    "children[].assessments[]",
    Assessment,
    S.ASSESSMENT,
    (
        K("contact"),
        K("worker"),
        K("started", "started_on"),
        K("child_seen", "child_seen_on"),
        K(
            "seen_alone",
            lambda a: None if a.seen_alone is None else _Explicit(a.seen_alone),
            "seen_alone",
        ),
        K("not_seen_alone_reason"),
        K("completed", "completed_on"),
        K("factors", lambda a: " ".join(a.factors), "factors"),
        K("outcome"),
        K("concern"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under", "version": _VERSION},
)
HOUSEHOLD = Section(
    "children[].household[]",
    HouseholdMember,
    S.HOUSEHOLD_MEMBER,
    (
        K("person"),
        K("relationship"),
        K("adult", lambda h: None if h.adult else _Explicit(False), "adult"),
        K("joined", "joined_on"),
        K("left", "left_on"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under"},
)
ADULT_CHECK = Section(
    "children[].adult_checks[]",
    AdultCheck,
    S.ADULT_CHECK,
    (
        K("person"),
        K("kind"),
        K("agency"),
        K("requested", "requested_on"),
        K("result_on"),
        K("result"),
        K("risk_to_children"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under"},
)
INJURY = Section(
    "children[].injuries[]",
    Injury,
    S.INJURY,
    (
        K("noticed", "noticed_on"),
        K("agency"),
        K("kind"),
        K("body_site"),
        K("explanation"),
        K("child_mobile", lambda i: _Explicit(i.child_mobile), "child_mobile"),
        K("medical_requested", "medical_requested_on"),
        K("medical_held", "medical_held_on"),
        K("medical_findings"),
        K("findings_shared_with"),
        K("synthetic"),
    ),
    {"id": _ID, "child": "the child it is listed under"},
)
CLOSURE = Section(
    "children[].closures[]",
    CaseClosure,
    S.CLOSURE,
    (K("closed", "closed_on"), K("reason"), K("closed_by"), K("synthetic")),
    {
        "id": _ID,
        "child": "the child it is listed under",
        "open_items": "computed from the record when the case is closed (a reload recomputes it)",
    },
)

CHILD_LISTS: tuple[tuple[str, Section, str, tuple[str, ...]], ...] = (
    ("people", PERSON, "relationships", ("start_date", "id")),
    ("involvements", INVOLVEMENT, "involvements", ("start_date", "id")),
    ("restricted_to", RESTRICTED_TO, "restricted_grants", ("granted_at", "id")),
    ("episodes", EPISODE, "episodes", ("start_date", "id")),
    ("placements", PLACEMENT, "placements", ("start_date", "id")),
    ("health.conditions", CONDITION, "conditions", ("diagnosed_on", "id")),
    ("health.medicines", MEDICINE, "medicines", ("start_date", "id")),
    ("health.assessments", HEALTH_ASSESSMENT, "health_assessments", ("date", "id")),
    # Written inside their assessment (its `actions`); listed for the model coverage tests.
    (
        "health.assessments.actions",
        HEALTH_ACTION,
        "health_recommendations",
        ("due_on", "id"),
    ),
    *(
        (spec.path, CARE_SECTIONS[spec.path], spec.related, spec.order)
        for spec in care_format.LISTS
        if spec.path.startswith("health.")
    ),
    *(
        (spec.path, CARE_SECTIONS[spec.path], spec.related, spec.order)
        for spec in care_format.LISTS
        if spec.path.startswith("care.")
    ),
    ("care.iro_disputes", IRO_DISPUTE, "iro_disputes", ("raised_on", "id")),
    # One death at most; written as a mapping (`_Exporter.export`).
    ("care.death", DEATH, "deaths", ("id",)),
    # Written inside the death (its `notifications`); listed for the model coverage tests.
    ("care.death.notifications", DEATH_NOTIFICATION, "death_notifications", ("id",)),
    ("referrals", REFERRAL, "referrals", ("date", "id")),
    # Exploitation and missing (safeguard/scenarios/exploitation_export.py).
    *EXPLOITATION_LISTS,
    ("events", EVENT, "events", ("recorded_at", "id")),
    ("contacts", CONTACT, "contacts", ("received_on", "id")),
    ("assessments", ASSESSMENT, "assessments", ("started_on", "id")),
    ("household", HOUSEHOLD, "household", ("joined_on", "id")),
    ("adult_checks", ADULT_CHECK, "adult_checks", ("requested_on", "id")),
    ("injuries", INJURY, "injuries", ("noticed_on", "id")),
    ("closures", CLOSURE, "closures", ("closed_on", "id")),
)

# --- Concerns, meetings, section 47 enquiries and milestones: top-level sections, since a
# concern or a MACE meeting can be about several children. A child's export is that child's
# record only: a record about several children is written as about this child alone, with
# the actions for this child or for all of them (another child's part of a MACE meeting is
# not this child's record, and must not reach whoever is handed the file).
from safeguard.meetings.models import (  # noqa: E402
    Action,
    ActionStatus,
    Attendance,
    AttendanceStatus,
    Concern,
    Meeting,
    MeetingStatus,
    MilestoneStatus,
    S47Enquiry,
)
from safeguard.meetings.models import Milestone as PlanMilestone  # noqa: E402

_CHILDREN = "written as `children`: this child (the export is one child's record)"
_ID_IN_FILE = "written as `id`, made up for the file"
_ARRANGED = "who arranged it is in the audit trail; a load names the system (the loader's actor)"

CONCERN = Section(
    "concerns[]",
    Concern,
    S.CONCERN,
    (
        K("kind"),
        K("risk_level"),
        K("category"),
        K("raised", "raised_on"),
        K("recorded", lambda c: moment_text(c.recorded_at), "recorded_at"),
        K("summary"),
        K("source", "source_agency"),
        K("raised_by"),
        K("raised_by_name"),
        K("trigger", "trigger_event"),
        K("closed", "closed_on"),
        K("closed_reason"),
        K("synthetic"),
    ),
    {
        "id": _ID_IN_FILE,
        "children": _CHILDREN,
        "status": "derived: closed when `closed` is given",
    },
)
MEETING = Section(
    "meetings[]",
    Meeting,
    S.MEETING,
    (
        K("kind"),
        K("scheduled", lambda m: _local_text(m.scheduled_for), "scheduled_for"),
        K("place"),
        K("chair"),
        K("chair_name"),
        K("trigger_concern"),
        K("trigger_event"),
        K("held", "held_on"),
        K("decisions"),
        K("outcome", "strategy_outcome"),
        K("conference_decision"),
        K("category", "cp_category"),
        K("significant_harm_risk"),
        K("participation"),
        K("participation_how"),
        K("quality_sufficient", omit=KEEP_FALSE),
        K("minutes"),
        K("minutes_recorded_by"),
        K(
            "minutes_recorded",
            lambda m: m.minutes_recorded_at and moment_text(m.minutes_recorded_at),
            "minutes_recorded_at",
        ),
        K("synthetic"),
    ),
    {
        "id": _ID_IN_FILE,
        "children": _CHILDREN,
        "status": "derived: held, moved or cancelled from `held`, `moved` and `cancelled`",
        "status_reason": "written as the reason in `moved` or `cancelled`",
        "scheduled_by": _ARRANGED,
    },
)
ATTENDEE = Section(
    "meetings[].attendees[]",
    Attendance,
    S.ATTENDEE,
    (
        K("agency"),
        K("professional"),
        K("name"),
        K("role"),
        K("placement"),
        K("status"),
    ),
    {"id": _ID, "meeting": "the meeting it is listed under"},
)
ACTION = Section(
    "meetings[].actions[]",
    Action,
    S.ACTION,
    (
        K("description"),
        K("owner"),
        K("due", "due_on"),
        K("child"),
        K("completed", "completed_on"),
        K("status", omit=ActionStatus.DONE),
        K("evidence"),
        K("synthetic"),
    ),
    {"id": _ID, "meeting": "the meeting it is listed under"},
)
S47 = Section(
    "s47_enquiries[]",
    S47Enquiry,
    S.S47_ENQUIRY,
    (
        K("child"),
        K("strategy_discussion"),
        K("started", "started_on"),
        K("completed", "completed_on"),
        K("outcome"),
        K("lead"),
        K("notes"),
        K("synthetic"),
    ),
    {"id": _ID},
)
MILESTONE = Section(
    "milestones[]",
    PlanMilestone,
    S.MILESTONE,
    (
        K("child"),
        K("plan", "episode.kind"),
        K("description"),
        K("owner"),
        K("owner_name"),
        K("set", "set_on"),
        K("due", "due_on"),
        K("reviewed", "reviewed_on"),
        K("status", omit=MilestoneStatus.OPEN),
        K("reviewed_at"),
        K("notes"),
        K("synthetic"),
    ),
    {"id": _ID},
)

# The top-level lists, in the format's order, with the related name of the child's rows
# (the record tests compare them like CHILD_LISTS).
TOP_LISTS: tuple[tuple[str, Section, str, tuple[str, ...]], ...] = (
    ("concerns", CONCERN, "concern_links", ("concern__raised_on", "concern_id")),
    ("meetings", MEETING, "meeting_links", ("meeting__scheduled_for", "meeting_id")),
    ("s47_enquiries", S47, "s47_enquiries", ("started_on", "id")),
    ("milestones", MILESTONE, "milestones", ("set_on", "id")),
)

SECTIONS: tuple[Section, ...] = (
    AGENCY,
    TEAM,
    PROFESSIONAL,
    CHILD,
    *(section for _, section, _, _ in CHILD_LISTS),
    *(section for _, section, _, _ in TOP_LISTS),
    ATTENDEE,
    ACTION,
)

# Models that hold rows about a child but are not the child's record: derived (alerts),
# access history (break-glass) and the audit trail. Not exported.
NOT_RECORD_MODELS = {
    "checks.Alert": "alerts are derived from the record by the checks",
    "access.BreakGlassAccess": "emergency access history, not the record",
    "access.AuditEntry": "the audit trail of the record, not the record",
    "checks.Notice": (
        "a message telling a professional that a partner added to the record; the entry "
        "it tells of is exported"
    ),
    "children.InvolvementRequest": (
        "a request to be involved is access workflow, timed when it was made; what it "
        "decided (the involvement) is exported"
    ),
}

# Rows about a child exported under another record rather than from the child's list.
EXPORTED_UNDER_PARENT = {
    "meetings.Action": "under its meeting in `meetings` (an action for all the meeting's "
    "children has no child)",
}


# --------------------------------------------------------------------------- export


def _attr(obj, attr):
    if callable(attr):
        return attr(obj)
    for part in attr.split("."):
        obj = getattr(obj, part)
        if obj is None:
            return None
    return obj


class _Exporter:
    def __init__(self, child: Child):
        self.child = child
        self.agencies: dict[int, Agency] = {}
        self.users: dict[int, User] = {}
        self.person_ids: dict[int, str] = {}
        self.condition_ids: dict[int, str] = {}
        self.event_ids: dict[int, str] = {}
        self.contact_ids: dict[int, str] = {}
        self.top_ids: dict[tuple[str, int], str] = {}

    # references: remember what the partnership must define, return the id in the file
    def agency(self, agency: Agency) -> str:
        self.agencies.setdefault(agency.pk, agency)
        return agency.code

    def professional(self, user: User) -> str:
        if user.agency_id is None:
            raise ExportError(
                f"{user.username} has no agency, so cannot be written as a professional "
                "(every professional in a scenario file belongs to an agency)"
            )
        if not user.first_name.strip() or not user.last_name.strip():
            raise ExportError(
                f"{user.username} has no given or family name (a scenario file needs both)"
            )
        self.users.setdefault(user.pk, user)
        self.agency(user.agency)
        return user.username

    def person(self, person: Person) -> str:
        try:
            return self.person_ids[person.pk]
        except KeyError:
            raise ExportError(
                f"{person} is related to an event of {self.child.local_id} but has no "
                "relationship to the child (a scenario file names people through their "
                "relationships)"
            ) from None

    def event(self, event: Event) -> str:
        # An entry a missing episode, police record, bail or measure wrote has the id the
        # export gives it on that record (`missing_entry`, `entry`, ...; named in export()).
        try:
            return self.event_ids[event.pk]
        except KeyError:
            raise ExportError(
                f"a record of {self.child.local_id} refers to event {event.pk}, which is "
                "not in its chronology"
            ) from None

    def local_id(self, child: Child) -> str:
        if child.pk != self.child.pk:  # the rows are filtered to this child first
            raise ExportError(f"a record of {self.child.local_id} is about another child")
        return child.local_id

    def meeting(self, meeting: Meeting) -> str:
        try:
            return self.top_ids[("meeting", meeting.pk)]
        except KeyError:
            raise ExportError(
                f"a record of {self.child.local_id} refers to {meeting}, which is not about "
                "this child"
            ) from None

    def value(self, section: Section, key: Key, obj) -> Any:
        spec = section.schema[key.key]
        value = _attr(obj, key.attr)
        if isinstance(value, _Explicit):
            return value.value
        if (
            value is None
            or value == ""
            or (value is False and key.omit is not KEEP_FALSE)
            or value == key.omit
        ):
            return None
        if spec.kind == "ref":
            return {
                "agency": self.agency,
                "professional": self.professional,
                "person": self.person,
                "condition": lambda c: self.condition_ids[c.pk],
                "contact": lambda c: self.contact_ids[c.pk],
                "event": self.event,
                "child": self.local_id,
                "concern": lambda c: self.top_ids[("concern", c.pk)],
                "meeting": self.meeting,
            }[spec.ref_kind](value)
        if spec.kind == "refs":
            ids = sorted(self.person(p) for p in value.all())
            return ids or None
        if spec.kind == "date":
            return _iso_date(value)
        return value

    def row(self, section: Section, obj, skip=()) -> dict[str, Any]:
        if section in (EPISODE, PLACEMENT) and obj.agency_id is None:
            # The loader gives an episode or placement without `agency` the local
            # authority's: writing none would change the record on reload.
            raise ExportError(
                f"{obj} of {self.child.local_id} has no responsible agency (the scenario "
                "format gives it the local authority's)"
            )
        out = {}
        for key in section.keys:
            if key.key in skip:
                continue
            value = self.value(section, key, obj)
            if value is not None:
                out[key.key] = value
        return out

    # the child
    def export(self) -> dict[str, Any]:
        child = self.child
        # Concerns are written after the child (top), but a contact names the concern its
        # strategy discussion decision raised: their ids are fixed first, in top's order.
        _, _, related, order = next(t for t in TOP_LISTS if t[1] is CONCERN)
        for i, link in enumerate(getattr(child, related).order_by(*order), 1):
            self.top_ids[("concern", link.concern_id)] = f"{child.local_id}-CN{i}"
        # The entries exploitation records write are not in `events` (loading the record
        # writes them again) but a meeting, concern or correction may name one: each gets
        # an id, written on its record, before anything refers to it.
        for i, pk in enumerate(exploitation_scenario.derived_events_in_order(child), 1):
            self.event_ids[pk] = f"{child.local_id}-X{i}"
        data = self.row(CHILD, child)
        lists: dict[str, list] = {}
        for name, section, related, order in CHILD_LISTS:
            rows = list(getattr(child, related).order_by(*order))
            if section is RESTRICTED_TO:
                rows = [g for g in rows if g.revoked_at is None and g.expires_at is None]
            lists[name] = self._rows(name, section, rows)
        out = {}
        # local_authority sits after `restricted`, as in the schema; the lists follow.
        for key in S.CHILD:
            if key in data:
                out[key] = data[key]
            elif key == "local_authority":
                out[key] = self.agency(self._local_authority())
            elif key in lists and lists[key]:
                out[key] = lists[key]
            elif key == "health":
                health = {k: lists[f"health.{k}"] for k in S.HEALTH if lists.get(f"health.{k}")}
                if health:
                    out["health"] = health
            elif key == "care":
                care = {k: lists[f"care.{k}"] for k in S.CARE if lists.get(f"care.{k}")}
                if care.get("death"):
                    care["death"] = care["death"][0]
                if care:
                    out["care"] = care
        return out

    def _rows(self, name, section, rows) -> list[dict]:
        if section is PERSON:
            return self._people(rows)
        if section is EVENT:
            return self._events(rows)
        if any(section is s for s in EXPLOITATION_SECTIONS):
            # Breaches are written inside their bail; the rest by the exploitation module.
            if not hasattr(self, "_exploitation"):
                self._exploitation = exploitation_scenario.export_child(
                    self.child, self.agency, self.person, self.event_ids.get
                )
            return self._exploitation.get(name, [])
        out = []
        for i, obj in enumerate(rows, 1):
            if section is CONDITION:
                if obj.diagnosed_on is None:
                    raise ExportError(
                        f"condition {obj.name!r} of {self.child.local_id} has no diagnosis "
                        "date (the scenario format needs one)"
                    )
                cond_id = f"{self.child.local_id}-C{i}"
                self.condition_ids[obj.pk] = cond_id
                out.append({"id": cond_id, **self.row(section, obj)})
            elif section is CONTACT:
                contact_id = f"{self.child.local_id}-R{i}"
                self.contact_ids[obj.pk] = contact_id
                out.append({"id": contact_id, **self.row(section, obj)})
            elif section is HEALTH_ASSESSMENT:
                row = self.row(section, obj)
                actions = [
                    self.row(HEALTH_ACTION, a)
                    for a in obj.recommended_actions.order_by("due_on", "id")
                ]
                if actions:  # in the schema's order: `actions`, then `synthetic`
                    synthetic = row.pop("synthetic", None)
                    row["actions"] = actions
                    if synthetic is not None:
                        row["synthetic"] = synthetic
                out.append(row)
            else:
                out.append(self.row(section, obj))
        return out

    def _people(self, relationships) -> list[dict]:
        # When a person became known: the relationship's start, or earlier if an event
        # recorded before it names them (the loader creates them on that day).
        first_named: dict[int, dt.date] = {}
        for event in self.child.events.prefetch_related("related_persons"):
            day = timezone.localtime(event.recorded_at).date()
            for person in event.related_persons.all():
                if person.pk not in first_named or day < first_named[person.pk]:
                    first_named[person.pk] = day
        out = []
        for i, rel in enumerate(relationships, 1):
            person = rel.person
            if person.pk in self.person_ids:
                row = self.row(
                    PERSON, rel, skip={k.key for k in PERSON.keys if "person." in str(k.attr)}
                )
                row = {"person": self.person_ids[person.pk], **row}
            else:
                person_id = f"{self.child.local_id}-P{i}"
                self.person_ids[person.pk] = person_id
                row = {"id": person_id, **self.row(PERSON, rel)}
            named = first_named.get(person.pk)
            if named is not None and (rel.start_date is None or named < rel.start_date):
                row["recorded"] = _iso_date(named)
            if "synthetic" in row:  # last, as in the schema
                row["synthetic"] = row.pop("synthetic")
            out.append(row)
        return out

    def _events(self, events) -> list[dict]:
        out = []
        # Entries written by a missing episode or a protective measure come back when
        # those are loaded.
        derived = exploitation_scenario.derived_event_ids(self.child)
        events = [e for e in events if e.pk not in derived]
        for i, event in enumerate(events, 1):
            event_id = f"{self.child.local_id}-E{i}"
            self.event_ids[event.pk] = event_id
            full = self.row(EVENT, event)
            if event.supersedes_id is None:
                out.append({"id": event_id, **full})
                continue
            original = event.supersedes
            if original.pk not in self.event_ids:
                raise ExportError(
                    f"event {event.pk} of {self.child.local_id} amends an entry recorded after "
                    "it (a scenario file amends only entries recorded before)"
                )
            row: dict[str, Any] = {"id": event_id}
            if event.withdrawn:
                row["withdraws"] = self.event_ids[original.pk]
                row["reason"] = event.correction_reason
                row["recorded"] = full["recorded"]
                if "recorded_by" in full:
                    row["recorded_by"] = full["recorded_by"]
                out.append(row)
                continue
            # A correction carries over what it does not change: write only the changes.
            before = self.row(EVENT, original)
            row["corrects"] = self.event_ids[original.pk]
            row["reason"] = event.correction_reason
            for key in ("type", "occurred", "recorded", "source", "recorded_by"):
                if key in full and (
                    key in ("recorded", "recorded_by") or full[key] != before.get(key)
                ):
                    row[key] = full[key]
            if full.get("recorded_by_name"):  # a correction does not carry the name over
                row["recorded_by_name"] = full["recorded_by_name"]
            if full.get("summary") != before.get("summary"):
                row["summary"] = full["summary"]
            if full.get("details") != before.get("details") or "type" in row:
                row["details"] = full.get("details") or {}
            if full.get("related") != before.get("related"):
                row["related"] = full.get("related") or []
            if event.synthetic != original.synthetic:
                row["synthetic"] = event.synthetic
            out.append(row)
        return out

    # concerns, meetings, enquiries and milestones (after the child: they refer to events)
    def top(self) -> dict[str, list]:
        child = self.child
        out: dict[str, list] = {}
        for name, section, related, order in TOP_LISTS:
            rows = getattr(child, related).order_by(*order)
            if section is CONCERN:
                out[name] = [self._concern(i, link.concern) for i, link in enumerate(rows, 1)]
            elif section is MEETING:
                out[name] = [self._meeting(i, link.meeting) for i, link in enumerate(rows, 1)]
            elif section is MILESTONE:
                out[name] = [self._milestone(m) for m in rows]
            else:
                out[name] = [self.row(section, obj) for obj in rows]
        return {name: rows for name, rows in out.items() if rows}

    def _about_another_child(self, event: Event | None) -> bool:
        return event is not None and event.child_id != self.child.pk

    def _concern(self, i: int, concern: Concern) -> dict:
        concern_id = f"{self.child.local_id}-CN{i}"
        self.top_ids[("concern", concern.pk)] = concern_id
        # A trigger in another child's record is that child's (see TOP_LISTS).
        skip = {"trigger"} if self._about_another_child(concern.trigger_event) else set()
        row = self.row(CONCERN, concern, skip)
        return {"id": concern_id, "children": [self.child.local_id], **row}

    def _meeting(self, i: int, meeting: Meeting) -> dict:
        meeting_id = f"{self.child.local_id}-M{i}"
        self.top_ids[("meeting", meeting.pk)] = meeting_id
        skip = set()
        if self._about_another_child(meeting.trigger_event):
            skip.add("trigger_event")
        if meeting.trigger_concern_id and ("concern", meeting.trigger_concern_id) not in (
            self.top_ids
        ):
            skip.add("trigger_concern")
        row = self.row(MEETING, meeting, skip)
        row["id"], row["children"] = meeting_id, [self.child.local_id]
        # The record keeps the last move's or the cancellation's reason, not its day (that is
        # in the audit trail): written as on the meeting's day, or the day held if earlier.
        day = timezone.localtime(meeting.scheduled_for).date()
        if meeting.held_on is not None:
            day = min(day, meeting.held_on)
        if meeting.status == MeetingStatus.CANCELLED:
            row["cancelled"] = {"on": _iso_date(day), "reason": meeting.status_reason}
        elif meeting.status_reason:
            row["moved"] = [
                {"on": _iso_date(day), "to": row["scheduled"], "reason": meeting.status_reason}
            ]
        if day < timezone.localtime(meeting.scheduled_for).date():
            row["invited"] = _iso_date(day)
        attendees = []
        for attendance in meeting.attendances.order_by("pk"):
            att = self.row(ATTENDEE, attendance)
            if meeting.status != MeetingStatus.HELD or att["status"] == AttendanceStatus.ATTENDED:
                del att["status"]  # invited until held; attended is the default when held
            attendees.append(att)
        if attendees:
            row["attendees"] = attendees
        actions = []
        for action in meeting.actions.filter(Q(child=None) | Q(child=self.child)).order_by("pk"):
            act = self.row(ACTION, action)
            if action.status == ActionStatus.OPEN:
                act.pop("status", None)
            actions.append(act)
        if actions:
            row["actions"] = actions
        return {key: row[key] for key in S.MEETING if key in row}

    def _milestone(self, milestone: PlanMilestone) -> dict:
        episode = milestone.episode
        # The loader finds the plan as the child's episode of its kind open on `set`.
        found = (
            Episode.objects.filter(child=self.child, kind=episode.kind)
            .open_on(milestone.set_on)
            .first()
        )
        if found is None or found.pk != episode.pk:
            raise ExportError(
                f"milestone {milestone.description[:40]!r} of {self.child.local_id} belongs to "
                f"a {episode.get_kind_display().lower()} plan that is not the one open on "
                f"{milestone.set_on} (the scenario format finds the plan by that day)"
            )
        return self.row(MILESTONE, milestone)

    def _local_authority(self) -> Agency:
        """The agency responsible for the child: the format's default for episodes and
        placements, which are written with their own agency."""
        child = self.child
        for qs in (child.episodes, child.placements):
            latest = qs.exclude(agency=None).order_by("-start_date", "-id").first()
            if latest is not None:
                return latest.agency
        for inv in child.involvements.select_related("professional__agency"):
            agency = inv.professional.agency
            if agency is not None and agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE:
                return agency
        agency = (
            Agency.objects.filter(kind=AgencyKind.CHILDRENS_SOCIAL_CARE).order_by("code").first()
        )
        if agency is None:
            raise ExportError(
                f"no children's social care agency to name as {child.local_id}'s local authority"
            )
        return agency

    def partnership(self) -> dict[str, Any]:
        teams: dict[int, set] = {}
        for user in self.users.values():
            if user.team_id:
                teams.setdefault(user.agency_id, set()).add(user.team_id)
        professionals = [
            self.row(PROFESSIONAL, user)
            for user in sorted(self.users.values(), key=lambda u: u.username)
        ]
        agencies = []
        for agency in sorted(self.agencies.values(), key=lambda a: a.code):
            row = self.row(AGENCY, agency)
            team_rows = [
                self.row(TEAM, team)
                for team in Team.objects.filter(pk__in=teams.get(agency.pk, ())).order_by("code")
            ]
            if team_rows:
                row["teams"] = team_rows
            if row.pop("synthetic", None):
                row["synthetic"] = True
            agencies.append(row)
        out: dict[str, Any] = {"agencies": agencies}
        if professionals:
            out["professionals"] = professionals
        return out


def export_child(child: Child) -> dict[str, Any]:
    """The child's whole record as a scenario (a dict in the format's key order).

    Self-contained: the agencies, teams and professionals the record refers to are in its
    partnership (without passwords). Raises ExportError for what the format cannot hold.
    """
    exporter = _Exporter(child)
    child_data = exporter.export()
    top = exporter.top()
    return {
        "safeguard_scenario": S.CURRENT_VERSION,
        "title": f"Record of {child.local_id}",
        "description": (
            f"Exported from Safeguard on {timezone.localdate().isoformat()} by "
            "`safeguard export-scenario`."
        ),
        "partnership": exporter.partnership(),
        "children": [child_data],
        **top,
    }


# --------------------------------------------------------------------------- YAML


class _Dumper(yaml.SafeDumper):
    pass


def _plain(dumper, value):
    # Tagged as YAML would resolve the bare text, so the emitter writes it without quotes;
    # the loader reads every date as text whatever its tag.
    text = str(value)
    return dumper.represent_scalar(dumper.resolve(yaml.ScalarNode, text, (True, False)), text)


def _ordered(dumper, value):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=False)


_Dumper.add_representer(_Plain, _plain)
_Dumper.add_representer(dict, _ordered)


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text keeping key order; dates unquoted, other text quoted where YAML needs it."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def export_yaml(child: Child) -> str:
    return dump_yaml(export_child(child))
