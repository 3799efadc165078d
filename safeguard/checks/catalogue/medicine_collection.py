"""A looked-after child's medicine for a chronic condition was not collected."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Lower, Trim

from safeguard.children.models import InvolvementRole
from safeguard.core.dates import format_fuzzy
from safeguard.episodes.models import Placement
from safeguard.health.models import Medicine

from ..engine import (
    APPROXIMATE_PRECISIONS,
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    current_events,
    latest_possible_before,
    looked_after_on,
    period_last_day,
    register,
)
from ..models import Severity


@register
class MedicineNotCollected(Check):
    id = "LAC-MEDICINE-NOT-COLLECTED"
    title = "Medicine for a chronic condition not collected"
    severity = Severity.HIGH
    resolution = Resolution("Record the collection", "event:prescription_collected")
    record_types = ("prescription_issued", "prescription_dispensed", "prescription_not_collected")
    sources = (
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendation 7"),
        Source(
            "Practice review 'Sarah' (Worcestershire, 2021)",
            "Recommendation 9 (placements equipped to manage a chronic condition)",
        ),
    )
    tells = (
        InvolvementRole.GP,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.PHARMACIST,
    )
    also_tell = "the child's carer (told by the allocated social worker: carers have no account)"
    description = (
        "For a child looked after on the day: a `prescription_issued` event for a medicine "
        "the health record marks long-term (`Medicine.long_term`) or for a chronic condition "
        "(`Condition.chronic`), matched by name (case-insensitive), with no "
        "`prescription_collected` event by the day, once the configured number of days after "
        "issue has passed. Issue and collection are matched by `details.prescription_ref` "
        "when both carry one, else by medicine name and a collection on or after the issue. "
        "An approximately dated issue counts from the last day of its period."
    )
    thresholds = {
        "collection_days": Threshold(7, "Days after issue by which the medicine is collected"),
    }

    def findings(self, as_of, child_ids=None):
        days = self.threshold("collection_days")
        chronic_medicine = (
            Medicine.objects.filter(child_id=OuterRef("child_id"), start_date__lte=as_of)
            .filter(Q(long_term=True) | Q(condition__chronic=True))
            .annotate(lname=Lower(Trim("name")))
            .filter(lname=OuterRef("medicine"))
        )
        collections = (
            current_events("prescription_collected", as_of)
            .filter(child_id=OuterRef("child_id"))
            .annotate(
                ref=KT("details__prescription_ref"),
                medicine=Lower(Trim(KT("details__medicine"))),
            )
        )
        by_name = collections.filter(
            medicine=OuterRef("medicine"), occurred_on__gte=OuterRef("occurred_on")
        )
        carer = Subquery(
            Placement.objects.open_on(as_of)
            .filter(child_id=OuterRef("child_id"))
            .values("provider_name")[:1]
        )
        issues = (
            self.restrict(current_events("prescription_issued", as_of), child_ids)
            .filter(alive_on(as_of, "child__"), looked_after_on(as_of, "child_id"))
            .filter(latest_possible_before(as_of - dt.timedelta(days=days)))
            .annotate(
                rx_ref=KT("details__prescription_ref"),
                medicine=Lower(Trim(KT("details__medicine"))),
                medicine_as_written=KT("details__medicine"),
            )
            .filter(Exists(chronic_medicine))
            .annotate(
                collected_by_ref=Exists(collections.filter(ref=OuterRef("rx_ref"))),
                collected_unreferenced=Exists(by_name.filter(ref__isnull=True)),
                collected_any=Exists(by_name),
                carer=carer,
            )
            .filter(collected_by_ref=False, collected_unreferenced=False)
            .filter(Q(rx_ref__isnull=False) | Q(collected_any=False))
            .values_list(
                "child_id",
                "child__given_name",
                "occurred_at",
                "occurred_on",
                "precision",
                "rx_ref",
                "medicine_as_written",
                "carer",
            )
        )
        results = []
        for child_id, name, at, on, precision, ref, medicine, carer_name in issues:
            due = period_last_day(on, precision) + dt.timedelta(days=days)
            when = format_fuzzy(at, precision)
            approximate = precision in APPROXIMATE_PRECISIONS
            carer_text = f"the carer ({carer_name})" if carer_name else "the carer"
            detail = (
                f"{medicine} for {name} was prescribed on {when}"
                f"{f' (prescription {ref})' if ref else ''} and no collection is recorded; it "
                f"should have been collected by {due:%-d %B %Y} ({days} days). {name} is "
                "looked after and the medicine is for a chronic condition: a missed supply "
                "puts the child's health at risk. The GP, pharmacy and social worker should "
                f"find out why. {carer_text[0].upper()}{carer_text[1:]} must be told: carers "
                "have no account here, so the allocated social worker tells them "
                "(Recommendation 7)."
            )
            if approximate:
                detail += f" The prescription is dated only as {when}."
            subject = f"rx:{ref}" if ref else f"rx:{medicine.strip().lower()}:{on.isoformat()}"
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=subject,
                    due_date=due,
                    detail=detail,
                    approximate=approximate,
                    record_link="chronology",
                    prefill={"medicine": medicine, **({"prescription_ref": ref} if ref else {})},
                )
            )
        return results
