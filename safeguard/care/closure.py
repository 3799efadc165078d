"""After a looked-after child's or care leaver's death is recorded, the record is closed to
ordinary editing but kept. This is the one place that rule lives: a write guard
(core/guards.py) that every service's audited write passes through.

Still allowed: the death workflow itself (the death and its notifications), chronology
entries (append-only: what happens next, e.g. the rapid review, and corrections of earlier
entries, which are new entries), and ending what was open on the record (an episode,
placement or involvement given its end date, the date of death recorded on the child).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

ALWAYS_ALLOWED = frozenset({"care.Death", "care.DeathNotification", "chronology.Event"})
# Updates of these models that change only these fields close what was open.
ENDING_FIELDS = {
    "episodes.Episode": {"end_date", "reason_ended", "version"},
    "episodes.Placement": {"end_date", "reason_changed", "version"},
    "children.Involvement": {"end_date", "version"},
    "children.Relationship": {"end_date"},
    "children.Child": {"date_of_death", "version"},
    "health.Medicine": {"end_date"},
}


def closed_after_death(child, model_label: str, action: str, changes: dict) -> None:
    from .models import Death

    if model_label in ALWAYS_ALLOWED:
        return
    child_id = getattr(child, "pk", child)
    death = Death.objects.filter(child_id=child_id).only("date").first()
    if death is None:
        return
    if action == "update" and set(changes) <= ENDING_FIELDS.get(model_label, set()):
        return
    raise ValidationError(
        f"This record is closed: the child's death on {death.date:%-d %B %Y} has been "
        "recorded. Only the death notifications, chronology entries (including "
        "corrections) and ending what was open can be recorded now."
    )
