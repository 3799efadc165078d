"""Escalation: an open alert nobody has dealt with climbs a ladder of people.

Each alert has one owner (the first holder of the check's `tells` roles, in order) who must
act; everyone else named is told. If the alert is still open a configured number of working
days after it was raised, it escalates one step at a time: by default to the child's team
manager (or, if none is recorded on the child, the team managers of the owner's team) after
`team_manager` working days while unacknowledged, then to the service managers after
`service_manager` working days while unresolved. Service managers are the accounts named
in the settings (there is no service-manager role). Each step is an `escalated` history
entry naming who was added, and adds them as recipients with the role
`escalated:<step>` (kept when the involvement-based recipients are refreshed).

    SAFEGUARD_ESCALATION = {
        "team_manager": 2,          # working days after raising, while unacknowledged
        "service_manager": 5,       # working days after raising, while unresolved
        "service_managers": ["h.morgan.sm"],   # usernames
    }
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from safeguard.core.workdays import add_working_days

DEFAULTS = {"team_manager": 2, "service_manager": 5, "service_managers": []}
ESCALATED_PREFIX = "escalated:"
STEPS = ("team_manager", "service_manager")


def escalation_settings() -> dict:
    configured = getattr(settings, "SAFEGUARD_ESCALATION", {}) or {}
    unknown = set(configured) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            f"SAFEGUARD_ESCALATION: unknown setting {sorted(unknown)[0]!r} "
            f"(known: {', '.join(DEFAULTS)})"
        )
    merged = {**DEFAULTS, **configured}
    for step in STEPS:
        if not isinstance(merged[step], int) or merged[step] < 1:
            raise ImproperlyConfigured(
                f"SAFEGUARD_ESCALATION[{step!r}] must be a whole number >= 1"
            )
    return merged


def due_steps(alert, as_of: dt.date, config: dict) -> list[str]:
    """The steps the open alert should have reached by as_of (in order)."""
    from .models import AlertStatus

    steps = []
    if alert.status not in (AlertStatus.RAISED, AlertStatus.ACKNOWLEDGED):
        return steps
    # An acknowledged alert has an owner acting on it: it skips the team-manager step but
    # still goes to the service managers if it stays unresolved.
    if (
        alert.status == AlertStatus.RAISED
        and add_working_days(alert.raised_on, config["team_manager"]) <= as_of
    ):
        steps.append("team_manager")
    if add_working_days(alert.raised_on, config["service_manager"]) <= as_of:
        steps.append("service_manager")
    return steps


def escalate(as_of: dt.date, alerts) -> list[tuple[object, str, list[int]]]:
    """Escalate the given open alerts as of the day; returns (alert, step, people added).

    Set-based over the alerts: one query for the children's team managers, one for the
    owners' teams' managers, one for the service managers, one for the recipients held."""
    from django.contrib.auth import get_user_model

    from safeguard.children.models import Involvement, InvolvementRole

    from .models import Alert, AlertEvent, AlertEventKind, AlertRecipient

    config = escalation_settings()
    pending = []
    for alert in alerts:
        # Steps already taken are skipped: the re-check of a child whose alerts have
        # climbed as far as they are due to runs none of the queries below.
        steps = [
            step
            for step in due_steps(alert, as_of, config)
            if STEPS.index(step) >= alert.escalation_level
        ]
        if steps:
            pending.append((alert, steps))
    if not pending:
        return []
    User = get_user_model()
    child_ids = sorted({a.child_id for a, _ in pending})
    child_tms: dict[int, list[int]] = {}
    for child_id, prof in (
        Involvement.objects.current(as_of)
        .filter(child_id__in=child_ids, role=InvolvementRole.TEAM_MANAGER)
        .order_by("child_id", "start_date", "pk")
        .values_list("child_id", "professional_id")
    ):
        child_tms.setdefault(child_id, []).append(prof)
    owner_ids = sorted({a.owner_id for a, _ in pending if a.owner_id})
    team_of = dict(User.objects.filter(pk__in=owner_ids).values_list("pk", "team_id"))
    team_tms: dict[int, list[int]] = {}
    for pk, team_id in (
        User.objects.filter(team_id__in={t for t in team_of.values() if t}, role="team_manager")
        .filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "team_id")
    ):
        team_tms.setdefault(team_id, []).append(pk)
    service_managers = list(
        User.objects.filter(username__in=config["service_managers"], is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done, recipients, events, raised_level = [], [], [], []
    for alert, steps in pending:
        for step in steps:
            role = ESCALATED_PREFIX + step
            if step == "team_manager":
                people = child_tms.get(alert.child_id) or team_tms.get(
                    team_of.get(alert.owner_id), []
                )
                who = "the team manager"
                after = f"{config['team_manager']} working days unacknowledged"
            else:
                people = service_managers
                who = "the service manager"
                after = f"{config['service_manager']} working days unresolved"
            recipients += [
                AlertRecipient(alert_id=alert.pk, professional_id=p, role=role) for p in people
            ]
            events.append(
                AlertEvent(
                    alert_id=alert.pk,
                    kind=AlertEventKind.ESCALATED,
                    as_of=as_of,
                    reason=(
                        f"Escalated to {who} after {after}"
                        + ("" if people else f": nobody is recorded as {who}")
                    ),
                    detail=alert.detail,
                )
            )
            done.append((alert, step, people))
            alert.escalation_level = STEPS.index(step) + 1
            if alert not in raised_level:
                raised_level.append(alert)
    Alert.objects.bulk_update(raised_level, ["escalation_level"], batch_size=500)
    AlertRecipient.objects.bulk_create(recipients, batch_size=500, ignore_conflicts=True)
    AlertEvent.objects.bulk_create(events, batch_size=500)
    return done


def escalation_days_after(as_of: dt.date) -> set[dt.date]:
    """Days after as_of on which an open alert, as it stands, reaches an escalation step
    (the replay sweeps those days even when no finding changes)."""
    from .models import OPEN_STATUSES, Alert, AlertStatus

    config = escalation_settings()
    days = set()
    for status, raised_on, level in (
        Alert.objects.filter(status__in=OPEN_STATUSES, escalation_level__lt=len(STEPS))
        .values_list("status", "raised_on", "escalation_level")
        .distinct()
    ):
        if status == AlertStatus.RAISED and level < 1:
            days.add(add_working_days(raised_on, config["team_manager"]))
        days.add(add_working_days(raised_on, config["service_manager"]))
    return {d for d in days if d > as_of}
