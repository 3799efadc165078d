"""Writes to episodes and placements: validated, transactional, and announced."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from safeguard.access.audit import record_write, snapshot
from safeguard.access.versions import check_version
from safeguard.core.changes import child_record_changed

from .models import Episode, EpisodeKind, Placement


def _overlapping(qs, start, end):
    """Rows of qs whose period overlaps [start, end] (an open end runs on for ever).

    Consecutive periods meet on a shared day (SSDA903 records a legal status change as one
    episode ceasing on the day the next commences), so touching is not overlapping.
    """
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
    if end is not None:
        qs = qs.filter(start_date__lt=end)
    return qs


def validate_episode(episode: Episode) -> None:
    episode.full_clean()
    if episode.kind == EpisodeKind.LOOKED_AFTER and episode.child.date_of_birth is None:
        # An unborn child can have a pre-birth plan, but cannot be looked after.
        raise ValidationError(
            {"kind": "An unborn child cannot be looked after: record the birth first"}
        )
    same_kind = Episode.objects.filter(child_id=episode.child_id, kind=episode.kind)
    if episode.pk:
        same_kind = same_kind.exclude(pk=episode.pk)
    clash = _overlapping(same_kind, episode.start_date, episode.end_date).first()
    if clash is not None:
        if episode.kind == EpisodeKind.LOOKED_AFTER:
            message = (
                f"This looked-after episode overlaps another that starts on {clash.start_date}: "
                "a child is looked after under one legal status at a time (end the earlier "
                "episode on the day the new one starts)"
            )
        else:
            message = (
                f"This {episode.get_kind_display().lower()} overlaps another that starts on "
                f"{clash.start_date}"
            )
        raise ValidationError({"start_date": message})


def record_episode(*, actor, **fields) -> Episode:
    episode = Episode(**fields)
    with transaction.atomic():
        validate_episode(episode)
        episode.save()
        record_write(actor, episode.child, "create", Episode, episode.pk, None, snapshot(episode))
        child_record_changed(episode.child_id)
    return episode


def end_episode(*, actor, episode: Episode, end_date, reason_ended: str = "") -> Episode:
    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=episode.pk)
        before = snapshot(episode)
        episode.end_date = end_date
        episode.reason_ended = reason_ended or episode.reason_ended
        validate_episode(episode)
        episode.save()
        record_write(actor, episode.child, "update", Episode, episode.pk, before, snapshot(episode))
        child_record_changed(episode.child_id)
    return episode


def validate_placement(placement: Placement) -> None:
    placement.full_clean()
    looked_after = Episode.objects.filter(
        child_id=placement.child_id, kind=EpisodeKind.LOOKED_AFTER
    )
    if not looked_after.open_on(placement.start_date).exists():
        raise ValidationError(
            {
                "start_date": f"The child is not looked after on {placement.start_date}: record "
                "the looked-after episode first"
            }
        )
    others = Placement.objects.filter(child_id=placement.child_id)
    if placement.pk:
        others = others.exclude(pk=placement.pk)
    clash = _overlapping(others, placement.start_date, placement.end_date).first()
    if clash is not None:
        raise ValidationError(
            {
                "start_date": f"This placement overlaps the placement that starts on "
                f"{clash.start_date}"
            }
        )


def record_placement(*, actor, **fields) -> Placement:
    placement = Placement(**fields)
    with transaction.atomic():
        validate_placement(placement)
        placement.save()
        record_write(
            actor, placement.child, "create", Placement, placement.pk, None, snapshot(placement)
        )
        child_record_changed(placement.child_id)
    return placement


def end_placement(
    *, actor, placement: Placement, end_date, reason_changed: str = "", expected_version=None
) -> Placement:
    with transaction.atomic():
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        check_version(placement, expected_version)
        before = snapshot(placement)
        placement.end_date = end_date
        placement.reason_changed = reason_changed or placement.reason_changed
        validate_placement(placement)
        placement.version += 1
        placement.save()
        record_write(
            actor, placement.child, "update", Placement, placement.pk, before, snapshot(placement)
        )
        child_record_changed(placement.child_id)
    return placement


def move_placement(
    *, actor, current: Placement, reason_changed: str, expected_version=None, **new_fields
) -> Placement:
    """A move: the current placement ends on the day the new one starts (SSDA903 records
    consecutive placements meeting on that day), with the reason for the change, in one
    transaction: both or neither."""
    if not reason_changed:
        raise ValidationError({"reason_changed": "Select the reason the placement changed"})
    with transaction.atomic():
        end_placement(
            actor=actor,
            placement=current,
            end_date=new_fields["start_date"],
            reason_changed=reason_changed,
            expected_version=expected_version,
        )
        return record_placement(actor=actor, child=current.child, **new_fields)


def record_host_authority_notified(*, actor, placement: Placement, notified_on) -> Placement:
    """The host authority was told of an out-of-area placement (CPPCR reg 13A)."""
    with transaction.atomic():
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        before = snapshot(placement)
        placement.host_authority_notified_on = notified_on
        validate_placement(placement)
        placement.version += 1
        placement.save()
        record_write(
            actor, placement.child, "update", Placement, placement.pk, before, snapshot(placement)
        )
        child_record_changed(placement.child_id)
    return placement
