"""Writes for the front door and help at home.

Each runs in one transaction, validates the model's rules, is audited with
`access.audit.record_write` and tells `core.changes` the child's record changed (so the
checks re-run for that child once the write commits).
"""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.db.models import Q

from safeguard.access.audit import record_write, snapshot
from safeguard.access.versions import check_version
from safeguard.children.models import Involvement, InvolvementRole
from safeguard.core.changes import child_record_changed

from .models import (
    AdultCheck,
    Assessment,
    CaseClosure,
    Contact,
    HouseholdMember,
    Injury,
    WorkerAbsence,
)


def _create(actor, model, **fields):
    obj = model(**fields)
    with transaction.atomic():
        obj.full_clean()
        obj.save()
        record_write(actor, obj.child, "create", model, obj.pk, None, snapshot(obj))
        child_record_changed(obj.child_id)
    return obj


def _update(actor, obj, fields: dict, expected_version=None):
    model = type(obj)
    with transaction.atomic():
        obj = model.objects.select_for_update().get(pk=obj.pk)
        if hasattr(obj, "version"):
            check_version(obj, expected_version)
        before = snapshot(obj)
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.full_clean()
        if hasattr(obj, "version"):
            obj.version += 1
        obj.save()
        record_write(actor, obj.child, "update", model, obj.pk, before, snapshot(obj))
        child_record_changed(obj.child_id)
    return obj


# --- contacts and referrals


def record_contact(*, actor, child, **fields) -> Contact:
    """A contact or referral received (and, when given, its decision in the same write)."""
    return _create(actor, Contact, child=child, **fields)


def decide_contact(
    *,
    actor,
    contact: Contact,
    decision: str,
    decision_reason: str,
    decided_on,
    decided_by=None,
    judged_malicious: bool = False,
    referrer_spoken_to: bool = False,
    expected_version=None,
) -> Contact:
    return _update(
        actor,
        contact,
        {
            "decision": decision,
            "decision_reason": decision_reason,
            "decided_on": decided_on,
            "decided_by": decided_by if decided_by is not None else actor,
            "judged_malicious": judged_malicious,
            "referrer_spoken_to": referrer_spoken_to,
        },
        expected_version,
    )


# --- assessments

ASSESSMENT_PROGRESS_FIELDS = (
    "worker",
    "child_seen_on",
    "seen_alone",
    "not_seen_alone_reason",
    "completed_on",
    "factors",
    "outcome",
)


def record_assessment(*, actor, child, **fields) -> Assessment:
    return _create(actor, Assessment, child=child, **fields)


def update_assessment(*, actor, assessment: Assessment, expected_version=None, **fields):
    """The child seen, the assessment completed, or its worker changed (an assessment left
    open when the worker changes stays open: nothing here closes it)."""
    unknown = set(fields) - set(ASSESSMENT_PROGRESS_FIELDS)
    if unknown:
        raise TypeError(f"update_assessment: unknown fields {sorted(unknown)}")
    return _update(actor, assessment, fields, expected_version)


# --- the household and checks on its adults


def add_household_member(*, actor, child, **fields) -> HouseholdMember:
    return _create(actor, HouseholdMember, child=child, **fields)


def household_member_left(*, actor, member: HouseholdMember, left_on) -> HouseholdMember:
    return _update(actor, member, {"left_on": left_on})


def request_adult_check(*, actor, child, **fields) -> AdultCheck:
    return _create(actor, AdultCheck, child=child, **fields)


def record_check_result(
    *, actor, check: AdultCheck, result_on, result: str, risk_to_children: bool
) -> AdultCheck:
    return _update(
        actor,
        check,
        {"result_on": result_on, "result": result, "risk_to_children": risk_to_children},
    )


# --- injuries and child protection medicals


def record_injury(*, actor, child, **fields) -> Injury:
    return _create(actor, Injury, child=child, **fields)


def record_medical(
    *,
    actor,
    injury: Injury,
    medical_requested_on,
    medical_held_on=None,
    medical_findings: str = "",
    findings_shared_with: str = "",
) -> Injury:
    return _update(
        actor,
        injury,
        {
            "medical_requested_on": medical_requested_on,
            "medical_held_on": medical_held_on,
            "medical_findings": medical_findings,
            "findings_shared_with": findings_shared_with,
        },
    )


# --- worker absence


def record_absence(*, actor, professional, **fields) -> WorkerAbsence:
    """A worker's absence. Not part of one child's record: audited once per child they are
    allocated to on its first day, and each of those children's checks re-run."""
    absence = WorkerAbsence(professional=professional, **fields)
    with transaction.atomic():
        absence.full_clean()
        absence.save()
        children = _allocated_children(professional, absence.start_date)
        for child_id in children or [None]:
            record_write(
                actor,
                _child(child_id) if child_id else None,
                "create",
                WorkerAbsence,
                absence.pk,
                None,
                snapshot(absence),
            )
            if child_id:
                child_record_changed(child_id)
    return absence


def end_absence(*, actor, absence: WorkerAbsence, end_date, covered_by=None) -> WorkerAbsence:
    with transaction.atomic():
        absence = WorkerAbsence.objects.select_for_update().get(pk=absence.pk)
        before = snapshot(absence)
        absence.end_date = end_date
        if covered_by is not None:
            absence.covered_by = covered_by
        absence.full_clean()
        absence.save()
        for child_id in _allocated_children(absence.professional, absence.start_date):
            record_write(
                actor,
                _child(child_id),
                "update",
                WorkerAbsence,
                absence.pk,
                before,
                snapshot(absence),
            )
            child_record_changed(child_id)
    return absence


def _allocated_children(professional, on) -> list[int]:
    return list(
        Involvement.objects.current(on)
        .filter(professional=professional, role=InvolvementRole.ALLOCATED_SOCIAL_WORKER)
        .values_list("child_id", flat=True)
        .distinct()
    )


def _child(child_id):
    from safeguard.children.models import Child

    return Child.objects.get(pk=child_id)


# --- case closure


def open_items(child, on) -> list[dict]:
    """What is open on the child's record on `on`: assessments not completed and, when the
    meetings app is installed, concerns and actions not closed. Computed from the record."""
    items = [
        {"kind": "assessment", "id": a.pk, "label": str(a)}
        for a in Assessment.objects.filter(child=child, started_on__lte=on).filter(
            Q(completed_on__isnull=True) | Q(completed_on__gt=on)
        )
    ]
    if apps.is_installed("safeguard.meetings"):
        items += _open_meeting_items(child, on)
    return items


def _open_meeting_items(child, on) -> list[dict]:
    Concern = apps.get_model("meetings", "Concern")
    Action = apps.get_model("meetings", "Action")
    items = [
        {"kind": "concern", "id": c.pk, "label": str(c)}
        for c in Concern.objects.filter(links__child=child, raised_on__lte=on).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=on)
        )
    ]
    items += [
        {"kind": "action", "id": a.pk, "label": str(a)}
        for a in Action.objects.filter(
            Q(child=child) | Q(child__isnull=True, meeting__links__child=child)
        )
        .filter(meeting__held_on__lte=on)
        .filter(Q(completed_on__isnull=True) | Q(completed_on__gt=on))
        .distinct()
    ]
    return items


def close_case(*, actor, child, closed_on, reason: str, closed_by=None) -> CaseClosure:
    with transaction.atomic():
        closure = CaseClosure(
            child=child,
            closed_on=closed_on,
            reason=reason,
            closed_by=closed_by if closed_by is not None else actor,
            open_items=open_items(child, closed_on),
        )
        closure.full_clean()
        closure.save()
        record_write(actor, child, "create", CaseClosure, closure.pk, None, snapshot(closure))
        child_record_changed(child.pk)
    return closure
