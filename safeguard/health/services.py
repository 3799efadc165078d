"""Writes to the health record: validated, transactional, and announced."""

from django.db import transaction

from safeguard.access.audit import record_write, snapshot
from safeguard.core.changes import child_record_changed

from .models import Condition, HealthAssessment, Medicine


def _create(model, *, actor, **fields):
    obj = model(**fields)
    with transaction.atomic():
        obj.full_clean()
        obj.save()
        record_write(actor, obj.child, "create", model, obj.pk, None, snapshot(obj))
        child_record_changed(obj.child_id)
    return obj


def record_condition(*, actor, **fields) -> Condition:
    return _create(Condition, actor=actor, **fields)


def record_medicine(*, actor, **fields) -> Medicine:
    return _create(Medicine, actor=actor, **fields)


def record_health_assessment(*, actor, **fields) -> HealthAssessment:
    return _create(HealthAssessment, actor=actor, **fields)


def end_medicine(*, actor, medicine: Medicine, end_date) -> Medicine:
    with transaction.atomic():
        medicine = Medicine.objects.select_for_update().get(pk=medicine.pk)
        before = snapshot(medicine)
        medicine.end_date = end_date
        medicine.full_clean()
        medicine.save(update_fields=["end_date"])
        record_write(
            actor, medicine.child, "update", Medicine, medicine.pk, before, snapshot(medicine)
        )
        child_record_changed(medicine.child_id)
    return medicine


def resolve_condition(*, actor, condition: Condition, resolved_on) -> Condition:
    with transaction.atomic():
        condition = Condition.objects.select_for_update().get(pk=condition.pk)
        before = snapshot(condition)
        condition.resolved_on = resolved_on
        condition.full_clean()
        condition.save(update_fields=["resolved_on"])
        record_write(
            actor, condition.child, "update", Condition, condition.pk, before, snapshot(condition)
        )
        child_record_changed(condition.child_id)
    return condition


def record_appointment(*, actor, **fields):
    from .models import Appointment

    return _create(Appointment, actor=actor, **fields)


def record_transition_plan(*, actor, **fields):
    from .models import TransitionPlan

    return _create(TransitionPlan, actor=actor, **fields)
