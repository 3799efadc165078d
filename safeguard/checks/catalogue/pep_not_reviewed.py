"""A looked-after child's personal education plan not reviewed in the term."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from safeguard.care.models import EducationSetting, PersonalEducationPlan
from safeguard.children.models import Child, InvolvementRole

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
from .health_assessment import care_period_start


def term_of(day: dt.date) -> tuple[str, dt.date]:
    """The school term containing `day` (England, by calendar: autumn September to
    December, spring January to March, summer April to August)."""
    if day.month >= 9:
        return f"{day.year}-autumn", dt.date(day.year, 9, 1)
    if day.month <= 3:
        return f"{day.year}-spring", dt.date(day.year, 1, 1)
    return f"{day.year}-summer", dt.date(day.year, 4, 1)


@register
class PepNotReviewed(Check):
    id = "LAC-PEP-NOT-REVIEWED"
    title = "Personal education plan not reviewed this term"
    severity = Severity.MEDIUM
    scope_looked_after = True
    ends_at_18 = True
    resolution = Resolution("Record the PEP review", "pep")
    sources = (
        Source("CPPCR 2010", "reg 5(b)(ii) (the PEP is part of the care plan)"),
        Source(
            "Promoting the education of looked-after children (DfE 2018)",
            "para 36 (the PEP reviewed each school term)",
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.SCHOOL_SAFEGUARDING_LEAD,
        InvolvementRole.IRO,
    )
    description = (
        "A child aged 3 to 17 looked after on the day and since before the term began (a "
        "change of legal status does not interrupt it), once the configured days of the term "
        "have passed, with no PEP or PEP review "
        "(`care.PersonalEducationPlan`) dated in the term up to the day. Only children whose "
        "education is recorded (a setting or an earlier PEP) are checked. Terms by calendar: "
        "autumn from 1 September, spring from 1 January, summer from 1 April."
    )
    thresholds = {
        "review_by_days": Threshold(
            56, "Days into the term by which the PEP is reviewed (unconfirmed)"
        ),
    }

    def findings(self, as_of, child_ids=None):
        key, term_start = term_of(as_of)
        due = term_start + dt.timedelta(days=self.threshold("review_by_days"))
        if as_of <= due:
            return []

        def query(child_ids):
            reviewed = PersonalEducationPlan.objects.filter(
                child_id=OuterRef("pk"), date__gte=term_start, date__lte=as_of
            )
            return (
                self.restrict(Child.objects.all(), child_ids, "pk")
                .filter(alive_on(as_of))
                .filter(
                    date_of_birth__lte=years_before(as_of, 3),
                    date_of_birth__gt=years_before(as_of, 18),
                )
                # Looked after on the day, in a period of care that began before the term (a
                # change of legal status ends one episode the day the next starts, SSDA903:
                # the period of care runs on).
                .filter(looked_after_on(as_of))
                .annotate(care_since=care_period_start(as_of))
                .filter(~Exists(reviewed), care_since__lt=term_start)
                # Only children whose education is recorded here (a setting or a PEP): a record
                # without education data says nothing about the PEP.
                .filter(
                    Exists(EducationSetting.objects.filter(child_id=OuterRef("pk")))
                    | Exists(PersonalEducationPlan.objects.filter(child_id=OuterRef("pk")))
                )
                .values_list("pk", "given_name")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=pk,
                subject_key=f"term:{key}",
                due_date=due,
                detail=(
                    f"{name}'s personal education plan has not been reviewed this term "
                    f"(since {term_start:%-d %B %Y}); it was due by {due:%-d %B %Y}. The "
                    "designated teacher, social worker and virtual school review it each term."
                ),
            )
            for pk, name in rows
        ]
