"""Compare two children's records field by field, by model introspection.

`record_of(child)` reads every row of every model linked to the child (found through the
child's reverse relations, not a hand-picked list) and turns each into a tuple of its
concrete field values, with foreign keys replaced by the same representation of the row
they point to (so ids, which differ between two loads, never matter). Two records are the
same when these are equal.
"""

import json

from django.db import models

from safeguard.children.models import Child
from safeguard.meetings.models import Action, Attendance
from safeguard.scenarios.export import (
    CHILD_LISTS,
    EXPORTED_UNDER_PARENT,
    NOT_RECORD_MODELS,
    TOP_LISTS,
)

# Never compared: database ids, row timestamps, version counters and unique ids.
GENERIC_EXCLUDED = {"id", "created_at", "updated_at", "version", "uid"}
# Provenance the scenario format does not carry (docs/scenario-format.md, "Exporting").
EXCLUDED = {
    "accounts.User": {"password", "last_login", "date_joined", "scenario_ref"},
    "access.RestrictedAccess": {"granted_by", "granted_at"},
    "meetings.Meeting": {"scheduled_by"},
}


def record_models() -> set[str]:
    """Labels of the models with rows about a child (reverse relations of Child)."""
    return {
        rel.related_model._meta.label
        for rel in Child._meta.related_objects
        if rel.one_to_many or rel.one_to_one
    }


# JSON fields that hold other rows' database ids (a case closure lists the work open when it
# closed, with each item's id for its link): ids differ between two loads (PostgreSQL's
# sequences are not reset by a rollback), so they are compared without them.
def _without_ids(items):
    return [{k: v for k, v in item.items() if k != "id"} for item in items or []]


NORMALISE = {("frontdoor.CaseClosure", "open_items"): _without_ids}


def _value(value):
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


class Snapshot:
    def __init__(self):
        self.memo = {}

    def row(self, obj):
        if obj is None:
            return None
        key = (obj._meta.label, obj.pk)
        if key in self.memo:
            return self.memo[key]
        label = obj._meta.label
        excluded = GENERIC_EXCLUDED | EXCLUDED.get(label, set())
        values = []
        for f in obj._meta.concrete_fields:
            if f.primary_key or f.name in excluded or getattr(f, "auto_now", False):
                continue
            if f.is_relation:
                values.append((f.name, self.row(getattr(obj, f.name))))
            else:
                raw = getattr(obj, f.attname)
                normalise = NORMALISE.get((label, f.name))
                values.append((f.name, _value(normalise(raw) if normalise else raw)))
        for f in obj._meta.many_to_many:
            if f.name in excluded:
                continue
            related = sorted((self.row(o) for o in getattr(obj, f.name).all()), key=repr)
            values.append((f.name, tuple(related)))
        result = (label, tuple(values))
        self.memo[key] = result
        return result


def record_of(child: Child) -> dict[str, list]:
    """Every row linked to the child, per model, in a stable order."""
    snap = Snapshot()
    out = {"children.Child": [snap.row(child)]}
    for _, section, related, _ in CHILD_LISTS:
        rows = getattr(child, related).all()
        if section.model._meta.label == "access.RestrictedAccess":
            rows = rows.filter(revoked_at=None)
        out[section.model._meta.label] = sorted((snap.row(r) for r in rows), key=repr)
    for _, _, related, _ in TOP_LISTS:
        rows = getattr(child, related).all()
        out[rows.model._meta.label] = sorted((snap.row(r) for r in rows), key=repr)
    # A meeting's attendance and actions (for this child or for all its children).
    meetings = {"meeting__links__child": child}
    extra = {
        "meetings.Attendance": Attendance.objects.filter(**meetings),
        "meetings.Action": Action.objects.filter(**meetings).filter(
            models.Q(child=None) | models.Q(child=child)
        ),
    }
    for label, rows in extra.items():
        out[label] = sorted((snap.row(r) for r in rows), key=repr)
    return out


def assert_same_record(before: dict, after: dict) -> None:
    assert set(before) == set(after)
    for label in before:
        b, a = before[label], after[label]
        if b != a:
            missing = [r for r in b if r not in a]
            extra = [r for r in a if r not in b]
            raise AssertionError(
                f"{label} differs after the round trip ({len(b)} rows before, {len(a)} after)"
                f"\nonly before: {missing[:3]}\nonly after: {extra[:3]}"
            )


def assert_exporter_covers_record_models() -> None:
    exported = {section.model._meta.label for _, section, _, _ in CHILD_LISTS} | {
        Child._meta.get_field(related).related_model._meta.label for _, _, related, _ in TOP_LISTS
    }
    exported |= set(EXPORTED_UNDER_PARENT)
    # Relationship is how a Person is linked; Person itself has no child key.
    unaccounted = record_models() - exported - set(NOT_RECORD_MODELS)
    assert not unaccounted, (
        f"rows about a child in {sorted(unaccounted)} are neither exported "
        "(safeguard/scenarios/export.py CHILD_LISTS) nor declared NOT_RECORD_MODELS"
    )


__all__ = ["assert_exporter_covers_record_models", "assert_same_record", "models", "record_of"]
