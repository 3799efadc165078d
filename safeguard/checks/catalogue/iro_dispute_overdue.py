"""An IRO dispute unresolved past its stage's time (Recommendation 6)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from safeguard.care.models import DisputeStage, IroDispute
from safeguard.children.models import InvolvementRole

from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity

STAGE_THRESHOLDS = {
    DisputeStage.INFORMAL: "informal_days",
    DisputeStage.TEAM_MANAGER: "team_manager_days",
    DisputeStage.SERVICE_MANAGER: "service_manager_days",
    DisputeStage.DIRECTOR: "director_days",
}


@register
class IroDisputeOverdue(Check):
    id = "IRO-DISPUTE-OVERDUE"
    title = "IRO dispute unresolved past its stage's time"
    severity = Severity.MEDIUM
    resolution = Resolution("Escalate or resolve the dispute", "iro_dispute")
    sources = (
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendation 6"),
        Source(
            "IRO Handbook 2010",
            "ch. 6 (dispute resolution; local protocols set the times)",
            unconfirmed=True,
        ),
    )
    tells = (
        InvolvementRole.IRO,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
    )
    description = (
        "An IRO dispute (`care.IroDispute`) raised by the day and not resolved by it, whose "
        "current stage began more than that stage's configured days before the day: it "
        "should be resolved or escalated. Referral to Cafcass has no time limit here."
    )
    thresholds = {
        "informal_days": Threshold(20, "Days at the informal stage (unconfirmed)"),
        "team_manager_days": Threshold(10, "Days at formal stage 1 (unconfirmed)"),
        "service_manager_days": Threshold(10, "Days at formal stage 2 (unconfirmed)"),
        "director_days": Threshold(10, "Days at formal stage 3 (unconfirmed)"),
    }

    def findings(self, as_of, child_ids=None):
        limits = {stage: self.threshold(name) for stage, name in STAGE_THRESHOLDS.items()}

        def query(child_ids):
            late = Q()
            for stage, days in limits.items():
                late |= Q(stage=stage, stage_since__lt=as_of - dt.timedelta(days=days))
            return (
                self.restrict(IroDispute.objects.filter(raised_on__lte=as_of), child_ids)
                .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=as_of))
                .filter(late, alive_on(as_of, "child__"))
                .values_list("pk", "child_id", "child__given_name", "issue", "stage", "stage_since")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        labels = dict(DisputeStage.choices)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"dispute:{pk}:{stage}",
                due_date=since + dt.timedelta(days=limits[stage]),
                detail=(
                    f"The IRO's dispute about {name}'s plan (\"{issue[:120]}\") has been at "
                    f"the stage '{labels[stage]}' since {since:%-d %B %Y}, more than "
                    f"{limits[stage]} days. Resolve it or escalate it: drift in a dispute is "
                    "drift in the child's plan (Recommendation 6)."
                ),
                prefill={"dispute": pk},
            )
            for pk, child_id, name, issue, stage, since in rows
        ]
