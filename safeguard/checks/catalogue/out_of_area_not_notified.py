"""An out-of-area placement without the host authority notified."""

from __future__ import annotations

from django.db.models import Q

from safeguard.children.models import InvolvementRole
from safeguard.core.workdays import CalendarRangeError, add_working_days
from safeguard.episodes.models import Placement

from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity


@register
class OutOfAreaNotNotified(Check):
    id = "LAC-OUT-OF-AREA-NOT-NOTIFIED"
    title = "Out-of-area placement: host authority not notified"
    severity = Severity.MEDIUM
    resolution = Resolution("Record that the host authority was told", "host_notified")
    sources = (
        Source(
            "CPPCR 2010",
            "reg 13 (and reg 11: before the placement, or within 5 "
            "working days of an emergency placement)",
        ),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "A placement open on the day, recorded as out of the authority's area, with no date "
        "the host authority was told by the day, once the configured working days after the "
        "placement began have passed."
    )
    thresholds = {"working_days": Threshold(5, "Working days after the placement starts")}

    def findings(self, as_of, child_ids=None):
        days = self.threshold("working_days")

        def query(child_ids):
            return (
                self.restrict(Placement.objects.open_on(as_of).filter(out_of_area=True), child_ids)
                .filter(
                    Q(host_authority_notified_on__isnull=True)
                    | Q(host_authority_notified_on__gt=as_of)
                )
                .filter(alive_on(as_of, "child__"))
                .values_list(
                    "pk", "child_id", "child__given_name", "start_date", "area", "provider_name"
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        out = []
        for pk, child_id, name, start, area, provider in rows:
            try:
                due = add_working_days(start, days)
            except CalendarRangeError:
                continue
            if as_of <= due:
                continue
            out.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"placement:{pk}",
                    due_date=due,
                    detail=(
                        f"{name} was placed out of area ({provider or 'placement'}"
                        f"{', ' + area if area else ''}) on {start:%-d %B %Y} and the host "
                        f"authority has not been told; it was due by {due:%-d %B %Y}."
                    ),
                    prefill={"placement": pk},
                )
            )
        return out
