"""A looked-after child of compulsory school age out of full-time education."""

from __future__ import annotations

from django.db.models import Q

from safeguard.care.models import NO_EDUCATION, EducationSetting, SettingType
from safeguard.children.models import InvolvementRole

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    alive_on,
    looked_after_on,
    register,
    years_before,
)
from ..models import Severity


@register
class NotInFullTimeEducation(Check):
    id = "LAC-NOT-FULL-TIME-EDUCATION"
    title = "Looked-after child out of full-time education"
    severity = Severity.MEDIUM
    scope_looked_after = True
    resolution = Resolution("Record the school or setting", "education")
    sources = (
        Source("Education Act 1996", "s7 (full-time education of compulsory school age)"),
        Source("Children Act 1989", "s22(3A) (duty to promote the educational achievement)"),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.SCHOOL_SAFEGUARDING_LEAD,
        InvolvementRole.IRO,
    )
    description = (
        "A child aged 5 to 15 looked after on the day whose education setting current on the "
        "day (`care.EducationSetting`) is part time, off-roll, missing education or elective "
        "home education. A child with no setting recorded is not reported (the record may "
        "not hold education yet)."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            out_of = Q(part_time=True) | Q(setting_type__in=(*NO_EDUCATION, SettingType.EHE))
            return (
                self.restrict(EducationSetting.objects.filter(start_date__lte=as_of), child_ids)
                .filter(Q(end_date__isnull=True) | Q(end_date__gt=as_of))
                .filter(out_of)
                .filter(alive_on(as_of, "child__"), looked_after_on(as_of, "child_id"))
                .filter(
                    child__date_of_birth__lte=years_before(as_of, 5),
                    child__date_of_birth__gt=years_before(as_of, 16),
                )
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "setting_type",
                    "part_time",
                    "start_date",
                    "hours_per_week",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        labels = dict(SettingType.choices)
        out = []
        for pk, child_id, name, kind, part_time, start, hours in rows:
            what = (
                f"on a part-time timetable{f' ({hours} hours a week)' if hours else ''}"
                if part_time
                else str(labels[kind]).lower()
            )
            out.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"setting:{pk}",
                    due_date=start,
                    detail=(
                        f"{name} is of compulsory school age, looked after and {what} since "
                        f"{start:%-d %B %Y}. The virtual school head and the social worker "
                        "should secure full-time education."
                    ),
                )
            )
        return out
