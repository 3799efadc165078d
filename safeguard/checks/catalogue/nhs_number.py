"""NHS number missing for a child CP-IS should cover."""

from __future__ import annotations

from django.db.models import Min, OuterRef, Q, Subquery

from safeguard.children.models import Child, InvolvementRole
from safeguard.episodes.models import Episode, EpisodeKind

from ..engine import Check, Finding, Resolution, Source, alive_on, register
from ..models import Severity

COVERED = (EpisodeKind.LOOKED_AFTER, EpisodeKind.CHILD_PROTECTION)


@register
class NhsNumberMissing(Check):
    id = "CPIS-NHS-NUMBER-MISSING"
    title = "NHS number missing: CP-IS cannot flag this child to unscheduled care"
    severity = Severity.MEDIUM
    resolution = Resolution("Record the NHS number", "identity")
    sources = (
        Source(
            "NHS England, Child Protection - Information Sharing (CP-IS)",
            "looked-after children and children on child protection plans are shared by NHS number",
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.DESIGNATED_NURSE,
    )
    description = (
        "A child looked after or on a child protection plan on the day, with no NHS number "
        "recorded: emergency departments, ambulance and other unscheduled-care settings "
        "cannot see the plan through CP-IS. Due from the start of the looked-after or "
        "child protection episode open on the day. Clears when the NHS number is recorded."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            open_covered = (
                Episode.objects.filter(
                    child_id=OuterRef("pk"), kind__in=COVERED, start_date__lte=as_of
                )
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
                .values("child_id")
                .annotate(first=Min("start_date"))
                .values("first")
            )
            return (
                self.restrict(Child.objects.filter(nhs_number=""), child_ids, "pk")
                .filter(alive_on(as_of))
                .annotate(since=Subquery(open_covered[:1]))
                .filter(since__isnull=False)
                .values_list("pk", "given_name", "since")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key="nhs-number",
                due_date=since,
                detail=(
                    f"{name} has been looked after or on a child protection plan since "
                    f"{since:%-d %B %Y} and no NHS number is recorded, so CP-IS cannot alert "
                    "emergency and unscheduled-care staff. Obtain it from the GP or the NHS "
                    "Personal Demographics Service and record it on the child's summary."
                ),
                record_link="summary",
            )
            for child_id, name, since in rows
        ]

    def more_end_reasons(self, as_of, gone):
        covered = set(
            Episode.objects.open_on(as_of)
            .filter(child_id__in=sorted({c for c, _ in gone}), kind__in=COVERED)
            .values_list("child_id", flat=True)
        )
        return {
            key: "the child is no longer looked after or on a child protection plan"
            for key in gone
            if key[0] not in covered
        }
