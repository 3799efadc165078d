"""A 16- or 17-year-old's risky decision without a capacity assessment for it (Rec 8)."""

from __future__ import annotations

import datetime as dt

from django.db.models.fields.json import KT

from safeguard.care.models import CapacityAssessment, DecisionKind
from safeguard.children.models import InvolvementRole
from safeguard.core.dates import years_later

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    current_events,
    register,
    years_before,
)
from ..models import Severity


@register
class CapacityNotAssessed(Check):
    id = "CAPACITY-RISKY-DECISION"
    title = "Risky decision at 16-17 with no capacity assessment for that decision"
    severity = Severity.HIGH
    ends_at_18 = True
    resolution = Resolution("Record the capacity assessment", "capacity_assessment")
    record_types = ("risky_decision",)
    sources = (
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendation 8"),
        Source("Mental Capacity Act 2005", "ss1-3 (from 16; capacity is decision-specific)"),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.IRO,
    )
    description = (
        "A young person aged 16 or 17 on the day with a `risky_decision` chronology entry "
        "(returning to an adult of concern, refusing medicine or treatment) made at 16 or "
        "over, once the configured days have passed, and no capacity assessment "
        "(`care.CapacityAssessment`) for the same kind of decision dated from the configured "
        "days before the decision up to the day. One alert per kind of decision, from its "
        "first unassessed entry."
    )
    thresholds = {
        "assessment_days": Threshold(
            5,
            "Days after the decision by which capacity is assessed (unconfirmed: a local default)",
        ),
        "recent_days": Threshold(
            90, "An assessment this many days before the decision still counts (unconfirmed)"
        ),
    }

    def findings(self, as_of, child_ids=None):
        days = self.threshold("assessment_days")
        recent = self.threshold("recent_days")

        def query(child_ids):
            return (
                self.restrict(current_events("risky_decision", as_of), child_ids)
                .filter(occurred_on__lt=as_of - dt.timedelta(days=days))
                .filter(alive_on(as_of, "child__"))
                .filter(
                    child__date_of_birth__lte=years_before(as_of, 16),
                    child__date_of_birth__gt=years_before(as_of, 18),
                )
                .annotate(kind=KT("details__decision"))
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "child__date_of_birth",
                    "occurred_on",
                    "kind",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        if not rows:
            return []

        # One query for every assessment that could match (set-based over the rows).
        def assessed_query(child_ids):
            return CapacityAssessment.objects.filter(
                child_id__in=child_ids, date__lte=as_of
            ).values_list("child_id", "decision_kind", "date")

        assessed = self.prepared_rows("assessed", as_of, {r[1] for r in rows}, assessed_query)
        by_child: dict[tuple[int, str], list[dt.date]] = {}
        for child_id, kind, date in assessed:
            by_child.setdefault((child_id, kind), []).append(date)
        labels = dict(DecisionKind.choices)
        first: dict[tuple[int, str], tuple] = {}
        for pk, child_id, name, dob, on, kind in sorted(rows, key=lambda r: r[4]):
            if on < years_later(dob, 16):
                continue
            dates = by_child.get((child_id, kind), [])
            if any(d >= on - dt.timedelta(days=recent) for d in dates):
                continue
            first.setdefault((child_id, kind), (pk, name, on))
        out = []
        for (child_id, kind), (_pk, name, on) in first.items():
            label = str(labels.get(kind, kind)).lower()
            out.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"decision:{kind}",
                    due_date=on + dt.timedelta(days=days),
                    detail=(
                        f"{name} is 16 or 17 and on {on:%-d %B %Y} was recorded {label}. No "
                        "assessment of her or his capacity to make that decision is recorded. "
                        "From 16 the Mental Capacity Act 2005 applies: assess capacity for this "
                        "specific decision (impairment, then understand, retain, use or weigh, "
                        "communicate) and, if it is lacking, decide in her or his best interests "
                        "(Recommendation 8)."
                    ),
                    record_link="chronology",
                    prefill={"decision_kind": kind},
                )
            )
        return out
