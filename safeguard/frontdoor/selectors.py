"""Reads for the front door and help at home: the queue of contacts awaiting a decision,
a child's assessments, the household panel and each worker's visits due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from safeguard.children.models import Child, Involvement, InvolvementRole
from safeguard.core.prepared import run_prepared
from safeguard.episodes.models import Episode, EpisodeKind

from .models import AdultCheck, Assessment, Contact, ContactDecision, HouseholdMember


@dataclass
class QueueRow:
    contact: Contact
    previous: list[Contact] = field(default_factory=list)


def awaiting_decision(children) -> list[QueueRow]:
    """Contacts about `children` (a queryset the caller may see) with no decision, oldest
    first, each with the child's earlier contacts beside it (the cumulative picture)."""
    waiting = list(
        Contact.objects.filter(child__in=children, decided_on__isnull=True)
        .select_related("child", "referrer_agency")
        .order_by("received_on", "pk")
    )
    earlier: dict[int, list[Contact]] = {}
    for c in (
        Contact.objects.filter(child_id__in={w.child_id for w in waiting})
        .select_related("referrer_agency")
        .order_by("-received_on", "-pk")
    ):
        earlier.setdefault(c.child_id, []).append(c)
    return [
        QueueRow(
            w,
            [
                c
                for c in earlier.get(w.child_id, [])
                if c.pk != w.pk and (c.received_on, c.pk) < (w.received_on, w.pk)
            ],
        )
        for w in waiting
    ]


@dataclass
class StrategyRow:
    contact: Contact
    # (meeting id, scheduled for) of the strategy discussion about the child scheduled since
    # the decision and not yet held, if any.
    scheduled: tuple | None


def strategy_discussions_awaited(children, on: dt.date) -> list[StrategyRow]:
    """Contacts about `children` decided "strategy discussion" whose concern is still open
    and with no strategy discussion about the child held since the decision: what the front
    door handed on and must see convened. Each with the discussion scheduled, if any."""
    from safeguard.meetings.models import ConcernStatus, Meeting, MeetingKind, MeetingStatus

    contacts = list(
        Contact.objects.filter(
            child__in=children,
            decision=ContactDecision.STRATEGY,
            decided_on__lte=on,
            concern__status=ConcernStatus.OPEN,
        )
        .select_related("child", "referrer_agency", "concern")
        .order_by("decided_on", "pk")
    )
    meetings: dict[int, list] = {}
    for child_id, pk, status, held_on, scheduled_for in (
        Meeting.objects.filter(
            kind=MeetingKind.STRATEGY_DISCUSSION,
            links__child_id__in={c.child_id for c in contacts},
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .values_list("links__child_id", "pk", "status", "held_on", "scheduled_for")
        .order_by("scheduled_for")
    ):
        meetings.setdefault(child_id, []).append((pk, status, held_on, scheduled_for))
    rows = []
    for c in contacts:
        mine = meetings.get(c.child_id, [])
        if any(held and c.decided_on <= held <= on for _, _, held, _ in mine):
            continue
        upcoming = next(
            (
                (pk, when)
                for pk, status, held, when in mine
                if status != MeetingStatus.HELD and timezone.localtime(when).date() >= c.decided_on
            ),
            None,
        )
        rows.append(StrategyRow(c, upcoming))
    return rows


def assessments(child: Child) -> list[Assessment]:
    return list(
        Assessment.objects.filter(child=child)
        .select_related("worker", "contact")
        .order_by("-started_on", "-pk")
    )


@dataclass
class HouseholdRow:
    member: HouseholdMember
    checks: list[AdultCheck]
    flagged: bool


def household(child: Child, on: dt.date) -> dict:
    """Who lives with the child on `on` and who did before, with checks on each adult and
    whether any check (for any child) found a history of harm to children."""
    # Both prepared (safeguard/core/prepared.py): the panel is on every summary.
    members = run_prepared(
        ("household", "members"),
        lambda p: (
            HouseholdMember.objects.filter(child_id=p["child_id"], joined_on__lte=p["on"])
            .select_related("person")
            .order_by("joined_on", "pk")
        ),
        child_id=child.pk,
        on=on,
    )
    checks: dict[int, list[AdultCheck]] = {}
    person_ids = sorted({m.person_id for m in members})
    for check in (
        run_prepared(
            ("household", "checks"),
            lambda p: AdultCheck.objects.filter(person_id__in=p["person_ids"]).order_by(
                "requested_on"
            ),
            person_ids=person_ids,
        )
        if person_ids
        else []
    ):
        checks.setdefault(check.person_id, []).append(check)
    rows = [
        HouseholdRow(
            m,
            checks.get(m.person_id, []),
            any(
                c.risk_to_children and c.result_on and c.result_on <= on
                for c in checks.get(m.person_id, [])
            ),
        )
        for m in members
    ]
    current = [r for r in rows if r.member.left_on is None or r.member.left_on > on]
    past = [r for r in rows if r not in current]
    return {"current": current, "past": past}


@dataclass
class VisitDue:
    child: Child
    plan: str
    last_seen: dt.date | None
    last_visit_outcome: str
    due: dt.date | None


def visits_due(user, on: dt.date, visible, *, cp_visit_days: int) -> list[VisitDue]:
    """The children the user is allocated social worker (or covering) for with a CIN or CP
    plan open on `on`, with the last visit that saw them and when the next is due (CP:
    `cp_visit_days` working days after the plan started or the child was last seen, the
    interval the page reads from the FD-CP-VISITS check; CIN: as the plan sets, so no date
    is computed). Only children in `visible` (what the user may see) are listed."""
    from safeguard.chronology.models import Event
    from safeguard.core.workdays import add_working_days

    from .models import WorkerAbsence

    covering = (
        WorkerAbsence.objects.filter(covered_by=user, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .values("professional_id")
    )
    child_ids = (
        Involvement.objects.current(on)
        .filter(
            Q(professional=user) | Q(professional_id__in=covering),
            role=InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        )
        .values("child_id")
    )
    plans = (
        Episode.objects.open_on(on)
        .filter(
            child_id__in=child_ids,
            child__in=visible,
            kind__in=(EpisodeKind.CHILD_IN_NEED, EpisodeKind.CHILD_PROTECTION),
        )
        .select_related("child")
        .order_by("child__given_name", "pk")
    )
    visits: dict[int, list] = {}
    for e in Event.objects.filter(
        child_id__in=[p.child_id for p in plans],
        event_type="social_worker_visit",
        withdrawn=False,
        superseded_by__isnull=True,
        occurred_on__lte=on,
    ).order_by("-occurred_on", "-pk"):
        visits.setdefault(e.child_id, []).append(e)
    rows = []
    for plan in plans:
        mine = [v for v in visits.get(plan.child_id, []) if v.occurred_on >= plan.start_date]
        seen = next((v for v in mine if (v.details or {}).get("outcome", "seen") == "seen"), None)
        last_seen = seen.occurred_on if seen else None
        due = None
        if plan.kind == EpisodeKind.CHILD_PROTECTION:
            due = add_working_days(
                max(plan.start_date, last_seen or plan.start_date), cp_visit_days
            )
        rows.append(
            VisitDue(
                child=plan.child,
                plan=plan.get_kind_display(),
                last_seen=last_seen,
                last_visit_outcome=(
                    (mine[0].details or {}).get("outcome", "seen").replace("_", " ") if mine else ""
                ),
                due=due,
            )
        )
    rows.sort(key=lambda r: (r.due is None, r.due or on, r.child.given_name))
    return rows
