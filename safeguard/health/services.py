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
