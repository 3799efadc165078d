"""A child with a chronic condition placed without the health information shared and the
carers trained (Recommendation 9)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from safeguard.care.models import PlacementPlan
from safeguard.children.models import InvolvementRole
from safeguard.episodes.models import Placement
from safeguard.health.models import Condition

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    looked_after_on,
    register,
)
from ..models import Severity


def chronic_on(as_of, child_ref="child_id"):
    return Exists(
        Condition.objects.filter(child_id=OuterRef(child_ref), chronic=True)
        .filter(Q(diagnosed_on__isnull=True) | Q(diagnosed_on__lte=as_of))
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=as_of))
    )


@register
class PlacementHealthInformation(Check):
    id = "LAC-PLACEMENT-HEALTH-INFO"
    title = "Placed with a chronic condition: health information not shared or carers not trained"
    severity = Severity.HIGH
    scope_looked_after = True
    resolution = Resolution("Record the placement plan", "placement_plan")
    sources = (
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendation 9"),
        Source("CPPCR 2010", "reg 9 and Sch 2 (the placement plan, before the placement)"),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.IRO,
        InvolvementRole.DESIGNATED_NURSE,
    )
    also_tell = "the carer or provider (told by the allocated social worker)"
    description = (
        "A looked-after child with a chronic condition (`Condition.chronic`, diagnosed by the "
        "day and not resolved) in a placement open on the day, once the configured days after "
        "it began have passed, with no placement plan for that placement (`care.PlacementPlan`) "
        "recording both the day the health information was shared with the carer or provider "
        "and the day the carers were trained, on or before the day. One alert per placement."
    )
    thresholds = {
        "grace_days": Threshold(
            0,
            "Days after the placement starts before the alert (0: the "
            "information is due before the child arrives)",
        ),
    }

    def more_end_reasons(self, as_of, gone):
        ids = {int(key.split(":")[1]): (child_id, key) for child_id, key in gone}
        ended = Placement.objects.filter(pk__in=ids, end_date__lt=as_of).values_list(
            "pk", flat=True
        )
        reasons = {ids[pk]: "the placement ended" for pk in ended}
        # The condition resolved: the duty no longer applies.
        for child_id, key in gone:
            if (child_id, key) not in reasons and not Condition.objects.filter(
                child_id=child_id, chronic=True
            ).filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=as_of)).exists():
                reasons[(child_id, key)] = "the condition resolved"
        return reasons

    def findings(self, as_of, child_ids=None):
        grace = self.threshold("grace_days")

        def query(child_ids):
            ready = PlacementPlan.objects.filter(
                placement_id=OuterRef("pk"),
                health_information_shared_on__lte=as_of,
                carers_trained_on__lte=as_of,
            )
            return (
                self.restrict(Placement.objects.open_on(as_of), child_ids)
                .filter(start_date__lte=as_of - dt.timedelta(days=grace))
                .filter(alive_on(as_of, "child__"), looked_after_on(as_of, "child_id"))
                .filter(chronic_on(as_of))
                .filter(~Exists(ready))
                .annotate(
                    shared=Exists(
                        PlacementPlan.objects.filter(
                            placement_id=OuterRef("pk"), health_information_shared_on__lte=as_of
                        )
                    )
                )
                .values_list(
                    "pk", "child_id", "child__given_name", "start_date", "provider_name", "shared"
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        out = []
        for pk, child_id, name, start, provider, shared in rows:
            where = provider or "the placement"
            missing = (
                "the carers have not been trained"
                if shared
                else (
                    "the health information has not been shared and the carers have not "
                    "been trained"
                )
            )
            out.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"placement:{pk}",
                    due_date=start + dt.timedelta(days=grace),
                    detail=(
                        f"{name} has a chronic condition and was placed at {where} on "
                        f"{start:%-d %B %Y}, but the placement plan does not record that "
                        f"{missing}. A placement must know how to manage the condition (a seizure "
                        "plan, rescue medication, medicines) before the child arrives "
                        "(Recommendation 9)."
                    ),
                    prefill={"placement": pk},
                )
            )
        return out
