"""A child with a chronic condition was not brought to health appointments, repeatedly."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Subquery

from safeguard.children.models import Child, InvolvementRole
from safeguard.core.dates import add_months

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    current_events,
    register,
    under_18_on,
)
from ..models import Alert, Severity
from .joined_up_risk import current_chronic_conditions

FOLLOW_UP = "was_not_brought_follow_up"


def missed_appointments(as_of: dt.date, since: dt.date):
    """`health_appointment` entries recorded as not attended (details.attended false),
    from `since` to as_of."""
    return current_events("health_appointment", as_of).filter(
        occurred_on__gte=since, details__attended=False
    )


@register
class WasNotBrought(Check):
    id = "WAS-NOT-BROUGHT"
    title = "A child with a chronic condition was not brought to health appointments"
    severity = Severity.MEDIUM
    ends_at_18 = True
    resolution = Resolution(
        "Record how the missed appointments were followed up", f"event:{FOLLOW_UP}"
    )
    sources = (
        Source(
            "Working Together to Safeguard Children 2023",
            "chapter 2: health practitioners identify and respond to children's unmet "
            "health needs, with the other agencies involved",
        ),
        Source(
            "'Was not brought' practice in NHS safeguarding guidance",
            "a child who misses an appointment was not brought by those responsible for "
            "them; repeated missed appointments for a long-term condition are followed up "
            "as a possible sign of neglect",
            unconfirmed=True,
            note="The number of missed appointments and the 12 months are local defaults.",
        ),
        Source(
            "Practice review 'Sarah' (Worcestershire, 2021)",
            "concerns in 2017 about the management of her epilepsy",
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.GP,
        InvolvementRole.HEALTH_PRACTITIONER,
        InvolvementRole.TEAM_MANAGER,
    )
    record_types = ("health_appointment", FOLLOW_UP)
    thresholds = {
        "missed": Threshold(2, "Appointments not attended in the period", "appointments"),
        "months": Threshold(12, "The period, ending on the day", "months"),
    }
    description = (
        "A child under 18 with a chronic condition current on the day (`health.Condition` "
        "with `chronic`) and at least `missed` `health_appointment` chronology entries "
        "recorded as not attended (`attended` false) in the `months` months ending on the "
        "day. Any child, looked after or not. One alert per child, due on the day of the "
        "latest missed appointment. Resolved by a `was_not_brought_follow_up` entry on or "
        "after that day; a further missed appointment raises it again. It ends (not "
        "resolved) when the missed appointments age out of the period or the condition is "
        "recorded as resolved."
    )

    def findings(self, as_of, child_ids=None):
        months, needed = self.threshold("months"), self.threshold("missed")
        since = add_months(as_of, -months) + dt.timedelta(days=1)

        def query(child_ids):
            missed = missed_appointments(as_of, since).filter(child_id=OuterRef("pk")).order_by()
            count = missed.values("child_id").annotate(n=Count("pk")).values("n")
            latest = missed.values("child_id").annotate(d=Max("occurred_on")).values("d")
            followed_up = current_events(FOLLOW_UP, as_of).filter(
                child_id=OuterRef("pk"), occurred_on__gte=OuterRef("latest")
            )
            chronic = current_chronic_conditions(as_of).filter(child_id=OuterRef("pk"))
            return (
                self.restrict(Child.objects.all(), child_ids, "pk")
                .filter(alive_on(as_of), under_18_on(as_of))
                .filter(Exists(chronic))
                .annotate(
                    n=Subquery(count[:1], output_field=IntegerField()), latest=Subquery(latest[:1])
                )
                .filter(n__gte=needed)
                .filter(~Exists(followed_up))
                .values_list("pk", "given_name", "n", "latest")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        if not rows:
            return []

        def conditions_query(child_ids):
            return (
                current_chronic_conditions(as_of)
                .filter(child_id__in=child_ids)
                .order_by("child_id", "name")
                .values_list("child_id", "name")
            )

        conditions: dict[int, list[str]] = {}
        for child_id, name in self.prepared_rows(
            "conditions", as_of, [r[0] for r in rows], conditions_query
        ):
            conditions.setdefault(child_id, []).append(name)
        return [
            Finding(
                child_id=child_id,
                subject_key="was-not-brought",
                due_date=latest,
                detail=(
                    f"{name} was not brought to {n} health appointments in the {months} "
                    f"months to {as_of:%-d %B %Y}, the latest on {latest:%-d %B %Y}, and has "
                    f"a long-term condition ({', '.join(conditions.get(child_id, []))}). "
                    "Find out why with those who care for them and the clinic, make sure the "
                    "next appointment is kept, and record what was agreed."
                ),
                record_link="chronology",
            )
            for child_id, name, n, latest in rows
        ]

    def more_end_reasons(self, as_of, gone):
        """Resolved only by a follow-up on or after the latest missed appointment the alert
        named (its due date); otherwise the duty stopped applying, and it says why."""
        child_ids = sorted({c for c, _ in gone})
        due = dict(
            Alert.objects.filter(check_id=self.id, child_id__in=child_ids)
            .order_by("child_id", "pk")  # the newest last, so it wins
            .values_list("child_id", "due_date")
        )
        followed = {
            child_id
            for child_id, on in current_events(FOLLOW_UP, as_of)
            .filter(child_id__in=child_ids)
            .values_list("child_id", "occurred_on")
            if child_id in due and on >= due[child_id]
        }
        chronic = set(
            current_chronic_conditions(as_of)
            .filter(child_id__in=child_ids)
            .values_list("child_id", flat=True)
        )
        months, needed = self.threshold("months"), self.threshold("missed")
        reasons = {}
        for child_id, subject in gone:
            if child_id in followed:
                continue
            reasons[(child_id, subject)] = (
                f"fewer than {needed} appointments missed in the last {months} months"
                if child_id in chronic
                else "no chronic condition is recorded now"
            )
        return reasons
