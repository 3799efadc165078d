"""A CAWN is not available for a 16-17-year-old who is not in care (Rec 5).

The check id keeps its first name (s20) so that existing alerts and settings stay valid;
it now covers every 16-17-year-old known to children's services for whom Children Act
1989 s49 gives no warning notice: accommodated under s20, remanded, or at home.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery

from safeguard.children.models import InvolvementRole, Relationship, RelationshipType
from safeguard.core.dates import years_later
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
)
from ..models import Severity

# Looked-after statuses for which s49 gives no warning notice (s20 and remand/detention).
NO_CAWN_STATUSES = (*sorted(SECTION_20_STATUSES), "J1", "J2", "J3")
# Plans under which a 16-17-year-old lives at home, known to children's services.
AT_HOME_PLANS = (EpisodeKind.CHILD_IN_NEED, EpisodeKind.CHILD_PROTECTION)


@register
class CawnNotAvailable(Check):
    id = "CAWN-NOT-AVAILABLE-S20"
    title = "Adult of concern: a CAWN is not available for this 16-17-year-old (not in care)"
    severity = Severity.HIGH
    ends_at_18 = True
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
        "A young person aged 16 or 17 on the day with an adult of concern recorded "
        "(`children.Relationship` of type `adult_of_concern` current on the day), for whom "
        "a Child Abduction Warning Notice is not available: looked after under s20 (legal "
        "status V2, V3 or V4), remanded or detained (J1, J2, J3), or living at home on a "
        "child in need or child protection plan with no looked-after episode. Not for a "
        "young person in care under a care order (C1, C2), in police protection (L1) or "
        "under an emergency protection order (L2): s49 covers them. One alert per adult; "
        "it names what is available instead. It clears when the relationship ends, the "
        "status changes or the young person turns 18, or when the options considered are "
        "recorded: a chronology entry `protective_options_considered` naming the adult "
        "(related person), dated on or after the episode that put them in scope began."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            open_episodes = Episode.objects.open_on(as_of).filter(child_id=OuterRef("child_id"))
            looked_after = Episode.objects.open_on(as_of).filter(
                child_id=OuterRef(OuterRef("child_id")), kind=EpisodeKind.LOOKED_AFTER
            )
            s20_episode = open_episodes.filter(
                Q(kind=EpisodeKind.LOOKED_AFTER, legal_status__in=NO_CAWN_STATUSES)
                | Q(kind__in=AT_HOME_PLANS) & ~Exists(looked_after)
            ).order_by("start_date", "pk")
            # The record that resolves it: the options considered for this adult, recorded
            # since the young person became accommodated under s20.
            considered = current_events("protective_options_considered", as_of).filter(
                child_id=OuterRef("child_id"),
                related_persons=OuterRef("person_id"),
                occurred_on__gte=OuterRef("s20_since"),
            )
            return (
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
                    kind=Subquery(s20_episode.values("kind")[:1]),
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
                    "kind",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for child_id, name, dob, person_id, given, family, since, status, s20_since, kind in rows:
            adult = f"{given} {family}".strip()
            due = max(d for d in (years_later(dob, 16), since, s20_since) if d is not None)
            if kind != EpisodeKind.LOOKED_AFTER:
                situation = "living at home (not looked after)"
            elif status in SECTION_20_STATUSES:
                situation = f"accommodated under section 20 (legal status {status})"
            else:
                situation = f"remanded or detained (legal status {status})"
            detail = (
                f"{name} is 16 or 17 and {situation}, "
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

    def more_end_reasons(self, as_of, gone):
        people = {int(s.split(":", 1)[1]): (c, s) for c, s in gone if s.startswith("adult:")}
        current = set(
            Relationship.objects.filter(
                relationship=RelationshipType.ADULT_OF_CONCERN,
                child_id__in=sorted({c for c, _ in people.values()}),
                person_id__in=sorted(people),
            )
            .filter(Q(start_date__isnull=True) | Q(start_date__lte=as_of))
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
            .values_list("child_id", "person_id")
        )
        # In scope as `findings` has it: a plan at home counts only with no open
        # looked-after episode (a care order with a plan left open makes a CAWN available:
        # the status changed, not a record resolved it).
        looked_after = Episode.objects.open_on(as_of).filter(
            child_id=OuterRef("child_id"), kind=EpisodeKind.LOOKED_AFTER
        )
        in_scope = set(
            Episode.objects.open_on(as_of)
            .filter(child_id__in=sorted({c for c, _ in people.values()}))
            .filter(
                Q(kind=EpisodeKind.LOOKED_AFTER, legal_status__in=NO_CAWN_STATUSES)
                | Q(kind__in=AT_HOME_PLANS) & ~Exists(looked_after)
            )
            .values_list("child_id", flat=True)
        )
        reasons = {}
        for person_id, (child_id, subject) in people.items():
            if (child_id, person_id) not in current:
                reasons[(child_id, subject)] = "the adult of concern relationship ended"
            elif child_id not in in_scope:
                reasons[(child_id, subject)] = (
                    "the young person's status changed (a CAWN is available, or they are no "
                    "longer known to children's services)"
                )
        return reasons
