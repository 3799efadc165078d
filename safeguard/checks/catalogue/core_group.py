"""The first core group meeting within 10 working days of the initial conference."""

from __future__ import annotations

from safeguard.children.models import InvolvementRole
from safeguard.episodes.models import Episode, EpisodeKind
from safeguard.meetings.models import MeetingKind
from safeguard.meetings.selectors import held_since

from ..calendar import working_days_after
from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity


@register
class CoreGroupDue(Check):
    id = "CP-CORE-GROUP"
    title = "First core group not held within 10 working days of the conference"
    severity = Severity.MEDIUM
    resolution = Resolution("Hold and record the core group", "meeting:core_group")
    sources = (
        Source(
            "Local child protection procedures",
            "first core group within 10 working days of the initial conference",
            unconfirmed=True,
        ),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "When a child protection plan starts (the initial conference), the first core group "
        "meeting is due within the configured working days. Clears when a core group held "
        "on or after the plan's start is recorded, or the plan ends."
    )
    thresholds = {"working_days": Threshold(10, "Working days after the plan starts")}

    def findings(self, as_of, child_ids=None):
        wd = self.threshold("working_days")

        def query(child_ids):
            return (
                self.restrict(Episode.objects.open_on(as_of), child_ids)
                .filter(kind=EpisodeKind.CHILD_PROTECTION)
                .filter(alive_on(as_of, "child__"))
                .annotate(due=working_days_after("start_date", wd))
                .filter(due__lt=as_of)
                .filter(
                    ~held_since(
                        MeetingKind.CORE_GROUP, as_of, child_ref="child_id", since_ref="start_date"
                    )
                )
                .values_list("child_id", "child__given_name", "pk", "start_date", "due")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"plan:{plan_id}",
                due_date=due,
                detail=(
                    f"{name}'s child protection plan began on {start:%-d %B %Y}. No core group "
                    f"meeting is recorded; the first was due by {due:%-d %B %Y}."
                ),
            )
            for child_id, name, plan_id, start, due in rows
        ]
