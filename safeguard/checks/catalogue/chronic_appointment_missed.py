"""One missed appointment for a looked-after child's chronic condition: told the same day."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from safeguard.children.models import InvolvementRole
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
    under_18_on,
)
from ..models import Severity


@register
class ChronicAppointmentMissed(Check):
    id = "LAC-CHRONIC-APPOINTMENT-MISSED"
    title = "A looked-after child missed an appointment for a chronic condition"
    # High: raised by the re-check after the appointment is recorded, and delivered at once
    # through the outbox (checks/delivery.py) to the GP, social worker and nurse.
    severity = Severity.HIGH
    scope_looked_after = True
    ends_at_18 = True
    resolution = Resolution("Record the rebooked or attended appointment", "appointment")
    sources = (
        Source(
            "Practice review 'Sarah' (Worcestershire, 2021)",
            "Recommendations 7 and 9: a missed appointment or prescription for her epilepsy "
            "reaches the GP, social worker and carer the day it matters",
        ),
        Source(
            "Promoting the health and well-being of looked-after children (statutory "
            "guidance, 2015)",
            "the social worker, carer and looked-after children's health professionals make "
            "sure the child attends the appointments of the health plan; a missed one is "
            "followed up",
            unconfirmed=True,
            note="The guidance sets no timescale: telling on the day of the first missed "
            "appointment for a chronic condition is this system's reading of Recommendation "
            "7, and the look-back period is a local default.",
        ),
        Source(
            "'Was not brought' practice in NHS safeguarding guidance",
            "each appointment a child is not brought to is followed up by the clinician",
            unconfirmed=True,
        ),
    )
    tells = (
        InvolvementRole.GP,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.DESIGNATED_NURSE,
        InvolvementRole.HEALTH_PRACTITIONER,
    )
    also_tell = "the child's carer (told by the allocated social worker: carers have no account)"
    description = (
        "Each health appointment for a chronic condition (`health.Appointment` whose "
        "`condition` is chronic and not resolved on the day) recorded as not brought or "
        "not attended, for a child under 18 looked after on the day, from the day of the "
        "appointment: one missed appointment is enough (the record does not mark a "
        "condition life-threatening, so every chronic condition is treated as one, as for "
        "medicines). High severity, so it is sent at once, not in the daily digest. One "
        "alert per missed appointment. Cleared by recording a later appointment for the "
        "same condition (booked or attended). It ends (not resolved) once the missed "
        "appointment is older than the configured look-back days, the condition is "
        "resolved, or the child leaves care, turns 18 or dies. Repeated misses are also "
        "LAC-APPOINTMENTS-MISSED."
    )
    thresholds = {
        "look_back_days": Threshold(
            90, "Days after a missed appointment during which it stays an alert", "days"
        ),
    }

    def findings(self, as_of, child_ids=None):
        since = as_of - dt.timedelta(days=self.threshold("look_back_days"))

        def query(child_ids):
            later = Appointment.objects.filter(
                child_id=OuterRef("child_id"),
                condition_id=OuterRef("condition_id"),
                status__in=(AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED),
                date__gt=OuterRef("date"),
            )
            return (
                self.restrict(Appointment.objects.all(), child_ids)
                .filter(status__in=MISSED_STATUSES, date__lte=as_of, date__gt=since)
                .filter(condition__chronic=True)
                .filter(
                    Q(condition__resolved_on__isnull=True) | Q(condition__resolved_on__gt=as_of)
                )
                .filter(alive_on(as_of, "child__"), under_18_on(as_of, "child__"))
                .filter(looked_after_on(as_of, "child_id"))
                .filter(~Exists(later))
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "date",
                    "service",
                    "clinic",
                    "status",
                    "condition_id",
                    "condition__name",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        services = dict(Appointment._meta.get_field("service").choices)
        results = []
        for pk, child_id, name, day, service, clinic, status, cond_id, cond in rows:
            missed = (
                "was not brought to"
                if status == AppointmentStatus.NOT_BROUGHT
                else "did not attend"
            )
            where = f"{services.get(service, service)}{f' ({clinic})' if clinic else ''}"
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"appointment:{pk}",
                    due_date=day,
                    detail=(
                        f"{name} {missed} the {where} appointment on {day:%-d %B %Y} for "
                        f"{cond}, a chronic condition. The GP, the social worker and the "
                        "looked-after children's nurse should find out why today with the "
                        "carer and the clinic, and make sure it is rebooked and kept. The "
                        "carer must be told: carers have no account here, so the allocated "
                        "social worker tells them (Recommendation 7)."
                    ),
                    prefill={"condition": cond_id, "service": service, "clinic": clinic},
                )
            )
        return results

    def more_end_reasons(self, as_of, gone):
        """Resolved only by a later appointment for the condition; otherwise it aged out of
        the look-back period or the condition was resolved, and it says why."""
        ids = [int(subject.split(":", 1)[1]) for _, subject in gone]
        later = Appointment.objects.filter(
            child_id=OuterRef("child_id"),
            condition_id=OuterRef("condition_id"),
            status__in=(AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED),
            date__gt=OuterRef("date"),
        )
        rows = {
            a.pk: a
            for a in Appointment.objects.filter(pk__in=ids)
            .select_related("condition")
            .annotate(rebooked=Exists(later))
        }
        days = self.threshold("look_back_days")
        since = as_of - dt.timedelta(days=days)
        reasons = {}
        for child_id, subject in gone:
            appointment = rows.get(int(subject.split(":", 1)[1]))
            if appointment is None or appointment.rebooked:
                continue
            condition = appointment.condition
            if condition is None or not condition.chronic:
                reason = "the appointment is no longer for a chronic condition"
            elif condition.resolved_on and condition.resolved_on <= as_of:
                reason = "the condition is recorded as resolved"
            elif appointment.date <= since:
                reason = f"the missed appointment is more than {days} days old"
            else:
                continue
            reasons[(child_id, subject)] = reason
        return reasons
