"""Writes to the health record: validated, transactional, and announced."""

from django.db import transaction

from safeguard.core.changes import child_record_changed

from .models import Condition, HealthAssessment, Medicine


def _create(model, *, actor, **fields):
    obj = model(**fields)
    with transaction.atomic():
        obj.full_clean()
        obj.save()
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
        medicine.end_date = end_date
        medicine.full_clean()
        medicine.save(update_fields=["end_date"])
        child_record_changed(medicine.child_id)
    return medicine


def resolve_condition(*, actor, condition: Condition, resolved_on) -> Condition:
    with transaction.atomic():
        condition = Condition.objects.select_for_update().get(pk=condition.pk)
        condition.resolved_on = resolved_on
        condition.full_clean()
        condition.save(update_fields=["resolved_on"])
        child_record_changed(condition.child_id)
    return condition
