"""Optimistic version checks for editable records (identity, involvement, placement).

Each editable model has an integer `version`; its update service increments it and passes
the version the user's form was built from. If the record has moved on, the edit is
refused with what changed since, read from the audit trail (every update is audited with
field-level before/after, including `version`), so nobody silently overwrites another's
change.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, ValidationError

from .models import AuditEntry


def field_label(model, name: str) -> str:
    attname = name[:-3] if name.endswith("_id") else name
    try:
        return str(model._meta.get_field(attname).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name.replace("_", " ")


def shown(value) -> str:
    if value in (None, ""):
        return "(blank)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def changes_since(obj, version: int) -> list[str]:
    """'field: before → now' for each field changed since `version` of `obj`."""
    first: dict = {}
    last: dict = {}
    entries = AuditEntry.objects.filter(
        model=obj._meta.label, object_id=str(obj.pk), action="update"
    ).order_by("id")
    for entry in entries:
        bump = entry.changes.get("version")
        if not bump or (bump.get("before") or 0) < version:
            continue
        for name, change in entry.changes.items():
            if name == "version":
                continue
            first.setdefault(name, change.get("before"))
            last[name] = change.get("after")
    return [
        f"{field_label(type(obj), name)}: {shown(first[name])} → {shown(last[name])}"
        for name in last
        if first[name] != last[name]
    ]


def check_version(obj, expected_version) -> None:
    """Refuse an edit made from an older version of `obj` (None: no check, e.g. loader)."""
    if expected_version is None or expected_version == "":
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError("The form was out of date: open the record again") from None
    if expected == obj.version:
        return
    changed = changes_since(obj, expected)
    what = "; ".join(changed) if changed else "see the record's history"
    raise ValidationError(
        f"Someone else changed this record after you opened it ({what}). Your change was "
        "not saved: check the record as it is now and make your change again."
    )
