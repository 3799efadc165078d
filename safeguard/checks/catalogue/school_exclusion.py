"""A looked-after child excluded from school: the virtual school head must be involved."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef

from safeguard.children.models import InvolvementRole

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    Threshold,
    alive_on,
    current_events,
    looked_after_on,
    register,
    under_18_on,
)
from ..models import Severity
from .health_assessment import care_period_start


@register
class SchoolExclusion(Check):
    id = "LAC-SCHOOL-EXCLUSION"
    title = "A looked-after child was excluded from school: involve the virtual school head"
    severity = Severity.MEDIUM
    scope_looked_after = True
    ends_at_18 = True
    resolution = Resolution(
        "Record the virtual school head's involvement", "event:virtual_school_involved"
    )
    sources = (
        Source(
            "DfE, Promoting the education of looked-after and previously looked-after "
            "children (statutory guidance, 2018)",
            "the virtual school head is involved when a looked-after child is at risk of "
            "exclusion or excluded",
        ),
        Source(
            "DfE, Suspension and permanent exclusion from maintained schools, academies and "
            "pupil referral units in England (statutory guidance)",
            "head teachers should contact the virtual school head for a looked-after pupil",
        ),
        Source(
            "Safeguard",
            "the days allowed",
            unconfirmed=True,
            note="The guidance says as soon as possible; the number of days is a local choice.",
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.SCHOOL_SAFEGUARDING_LEAD,
        InvolvementRole.IRO,
    )
    record_types = ("school_exclusion", "virtual_school_involved")
    thresholds = {
        "days": Threshold(
            2, "Days after the exclusion by which the virtual school head is involved", "days"
        ),
    }
    description = (
        "A `school_exclusion` chronology entry for a child under 18, dated while they are "
        "looked after (within the current period of care: a change of legal status does not "
        "start a new one), with no "
        "`virtual_school_involved` entry on or after the exclusion's date. One alert per "
        "exclusion, due `days` days after it; a permanent exclusion is high severity. It "
        "ends if the child leaves care."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            # The start of the current period of care, not of the episode open on the day: a
            # change of legal status ends one episode on the day the next starts (SSDA903),
            # and the child, who never left care, still needs the virtual school.
            episode_start = care_period_start(as_of, "child_id")
            involved = current_events("virtual_school_involved", as_of).filter(
                child_id=OuterRef("child_id"), occurred_on__gte=OuterRef("occurred_on")
            )
            return (
                self.restrict(current_events("school_exclusion", as_of), child_ids)
                .filter(alive_on(as_of, "child__"), under_18_on(as_of, "child__"))
                .filter(looked_after_on(as_of, child_ref="child_id"))
                .annotate(since=episode_start)
                .filter(occurred_on__gte=F("since"))
                .filter(~Exists(involved))
                .values_list("pk", "child_id", "child__given_name", "occurred_on", "details")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        days = self.threshold("days")
        results = []
        for pk, child_id, name, on, details in rows:
            permanent = (details or {}).get("exclusion_type") == "permanent"
            what = "permanently excluded" if permanent else "suspended"
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"exclusion:{pk}",
                    due_date=on + dt.timedelta(days=days),
                    detail=(
                        f"{name} is looked after and was {what} from school on "
                        f"{on:%-d %B %Y}. The virtual school head must be involved "
                        "(statutory guidance, 2018), to challenge the exclusion where right "
                        "and secure education from the sixth day. Record their involvement."
                    ),
                    record_link="chronology",
                    severity=Severity.HIGH if permanent else None,
                )
            )
        return results
