"""Writes to children, the people around them and professionals' involvements.

All writes go through these functions: they validate (model rules and rules that span
records), run in one transaction, and announce the change so checks re-run for the child.
`actor` is the professional making the change (None for the scenario loader and system
jobs); the audit layer records it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from safeguard.access.audit import record_write, snapshot
from safeguard.core.changes import child_record_changed
from safeguard.core.validators import normalise_nhs_number

from .models import Child, Involvement, Person, Relationship


def register_child(*, actor, **fields) -> Child:
    if fields.get("nhs_number"):
        fields["nhs_number"] = normalise_nhs_number(fields["nhs_number"])
    child = Child(**fields)
    with transaction.atomic():
        child.full_clean()
        child.save()
        record_write(actor, child, "create", Child, child.pk, None, snapshot(child))
        child_record_changed(child.pk)
    return child


def record_date_of_death(*, actor, child: Child, date_of_death) -> Child:
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=child.pk)
        before = snapshot(child)
        child.date_of_death = date_of_death
        child.full_clean()
        child.save(update_fields=["date_of_death"])
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
        if involvement.start_date < child.date_of_birth:
            raise ValidationError(
                {"start_date": "An involvement cannot start before the child was born"}
            )
        involvement.save()
        record_write(
            actor, child, "create", Involvement, involvement.pk, None, snapshot(involvement)
        )
        child_record_changed(involvement.child_id)
    return involvement


def end_involvement(*, actor, involvement: Involvement, end_date) -> Involvement:
    with transaction.atomic():
        involvement = Involvement.objects.select_for_update().get(pk=involvement.pk)
        before = snapshot(involvement)
        involvement.end_date = end_date
        involvement.full_clean()
        involvement.save(update_fields=["end_date"])
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
