"""Reads of concerns, meetings, actions and plans, and the SQL pieces the checks share.

The `held_*` functions build EXISTS subqueries over the outer row's child and a date, so a
check stays one set-based query over the caseload. A meeting counts from the day it was
held (held_on <= as_of), which keeps every check a pure function of the record and as_of.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from safeguard.core.prepared import run_prepared
from safeguard.episodes.models import Episode, EpisodeKind

from .models import (
    Action,
    ActionStatus,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingChild,
    MeetingKind,
    MeetingStatus,
    Milestone,
)


def held_links(kinds, as_of: dt.date):
    """MeetingChild rows of meetings of `kinds` held on or before as_of."""
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    return MeetingChild.objects.filter(
        meeting__kind__in=kinds, meeting__status=MeetingStatus.HELD, meeting__held_on__lte=as_of
    )


def held_since(kinds, as_of: dt.date, *, child_ref: str, since_ref: str, strictly=False) -> Exists:
    """EXISTS a meeting of `kinds` about the outer child held from the outer date to as_of."""
    lookup = "meeting__held_on__gt" if strictly else "meeting__held_on__gte"
    return Exists(
        held_links(kinds, as_of).filter(
            child_id=OuterRef(child_ref), **{lookup: OuterRef(since_ref)}
        )
    )


def attended_from(agency_kinds, meeting_ref: str = "meeting_id") -> Exists:
    return Exists(
        Attendance.objects.filter(
            meeting_id=OuterRef(meeting_ref),
            status=AttendanceStatus.ATTENDED,
            agency__kind__in=list(agency_kinds),
        )
    )


def placement_attended(meeting_ref: str = "meeting_id") -> Exists:
    return Exists(
        Attendance.objects.filter(
            meeting_id=OuterRef(meeting_ref), status=AttendanceStatus.ATTENDED
        ).filter(Q(placement=True) | Q(agency__kind="placement_provider"))
    )


def looked_after_on_ref(date_ref: str, child_ref: str = "child_id") -> Exists:
    """EXISTS a looked-after episode of the outer child open on the outer date."""
    return Exists(
        Episode.objects.filter(
            child_id=OuterRef(child_ref),
            kind=EpisodeKind.LOOKED_AFTER,
            start_date__lte=OuterRef(date_ref),
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef(date_ref)))
    )


def open_on(as_of: dt.date, field="completed_on") -> Q:
    """Not yet closed on as_of (closed later counts as open then)."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": as_of})


# --- Pages ---------------------------------------------------------------------------------


def meetings_for_child(child):
    return (
        Meeting.objects.filter(links__child=child)
        .select_related("chair")
        .order_by("-scheduled_for", "-pk")
    )


def upcoming_meetings(child, today: dt.date):
    """The child's meetings scheduled (or moved) for today or later, soonest first."""
    return Meeting.objects.filter(
        links__child=child,
        status__in=(MeetingStatus.SCHEDULED, MeetingStatus.MOVED),
        scheduled_for__date__gte=today,
    ).order_by("scheduled_for")


def next_meeting(child, today: dt.date | None = None):
    return upcoming_meetings(child, today or timezone.localdate()).first()


PLAN_KINDS = (
    EpisodeKind.CHILD_IN_NEED,
    EpisodeKind.CHILD_PROTECTION,
    EpisodeKind.LOOKED_AFTER,
    EpisodeKind.PATHWAY_PLAN,
)


def current_plans(child, today: dt.date | None = None):
    today = today or timezone.localdate()
    return Episode.objects.filter(child=child, kind__in=PLAN_KINDS).open_on(today)


def open_milestones(child):
    return Milestone.objects.filter(child=child, status="open").select_related("episode", "owner")


def my_actions(user):
    """Open actions the professional owns, soonest due first."""
    return _my_actions(user.pk)


def _my_actions(owner_id):
    return (
        Action.objects.filter(owner_id=owner_id, status=ActionStatus.OPEN)
        .select_related("meeting")
        .order_by("due_on", "pk")
    )


def my_actions_list(user) -> list:
    """`my_actions(user)` as a list: one query, prepared (core/prepared.py)."""
    return run_prepared(
        ("my_actions",),
        lambda p: _my_actions(p["user_id"]),
        user_id=user.pk,
    )


def minutes_outstanding(user):
    """Meetings the professional chaired that were held and have no minutes yet."""
    return Meeting.objects.filter(
        chair=user, status=MeetingStatus.HELD, minutes_recorded_at__isnull=True
    ).order_by("held_on", "pk")


def children_of(meeting):
    return [link.child for link in meeting.links.select_related("child").order_by("child_id")]


KINDS_NEEDING_ONE_CHILD = (
    MeetingKind.CLA_REVIEW,
    MeetingKind.INITIAL_CONFERENCE,
    MeetingKind.REVIEW_CONFERENCE,
    MeetingKind.CORE_GROUP,
)
