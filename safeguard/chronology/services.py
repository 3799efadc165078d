"""Writing to the chronology: record, correct, withdraw. Nothing is overwritten."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.access.audit import record_write, snapshot
from safeguard.core.changes import child_record_changed
from safeguard.core.dates import FuzzyMoment, parse_fuzzy

from .event_types import clean_details
from .models import Event


def _moment(occurred) -> FuzzyMoment:
    if isinstance(occurred, FuzzyMoment):
        return occurred
    try:
        return parse_fuzzy(occurred)
    except ValueError as exc:
        raise ValidationError({"occurred_at": str(exc)}) from None


def check_recorded_after_occurred(moment: FuzzyMoment, recorded_at) -> None:
    """An entry is recorded when or after what it records happened. (The scenario loader
    applies this rule while reading a file, so that its error names the line.)"""
    if moment.start > recorded_at:
        raise ValidationError({"occurred_at": "An event cannot be recorded before it happened"})


def _build(
    *,
    child,
    event_type,
    occurred,
    source_agency,
    summary,
    details=None,
    recorded_by=None,
    recorded_by_name="",
    recorded_at=None,
    synthetic=False,
) -> Event:
    moment = _moment(occurred)
    recorded_at = recorded_at or timezone.now()
    if not summary or not str(summary).strip():
        raise ValidationError({"summary": "Enter a summary of what happened"})
    check_recorded_after_occurred(moment, recorded_at)
    if (
        child.date_of_birth
        and moment.end <= timezone.make_aware(dt.datetime.combine(child.date_of_birth, dt.time()))
        and moment.precision != "exact"
    ):
        raise ValidationError({"occurred_at": "The event is dated before the child was born"})
    return Event(
        child=child,
        event_type=event_type,
        occurred_at=moment.start,
        occurred_on=moment.date,
        precision=moment.precision,
        recorded_at=recorded_at,
        source_agency=source_agency,
        recorded_by=recorded_by,
        recorded_by_name=recorded_by_name,
        summary=str(summary).strip(),
        details=clean_details(event_type, details),
        synthetic=synthetic,
    )


def record_event(
    *,
    actor,
    child,
    event_type,
    occurred,
    source_agency,
    summary,
    details=None,
    related_persons=(),
    recorded_by=None,
    recorded_by_name="",
    recorded_at=None,
    synthetic=False,
) -> Event:
    """Append an event to a child's chronology.

    `occurred` is a date, datetime or text ('2019', '2019-06', '2019-06-16',
    '2019-06-16T21:40'); `recorded_at` defaults to now (the loader and replay pass the
    historical recording time).
    """
    event = _build(
        child=child,
        event_type=event_type,
        occurred=occurred,
        source_agency=source_agency,
        summary=summary,
        details=details,
        recorded_by=recorded_by or actor,
        recorded_by_name=recorded_by_name,
        recorded_at=recorded_at,
        synthetic=synthetic,
    )
    with transaction.atomic():
        event.full_clean(exclude=["related_persons"])
        event.save()
        if related_persons:
            event.related_persons.set(related_persons)
        record_write(actor, child, "create", Event, event.pk, None, snapshot(event))
        child_record_changed(child.pk)
    return event


def _lock_latest(original: Event) -> Event:
    latest = Event.objects.select_for_update().get(pk=original.pk)
    if Event.objects.filter(supersedes=latest).exists():
        raise ValidationError(
            "This entry has already been corrected: correct the latest version instead"
        )
    return latest


def correct_event(*, actor, original: Event, reason: str, recorded_at=None, **changes) -> Event:
    """Supersede an entry with a corrected copy. Fields not in `changes` are carried over."""
    if not reason or not reason.strip():
        raise ValidationError({"correction_reason": "Say why the entry is being corrected"})
    with transaction.atomic():
        latest = _lock_latest(original)
        occurred = changes.pop("occurred", FuzzyMoment(latest.occurred_at, latest.precision))
        related = changes.pop("related_persons", list(latest.related_persons.all()))
        fields = {
            "child": latest.child,
            "event_type": latest.event_type,
            "source_agency": latest.source_agency,
            "summary": latest.summary,
            "details": latest.details,
            "synthetic": latest.synthetic,
            **changes,
        }
        event = _build(occurred=occurred, recorded_by=actor, recorded_at=recorded_at, **fields)
        event.supersedes = latest
        event.correction_reason = reason.strip()
        event.full_clean(exclude=["related_persons"])
        event.save()
        event.related_persons.set(related)
        record_write(
            actor,
            latest.child,
            "correct",
            Event,
            event.pk,
            snapshot(latest),
            snapshot(event),
            reason=event.correction_reason,
        )
        child_record_changed(latest.child_id)
    return event


def withdraw_event(*, actor, original: Event, reason: str, recorded_at=None) -> Event:
    """Mark an entry as entered in error: a new entry that supersedes it and says so."""
    if not reason or not reason.strip():
        raise ValidationError({"correction_reason": "Say why the entry is being withdrawn"})
    with transaction.atomic():
        latest = _lock_latest(original)
        event = Event(
            child=latest.child,
            event_type=latest.event_type,
            occurred_at=latest.occurred_at,
            occurred_on=latest.occurred_on,
            precision=latest.precision,
            recorded_at=recorded_at or timezone.now(),
            source_agency=latest.source_agency,
            recorded_by=actor,
            summary=latest.summary,
            details=latest.details,
            supersedes=latest,
            withdrawn=True,
            correction_reason=reason.strip(),
            synthetic=latest.synthetic,
        )
        event.save()
        record_write(
            actor,
            latest.child,
            "withdraw",
            Event,
            event.pk,
            snapshot(latest),
            snapshot(event),
            reason=event.correction_reason,
        )
        child_record_changed(latest.child_id)
    return event
