"""Writes to alerts: the sweep that turns findings into alerts, and what people do to them.

`run_checks(as_of, child_ids=None)` evaluates every check as of a date (over the whole
caseload, or some children) and diffs the findings against the alerts, in one transaction:

    finding, no alert                      -> raise (new Alert, AlertEvent "raised")
    finding, alert resolved                -> reopen ("reopened")
    finding, alert closed, condition had
      cleared since it was closed          -> reopen ("reopened")
    finding, alert open                    -> keep (due date, detail, recipients refreshed)
    finding, alert closed, condition never
      cleared                              -> stays closed (the person's decision stands)
    no finding, alert open, the record
      that resolves it was made            -> resolve ("resolved")
    no finding, alert open, the duty
      stopped applying (Check.end_reasons) -> end ("ended", with the reason: the child
                                              died, turned 18, left care...)
    no finding, alert closed               -> note the condition cleared ("condition_cleared")

Every transition is an append-only AlertEvent. Nothing is deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from safeguard.access import audit
from safeguard.children.models import Involvement
from safeguard.core.prepared import run_prepared
from safeguard.core.workdays import CALENDAR_FIRST, CALENDAR_LAST, CalendarRangeError

from .calendar import ensure_calendar
from .delivery import queue_immediate
from .engine import Check, Finding, catalogue
from .escalation import ESCALATED_PREFIX, escalate
from .models import (
    OPEN_STATUSES,
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRecipient,
    AlertStatus,
    Notice,
)

logger = logging.getLogger(__name__)
_CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


@dataclass(frozen=True)
class Transition:
    as_of: dt.date
    kind: str
    check_id: str
    child_id: int
    subject_key: str
    due_date: dt.date
    alert_id: int
    # For an ENDED transition: why the duty stopped applying.
    reason: str = ""


@dataclass
class SweepResult:
    as_of: dt.date
    findings: int = 0
    transitions: list[Transition] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for t in self.transitions if t.kind == kind)

    @property
    def raised(self) -> int:
        return self.count(AlertEventKind.RAISED) + self.count(AlertEventKind.REOPENED)

    @property
    def resolved(self) -> int:
        return self.count(AlertEventKind.RESOLVED)

    @property
    def ended(self) -> int:
        return self.count(AlertEventKind.ENDED)


def evaluate(
    as_of: dt.date, child_ids: Iterable[int] | None = None, checks: Iterable[Check] | None = None
) -> dict[str, dict[tuple[int, str], Finding]]:
    """Findings of every check (or the given ones), keyed by (child_id, subject_key)."""
    if not CALENDAR_FIRST <= as_of <= CALENDAR_LAST:
        # Working-day lookups outside the calendar table would silently find nothing.
        raise CalendarRangeError(
            f"Checks cannot run as of {as_of}: the working-day calendar covers "
            f"{CALENDAR_FIRST} to {CALENDAR_LAST} (extend CALENDAR_LAST in "
            "safeguard/core/workdays.py and run `safeguard checks calendar`)"
        )
    ensure_calendar()
    child_ids = None if child_ids is None else sorted(set(child_ids))
    result = {}
    # On PostgreSQL one transaction, so JIT can be switched off for it alone. Not on SQLite:
    # Safeguard opens SQLite transactions IMMEDIATE, which would hold the write lock for the
    # whole (read-only) evaluation.
    postgres = connection.vendor == "postgresql"
    with transaction.atomic() if postgres else contextlib.nullcontext():
        _without_jit()
        for check in checks or catalogue():
            found: dict[tuple[int, str], Finding] = {}
            for finding in check.findings(as_of, child_ids):
                found[(finding.child_id, finding.subject_key)] = finding
            result[check.id] = found
    return result


def _without_jit() -> None:
    """PostgreSQL's JIT compiler takes the correlated subqueries' cost estimates at face
    value and spends most of a sweep compiling them (690 ms of 750 ms for the visit check
    on 10,000 children); the queries themselves are index lookups. Off for this
    transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _chunks(values: list, size: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _recipients(
    as_of: dt.date, child_ids: set[int], roles: set[str]
) -> dict[tuple[int, str], list[int]]:
    """(child_id, role) -> professional ids with a current involvement on as_of."""
    found: dict[tuple[int, str], list[int]] = defaultdict(list)
    if not child_ids or not roles:
        return found
    roles = tuple(sorted(roles))

    def build(p):
        return (
            Involvement.objects.current(p["as_of"])
            .filter(child_id__in=p["child_ids"], role__in=roles)
            .order_by("child_id", "role", "start_date", "pk")
            .values_list("child_id", "role", "professional_id")
        )

    for chunk in _chunks(sorted(child_ids)):
        rows = run_prepared(("alerts:recipients", roles), build, as_of=as_of, child_ids=chunk)
        for child_id, role, professional_id in rows:
            if professional_id not in found[(child_id, role)]:
                found[(child_id, role)].append(professional_id)
    return found


# Alerts whose condition was present at the last sweep: open, or closed with the condition
# still there.
_ACTIVE = Q(status__in=OPEN_STATUSES) | Q(status=AlertStatus.CLOSED, finding_present=True)


def _alerts_in_scope(check_ids: list[str], child_ids: list[int] | None, active: bool = False):
    """The alerts of these checks (and children), only the active ones if `active`.

    Locked (PostgreSQL) so that two overlapping sweeps cannot both record the same
    transition: the second waits, then sees the first's outcome. SQLite serialises writers.
    Prepared (the check ids and `active` name the SQL, the child ids are late-bound): the
    re-check of one child runs the cached `SELECT ... FOR UPDATE`."""
    check_ids = tuple(check_ids)

    def build(p):
        qs = Alert.objects.select_for_update().filter(check_id__in=check_ids)
        if active:
            qs = qs.filter(_ACTIVE)
        if p["child_ids"] is not None:
            qs = qs.filter(child_id__in=p["child_ids"])
        return qs

    key = ("alerts:in-scope", check_ids, active)
    if child_ids is None:
        return run_prepared(key, build, child_ids=None)
    rows = []
    for chunk in _chunks(child_ids):
        rows.extend(run_prepared(key, build, child_ids=chunk))
    return rows


def run_checks(
    as_of: dt.date | None = None,
    child_ids: Iterable[int] | None = None,
    checks: Iterable[Check] | None = None,
    findings: dict[str, dict[tuple[int, str], Finding]] | None = None,
) -> SweepResult:
    """Evaluate the checks as of a date and bring the alerts in line with the findings.

    `findings` may be passed when the caller has just evaluated them (replay). Two sweeps
    that overlap (the nightly run and a re-check after a write) can both try to raise the
    same alert; the loser's transaction fails on the one-alert-per-subject constraint and is
    retried once against the winner's alerts.
    """
    try:
        return _run_checks(as_of, child_ids, checks, findings)
    except IntegrityError:
        logger.info("checks: concurrent sweep raised the same alert; retrying")
        return _run_checks(as_of, child_ids, checks, None)


def _run_checks(
    as_of: dt.date | None = None,
    child_ids: Iterable[int] | None = None,
    checks: Iterable[Check] | None = None,
    findings: dict[str, dict[tuple[int, str], Finding]] | None = None,
) -> SweepResult:
    as_of = as_of or timezone.localdate()
    checks = list(checks or catalogue())
    child_ids = None if child_ids is None else sorted(set(child_ids))
    if findings is None:
        findings = evaluate(as_of, child_ids, checks)
    by_id = {c.id: c for c in checks}
    result = SweepResult(as_of=as_of, findings=sum(len(f) for f in findings.values()))
    check_ids = sorted(by_id)

    with transaction.atomic():
        # Alerts whose condition was present at the last sweep (open, or closed with the
        # condition still there): each either still has its finding or changes state.
        active = _alerts_in_scope(check_ids, child_ids, active=True)
        active_keys = {(a.check_id, a.child_id, a.subject_key): a for a in active}
        # Findings without an active alert may match an earlier, resolved or closed alert.
        missing = {
            (cid, child, subject)
            for cid, found in findings.items()
            for (child, subject) in found
            if (cid, child, subject) not in active_keys
        }
        dormant = {}
        if missing:
            children = sorted({k[1] for k in missing})
            for a in _alerts_in_scope(check_ids, children):
                key = (a.check_id, a.child_id, a.subject_key)
                if key in missing:
                    dormant[key] = a

        events: list[AlertEvent] = []
        to_update: list[Alert] = []
        to_create: list[tuple[Alert, Finding]] = []
        keep_open: list[tuple[Alert, Finding]] = []

        # Open alerts whose finding disappeared: resolved by the record, or did the duty stop
        # applying? Each check answers for its own, set-based.
        gone: dict[str, set[tuple[int, str]]] = defaultdict(set)
        for (cid, child, subject), alert in active_keys.items():
            if alert.status in OPEN_STATUSES and (child, subject) not in findings[cid]:
                gone[cid].add((child, subject))
        end_reasons = {
            cid: by_id[cid].end_reasons(as_of, keys) for cid, keys in gone.items() if keys
        }

        def transition(alert: Alert, kind: str, detail: str, reason: str = ""):
            events.append(
                AlertEvent(alert=alert, kind=kind, as_of=as_of, detail=detail, reason=reason)
            )
            result.transitions.append(
                Transition(
                    as_of,
                    kind,
                    alert.check_id,
                    alert.child_id,
                    alert.subject_key,
                    alert.due_date,
                    alert.pk or 0,
                    reason,
                )
            )

        for (cid, child, subject), alert in active_keys.items():
            finding = findings[cid].get((child, subject))
            if finding is None:
                reason = end_reasons.get(cid, {}).get((child, subject), "")
                if alert.status in OPEN_STATUSES and reason:
                    alert.status = AlertStatus.ENDED
                    alert.ended_on = as_of
                    alert.ended_reason = reason
                    transition(alert, AlertEventKind.ENDED, alert.detail, reason)
                elif alert.status in OPEN_STATUSES:
                    alert.status = AlertStatus.RESOLVED
                    alert.resolved_on = as_of
                    transition(alert, AlertEventKind.RESOLVED, alert.detail)
                else:
                    transition(alert, AlertEventKind.CONDITION_CLEARED, alert.detail)
                alert.finding_present = False
                to_update.append(alert)
            elif alert.status in OPEN_STATUSES:
                keep_open.append((alert, finding))
                if (
                    alert.due_date,
                    alert.detail,
                    alert.approximate,
                    alert.severity,
                    alert.prefill,
                ) != (
                    finding.due_date,
                    finding.detail,
                    finding.approximate,
                    finding.severity or by_id[cid].severity,
                    finding.prefill,
                ):
                    _apply_finding(alert, finding)
                    alert.severity = finding.severity or by_id[cid].severity
                    to_update.append(alert)

        for cid, found in findings.items():
            check = by_id[cid]
            for (child, subject), finding in found.items():
                key = (cid, child, subject)
                if key in active_keys:
                    continue
                alert = dormant.get(key)
                if alert is None:
                    alert = Alert(
                        check_id=cid,
                        child_id=child,
                        subject_key=subject,
                        severity=finding.severity or check.severity,
                        status=AlertStatus.RAISED,
                        first_raised_on=as_of,
                        raised_on=as_of,
                        record_link=finding.record_link,
                    )
                    _apply_finding(alert, finding)
                    to_create.append((alert, finding))
                else:
                    alert.status = AlertStatus.RAISED
                    alert.raised_on = as_of
                    alert.resolved_on = None
                    alert.closed_on = None
                    alert.ended_on = None
                    alert.ended_reason = ""
                    alert.escalation_level = 0  # a new episode of the alert climbs afresh
                    alert.finding_present = True
                    alert.severity = finding.severity or check.severity
                    _apply_finding(alert, finding)
                    to_update.append(alert)
                    transition(alert, AlertEventKind.REOPENED, finding.detail)
                    keep_open.append((alert, finding))

        if to_create:
            Alert.objects.bulk_create([a for a, _ in to_create], batch_size=500)
            for alert, finding in to_create:
                if alert.pk is None:  # backends without RETURNING ids on bulk insert
                    alert.pk = Alert.objects.get(
                        check_id=alert.check_id,
                        child_id=alert.child_id,
                        subject_key=alert.subject_key,
                    ).pk
                transition(alert, AlertEventKind.RAISED, finding.detail)
                keep_open.append((alert, finding))
        if to_update:
            Alert.objects.bulk_update(
                to_update,
                [
                    "status",
                    "due_date",
                    "detail",
                    "approximate",
                    "record_link",
                    "prefill",
                    "severity",
                    "unfilled_roles",
                    "raised_on",
                    "resolved_on",
                    "closed_on",
                    "ended_on",
                    "ended_reason",
                    "escalation_level",
                    "finding_present",
                ],
                batch_size=500,
            )
        if events:
            for e in events:
                e.alert_id = e.alert.pk
            AlertEvent.objects.bulk_create(events, batch_size=500)
        _sync_recipients(as_of, keep_open, by_id)
        escalated_people: dict[int, list[int]] = defaultdict(list)
        for alert, step, people in escalate(as_of, [a for a, _ in keep_open]):
            escalated_people[alert.pk] += people
            result.transitions.append(
                Transition(
                    as_of,
                    AlertEventKind.ESCALATED,
                    alert.check_id,
                    alert.child_id,
                    alert.subject_key,
                    alert.due_date,
                    alert.pk,
                    f"to the {step.replace('_', ' ')}",
                )
            )
        # In the same transaction: a message exists exactly when the change it announces does.
        queue_immediate(as_of, result.transitions, escalated_people)
    return result


def _roles_told(check: Check, finding: Finding) -> tuple[str, ...]:
    """The check's roles in order, then any the finding adds (no repeats)."""
    return tuple(dict.fromkeys((*check.tells, *finding.also_tells)))


def _apply_finding(alert: Alert, finding: Finding) -> None:
    alert.due_date = finding.due_date
    alert.detail = finding.detail
    alert.approximate = finding.approximate
    alert.record_link = finding.record_link
    alert.prefill = dict(finding.prefill)


def _recipients_held(p):
    return (
        AlertRecipient.objects.filter(alert_id__in=p["alert_ids"])
        .exclude(role__startswith=ESCALATED_PREFIX)
        .values_list("pk", "alert_id", "professional_id", "role")
    )


def _sync_recipients(as_of, open_alerts: list[tuple[Alert, Finding]], checks) -> None:
    """Recipients of open alerts are the current holders of the check's roles on as_of."""
    if not open_alerts:
        return
    roles = {r for a, f in open_alerts for r in _roles_told(checks[a.check_id], f)}
    holders = _recipients(as_of, {a.child_id for a, _ in open_alerts}, roles)
    # alert id -> {(professional, role): recipient row id}
    existing: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
    alert_ids = sorted(a.pk for a, _ in open_alerts)
    for chunk in _chunks(alert_ids):
        # Escalation recipients are kept: they were added by the ladder, not by a role.
        for pk, alert_id, prof, role in run_prepared(
            "alerts:recipients-held", _recipients_held, alert_ids=chunk
        ):
            existing[alert_id][(prof, role)] = pk
    to_add, to_remove = [], []
    # Keyed by object identity, not a list: `alert in list` compares models one by one, and
    # a first sweep of a whole caseload changes tens of thousands (quadratic: 234 of 305 s
    # of a 1,500-child first sweep's profile).
    unfilled_changed: dict[int, Alert] = {}
    for alert, finding in open_alerts:
        wanted = set(finding.recipients)
        unfilled = []
        owner = finding.recipients[0][0] if finding.recipients else None
        for role in _roles_told(checks[alert.check_id], finding):
            people = holders.get((alert.child_id, role), [])
            if not people:
                unfilled.append(role)
            elif owner is None:
                owner = people[0]
            wanted.update((p, role) for p in people)
        if alert.owner_id != owner:
            alert.owner_id = owner
            unfilled_changed[id(alert)] = alert
        have = existing.get(alert.pk, {})
        to_add += [
            AlertRecipient(alert_id=alert.pk, professional_id=p, role=r)
            for p, r in wanted - have.keys()
        ]
        to_remove += [pk for held, pk in have.items() if held not in wanted]
        unfilled_text = ",".join(unfilled)
        if alert.unfilled_roles != unfilled_text:
            alert.unfilled_roles = unfilled_text
            unfilled_changed[id(alert)] = alert
    if to_add:
        AlertRecipient.objects.bulk_create(to_add, batch_size=500)
    for chunk in _chunks(sorted(to_remove)):
        AlertRecipient.objects.filter(pk__in=chunk).delete()
    if unfilled_changed:
        Alert.objects.bulk_update(
            list(unfilled_changed.values()), ["unfilled_roles", "owner"], batch_size=500
        )


# --- What people do to alerts -----------------------------------------------------------


def acknowledge_alert(*, actor, alert: Alert, note: str = "", as_of=None) -> Alert:
    """The professional has seen the alert and is acting on it."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != AlertStatus.RAISED:
            raise ValidationError(
                {"status": f"Only a raised alert can be acknowledged: this one is {alert.status}"}
            )
        before = audit.snapshot(alert)
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.save(update_fields=["status", "updated_at"])
        AlertEvent.objects.create(
            alert=alert,
            kind=AlertEventKind.ACKNOWLEDGED,
            as_of=as_of or timezone.localdate(),
            actor=actor,
            reason=note.strip(),
            detail=alert.detail,
        )
        _audit_alert_write(actor, alert, before, note.strip())
    return alert


def _audit_alert_write(actor, alert: Alert, before: dict, reason: str) -> None:
    """Acknowledging or closing is a write about the child: audited as one."""
    audit.record_write(
        actor,
        alert.child,
        audit.AuditAction.UPDATE,
        Alert,
        alert.pk,
        before,
        audit.snapshot(alert),
        reason=reason,
    )


def close_alert(*, actor, alert: Alert, reason: str, as_of=None) -> Alert:
    """Close an open alert with the reason it needs no (further) action."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "reason": "Enter why the alert is being closed (for example: considered, not "
                "needed because ...)"
            }
        )
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status not in OPEN_STATUSES:
            raise ValidationError(
                {"status": f"Only an open alert can be closed: this one is {alert.status}"}
            )
        as_of = as_of or timezone.localdate()
        before = audit.snapshot(alert)
        alert.status = AlertStatus.CLOSED
        alert.closed_on = as_of
        alert.save(update_fields=["status", "closed_on", "updated_at"])
        AlertEvent.objects.create(
            alert=alert,
            kind=AlertEventKind.CLOSED,
            as_of=as_of,
            actor=actor,
            reason=reason,
            detail=alert.detail,
        )
        _audit_alert_write(actor, alert, before, reason)
    return alert


# --- Incremental evaluation after writes ------------------------------------------------

_state = threading.local()


def on_change_enabled() -> bool:
    return bool(getattr(settings, "SAFEGUARD_CHECKS_ON_CHANGE", True)) and not getattr(
        _state, "suspended", 0
    )


def on_child_record_changed(child_id: int) -> None:
    """Listener (registered in ChecksConfig.ready): runs after the write has committed.

    A failure here must not turn a committed write into an error page, so it is logged;
    the scheduled full sweep catches the child up.
    """
    if not on_change_enabled():
        return
    try:
        run_checks(as_of=timezone.localdate(), child_ids=[child_id])
    except Exception:
        logger.exception("checks: re-evaluating child %s after a change failed", child_id)


@contextlib.contextmanager
def checks_suspended(*, sweep_after: bool = False, as_of: dt.date | None = None):
    """Suspend per-write re-evaluation (bulk loads, benchmarks, replay) in this thread;
    optionally run one full sweep at the end."""
    _state.suspended = getattr(_state, "suspended", 0) + 1
    try:
        yield
    finally:
        _state.suspended -= 1
    if sweep_after:
        run_checks(as_of=as_of)


# --- Notices: told at once, not an alert ------------------------------------------------

# Who is told when a partner adds to a child's record: the people who hold the case.
NOTICE_INVOLVEMENT_ROLES = ("allocated_social_worker", "team_manager")


def notice_recipients(child_id: int, *, on: dt.date | None = None) -> list[int]:
    """The child's current allocated social worker(s) and team manager(s): those involved
    in those roles, and the team managers of the allocated workers' teams."""
    from safeguard.accounts.models import Role, User

    on = on or timezone.localdate()
    current = Involvement.objects.current(on).filter(child_id=child_id)
    involved = set(
        current.filter(role__in=NOTICE_INVOLVEMENT_ROLES, professional__is_active=True).values_list(
            "professional_id", flat=True
        )
    )
    worker_teams = current.filter(role="allocated_social_worker").values("professional__team_id")
    managers = set(
        User.objects.filter(
            role=Role.TEAM_MANAGER, is_active=True, team_id__in=worker_teams
        ).values_list("pk", flat=True)
    )
    return sorted(involved | managers)


def notify_case_holders(*, child, text: str, on: dt.date | None = None) -> list[Notice]:
    """A notice to each of the child's case holders. Call it inside the write's transaction,
    so the notices exist exactly when the information they announce does."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify_case_holders must run inside the transaction of the write")
    recipients = notice_recipients(child.pk, on=on)
    return Notice.objects.bulk_create(
        [Notice(recipient_id=pk, child=child, text=text) for pk in recipients]
    )


def mark_notices_read(user, *, child_id: int) -> int:
    """Mark the user's unread notices about the child read; how many were."""
    return Notice.objects.filter(recipient=user, child_id=child_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
