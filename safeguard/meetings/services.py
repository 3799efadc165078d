"""Writes to concerns, meetings, section 47 enquiries, actions and milestones.

Each function validates, runs in one transaction, audits the write against EVERY child the
record concerns (a MACE meeting about three children is a write to three records) and
announces each child's changed record, so the checks re-evaluate all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.access.audit import record_write, snapshot
from safeguard.core.changes import child_record_changed

from .models import (
    Action,
    ActionStatus,
    Attendance,
    AttendanceStatus,
    Concern,
    ConcernChild,
    ConcernStatus,
    Meeting,
    MeetingChild,
    MeetingKind,
    MeetingStatus,
    Milestone,
    MilestoneStatus,
    S47Enquiry,
)

# Meetings about one child only (their record is the child's own review or plan).
ONE_CHILD_KINDS = (
    MeetingKind.CLA_REVIEW,
    MeetingKind.INITIAL_CONFERENCE,
    MeetingKind.REVIEW_CONFERENCE,
    MeetingKind.CORE_GROUP,
    MeetingKind.PLACEMENT_PLANNING,
)


def _written(actor, children, action, obj, before, after, *, model=None) -> None:
    """Audit one write against each child it concerns, and announce each change."""
    for child in children:
        record_write(actor, child, action, model or type(obj), obj.pk, before, after)
        child_record_changed(child.pk)


def _distinct_children(children: Iterable) -> list:
    seen, result = set(), []
    for child in children:
        if child.pk not in seen:
            seen.add(child.pk)
            result.append(child)
    if not result:
        raise ValidationError({"children": "Choose at least one child"})
    return result


# --- Concerns ---------------------------------------------------------------------------


def record_concern(
    *,
    actor,
    children,
    kind,
    raised_on,
    summary,
    source_agency,
    raised_by=None,
    raised_by_name="",
    risk_level="",
    category="",
    trigger_event=None,
    recorded_at=None,
    synthetic=False,
) -> Concern:
    children = _distinct_children(children)
    concern = Concern(
        kind=kind,
        raised_on=raised_on,
        summary=summary,
        source_agency=source_agency,
        raised_by=raised_by if raised_by is not None else actor,
        raised_by_name=raised_by_name,
        risk_level=risk_level,
        category=category,
        trigger_event=trigger_event,
        recorded_at=recorded_at or timezone.now(),
        synthetic=synthetic,
    )
    if trigger_event is not None and trigger_event.child_id not in {c.pk for c in children}:
        raise ValidationError({"trigger_event": "The triggering entry is about another child"})
    with transaction.atomic():
        concern.full_clean()
        concern.save()
        ConcernChild.objects.bulk_create([ConcernChild(concern=concern, child=c) for c in children])
        _written(actor, children, "create", concern, None, snapshot(concern))
    return concern


def close_concern(*, actor, concern: Concern, closed_on: dt.date, reason: str) -> Concern:
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern.pk)
        before = snapshot(concern)
        if not reason.strip():
            raise ValidationError({"closed_reason": "Give the reason the concern is closed"})
        concern.status, concern.closed_on, concern.closed_reason = (
            ConcernStatus.CLOSED,
            closed_on,
            reason,
        )
        concern.full_clean()
        concern.save()
        _written(actor, concern.children.all(), "update", concern, before, snapshot(concern))
    return concern


# --- Meetings ---------------------------------------------------------------------------


def _attendance_row(meeting, item: dict) -> Attendance:
    row = Attendance(
        meeting=meeting,
        agency=item.get("agency"),
        professional=item.get("professional"),
        name=item.get("name", ""),
        role=item.get("role", ""),
        status=item.get("status", AttendanceStatus.INVITED),
        placement=bool(item.get("placement", False)),
    )
    if row.professional is not None and row.agency_id is None:
        row.agency_id = row.professional.agency_id
    if row.agency_id is None:
        raise ValidationError({"attendance": "Each invitee or attendee needs an agency"})
    if row.professional is None and not row.name.strip():
        raise ValidationError({"attendance": "Name each invitee who has no account"})
    row.full_clean(exclude=["meeting"])
    return row


def schedule_meeting(
    *,
    actor,
    kind,
    children,
    scheduled_for: dt.datetime,
    place="",
    chair=None,
    chair_name="",
    invitees: Iterable[dict] = (),
    trigger_concern=None,
    trigger_event=None,
    synthetic=False,
) -> Meeting:
    """Invite the professionals (agency, professional or name, role) to a meeting."""
    children = _distinct_children(children)
    if kind in ONE_CHILD_KINDS and len(children) > 1:
        label = dict(MeetingKind.choices)[kind]
        raise ValidationError({"children": f"A {label.lower()} is about one child"})
    meeting = Meeting(
        kind=kind,
        scheduled_for=scheduled_for,
        place=place,
        chair=chair,
        chair_name=chair_name,
        trigger_concern=trigger_concern,
        trigger_event=trigger_event,
        scheduled_by=actor,
        synthetic=synthetic,
    )
    with transaction.atomic():
        meeting.full_clean()
        meeting.save()
        MeetingChild.objects.bulk_create([MeetingChild(meeting=meeting, child=c) for c in children])
        rows = [_attendance_row(meeting, dict(item)) for item in invitees]
        Attendance.objects.bulk_create(rows)
        after = {**snapshot(meeting), "invitees": [str(r) for r in rows]}
        _written(actor, children, "create", meeting, None, after)
    return meeting


def _change_meeting(actor, meeting: Meeting, change) -> Meeting:
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        before = snapshot(meeting)
        change(meeting)
        meeting.full_clean()
        meeting.save()
        _written(actor, meeting.children.all(), "update", meeting, before, snapshot(meeting))
    return meeting


def _not_yet_held(meeting: Meeting, doing: str) -> None:
    if meeting.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED):
        raise ValidationError(
            {"status": f"This meeting was {meeting.get_status_display().lower()}: {doing}"}
        )


def move_meeting(*, actor, meeting: Meeting, scheduled_for: dt.datetime, reason: str, place=None):
    def change(m):
        _not_yet_held(m, "it cannot be moved")
        m.scheduled_for, m.status, m.status_reason = scheduled_for, MeetingStatus.MOVED, reason
        if place is not None:
            m.place = place

    return _change_meeting(actor, meeting, change)


def cancel_meeting(*, actor, meeting: Meeting, reason: str) -> Meeting:
    def change(m):
        _not_yet_held(m, "it cannot be cancelled")
        m.status, m.status_reason = MeetingStatus.CANCELLED, reason

    return _change_meeting(actor, meeting, change)


HELD_FIELDS = (
    "decisions",
    "significant_harm_risk",
    "strategy_outcome",
    "conference_decision",
    "cp_category",
    "participation",
    "participation_how",
    "quality_sufficient",
)


def hold_meeting(
    *, actor, meeting: Meeting, held_on: dt.date, attendance: Iterable[dict] = (), **outcome
) -> Meeting:
    """Record that the meeting was held: who attended (by agency and role, updating the
    invitees by `id` and adding others), what it decided, and its outcome fields."""
    unknown = set(outcome) - set(HELD_FIELDS) - {"chair", "chair_name"}
    if unknown:
        raise TypeError(f"hold_meeting: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        before = snapshot(meeting)
        _not_yet_held(meeting, "record it again by correcting it")
        meeting.status, meeting.held_on = MeetingStatus.HELD, held_on
        for name, value in outcome.items():
            setattr(meeting, name, value)
        if meeting.kind == MeetingKind.STRATEGY_DISCUSSION and not meeting.strategy_outcome:
            raise ValidationError({"strategy_outcome": "Choose the strategy discussion's outcome"})
        if meeting.kind == MeetingKind.INITIAL_CONFERENCE and not meeting.conference_decision:
            raise ValidationError({"conference_decision": "Choose the conference's decision"})
        meeting.full_clean()
        meeting.save()
        invited = {a.pk: a for a in meeting.attendances.all()}
        new_rows = []
        for item in attendance:
            item = dict(item)
            if item.get("id"):
                row = invited.get(int(item["id"]))
                if row is None:
                    raise ValidationError({"attendance": "That invitee is not on this meeting"})
                row.status = item.get("status", row.status)
                row.full_clean()
                row.save(update_fields=["status"])
            else:
                item.setdefault("status", AttendanceStatus.ATTENDED)
                new_rows.append(_attendance_row(meeting, item))
        Attendance.objects.bulk_create(new_rows)
        after = {
            **snapshot(meeting),
            "attendance": [str(a) for a in meeting.attendances.all()],
        }
        _written(actor, meeting.children.all(), "update", meeting, before, after)
    return meeting


def record_minutes(
    *, actor, meeting: Meeting, minutes: str, recorded_at=None, recorded_by=None
) -> Meeting:
    """`recorded_by` defaults to the actor (the loader names who recorded them)."""
    if not minutes.strip():
        raise ValidationError({"minutes": "Enter the minutes"})

    def change(m):
        if m.status != MeetingStatus.HELD:
            raise ValidationError({"minutes": "Record the meeting as held before its minutes"})
        m.minutes = minutes
        m.minutes_recorded_by = recorded_by or actor
        m.minutes_recorded_at = recorded_at or timezone.now()

    return _change_meeting(actor, meeting, change)


def _action_children(action: Action):
    return [action.child] if action.child_id else list(action.meeting.children.all())


def add_action(
    *, actor, meeting: Meeting, description, owner, due_on, child=None, synthetic=False
) -> Action:
    action = Action(
        meeting=meeting,
        description=description,
        owner=owner,
        due_on=due_on,
        child=child,
        synthetic=synthetic,
    )
    with transaction.atomic():
        if meeting.status != MeetingStatus.HELD:
            raise ValidationError({"description": "Actions come from a meeting that was held"})
        if child is not None and not meeting.links.filter(child=child).exists():
            raise ValidationError({"child": "The action's child is not one this meeting is about"})
        if meeting.held_on and due_on < meeting.held_on:
            raise ValidationError({"due_on": "An action cannot be due before the meeting"})
        action.full_clean()
        action.save()
        _written(actor, _action_children(action), "create", action, None, snapshot(action))
    return action


def complete_action(
    *, actor, action: Action, completed_on, evidence, status=ActionStatus.DONE
) -> Action:
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=action.pk)
        before = snapshot(action)
        if action.status != ActionStatus.OPEN:
            raise ValidationError({"status": "This action is already closed"})
        if completed_on and completed_on < action.meeting.held_on:
            raise ValidationError(
                {"completed_on": "An action cannot be completed before its meeting"}
            )
        action.status, action.completed_on, action.evidence = status, completed_on, evidence
        action.full_clean()
        action.save()
        _written(actor, _action_children(action), "update", action, before, snapshot(action))
    return action


# --- Section 47 enquiries ----------------------------------------------------------------


def record_s47(
    *,
    actor,
    child,
    strategy_discussion: Meeting,
    started_on,
    completed_on=None,
    outcome="",
    lead=None,
    notes="",
    synthetic=False,
) -> S47Enquiry:
    enquiry = S47Enquiry(
        child=child,
        strategy_discussion=strategy_discussion,
        started_on=started_on,
        completed_on=completed_on,
        outcome=outcome,
        lead=lead,
        notes=notes,
        synthetic=synthetic,
    )
    with transaction.atomic():
        if not strategy_discussion.links.filter(child=child).exists():
            raise ValidationError(
                {"strategy_discussion": "That strategy discussion was not about this child"}
            )
        enquiry.full_clean()
        enquiry.save()
        _written(actor, [child], "create", enquiry, None, snapshot(enquiry))
    return enquiry


def conclude_s47(*, actor, enquiry: S47Enquiry, completed_on, outcome) -> S47Enquiry:
    with transaction.atomic():
        enquiry = S47Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        before = snapshot(enquiry)
        if not outcome:
            raise ValidationError({"outcome": "Choose the enquiry's outcome"})
        enquiry.completed_on, enquiry.outcome = completed_on, outcome
        enquiry.full_clean()
        enquiry.save()
        _written(actor, [enquiry.child], "update", enquiry, before, snapshot(enquiry))
    return enquiry


# --- Plan milestones ----------------------------------------------------------------------


def record_milestone(
    *,
    actor,
    child,
    episode,
    description,
    set_on,
    due_on,
    owner=None,
    owner_name="",
    synthetic=False,
) -> Milestone:
    milestone = Milestone(
        child=child,
        episode=episode,
        description=description,
        set_on=set_on,
        due_on=due_on,
        owner=owner,
        owner_name=owner_name,
        synthetic=synthetic,
    )
    with transaction.atomic():
        milestone.full_clean()
        if episode.start_date > set_on or (episode.end_date and episode.end_date < set_on):
            raise ValidationError({"set_on": f"The plan ({episode}) was not open on {set_on}"})
        milestone.save()
        _written(actor, [child], "create", milestone, None, snapshot(milestone))
    return milestone


def review_milestone(
    *, actor, milestone: Milestone, status, reviewed_on, meeting=None, notes=""
) -> Milestone:
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        before = snapshot(milestone)
        if status not in (MilestoneStatus.ACHIEVED, MilestoneStatus.NOT_ACHIEVED):
            raise ValidationError({"status": "Say whether the milestone was achieved"})
        if reviewed_on < milestone.set_on:
            raise ValidationError({"reviewed_on": "A milestone is reviewed after it is set"})
        if meeting is not None and not meeting.links.filter(child_id=milestone.child_id).exists():
            raise ValidationError({"reviewed_at": "That meeting was not about this child"})
        milestone.status, milestone.reviewed_on, milestone.reviewed_at = (
            status,
            reviewed_on,
            meeting,
        )
        if notes:
            milestone.notes = notes
        milestone.full_clean()
        milestone.save()
        _written(actor, [milestone.child], "update", milestone, before, snapshot(milestone))
    return milestone
