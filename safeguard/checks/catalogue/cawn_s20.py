"""A CAWN is not available for a 16-17-year-old accommodated under s20 (Rec 5)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery

from safeguard.children.models import InvolvementRole, Relationship, RelationshipType
from safeguard.episodes.codes import SECTION_20_STATUSES
from safeguard.episodes.models import Episode, EpisodeKind

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    alive_on,
    current_events,
    register,
    years_before,
    years_later,
)
from ..models import Severity


@register
class CawnNotAvailable(Check):
    id = "CAWN-NOT-AVAILABLE-S20"
    title = "Adult of concern: a CAWN is not available for this young person (s20, aged 16-17)"
    severity = Severity.HIGH
    resolution = Resolution(
        "Record the protective options considered", "event:protective_options_considered"
    )
    sources = (
        Source("Child Abduction Act 1984", "s2"),
        Source("Children Act 1989", "s49 (only children in care, police protection or an EPO)"),
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendations 4 and 5"),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.EXPLOITATION_WORKER,
        InvolvementRole.IRO,
        InvolvementRole.POLICE_OFFICER,
    )
    description = (
        "A young person aged 16 or 17 on the day, looked after under s20 (legal status V2, "
        "V3 or V4), with an adult of concern recorded (`children.Relationship` of type "
        "`adult_of_concern` current on the day): a Child Abduction Warning Notice cannot be "
        "used against that adult. One alert per adult; it names what is available instead. "
        "It clears when the relationship ends, the legal status changes or the young person "
        "turns 18, or when the options considered are recorded: a chronology entry "
        "`protective_options_considered` naming the adult (related person), dated on or "
        "after the s20 episode began."
    )

    def findings(self, as_of, child_ids=None):
        s20_episode = Episode.objects.filter(
            child_id=OuterRef("child_id"),
            kind=EpisodeKind.LOOKED_AFTER,
            legal_status__in=sorted(SECTION_20_STATUSES),
            start_date__lte=as_of,
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
        # The record that resolves it: the options considered for this adult, recorded
        # since the young person became accommodated under s20.
        considered = current_events("protective_options_considered", as_of).filter(
            child_id=OuterRef("child_id"),
            related_persons=OuterRef("person_id"),
            occurred_on__gte=OuterRef("s20_since"),
        )
        rows = (
            self.restrict(
                Relationship.objects.filter(relationship=RelationshipType.ADULT_OF_CONCERN),
                child_ids,
            )
            .filter(Q(start_date__isnull=True) | Q(start_date__lte=as_of))
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
            .filter(alive_on(as_of, "child__"))
            .filter(
                child__date_of_birth__lte=years_before(as_of, 16),
                child__date_of_birth__gt=years_before(as_of, 18),
            )
            .filter(Exists(s20_episode))
            .annotate(
                legal_status=Subquery(s20_episode.values("legal_status")[:1]),
                s20_since=Subquery(s20_episode.values("start_date")[:1]),
            )
            .filter(~Exists(considered))
            .values_list(
                "child_id",
                "child__given_name",
                "child__date_of_birth",
                "person_id",
                "person__given_name",
                "person__family_name",
                "start_date",
                "legal_status",
                "s20_since",
            )
        )
        results = []
        for child_id, name, dob, person_id, given, family, since, status, s20_since in rows:
            adult = f"{given} {family}".strip()
            due = max(d for d in (years_later(dob, 16), since, s20_since) if d is not None)
            detail = (
                f"{name} is 16 or 17 and accommodated under section 20 (legal status {status}), "
                f"and {adult} is recorded as an adult of concern. A Child Abduction Warning "
                "Notice is not available to protect her or him: the Child Abduction Act 1984 "
                "s2 offence covers children under 16, and Children Act 1989 s49 covers 16-17-"
                "year-olds only in care under a care order, in police protection or under an "
                "emergency protection order. Consider instead: police protection (Children "
                "Act 1989 s46) when there is reasonable cause to believe the young person "
                "would otherwise suffer significant harm; a Sexual Risk Order against the adult "
                "(Sexual Offences Act 2003 s122A, on police application, no conviction needed); "
                "an injunction under the High Court's inherent jurisdiction (the local "
                "authority needs leave, Children Act 1989 s100(4)). Do not rely on bail "
                "conditions alone (Recommendation 4). Record which options were considered."
            )
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"adult:{person_id}",
                    due_date=due,
                    detail=detail,
                    record_link="summary",
                    prefill={"related_person": person_id},
                )
            )
        return results
