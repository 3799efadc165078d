"""Missed health appointments for a looked-after child with a chronic condition."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef, Subquery

from safeguard.children.models import Child, InvolvementRole
from safeguard.health.models import MISSED_STATUSES, Appointment, AppointmentStatus

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
from .placement_health_info import chronic_on


@register
class AppointmentsMissed(Check):
    id = "LAC-APPOINTMENTS-MISSED"
    title = "Health appointments missed by a looked-after child with a chronic condition"
    severity = Severity.HIGH
    scope_looked_after = True
    resolution = Resolution("Record the next appointment", "appointment")
    sources = (
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendations 7 and 9"),
        Source(
            "Promoting the health and well-being of looked-after children (2015)",
            "paras 3.6-3.8",
            unconfirmed=True,
        ),
    )
    tells = (
        InvolvementRole.GP,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.DESIGNATED_NURSE,
        InvolvementRole.HEALTH_PRACTITIONER,
    )
    also_tell = "the child's carer (told by the allocated social worker)"
    description = (
        "A looked-after child with a chronic condition who missed (not brought or did not "
        "attend) at least the configured number of appointments in the configured window "
        "before the day, with no appointment attended since the last one missed."
    )
    thresholds = {
        "missed": Threshold(2, "Missed appointments that raise the alert"),
        "window_days": Threshold(365, "Window, in days"),
    }

    def findings(self, as_of, child_ids=None):
        needed = self.threshold("missed")
        window = self.threshold("window_days")

        def query(child_ids):
            missed = Appointment.objects.filter(
                child_id=OuterRef("pk"),
                status__in=MISSED_STATUSES,
                date__lte=as_of,
                date__gt=as_of - dt.timedelta(days=window),
            ).values("child_id")
            seen_since = Appointment.objects.filter(
                child_id=OuterRef("pk"),
                status=AppointmentStatus.ATTENDED,
                date__gt=OuterRef("last"),
                date__lte=as_of,
            )
            return (
                self.restrict(Child.objects.all(), child_ids, "pk")
                .filter(alive_on(as_of), looked_after_on(as_of), chronic_on(as_of, "pk"))
                .annotate(
                    n=Subquery(missed.annotate(n=Count("id")).values("n")),
                    last=Subquery(missed.annotate(last=Max("date")).values("last")),
                )
                .filter(n__gte=needed)
                .filter(~Exists(seen_since))
                .values_list("pk", "given_name", "n", "last")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        names = {pk: name for pk, name, _, _ in rows}
        rows = [(pk, n, last) for pk, _, n, last in rows]
        return [
            Finding(
                child_id=child_id,
                subject_key="appointments-missed",
                due_date=last,
                detail=(
                    f"{names.get(child_id, 'The child')} has missed {n} health appointments "
                    f"in the last {window} days (the last on {last:%-d %B %Y}) and has a "
                    "chronic condition. The GP, the social worker and the carer should "
                    "agree how the next one will be kept: a looked-after child who is not "
                    "brought is a safeguarding concern."
                ),
            )
            for child_id, n, last in rows
        ]
