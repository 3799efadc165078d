"""An eligible child's needs assessment not done within 3 months of the 16th birthday."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Min, OuterRef, Subquery

from safeguard.care.models import LeavingCareKind, LeavingCareRecord
from safeguard.children.models import Child, InvolvementRole
from safeguard.core.dates import add_months, years_later
from safeguard.episodes.models import Episode, EpisodeKind

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    looked_after_on,
    register,
    years_before,
)
from ..models import Severity


@register
class NeedsAssessmentDue(Check):
    id = "LEAVING-CARE-NEEDS-ASSESSMENT"
    title = "Eligible child: needs assessment not done"
    severity = Severity.MEDIUM
    ends_at_18 = True
    scope_looked_after = True
    resolution = Resolution("Record the needs assessment", "leaving_care")
    sources = (
        Source(
            "CPPCR 2010",
            "regs 40 and 42 (eligible child; assessment within 3 months of "
            "the 16th birthday or of becoming eligible)",
        ),
        Source("Children Act 1989", "Sch 2 para 19B"),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.IRO,
    )
    description = (
        "A young person aged 16 or 17 looked after on the day who is an eligible child "
        "(looked after for the configured days since the 14th birthday, counted from the "
        "first looked-after episode open on or after it: an approximation of 13 weeks in "
        "total), with no needs assessment (`care.LeavingCareRecord` needs_assessment) by the "
        "day, once the configured months after the later of the 16th birthday and becoming "
        "eligible have passed."
    )
    thresholds = {
        "months": Threshold(3, "Months after the 16th birthday (or becoming eligible)"),
        "eligible_days": Threshold(91, "Days looked after since 14 that make a child eligible"),
    }

    def findings(self, as_of, child_ids=None):
        months, eligible_days = self.threshold("months"), self.threshold("eligible_days")

        def query(child_ids):
            assessed = LeavingCareRecord.objects.filter(
                child_id=OuterRef("pk"), kind=LeavingCareKind.NEEDS_ASSESSMENT, date__lte=as_of
            )
            first_la = (
                Episode.objects.filter(
                    child_id=OuterRef("pk"), kind=EpisodeKind.LOOKED_AFTER, start_date__lte=as_of
                )
                .values("child_id")
                .annotate(first=Min("start_date"))
                .values("first")
            )
            return (
                self.restrict(Child.objects.all(), child_ids, "pk")
                .filter(alive_on(as_of), looked_after_on(as_of))
                .filter(
                    date_of_birth__lte=years_before(as_of, 16),
                    date_of_birth__gt=years_before(as_of, 18),
                )
                .filter(~Exists(assessed))
                .annotate(first_la=Subquery(first_la))
                .values_list("pk", "given_name", "date_of_birth", "first_la")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        out = []
        for pk, name, dob, first in rows:
            became = max(first, years_later(dob, 14)) + dt.timedelta(days=eligible_days)
            if became > as_of:
                continue
            due = add_months(max(years_later(dob, 16), became), months)
            if as_of <= due:
                continue
            out.append(
                Finding(
                    child_id=pk,
                    subject_key="needs-assessment",
                    due_date=due,
                    detail=(
                        f"{name} is an eligible child and no needs assessment is recorded; it "
                        f"was due by {due:%-d %B %Y}. The pathway plan and the personal "
                        "adviser follow from it."
                    ),
                )
            )
        return out
