"""Writes for the front door and help at home.

Each runs in one transaction, validates the model's rules, is audited with
`access.audit.record_write` and tells `core.changes` the child's record changed (so the
checks re-run for that child once the write commits).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from safeguard.access.audit import record_write, snapshot
from safeguard.access.versions import check_version
from safeguard.children.models import Involvement, InvolvementRole
from safeguard.core.changes import child_record_changed
from safeguard.meetings import services as meeting_services
from safeguard.meetings.models import Action, Concern, ConcernKind, ConcernStatus

from .models import (
    AdultCheck,
    Assessment,
    AssessmentOutcome,
    CaseClosure,
    Contact,
    ContactDecision,
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

# decide_contact's default decider: whoever records the decision.
ACTOR = object()


def record_contact(*, actor, child, concern_recorded_at=None, concern=None, **fields) -> Contact:
    """A contact or referral received (and, when given, its decision in the same write)."""
    with transaction.atomic():
        contact = _create(actor, Contact, child=child, **fields)
        return _strategy_concern(actor, contact, concern_recorded_at, concern)


def decide_contact(
    *,
    actor,
    contact: Contact,
    decision: str,
    decision_reason: str,
    decided_on,
    decided_by=ACTOR,
    judged_malicious: bool = False,
    referrer_spoken_to: bool = False,
    expected_version=None,
    concern_recorded_at=None,
    concern=None,
) -> Contact:
    """The front door's decision on a contact. A decision of "strategy discussion" raises
    a concern of significant harm about the child in the same transaction (see
    `_strategy_concern`); changing the decision away from it closes that concern, if it is
    still open, with the new decision as the reason. `concern`: one already recorded about
    the child to link instead (the scenario loader, from an exported file)."""
    with transaction.atomic():
        contact = _update(
            actor,
            contact,
            {
                "decision": decision,
                "decision_reason": decision_reason,
                "decided_on": decided_on,
                "decided_by": actor if decided_by is ACTOR else decided_by,
                "judged_malicious": judged_malicious,
                "referrer_spoken_to": referrer_spoken_to,
            },
            expected_version,
        )
        return _strategy_concern(actor, contact, concern_recorded_at, concern)


def _concern_source(record):
    """The agency a concern raised at the front door or by an assessment comes from: the
    referring agency, or (for a member of the public's contact, and for an assessment) the
    agency of whoever decided or assessed."""
    if isinstance(record, Contact) and record.referrer_agency_id:
        return record.referrer_agency
    agency = getattr(_raiser(record), "agency", None)
    if agency is None:
        field = "decided_by" if isinstance(record, Contact) else "worker"
        raise ValidationError(
            {
                field: "A strategy discussion needs a decider from an agency (the concern it "
                "raises names the agency)"
            }
        )
    return agency


def _raiser(record):
    """Who raised the concern: the contact's decider (or recorder), the assessment's worker."""
    if isinstance(record, Contact):
        return record.decided_by or record.recorded_by
    return record.worker


def _wants_strategy(record) -> bool:
    """Whether the record says significant harm is suspected: a contact decided "strategy
    discussion", or an assessment completed with the outcome "strategy discussion"."""
    if isinstance(record, Contact):
        return record.decision == ContactDecision.STRATEGY
    return record.outcome == AssessmentOutcome.STRATEGY


def _strategy_concern(actor, record, recorded_at=None, existing=None):
    """Keep the record's concern in step with what it says (a contact's decision, an
    assessment's outcome).

    "Strategy discussion" means there is reasonable cause to suspect significant harm
    (Children Act 1989 s47; Working Together 2023 ch. 2), whether the front door decides it
    on a contact or an assessment concludes it: the concern raised is what the meetings app
    convenes the strategy discussion from, and the CP-STRATEGY-DISCUSSION check watches it
    until one about the child is held. Changing the decision or outcome away from it closes
    that concern, if still open, with the change as the reason. `existing`: a concern
    already recorded about the child to link instead (the scenario loader).
    """
    strategy = _wants_strategy(record)
    if existing is not None and not strategy:
        raise ValidationError({"concern": "Only a strategy discussion raises a concern"})
    if existing is not None and not existing.links.filter(child_id=record.child_id).exists():
        raise ValidationError({"concern": "The concern is about another child"})
    model = type(record)
    if strategy and record.concern_id is None:
        concern = existing or _raise_concern(actor, record, recorded_at)
        before = snapshot(record)
        record.concern = concern
        record.save(update_fields=["concern"])
        record_write(actor, record.child, "update", model, record.pk, before, snapshot(record))
    elif (
        not strategy
        and record.concern_id is not None
        and record.concern.status == ConcernStatus.OPEN
    ):
        if isinstance(record, Contact):
            on = record.decided_on
            reason = (
                f"The front door decision was changed to {record.get_decision_display()}"
                f": {record.decision_reason}"
            )
        else:
            on = record.completed_on
            reason = (
                "The assessment's outcome was changed to "
                f"{record.get_outcome_display() or 'none (reopened)'}"
            )
        meeting_services.close_concern(
            actor=actor,
            concern=record.concern,
            closed_on=max(on or timezone.localdate(), record.concern.raised_on),
            reason=reason,
        )
    return record


def _raise_concern(actor, record, recorded_at=None) -> Concern:
    """The concern of significant harm a strategy discussion decision or outcome raises."""
    if isinstance(record, Contact):
        who = record.referrer_agency.name if record.referrer_agency_id else "member of the public"
        raised_on = record.decided_on
        summary = (
            f"Front door decision: strategy discussion ({record.get_kind_display().lower()} "
            f"received {record.received_on:%-d %B %Y} from {who}). {record.decision_reason}"
        )
    else:
        raised_on = record.completed_on
        factors = ", ".join(record.factor_labels)
        summary = (
            f"Assessment outcome: strategy discussion (assessment started "
            f"{record.started_on:%-d %B %Y}, completed {record.completed_on:%-d %B %Y})."
            + (f" Factors identified: {factors}." if factors else "")
        )
    raiser = _raiser(record)
    return meeting_services.record_concern(
        actor=actor,
        children=[record.child],
        kind=ConcernKind.SIGNIFICANT_HARM,
        raised_on=raised_on,
        summary=summary.strip(),
        source_agency=_concern_source(record),
        raised_by=raiser,
        raised_by_name=""
        if raiser is not None
        else ("The front door" if isinstance(record, Contact) else "The assessment"),
        recorded_at=recorded_at or timezone.now(),
        synthetic=record.synthetic,
    )


# The CIN census referral source an agency's contact is recorded with, by kind of agency
# (the contributor may choose another agency source).
SOURCE_BY_AGENCY_KIND = {
    "police": "6",
    "school": "2A",
    "further_education": "2A",
    "early_years": "2B",
    "gp_practice": "3A",
    "community_pharmacy": "3D",
    "nhs_trust": "3F",
    "camhs": "3F",
    "ambulance": "3F",
    "housing": "4",
    "adult_social_care": "5A",
    "childrens_social_care": "5C",
    "youth_justice": "5B",
    "probation": "7",
}


def concern_recorded_at(day: dt.date) -> dt.datetime:
    """When the scenario loader says a front-door concern was recorded: 09:00 on the day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


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


def record_assessment(
    *, actor, child, concern_recorded_at=None, concern=None, **fields
) -> Assessment:
    """An assessment started (and, when given, its progress in the same write). An outcome
    of "strategy discussion" raises its concern as `update_assessment` does."""
    with transaction.atomic():
        assessment = _create(actor, Assessment, child=child, **fields)
        return _strategy_concern(actor, assessment, concern_recorded_at, concern)


def update_assessment(
    *,
    actor,
    assessment: Assessment,
    expected_version=None,
    concern_recorded_at=None,
    concern=None,
    **fields,
):
    """The child seen, the assessment completed, or its worker changed (an assessment left
    open when the worker changes stays open: nothing here closes it). Completed with the
    outcome "strategy discussion", it raises a concern of significant harm about the child
    in the same transaction, exactly as the front door's decision does (`_strategy_concern`:
    the discussion is convened from it and CP-STRATEGY-DISCUSSION watches it); changing the
    outcome away from it closes that concern. `concern`: one already recorded about the
    child to link instead (the scenario loader, from an exported file)."""
    unknown = set(fields) - set(ASSESSMENT_PROGRESS_FIELDS)
    if unknown:
        raise TypeError(f"update_assessment: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        assessment = _update(actor, assessment, fields, expected_version)
        return _strategy_concern(actor, assessment, concern_recorded_at, concern)


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
    """What is open on the child's record on `on`: assessments not completed, concerns and
    meeting actions not closed. Computed from the record."""
    items = [
        {"kind": "assessment", "id": a.pk, "label": str(a)}
        for a in Assessment.objects.filter(child=child, started_on__lte=on).filter(
            Q(completed_on__isnull=True) | Q(completed_on__gt=on)
        )
    ]
    items += _open_meeting_items(child, on)
    return items


def _open_meeting_items(child, on) -> list[dict]:
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
