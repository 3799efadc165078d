"""Writes to children, the people around them and professionals' involvements.

All writes go through these functions: they validate (model rules and rules that span
records), run in one transaction, and announce the change so checks re-run for the child.
`actor` is the professional making the change (None for the scenario loader and system
jobs); the audit layer records it.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.access.audit import record_write, snapshot
from safeguard.access.versions import check_version
from safeguard.core.changes import child_record_changed
from safeguard.core.validators import normalise_nhs_number, normalise_postcode

from .models import (
    Child,
    Involvement,
    InvolvementRequest,
    Person,
    Referral,
    Relationship,
    RequestStatus,
)

# The identity details an edit may change (the rest of the Child row is not identity).
IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "date_of_birth_precision",
    "age_assessed",
    "age_assessment_note",
    "expected_date_of_delivery",
    "sex",
    "ethnicity",
    "nhs_number",
    "upn",
    "postcode",
)


def _normalise_identity(fields: dict) -> dict:
    if fields.get("nhs_number"):
        fields["nhs_number"] = normalise_nhs_number(fields["nhs_number"])
    if fields.get("postcode"):
        fields["postcode"] = normalise_postcode(fields["postcode"])
    if fields.get("upn"):
        fields["upn"] = fields["upn"].strip().upper()
    return fields


def _check_nhs_number_free(child: Child) -> None:
    """A friendly refusal for a taken NHS number that does not name the other child."""
    if child.nhs_number and (
        Child.objects.filter(nhs_number=child.nhs_number).exclude(pk=child.pk).exists()
    ):
        raise ValidationError(
            {
                "nhs_number": "Another child’s record already has this NHS number: check the "
                "number, or ask the front door or your manager"
            }
        )


def register_child(*, actor, **fields) -> Child:
    child = Child(**_normalise_identity(fields))
    with transaction.atomic():
        _check_nhs_number_free(child)
        child.full_clean()
        child.save()
        record_write(actor, child, "create", Child, child.pk, None, snapshot(child))
        child_record_changed(child.pk)
    return child


def update_identity(*, actor, child: Child, expected_version, **fields) -> Child:
    """Change a child's identity details; refused if the record changed since the form was
    opened (`expected_version`). The audit entry keeps the before and after of each field:
    the identity page's history is read from it."""
    unknown = set(fields) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"not identity fields: {sorted(unknown)}")
    fields = _normalise_identity(fields)
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=child.pk)
        check_version(child, expected_version)
        before = snapshot(child)
        for name, value in fields.items():
            setattr(child, name, value)
        _check_nhs_number_free(child)
        child.full_clean()
        if snapshot(child) == before:
            return child  # nothing changed: no new version, no audit entry
        child.version += 1
        child.save()
        record_write(actor, child, "update", Child, child.pk, before, snapshot(child))
        child_record_changed(child.pk)
    return child


def record_date_of_death(*, actor, child: Child, date_of_death) -> Child:
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=child.pk)
        before = snapshot(child)
        child.date_of_death = date_of_death
        child.full_clean()
        child.version += 1
        child.save(update_fields=["date_of_death", "version"])
        record_write(actor, child, "update", Child, child.pk, before, snapshot(child))
        child_record_changed(child.pk)
    return child


def record_person(*, actor, **fields) -> Person:
    person = Person(**fields)
    with transaction.atomic():
        person.full_clean()
        person.save()
        record_write(actor, None, "create", Person, person.pk, None, snapshot(person))
    return person


def record_relationship(*, actor, **fields) -> Relationship:
    relationship = Relationship(**fields)
    with transaction.atomic():
        relationship.full_clean()
        relationship.save()
        record_write(
            actor,
            relationship.child,
            "create",
            Relationship,
            relationship.pk,
            None,
            snapshot(relationship),
        )
        child_record_changed(relationship.child_id)
    return relationship


def record_involvement(*, actor, **fields) -> Involvement:
    involvement = Involvement(**fields)
    with transaction.atomic():
        involvement.full_clean()
        child = involvement.child
        # An unborn child may already have professionals involved (pre-birth assessment).
        if child.date_of_birth and involvement.start_date < child.date_of_birth:
            raise ValidationError(
                {"start_date": "An involvement cannot start before the child was born"}
            )
        involvement.save()
        record_write(
            actor, child, "create", Involvement, involvement.pk, None, snapshot(involvement)
        )
        child_record_changed(involvement.child_id)
    return involvement


def end_involvement(
    *, actor, involvement: Involvement, end_date, expected_version=None
) -> Involvement:
    with transaction.atomic():
        involvement = Involvement.objects.select_for_update().get(pk=involvement.pk)
        check_version(involvement, expected_version)
        before = snapshot(involvement)
        involvement.end_date = end_date
        involvement.full_clean()
        involvement.version += 1
        involvement.save(update_fields=["end_date", "version"])
        record_write(
            actor,
            involvement.child,
            "update",
            Involvement,
            involvement.pk,
            before,
            snapshot(involvement),
        )
        child_record_changed(involvement.child_id)
    return involvement


def end_relationship(*, actor, relationship: Relationship, end_date) -> Relationship:
    with transaction.atomic():
        relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
        before = snapshot(relationship)
        relationship.end_date = end_date
        relationship.full_clean()
        relationship.save(update_fields=["end_date"])
        record_write(
            actor,
            relationship.child,
            "update",
            Relationship,
            relationship.pk,
            before,
            snapshot(relationship),
        )
        child_record_changed(relationship.child_id)
    return relationship


def record_person_with_relationship(*, actor, child: Child, person: dict, relationship: dict):
    """A new person in the child's life and how they are related, together or not at all."""
    with transaction.atomic():
        # Validate the relationship before anything is written, so both sets of errors
        # reach the form at once.
        new_person = Person(**person)
        errors = {}
        try:
            new_person.full_clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            Relationship(child=child, person=Person(given_name="x"), **relationship).full_clean(
                exclude=["person"]
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        saved = record_person(actor=actor, **person)
        return record_relationship(actor=actor, child=child, person=saved, **relationship)


def request_involvement(*, actor, child: Child, role: str, reason: str) -> InvolvementRequest:
    """A professional asks to be involved with the child (the allocated worker or a team
    manager decides)."""
    request = InvolvementRequest(child=child, requester=actor, role=role, reason=reason)
    with transaction.atomic():
        request.full_clean(exclude=["involvement", "decided_by"])
        if InvolvementRequest.objects.filter(
            child=child, requester=actor, status=RequestStatus.PENDING
        ).exists():
            raise ValidationError(
                {"role": "You have already asked to be involved: wait for the decision"}
            )
        if (
            Involvement.objects.current(timezone.localdate())
            .filter(child=child, professional=actor, role=role)
            .exists()
        ):
            raise ValidationError({"role": "You are already involved in this role"})
        request.save()
        record_write(
            actor, child, "create", InvolvementRequest, request.pk, None, snapshot(request)
        )
    return request


def decide_involvement_request(
    *, actor, request: InvolvementRequest, accept: bool, note: str = "", on: dt.date | None = None
) -> InvolvementRequest:
    """Accept (an involvement starts `on`, default today) or decline a pending request."""
    with transaction.atomic():
        request = InvolvementRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RequestStatus.PENDING:
            raise ValidationError(
                f"This request was already {request.get_status_display().lower()}"
            )
        before = snapshot(request)
        if accept:
            request.involvement = record_involvement(
                actor=actor,
                child=request.child,
                professional=request.requester,
                role=request.role,
                start_date=on or timezone.localdate(),
            )
        request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note
        request.save()
        record_write(
            actor,
            request.child,
            "update",
            InvolvementRequest,
            request.pk,
            before,
            snapshot(request),
        )
    return request


def record_referral(*, actor, **fields) -> Referral:
    referral = Referral(**fields)
    with transaction.atomic():
        referral.full_clean()
        referral.save()
        record_write(
            actor, referral.child, "create", Referral, referral.pk, None, snapshot(referral)
        )
        child_record_changed(referral.child_id)
    return referral


def record_referral_outcome(
    *, actor, referral: Referral, outcome: str, outcome_date, note: str = "", expected_version=None
) -> Referral:
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        check_version(referral, expected_version)
        before = snapshot(referral)
        referral.outcome = outcome
        referral.outcome_date = outcome_date
        referral.outcome_note = note
        referral.full_clean()
        referral.version += 1
        referral.save()
        record_write(
            actor, referral.child, "update", Referral, referral.pk, before, snapshot(referral)
        )
        child_record_changed(referral.child_id)
    return referral


def next_local_id() -> str:
    """The next free local child ID of the form SG000123 (unique; a clash retries)."""
    last = Child.objects.filter(local_id__startswith="SG").order_by("-local_id").first()
    number = int(last.local_id[2:]) + 1 if last and last.local_id[2:].isdigit() else 1
    return f"SG{number:06d}"


def possible_duplicates(
    *, nhs_number: str = "", given_name: str = "", family_name: str = "", date_of_birth=None
):
    """Children who may be the one about to be registered: the same NHS number, or the same
    name and date of birth (names compared without case). The caller decides what the
    user may be shown of them."""
    from django.db.models import Q

    match = Q(pk__in=[])
    if nhs_number:
        match |= Q(nhs_number=normalise_nhs_number(nhs_number))
    if date_of_birth and given_name and family_name:
        match |= Q(
            date_of_birth=date_of_birth,
            given_name__iexact=given_name.strip(),
            family_name__iexact=family_name.strip(),
        )
    return Child.objects.filter(match).order_by("pk")


def register_child_and_allocate(*, actor, involvement_role: str, **fields) -> Child:
    """Register a child and make the registering professional involved (so they can see
    what they created), in one transaction."""
    if not fields.get("local_id"):
        fields["local_id"] = next_local_id()
    with transaction.atomic():
        # A date of birth in the future is refused by Child.clean (in register_child).
        child = register_child(actor=actor, **fields)
        start = timezone.localdate()
        record_involvement(
            actor=actor,
            child=child,
            professional=actor,
            role=involvement_role,
            start_date=start,
        )
    return child
