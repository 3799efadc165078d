"""Three or more placements in 12 months: the placement stability indicator."""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery

from safeguard.children.models import Child, InvolvementRole
from safeguard.core.dates import add_months
from safeguard.episodes.models import Placement

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    current_events,
    looked_after_on,
    register,
    under_18_on,
)
from ..models import Severity


@register
class PlacementStability(Check):
    id = "PLACEMENT-STABILITY"
    title = "Three or more placements in 12 months: review placement stability"
    severity = Severity.MEDIUM
    scope_looked_after = True
    ends_at_18 = True
    resolution = Resolution(
        "Record the placement stability review", "event:placement_stability_review"
    )
    sources = (
        Source(
            "DfE, Children looked after in England (SSDA903) statistics",
            "placement stability indicator: children with 3 or more placements during the year",
        ),
        Source(
            "Care Planning, Placement and Case Review (England) Regulations 2010",
            "reg 32 and 33 (review before a placement is ended; the IRO is told)",
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.IRO,
    )
    record_types = ("placement_move", "placement_stability_review")
    thresholds = {
        "placements": Threshold(3, "Placements in the period that raise the alert", "placements"),
        "months": Threshold(12, "The period, ending on the day", "months"),
    }
    description = (
        "A looked-after child under 18 with at least `placements` placements (`episodes."
        "Placement`) that were current at some time in the `months` months ending on the day "
        "(a placement that began before the period and ran into it counts, as in the DfE "
        "indicator, which counts the placements a child had during the year). Due on the day "
        "the latest placement began. Resolved by a `placement_stability_review` chronology "
        "entry on or after that day; a further move raises it again."
    )

    def findings(self, as_of, child_ids=None):
        since = add_months(as_of, -self.threshold("months"))

        def query(child_ids):
            in_period = Placement.objects.filter(
                child_id=OuterRef("pk"), start_date__lte=as_of
            ).filter(Q(end_date__isnull=True) | Q(end_date__gt=since))
            count = in_period.order_by().values("child_id").annotate(n=Count("pk")).values("n")
            latest = (
                in_period.order_by().values("child_id").annotate(d=Max("start_date")).values("d")
            )
            reviewed = current_events("placement_stability_review", as_of).filter(
                child_id=OuterRef("pk"), occurred_on__gte=OuterRef("latest")
            )
            return (
                self.restrict(Child.objects.all(), child_ids, "pk")
                .filter(alive_on(as_of), under_18_on(as_of))
                .filter(looked_after_on(as_of))
                .annotate(
                    n=Subquery(count[:1], output_field=IntegerField()), latest=Subquery(latest[:1])
                )
                .filter(n__gte=self.threshold("placements"))
                .filter(~Exists(reviewed))
                .values_list("pk", "given_name", "n", "latest")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        months = self.threshold("months")
        return [
            Finding(
                child_id=child_id,
                subject_key="stability",
                due_date=latest,
                detail=(
                    f"{name} has had {n} placements in the {months} months to "
                    f"{as_of:%-d %B %Y}, the latest from {latest:%-d %B %Y}. Each move "
                    "breaks relationships, school and health care. Review what will keep "
                    "this placement stable, with the IRO, and record the review."
                ),
                record_link="chronology",
                prefill={},
            )
            for child_id, name, n, latest in rows
        ]
