"""Reading children's records for the pages: caseload, search and the child summary.

Every query starts from `safeguard.access.policy.visible_children`, so what a page shows is
what the access policy allows; nothing here queries the Child manager directly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from safeguard.access.policy import rule_key, run_over_rule, visible_children
from safeguard.children.models import Child, Involvement, Relationship, RelationshipType
from safeguard.core.prepared import run_prepared
from safeguard.core.validators import normalise_nhs_number
from safeguard.episodes.models import Episode, EpisodeKind, Placement
from safeguard.health.models import Condition, HealthAssessment, Medicine


def today() -> dt.date:
    return timezone.localdate()


def episode_label(episode: Episode) -> str:
    """'Looked after (V2)', 'Child protection plan', ... as the caseload shows them."""
    if episode.kind == EpisodeKind.LOOKED_AFTER:
        return f"Looked after ({episode.legal_status})"
    return episode.get_kind_display()


def _open_records(on: dt.date) -> list[Prefetch]:
    """Episodes and placements begun by `on`: `_row` keeps those open on the child's own
    as-of day (today, or the day they died: a list must agree with the summary page)."""
    return [
        Prefetch(
            "episodes",
            Episode.objects.filter(start_date__lte=on).order_by("start_date", "pk"),
            to_attr="episodes_to_date",
        ),
        Prefetch(
            "placements",
            Placement.objects.filter(start_date__lte=on).order_by("start_date", "pk"),
            to_attr="placements_to_date",
        ),
    ]


def _open_on(records, on: dt.date) -> list:
    return [r for r in records if r.start_date <= on and (r.end_date is None or r.end_date >= on)]


@dataclass
class ChildRow:
    """One child in a list (caseload or search results)."""

    child: Child
    age: int | None  # None for an unborn child
    statuses: list[str]
    placement_type: str
    my_roles: list[str] = field(default_factory=list)
    # The professional may list the child (identity) but not see plans and placement
    # (e.g. a pharmacist): the list says so rather than showing "no open plan".
    summary_hidden: bool = False


def _row(child: Child, on: dt.date, my_roles: list[str] | None = None) -> ChildRow:
    end = child.date_of_death or on
    if not getattr(child, "may_see_summary", True):
        return ChildRow(
            child=child,
            age=child.age_on(end),
            statuses=[],
            placement_type="",
            my_roles=my_roles or [],
            summary_hidden=True,
        )
    as_of = min(on, child.date_of_death) if child.date_of_death else on
    placements = _open_on(getattr(child, "placements_to_date", []), as_of)
    return ChildRow(
        child=child,
        age=child.age_on(end),
        statuses=[
            episode_label(e) for e in _open_on(getattr(child, "episodes_to_date", []), as_of)
        ],
        placement_type=placements[-1].get_placement_type_display() if placements else "",
        my_roles=my_roles or [],
    )


def _listable(request) -> QuerySet[Child]:
    """Children the professional may list (their identity), each flagged with whether
    the plans and placement (the summary area) may be shown too."""
    summary = visible_children(request, area="summary").filter(pk=OuterRef("pk"))
    return visible_children(request, area="identity").annotate(may_see_summary=Exists(summary))


def caseload_children(request) -> list[Child]:
    """Children the signed-in professional currently works with, in name order.

    One query, prepared (core/prepared.py): the access rule as `_listable` applies it,
    with the user, team, day and time as parameters. The home page shows a page of them
    at a time (`caseload_rows`), so its cost does not grow with the caseload."""
    on = today()

    def build(p):
        mine = Involvement.objects.current(p["on"]).filter(professional_id=p["user_id"])
        return (
            _listable(request)
            .filter(involvements__in=mine)
            .distinct()
            .order_by("family_name", "given_name", "pk")
        )

    return run_over_rule(
        request,
        ("caseload", rule_key(request, "identity", "summary", rule=visible_children)),
        build,
        on=on,
    )


def caseload_rows(request, children: list[Child]) -> list[ChildRow]:
    """The caseload's rows for these children (all of `caseload_children`, or a page of
    them), and the professional's role(s) with each.

    Three queries whatever their number, each prepared: their episodes, placements and the
    user's involvements by child id, as the prefetches of `_open_records` would fetch
    them."""
    if not children:
        return []
    on = today()
    ids = sorted(child.pk for child in children)
    episodes = _started_by_child("caseload-episodes", Episode, ids, on)
    placements = _started_by_child("caseload-placements", Placement, ids, on)
    involvements = _by_child(
        run_prepared(
            ("caseload-involvements",),
            lambda p: (
                Involvement.objects.current(p["on"])
                .filter(professional_id=p["user_id"], child_id__in=p["child_ids"])
                .order_by("role")
            ),
            child_ids=ids,
            on=on,
            user_id=request.user.pk,
        )
    )
    rows = []
    for child in children:
        child.episodes_to_date = episodes.get(child.pk, [])
        child.placements_to_date = placements.get(child.pk, [])
        child.my_involvements = involvements.get(child.pk, [])
        roles = sorted({i.get_role_display() for i in child.my_involvements})
        rows.append(_row(child, on, roles))
    return rows


def caseload_for(request) -> list[ChildRow]:
    """Every child the signed-in professional currently works with, as rows."""
    return caseload_rows(request, caseload_children(request))


def _started_by_child(key: str, model, child_ids: list[int], on) -> dict[int, list]:
    """{child id: the model's records started by `on`, oldest first}, prepared."""
    return _by_child(
        run_prepared(
            (key,),
            lambda p: model.objects.filter(
                child_id__in=p["child_ids"], start_date__lte=p["on"]
            ).order_by("start_date", "pk"),
            child_ids=child_ids,
            on=on,
        )
    )


def _by_child(records) -> dict[int, list]:
    """{child id: records}, keeping the records' order (as a prefetch assigns them)."""
    grouped: dict[int, list] = {}
    for record in records:
        grouped.setdefault(record.child_id, []).append(record)
    return grouped


# --- Search -----------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_LIKE = re.compile(r"^[\d/.\-\s]+$")
_DIGITS_AND_SPACES = re.compile(r"^[\d\s]+$")
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


class SearchQueryError(ValueError):
    """The search text cannot be used; the message is shown to the person searching."""


@dataclass(frozen=True)
class SearchQuery:
    kind: str  # "date_of_birth", "number" (NHS number or local ID), "local_id", "name"
    text: str
    date_of_birth: dt.date | None = None
    words: tuple[str, ...] = ()


def parse_search(text: str) -> SearchQuery:
    """Work out what was typed: a date of birth, an NHS number, a local ID or a name."""
    text = (text or "").strip()
    if not text:
        raise SearchQueryError("Enter a name, date of birth, NHS number or local child ID")
    if len(text) > 100:
        raise SearchQueryError("Search text must be 100 characters or fewer")
    if m := _DMY.match(text):
        return _date_query(text, int(m[3]), int(m[2]), int(m[1]))
    if m := _ISO.match(text):
        return _date_query(text, int(m[1]), int(m[2]), int(m[3]))
    if _DIGITS_AND_SPACES.match(text):
        return SearchQuery("number", "".join(text.split()))
    if _DATE_LIKE.match(text):
        raise SearchQueryError(
            "Enter a date of birth as day/month/year, for example 3/12/2001, or as 2001-12-03"
        )
    if any(c.isdigit() for c in text) and " " not in text:
        return SearchQuery("local_id", text)
    words = tuple(_WORD.findall(text))
    if not words or any(c.isdigit() for w in words for c in w):
        raise SearchQueryError(
            "Enter a name using letters, or a date of birth, NHS number or local child ID"
        )
    if sum(len(w) for w in words) < 2:
        raise SearchQueryError("Enter at least 2 letters of the child's name")
    return SearchQuery("name", text, words=words)


def _date_query(text: str, year: int, month: int, day: int) -> SearchQuery:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        raise SearchQueryError(
            f"{text} is not a real date: enter a date of birth like 3/12/2001"
        ) from None
    if born > today():
        raise SearchQueryError("Date of birth must be today or in the past")
    return SearchQuery("date_of_birth", text, date_of_birth=born)


def search_children(request, query: SearchQuery) -> list[ChildRow]:
    """Children visible to the professional that match the query (case-insensitive)."""
    children: QuerySet[Child] = _listable(request)
    if query.kind == "date_of_birth":
        children = children.filter(date_of_birth=query.date_of_birth)
    elif query.kind == "number":
        digits = normalise_nhs_number(query.text)
        children = children.filter(Q(nhs_number=digits) | Q(local_id__iexact=query.text))
    elif query.kind == "local_id":
        children = children.filter(local_id__iexact=query.text)
    else:
        # Every word must appear in a given, family or preferred name ("sar smi" finds
        # Sarah Smith). icontains is case-insensitive on SQLite and PostgreSQL alike.
        for word in query.words:
            children = children.filter(
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(preferred_name__icontains=word)
            )
    on = today()
    children = children.prefetch_related(*_open_records(on)).order_by(
        "family_name", "given_name", "date_of_birth", "pk"
    )[:200]
    return [_row(child, on) for child in children]


# --- Child summary ----------------------------------------------------------------------


@dataclass
class ChildSummary:
    child: Child
    # The day the record is read as at: today, or the day the child died (a review reads
    # the record as it stood then, not the empty "current" state of a closed record).
    as_of: dt.date
    age: int | None  # None once the child has died: see age_at_death
    age_at_death: int | None
    looked_after: Episode | None
    open_episodes: list[Episode]
    current_placement: Placement | None
    involvements: list[Involvement]
    relationships: list[Relationship] | None  # None: not visible to this professional
    adults_of_concern: list[Relationship] | None
    conditions: list[Condition] | None  # None: health not visible to this professional
    current_medicines: list[Medicine] | None
    last_health_assessment: HealthAssessment | None

    @property
    def legal_status(self) -> str:
        return self.looked_after.get_legal_status_display() if self.looked_after else ""


def child_summary(
    child: Child,
    *,
    include_people: bool,
    include_health: bool,
    include_summary: bool = True,
    include_medicines: bool = False,
) -> ChildSummary:
    """Everything the summary page shows, read in a handful of queries.

    The caller (the view) decides, through the access policy, whether the plans, people,
    health and medicines parts may be shown; they are not read at all otherwise (a
    pharmacist sees identity, whether the child is looked after, and medicines).
    """
    on = min(today(), child.date_of_death) if child.date_of_death else today()
    # Each query is prepared (safeguard/core/prepared.py): built and compiled once, then
    # run with the child and the day as parameters, on every opening of a summary.
    open_episodes = _summary_rows("episodes", child.pk, on)
    looked_after = next((e for e in open_episodes if e.kind == EpisodeKind.LOOKED_AFTER), None)
    placement = None
    involvements = []
    if include_summary:
        placement = next(iter(_summary_rows("placement", child.pk, on)), None)
        involvements = _summary_rows("involvements", child.pk, on)
    else:
        open_episodes = []
    relationships = adults = None
    if include_people:
        relationships = _summary_rows("relationships", child.pk, on)
        adults = [r for r in relationships if r.relationship == RelationshipType.ADULT_OF_CONCERN]
        relationships = [r for r in relationships if r not in adults]
    conditions = medicines = assessment = None
    if include_health:
        conditions = _summary_rows("conditions", child.pk, on)
    if include_health or include_medicines:
        medicines = _summary_rows("medicines", child.pk, on)
    if include_health:
        assessment = next(iter(_summary_rows("assessment", child.pk, on)), None)
    died = child.date_of_death
    return ChildSummary(
        child=child,
        as_of=on,
        age=None if died else child.age_on(on),
        age_at_death=child.age_on(died) if died else None,
        looked_after=looked_after,
        open_episodes=open_episodes,
        current_placement=placement,
        involvements=involvements,
        relationships=relationships,
        adults_of_concern=adults,
        conditions=conditions,
        current_medicines=medicines,
        last_health_assessment=assessment,
    )


# The summary's queries, by name: each a function of the child's id and the day only.
SUMMARY_QUERIES = {
    "episodes": lambda child_id, on: (
        Episode.objects.filter(child_id=child_id).open_on(on).order_by("start_date", "pk")
    ),
    "placement": lambda child_id, on: (
        Placement.objects.filter(child_id=child_id).open_on(on).order_by("-start_date", "-pk")[:1]
    ),
    "involvements": lambda child_id, on: (
        Involvement.objects.current(on)
        .filter(child_id=child_id)
        .select_related("professional__agency", "professional__team")
        .order_by("role", "start_date", "pk")
    ),
    "relationships": lambda child_id, on: (
        Relationship.objects.filter(child_id=child_id)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .select_related("person")
        .order_by("relationship", "person__family_name", "person__given_name", "pk")
    ),
    "conditions": lambda child_id, on: Condition.objects.filter(child_id=child_id).order_by(
        "diagnosed_on", "pk"
    ),
    "medicines": lambda child_id, on: (
        Medicine.objects.filter(child_id=child_id)
        .filter(start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .select_related("prescriber", "condition")
        .order_by("name", "pk")
    ),
    "assessment": lambda child_id, on: (
        HealthAssessment.objects.filter(child_id=child_id)
        .select_related("assessor")
        .order_by("-date", "-pk")[:1]
    ),
}


def _summary_rows(name: str, child_id: int, on: dt.date) -> list:
    build = SUMMARY_QUERIES[name]
    return run_prepared(
        ("casework-summary", name),
        lambda p: build(p["child_id"], p["on"]),
        child_id=child_id,
        on=on,
    )


def pending_involvement_requests(child: Child, user) -> list:
    """Requests to be involved waiting for a decision, for those who may decide: a role
    that allocates involvements, or the child's allocated social worker."""
    from safeguard.access.roles import may_write
    from safeguard.children.models import InvolvementRequest, InvolvementRole, RequestStatus

    # Both prepared: they run on every opening of a summary.
    may_decide = may_write(user.role, "record:involvement") or bool(
        run_prepared(
            ("casework-requests", "allocated"),
            lambda p: (
                Involvement.objects.current(p["today"])
                .filter(
                    child_id=p["child_id"],
                    professional_id=p["user_id"],
                    role=InvolvementRole.ALLOCATED_SOCIAL_WORKER,
                )
                .values_list("pk")[:1]
            ),
            child_id=child.pk,
            user_id=user.pk,
            today=dt.date.today(),
        )
    )
    if not may_decide:
        return []
    return run_prepared(
        ("casework-requests", "pending"),
        lambda p: (
            InvolvementRequest.objects.filter(child_id=p["child_id"], status=RequestStatus.PENDING)
            .select_related("requester")
            .order_by("requested_at")
        ),
        child_id=child.pk,
    )


# --- Partnership counts (no names) ------------------------------------------------------


def children_by_status(request, on: dt.date | None = None) -> dict:
    """Living children on the record by open plan, counted in SQL: the partnership
    analyst's view, which names no child and reads no one's record."""
    from django.db.models import Count

    from safeguard.access.policy import countable_children

    on = on or today()
    living = countable_children(request).filter(
        Q(date_of_death__isnull=True) | Q(date_of_death__gt=on)
    )
    by_kind = dict(
        Episode.objects.open_on(on)
        .filter(child__in=living)
        .values_list("kind")
        .annotate(n=Count("child", distinct=True))
        .order_by()
    )
    with_plan = Episode.objects.open_on(on).filter(child=OuterRef("pk"))
    totals = living.aggregate(
        total=Count("pk"), without_plan=Count("pk", filter=~Q(Exists(with_plan)))
    )
    return {
        "total": totals["total"],
        "without_plan": totals["without_plan"],
        "by_status": [
            {"status": label, "children": by_kind.get(kind, 0)}
            for kind, label in EpisodeKind.choices
        ],
    }


# --- Meetings on the summary -------------------------------------------------------


def summary_block(child, today: dt.date | None = None) -> dict:
    """The small block on the child's summary: next meeting, next looked-after review due,
    open concerns and milestones not yet reviewed. (Here, not in meetings: the review due
    date is the LAC-REVIEW check's, and the domain apps do not import the checks.)"""
    from safeguard.checks.catalogue.cla_review import next_review_due, review_schedule
    from safeguard.checks.engine import get_check
    from safeguard.meetings.selectors import open_milestones, upcoming_meetings

    today = today or timezone.localdate()
    review_due = None
    if child.date_of_death is None:
        check = get_check("LAC-REVIEW")
        # Prepared (built once a day, run with the child as a parameter): on every summary.
        rows = check.prepared_rows(
            "summary-schedule",
            today,
            [child.pk],
            lambda ids: review_schedule(check, today, ids).values_list(
                "care_start", "first", "last"
            ),
        )
        if rows:
            care_start, first, last = rows[0]
            review_due = next_review_due(check, care_start, first, last)[0]

    # Prepared too, with the child and the day as parameters (the builders are given a
    # Child carrying only the id, so the id is what the SQL is parameterised on).
    def run(name, build):
        return run_prepared(
            ("casework-block", name),
            lambda p: build(Child(pk=p["child_id"]), p["today"]),
            child_id=child.pk,
            today=today,
        )

    upcoming = run("next", lambda c, day: upcoming_meetings(c, day)[:1])
    concerns = run("concerns", lambda c, day: c.concerns.filter(status="open").values_list("pk"))
    milestones = run("milestones", lambda c, day: open_milestones(c).values_list("pk"))
    return {
        "next": upcoming[0] if upcoming else None,
        "review_due": review_due,
        "open_concerns": len(concerns),
        "open_milestones": len(milestones),
    }
