"""A looked-after child's medicine for a chronic condition was not collected (Rec 7)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.fields.json import KT

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
    first_word,
    first_word_py,
    latest_possible_before,
    looked_after_on,
    period_last_day,
    register,
)
from ..models import Severity

# Told as well when non-collection repeats: the health and oversight roles.
REPEAT_TELLS = (
    InvolvementRole.DESIGNATED_NURSE,
    InvolvementRole.IRO,
    InvolvementRole.TEAM_MANAGER,
)


@register
class MedicineNotCollected(Check):
    id = "LAC-MEDICINE-NOT-COLLECTED"
    title = "Medicine for a chronic condition not collected"
    severity = Severity.MEDIUM
    resolution = Resolution("Record the collection", "event:prescription_collected")
    scope_looked_after = True
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
        "For a child looked after on the day, and a medicine the health record marks "
        "long-term (`Medicine.long_term`) or for a chronic condition (`Condition.chronic`; "
        "the record does not yet mark a condition life-threatening, so every chronic "
        "condition is treated as one). Medicine names match on their first word, ignoring "
        "case and spaces ('Lamotrigine 100mg tablets' is 'Lamotrigine'). Three findings: "
        "(1) a `prescription_issued` event with no `prescription_collected` event once the "
        "configured days after issue have passed (an approximately dated issue counts from "
        "the last day of its period); (2) a pharmacy's own `prescription_not_collected` "
        "report, from the day it is recorded, with or without an issue event; (3) when the "
        "last collection's prescription states `days_supply`, no later collection by the "
        "day that supply ran out (collection date + days_supply + the configured grace). "
        "Issue, report and collection are matched by `details.prescription_ref` when both "
        "carry one, else by medicine name and a collection on or after the issue or report. "
        "Repeated non-collection (the configured number of missed prescriptions or reports "
        "of one medicine within the configured days) raises the severity to high and also "
        "tells the designated or looked-after children's nurse, the IRO and the team "
        "manager."
    )
    thresholds = {
        "collection_days": Threshold(7, "Days after issue by which the medicine is collected"),
        "supply_grace_days": Threshold(
            0, "Days after a collected supply runs out before a gap is flagged"
        ),
        "repeat_count": Threshold(
            2, "Missed collections of one medicine that count as repeated", "collections"
        ),
        "repeat_window_days": Threshold(90, "Days within which missed collections are counted"),
    }

    def _scoped_queries(self, as_of, child_ids):
        """The querysets of missed prescriptions (issued, and reported by the pharmacy)."""
        days = self.threshold("collection_days")
        chronic_medicine = self._chronic_medicine(as_of)
        collections = (
            current_events("prescription_collected", as_of)
            .filter(child_id=OuterRef("child_id"))
            .annotate(
                ref=KT("details__prescription_ref"), medicine=first_word(KT("details__medicine"))
            )
        )
        by_name = collections.filter(
            medicine=OuterRef("medicine"), occurred_on__gte=OuterRef("occurred_on")
        )

        def in_scope(event_type):
            return (
                self.restrict(current_events(event_type, as_of), child_ids)
                .filter(alive_on(as_of, "child__"), looked_after_on(as_of, "child_id"))
                .annotate(
                    rx_ref=KT("details__prescription_ref"),
                    medicine=first_word(KT("details__medicine")),
                    medicine_as_written=KT("details__medicine"),
                )
                .filter(Exists(chronic_medicine))
            )

        def uncollected(qs):
            return (
                qs.annotate(
                    collected_by_ref=Exists(collections.filter(ref=OuterRef("rx_ref"))),
                    collected_unreferenced=Exists(by_name.filter(ref__isnull=True)),
                    collected_any=Exists(by_name),
                )
                .filter(collected_by_ref=False, collected_unreferenced=False)
                .filter(Q(rx_ref__isnull=False) | Q(collected_any=False))
            )

        fields = (
            "child_id",
            "child__given_name",
            "occurred_at",
            "occurred_on",
            "precision",
            "rx_ref",
            "medicine_as_written",
        )
        issues = uncollected(
            in_scope("prescription_issued").filter(
                latest_possible_before(as_of - dt.timedelta(days=days))
            )
        ).values_list(*fields)
        reports = uncollected(in_scope("prescription_not_collected")).values_list(*fields)
        return issues, reports

    @staticmethod
    def _chronic_medicine(as_of):
        return (
            Medicine.objects.filter(child_id=OuterRef("child_id"), start_date__lte=as_of)
            .filter(Q(long_term=True) | Q(condition__chronic=True))
            .annotate(word=first_word("name"))
            .filter(word=OuterRef("medicine"))
        )

    def findings(self, as_of, child_ids=None):
        days = self.threshold("collection_days")
        issues = self.prepared_rows(
            "issues", as_of, child_ids, lambda ids: self._scoped_queries(as_of, ids)[0]
        )
        reports = self.prepared_rows(
            "reports", as_of, child_ids, lambda ids: self._scoped_queries(as_of, ids)[1]
        )
        supply_rows = self._supply_gaps(as_of, child_ids)

        concerned = self._children(issues, reports, supply_rows)
        carers = (
            dict(
                Placement.objects.open_on(as_of)
                .filter(child_id__in=concerned)
                .order_by("child_id", "start_date", "pk")  # the latest placement wins
                .values_list("child_id", "provider_name")
            )
            if concerned
            else {}
        )
        results: dict[tuple[int, str], Finding] = {}
        for child_id, name, at, on, precision, ref, medicine in issues:
            due = period_last_day(on, precision) + dt.timedelta(days=days)
            when = format_fuzzy(at, precision)
            approximate = precision in APPROXIMATE_PRECISIONS
            detail = (
                f"{medicine} for {name} was prescribed on {when}"
                f"{f' (prescription {ref})' if ref else ''} and no collection is recorded; it "
                f"should have been collected by {due:%-d %B %Y} ({days} days). "
            ) + self._why(name, carers.get(child_id))
            if approximate:
                detail += f" The prescription is dated only as {when}."
            subject = f"rx:{ref}" if ref else f"rx:{_normal(medicine)}:{on.isoformat()}"
            results[(child_id, subject)] = Finding(
                child_id=child_id,
                subject_key=subject,
                due_date=due,
                detail=detail,
                approximate=approximate,
                record_link="chronology",
                prefill={"medicine": medicine, **({"prescription_ref": ref} if ref else {})},
            )
        for child_id, name, at, on, precision, ref, medicine in reports:
            subject = f"rx:{ref}" if ref else f"not-collected:{_normal(medicine)}:{on.isoformat()}"
            if (child_id, subject) in results:
                continue  # the issue's own alert already stands
            detail = (
                f"The pharmacy reported on {format_fuzzy(at, precision)} that {medicine} for "
                f"{name}{f' (prescription {ref})' if ref else ''} was not collected. "
            ) + self._why(name, carers.get(child_id))
            results[(child_id, subject)] = Finding(
                child_id=child_id,
                subject_key=subject,
                due_date=on,
                detail=detail,
                record_link="chronology",
                prefill={"medicine": medicine, **({"prescription_ref": ref} if ref else {})},
            )
        for child_id, name, on, ref, medicine, ran_out in supply_rows:
            subject = f"supply:{ref}"
            detail = (
                f"{medicine} for {name} was last collected on {on:%-d %B %Y} (prescription "
                f"{ref}); that supply ran out on {ran_out:%-d %B %Y} and no later collection "
                "is recorded, so the child may be without the medicine. "
            ) + self._why(name, carers.get(child_id))
            results[(child_id, subject)] = Finding(
                child_id=child_id,
                subject_key=subject,
                due_date=ran_out,
                detail=detail,
                record_link="chronology",
                prefill={"medicine": medicine},
            )
        return self._escalate_repeats(as_of, child_ids, list(results.values()))

    @staticmethod
    def _why(name, carer_name):
        carer_text = f"the carer ({carer_name})" if carer_name else "the carer"
        return (
            f"{name} is looked after and the medicine is for a chronic condition: a missed "
            "supply puts the child's health at risk. The GP, pharmacy and social worker "
            f"should find out why. {carer_text[0].upper()}{carer_text[1:]} must be told: "
            "carers have no account here, so the allocated social worker tells them "
            "(Recommendation 7)."
        )

    @staticmethod
    def _children(*row_sets):
        return sorted({row[0] for rows in row_sets for row in rows})

    def _supply_gaps(self, as_of, child_ids):
        """(child, name, collected on, ref, medicine, ran out) for each medicine whose last
        collection's supply ran out before as_of with no later collection."""
        grace = self.threshold("supply_grace_days")

        def query(child_ids):
            chronic_medicine = self._chronic_medicine(as_of)
            # KT (text) on both sides: PostgreSQL has no jsonb = text comparison.
            # A prescription issued again under its reference (amended): the latest issue's
            # supply is the one collected, whichever was recorded first.
            issued = (
                current_events("prescription_issued", as_of)
                .filter(child_id=OuterRef("child_id"))
                .annotate(ref=KT("details__prescription_ref"))
                .filter(ref=OuterRef("rx_ref"))
                .order_by("-occurred_on", "-pk")
            )
            later = (
                current_events("prescription_collected", as_of)
                .filter(child_id=OuterRef("child_id"))
                .annotate(medicine=first_word(KT("details__medicine")))
                .filter(medicine=OuterRef("medicine"))
                .filter(
                    Q(occurred_on__gt=OuterRef("occurred_on"))
                    | Q(occurred_on=OuterRef("occurred_on"), pk__gt=OuterRef("pk"))
                )
            )
            return (
                self.restrict(current_events("prescription_collected", as_of), child_ids)
                .filter(alive_on(as_of, "child__"), looked_after_on(as_of, "child_id"))
                .annotate(
                    rx_ref=KT("details__prescription_ref"),
                    medicine=first_word(KT("details__medicine")),
                    medicine_as_written=KT("details__medicine"),
                )
                .filter(rx_ref__isnull=False)
                .filter(Exists(chronic_medicine), ~Exists(later))
                .annotate(
                    supply=Subquery(issued.annotate(s=KT("details__days_supply")).values("s")[:1])
                )
                .filter(supply__isnull=False)
                .values_list(
                    "child_id",
                    "child__given_name",
                    "occurred_on",
                    "rx_ref",
                    "medicine_as_written",
                    "supply",
                )
            )

        rows = self.prepared_rows("supply", as_of, child_ids, query)
        gaps = []
        for child_id, name, on, ref, medicine, supply in rows:
            try:
                ran_out = on + dt.timedelta(days=int(supply))
            except (TypeError, ValueError):
                continue  # not a number of days: nothing to count
            if ran_out + dt.timedelta(days=grace) < as_of:
                gaps.append((child_id, name, on, ref, medicine, ran_out))
        return gaps

    def _escalate_repeats(self, as_of, child_ids, findings):
        """Repeated non-collection of one medicine: high severity, more people told.

        Counted per child and medicine: missed prescriptions found now (issued or reported
        within the window) plus the pharmacy's not-collected reports within the window,
        each prescription once."""
        window_start = as_of - dt.timedelta(days=self.threshold("repeat_window_days"))
        needed = self.threshold("repeat_count")
        missed: dict[tuple[int, str], set[str]] = defaultdict(set)
        for f in findings:
            if f.subject_key.startswith("supply:"):
                continue
            if f.due_date >= window_start:
                missed[(f.child_id, first_word_py(f.prefill.get("medicine", "")))].add(
                    f.prefill.get("prescription_ref") or f.subject_key
                )
        reported = self.prepared_rows(
            "reported",
            as_of,
            child_ids,
            lambda ids: (
                self.restrict(current_events("prescription_not_collected", as_of), ids)
                .filter(occurred_on__gte=window_start)
                .values_list("child_id", "occurred_on", "details")
            ),
        )
        for child_id, on, details in reported:
            details = details or {}
            medicine = details.get("medicine", "")
            # Each prescription once (Recommendation 7): an unreferenced report is keyed as
            # its own alert is, so a report that is an alert now is not counted twice.
            missed[(child_id, first_word_py(medicine))].add(
                details.get("prescription_ref")
                or f"not-collected:{_normal(medicine)}:{on.isoformat()}"
            )
        out = []
        for f in findings:
            count = len(missed.get((f.child_id, first_word_py(f.prefill.get("medicine", ""))), ()))
            if count >= needed:
                f = Finding(
                    child_id=f.child_id,
                    subject_key=f.subject_key,
                    due_date=f.due_date,
                    detail=(
                        f"{f.detail} Repeated: {count} prescriptions of this medicine not "
                        f"collected in {self.threshold('repeat_window_days')} days; the "
                        "looked-after children's nurse, the IRO and the team manager are told."
                    ),
                    approximate=f.approximate,
                    record_link=f.record_link,
                    prefill=f.prefill,
                    severity=Severity.HIGH,
                    also_tells=REPEAT_TELLS,
                )
            out.append(f)
        return out


def _normal(text: str) -> str:
    return " ".join((text or "").lower().split())
