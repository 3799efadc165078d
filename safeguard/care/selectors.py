"""Reads of the looked-after care record that are not about one child."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from .models import DISPUTE_STAGE_ORDER, DisputeStage, IroDispute

AGE_BANDS = ((0, 20, "Under 20 days"), (20, 60, "20 to 59 days"), (60, None, "60 days or more"))


def dispute_dashboard(today: dt.date) -> dict:
    """The IRO service's disputes, counts only: open ones by stage and by age (days since
    raised), and the share of resolved ones resolved at the informal stage. Set-based."""
    open_q = Q(resolved_on__isnull=True) | Q(resolved_on__gt=today)
    base = IroDispute.objects.filter(raised_on__lte=today)
    by_stage = dict(
        base.filter(open_q).values("stage").annotate(n=Count("id")).values_list("stage", "n")
    )
    bands = {}
    for i, (low, high, _label) in enumerate(AGE_BANDS):
        q = Q(raised_on__lte=today - dt.timedelta(days=low))
        if high is not None:
            q &= Q(raised_on__gt=today - dt.timedelta(days=high))
        bands[f"band{i}"] = q
    age = base.filter(open_q).aggregate(**{k: Count("id", filter=q) for k, q in bands.items()})
    resolved = base.filter(resolved_on__lte=today).aggregate(
        total=Count("id"), informal=Count("id", filter=Q(resolved_stage=DisputeStage.INFORMAL))
    )
    labels = dict(DisputeStage.choices)
    return {
        "by_stage": [(labels[s], by_stage.get(s, 0)) for s in DISPUTE_STAGE_ORDER],
        "by_age": [(label, age[f"band{i}"]) for i, (_, _, label) in enumerate(AGE_BANDS)],
        "open": sum(by_stage.values()),
        "resolved": resolved["total"],
        "resolved_informal": resolved["informal"],
        "informal_share": (
            round(100 * resolved["informal"] / resolved["total"]) if resolved["total"] else None
        ),
    }
