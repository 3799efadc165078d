"""The strands meet: exploitation or going missing, an adult of concern, and a chronic
condition with missed medicine, an A&E attendance or a seizure, all at once.

Each strand alone raises (or is recorded) somewhere else; the review of Sarah's death found
that nobody put them together. This check does, and sends one high-severity alert to the
team manager and the exploitation worker. A strategy discussion about the child (the
meetings app's record) held in the window resolves it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from safeguard.children.models import Child, InvolvementRole, Relationship, RelationshipType
from safeguard.chronology.event_types import EVENT_TYPES
from safeguard.core.prepared import ids, run_prepared
from safeguard.health.models import Condition
from safeguard.meetings.models import ConcernChild, ConcernKind, MeetingKind
from safeguard.meetings.selectors import held_links, open_on

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
from ..models import Severity

EXPLOITATION = ("exploitation_concern",)
MISSING = ("missing_from_care",)
# A chronic condition's strand: a medicine not collected, an A&E attendance or a seizure.
HEALTH_EVENTS = ("prescription_not_collected", "ae_attendance", "seizure")
# An exploitation concern recorded in the meetings app (not a chronology entry type).
CONCERN = "exploitation_concern_record"


def window_start(as_of: dt.date, days: int) -> dt.date:
    """The first day of a window of `days` days ending on as_of (inclusive)."""
    return as_of - dt.timedelta(days=days - 1)


def current_adults_of_concern(as_of: dt.date):
    return (
        Relationship.objects.filter(relationship=RelationshipType.ADULT_OF_CONCERN)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=as_of))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
    )


def current_chronic_conditions(as_of: dt.date):
    return Condition.objects.filter(chronic=True).filter(
        Q(diagnosed_on__isnull=True) | Q(diagnosed_on__lte=as_of),
        Q(resolved_on__isnull=True) | Q(resolved_on__gt=as_of),
    )


@register
class JoinedUpRisk(Check):
    id = "JOINED-UP-RISK"
    title = "The risks meet: exploitation or missing, an adult of concern and a health crisis"
    severity = Severity.HIGH
    ends_at_18 = True
    resolution = Resolution(
        "Hold and record a strategy discussion", f"meeting:{MeetingKind.STRATEGY_DISCUSSION}"
    )
    sources = (
        Source(
            "Working Together to Safeguard Children 2023",
            "chapter 3: a strategy discussion when there is reasonable cause to suspect "
            "significant harm",
        ),
        Source(
            "Practice review 'Sarah' (Worcestershire, 2021)",
            "the strands (exploitation, going missing, an adult of concern, epilepsy and "
            "missed medication) were known to different agencies and not put together",
        ),
        Source(
            "Safeguard",
            "the strands and thresholds",
            unconfirmed=True,
            note="Which strands, and how many missing episodes, are a local judgement.",
        ),
    )
    tells = (InvolvementRole.TEAM_MANAGER, InvolvementRole.EXPLOITATION_WORKER)
    record_types = (
        *EXPLOITATION,
        *MISSING,
        *HEALTH_EVENTS,
        "prescription_dispensed",
        "prescription_collected",
    )
    thresholds = {
        "window_days": Threshold(
            90, "The days (ending on the day) in which the strands meet", "days"
        ),
        "uncollected_days": Threshold(
            7,
            "Days after dispensing with no collection recorded that count as a missed medicine",
            "days",
        ),
        "missing_episodes": Threshold(
            2,
            "Missing episodes in the window that count as a strand without an exploitation concern",
            "episodes",
        ),
    }
    description = (
        "A child under 18 for whom, on the day, all three strands hold: (1) an "
        "`exploitation_concern` chronology entry in the window, or an exploitation concern "
        "(`meetings.Concern` of kind `exploitation`) raised in the window and not closed on "
        "the day, or at least `missing_episodes` `missing_from_care` entries in the window; "
        "(2) an adult of concern "
        "(`children.Relationship` of type `adult_of_concern`) current on the day; (3) a "
        "current chronic condition (`health.Condition` with `chronic`) and, in the window, a "
        "`prescription_not_collected`, `ae_attendance` or `seizure` entry, or a "
        "`prescription_dispensed` entry at least `uncollected_days` old with no "
        "`prescription_collected` entry for its prescription reference. "
        "The window is `window_days` days ending on the day. One high-severity alert to the "
        "team manager and the exploitation worker, listing each strand with its source. It "
        "is resolved by a strategy discussion about the child (`meetings.Meeting` of kind "
        "`strategy_discussion`) held in the window; one only scheduled does not count. The "
        "alert's action opens the page to schedule it, linked to the child's latest open "
        "concern in the window. Without one, it ends (not resolved) when a strand stops "
        "holding (the adult of concern relationship ends, the entries age out of the window) "
        "and says so."
    )

    def findings(self, as_of, child_ids=None):
        days = self.threshold("window_days")
        since = window_start(as_of, days)

        def query(child_ids):
            def in_window(types):
                return current_events(types, as_of).filter(
                    child_id=OuterRef("pk"), occurred_on__gte=since
                )

            missing_count = (
                in_window(MISSING).order_by().values("child_id").annotate(n=Count("pk")).values("n")
            )
            chronic = current_chronic_conditions(as_of).filter(child_id=OuterRef("pk"))
            adult = current_adults_of_concern(as_of).filter(child_id=OuterRef("pk"))
            discussed = strategy_discussions(as_of, since).filter(child_id=OuterRef("pk"))
            concern = exploitation_concerns(as_of, since).filter(child_id=OuterRef("pk"))
            uncollected = dispensed_not_collected(as_of, since, self.threshold("uncollected_days"))
            return (
                self.restrict(Child.objects.all(), child_ids, "pk")
                .filter(alive_on(as_of), under_18_on(as_of))
                .annotate(
                    n_missing=Coalesce(
                        Subquery(missing_count[:1], output_field=IntegerField()), Value(0)
                    )
                )
                .filter(
                    Q(Exists(in_window(EXPLOITATION)))
                    | Q(Exists(concern))
                    | Q(n_missing__gte=self.threshold("missing_episodes"))
                )
                .filter(Exists(adult), Exists(chronic))
                .filter(
                    Q(Exists(in_window(HEALTH_EVENTS)))
                    | Q(Exists(uncollected.filter(child_id=OuterRef("pk"))))
                )
                .filter(~Exists(discussed))
                .values_list("pk", "given_name")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        names = dict(rows)
        if not names:
            return []
        strands = joined_up_strands(
            as_of,
            sorted(names),
            days,
            self.threshold("missing_episodes"),
            self.threshold("uncollected_days"),
        )
        concerns = latest_open_concerns(as_of, since, sorted(names))
        results = []
        for child_id, name in names.items():
            lines, met_on = strands[child_id]
            detail = (
                f"For {name}, the strands have met in the last {days} days: "
                + "; ".join(lines)
                + ". Each alone may already be known to one agency; together they call for "
                "a multi-agency strategy discussion. Record it when it is held."
            )
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key="joined-up",
                    due_date=met_on,
                    detail=detail,
                    record_link="chronology",
                    prefill={"concern": concerns[child_id]} if child_id in concerns else {},
                )
            )
        return results

    def more_end_reasons(self, as_of, gone):
        """Only a strategy discussion resolves the alert; if none was recorded, a strand
        stopped holding (an entry aged out of the window, the adult of concern relationship
        ended, the condition resolved): the alert ends and says so."""
        days = self.threshold("window_days")
        discussed = _discussed_children(as_of, window_start(as_of, days), {c for c, _ in gone})
        return {
            (child_id, subject): f"the strands no longer all hold in the last {days} days"
            for child_id, subject in gone
            if child_id not in discussed
        }


def strategy_discussions(as_of: dt.date, since: dt.date):
    """MeetingChild rows of strategy discussions held from `since` to as_of."""
    return held_links(MeetingKind.STRATEGY_DISCUSSION, as_of).filter(meeting__held_on__gte=since)


def _discussed_children(as_of: dt.date, since: dt.date, child_ids) -> set[int]:
    return set(
        strategy_discussions(as_of, since)
        .filter(child_id__in=sorted(child_ids))
        .values_list("child_id", flat=True)
    )


def exploitation_concerns(as_of: dt.date, since: dt.date):
    """ConcernChild rows of exploitation concerns raised in the window, open on as_of."""
    return ConcernChild.objects.filter(
        concern__kind=ConcernKind.EXPLOITATION,
        concern__raised_on__gte=since,
        concern__raised_on__lte=as_of,
    ).filter(open_on(as_of, "concern__closed_on"))


def _prepared(key, build, child_ids) -> list:
    """Rows of a follow-up query over the children found, compiled once per key."""
    return run_prepared(
        ("check", JoinedUpRisk.id, *key), lambda p: build(p["child_ids"]), child_ids=ids(child_ids)
    )


def latest_open_concerns(as_of: dt.date, since: dt.date, child_ids) -> dict[int, int]:
    """Each child's latest concern (of any kind) raised in the window and open on as_of:
    the strategy discussion the alert asks for is scheduled against it."""
    latest: dict[int, int] = {}
    for child_id, concern_id in _prepared(
        ("latest-concerns", as_of, since),
        lambda child_ids: (
            ConcernChild.objects.filter(
                child_id__in=child_ids,
                concern__raised_on__gte=since,
                concern__raised_on__lte=as_of,
            )
            .filter(open_on(as_of, "concern__closed_on"))
            .order_by("child_id", "concern__raised_on", "concern_id")
            .values_list("child_id", "concern_id")
        ),
        child_ids,
    ):
        latest[child_id] = concern_id
    return latest


def dispensed_not_collected(as_of: dt.date, since: dt.date, days: int):
    """`prescription_dispensed` entries in the window, at least `days` days old, with no
    `prescription_collected` entry for the same prescription reference: a missed medicine
    even when the pharmacy has not reported it (Sarah's were never reported)."""
    # Compared as text (KT) on both sides: PostgreSQL has no jsonb = text operator.
    collected = (
        current_events("prescription_collected", as_of)
        .annotate(ref=KT("details__prescription_ref"))
        .filter(child_id=OuterRef("child_id"), ref=OuterRef("rx_ref"))
    )
    return (
        current_events("prescription_dispensed", as_of)
        .filter(occurred_on__gte=since, occurred_on__lte=as_of - dt.timedelta(days=days))
        .annotate(rx_ref=KT("details__prescription_ref"))
        .filter(rx_ref__isnull=False)
        .filter(~Exists(collected))
    )


def joined_up_strands(
    as_of: dt.date, child_ids: list[int], days: int, missing_needed: int, uncollected_days: int
) -> dict[int, tuple[list[str], dt.date]]:
    """For children the check found, each strand's entries with their sources, and the day
    the strands met (the latest of each strand's first qualifying day in the window). A few
    queries over all the children at once."""
    since = window_start(as_of, days)
    events = defaultdict(list)
    for child_id, event_type, day, agency in _prepared(
        ("events", as_of, since),
        lambda child_ids: (
            current_events((*EXPLOITATION, *MISSING, *HEALTH_EVENTS), as_of)
            .filter(child_id__in=child_ids, occurred_on__gte=since)
            .order_by("child_id", "occurred_on", "pk")
            .values_list("child_id", "event_type", "occurred_on", "source_agency__name")
        ),
        child_ids,
    ):
        events[child_id].append((event_type, day, f"{agency}, chronology"))
    for child_id, day, agency in _prepared(
        ("concerns", as_of, since),
        lambda child_ids: (
            exploitation_concerns(as_of, since)
            .filter(child_id__in=child_ids)
            .values_list("child_id", "concern__raised_on", "concern__source_agency__name")
        ),
        child_ids,
    ):
        events[child_id].append((CONCERN, day, f"{agency}, concerns"))
    adults = defaultdict(list)
    for child_id, given, family, start in _prepared(
        ("adults", as_of),
        lambda child_ids: (
            current_adults_of_concern(as_of)
            .filter(child_id__in=child_ids)
            # An adult whose start is not known after the dated ones, on both engines.
            .order_by("child_id", F("start_date").asc(nulls_last=True), "pk")
            .values_list("child_id", "person__given_name", "person__family_name", "start_date")
        ),
        child_ids,
    ):
        adults[child_id].append((f"{given} {family}".strip(), start))
    for child_id, day, agency, ref in _prepared(
        ("dispensed", as_of, since, uncollected_days),
        lambda child_ids: (
            dispensed_not_collected(as_of, since, uncollected_days)
            .filter(child_id__in=child_ids)
            .values_list("child_id", "occurred_on", "source_agency__name", "rx_ref")
        ),
        child_ids,
    ):
        events[child_id].append(("dispensed_not_collected", day, f"{agency}, {ref}, chronology"))
    for entries in events.values():
        entries.sort(key=lambda e: e[1])
    conditions = defaultdict(list)
    for child_id, name in _prepared(
        ("conditions", as_of),
        lambda child_ids: (
            current_chronic_conditions(as_of)
            .filter(child_id__in=child_ids)
            .order_by("child_id", "name")
            .values_list("child_id", "name")
        ),
        child_ids,
    ):
        conditions[child_id].append(name)
    result = {}
    for child_id in child_ids:
        entries = events[child_id]

        def of(types, entries=entries):
            return [(t, d, a) for t, d, a in entries if t in types]

        def listed(items):
            return ", ".join(f"{_label(t)} on {d:%-d %B %Y} ({a})" for t, d, a in items)

        exploitation, missing = of((*EXPLOITATION, CONCERN)), of(MISSING)
        health = of((*HEALTH_EVENTS, "dispensed_not_collected"))
        lines, firsts = [], []
        if exploitation:
            lines.append(f"exploitation concern: {listed(exploitation)}")
            firsts.append(exploitation[0][1])
        if missing:
            lines.append(f"{len(missing)} missing episode(s): {listed(missing)}")
            if not exploitation:
                firsts.append(missing[min(missing_needed, len(missing)) - 1][1])
        people = adults[child_id]
        lines.append(
            "adult of concern: "
            + ", ".join(
                f"{who}" + (f" since {start:%-d %B %Y}" if start else "") for who, start in people
            )
            + " (family and people)"
        )
        firsts.append(min((s for _, s in people if s), default=since))
        lines.append(
            f"chronic condition ({', '.join(conditions[child_id])}, health record) with "
            f"{listed(health)}"
        )
        # A dispensed medicine counts as missed only once uncollected_days have passed.
        firsts.append(
            min(
                (
                    d + dt.timedelta(days=uncollected_days) if t == "dispensed_not_collected" else d
                    for t, d, _ in health
                ),
                default=since,
            )
        )
        result[child_id] = (lines, max(max(firsts), since))
    return result


def _label(event_type: str) -> str:
    if event_type == "dispensed_not_collected":
        return "medicine dispensed and not collected"
    if event_type == CONCERN:
        return "exploitation concern raised"
    return EVENT_TYPES[event_type].label.lower()
