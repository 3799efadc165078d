"""An action agreed at a multi-agency meeting is overdue."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q

from safeguard.children.models import InvolvementRole
from safeguard.meetings.models import MeetingChild, MeetingKind, MeetingStatus

from ..engine import Check, Finding, Resolution, Threshold, alive_on, register
from ..models import Severity
from ._meeting_sources import REC3


@register
class MeetingActionOverdue(Check):
    id = "MEETING-ACTION-OVERDUE"
    title = "Action from a multi-agency meeting is overdue"
    severity = Severity.MEDIUM
    resolution = Resolution("Record the action as completed, with evidence", "meeting_action")
    sources = (REC3,)
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.EXPLOITATION_WORKER,
    )
    description = (
        "Each action agreed at a meeting (MACE, strategy discussion, conference, core "
        "group, review) that is still open more than the configured grace days after its "
        "due date raises an alert about each child it concerns (the action's child, or "
        "every child of the meeting). Recommendation 3: MACE meetings need \u201cclear "
        "actions that are followed up to ensure outcome\u201d. The owner also sees it under "
        "\u201cMy actions\u201d. Clears when the action is recorded as completed or no longer "
        "needed, with evidence."
    )
    thresholds = {"grace_days": Threshold(0, "Days after the due date before the alert", "days")}

    def findings(self, as_of, child_ids=None):
        grace = self.threshold("grace_days")
        cutoff = as_of - dt.timedelta(days=grace)

        def query(child_ids):
            return (
                self.restrict(MeetingChild.objects.all(), child_ids)
                .filter(alive_on(as_of, "child__"))
                # One filter() call, so every condition on the actions applies to the same action.
                .filter(
                    Q(meeting__actions__child__isnull=True)
                    | Q(meeting__actions__child_id=F("child_id")),
                    Q(meeting__actions__completed_on__isnull=True)
                    | Q(meeting__actions__completed_on__gt=as_of),
                    meeting__status=MeetingStatus.HELD,
                    meeting__held_on__lte=as_of,
                    meeting__actions__due_on__lt=cutoff,
                )
                .values_list(
                    "child_id",
                    "meeting__actions__pk",
                    "meeting__actions__description",
                    "meeting__actions__due_on",
                    "meeting__actions__owner__first_name",
                    "meeting__actions__owner__last_name",
                    "meeting__kind",
                    "meeting__held_on",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        labels = dict(MeetingKind.choices)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"action:{action_id}",
                due_date=due,
                detail=(
                    f"\u201c{description}\u201d, agreed at the {labels[kind]} on "
                    f"{held:%-d %B %Y}, was due by {due:%-d %B %Y} and is not recorded as done. "
                    f"Owner: {first} {last}."
                ),
                prefill={"action": action_id},
            )
            for child_id, action_id, description, due, first, last, kind, held in rows
        ]
