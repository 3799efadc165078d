"""Reading the chronology: one timeline per child, joining every agency's record.

The timeline merges chronology events with episodes, placements and health records, which
live in their own tables, into one ordered list. Order: the start of the period an entry's
date names, then the coarser precision first ("June 2019" heads the events of June 2019),
then when it was recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from safeguard.core.dates import PRECISION_RANK, Precision, format_fuzzy, period_end
from safeguard.core.prepared import run_prepared
from safeguard.episodes.models import Episode, Placement
from safeguard.health.models import Condition, HealthAssessment

from .event_types import CATEGORIES, EVENT_TYPES
from .models import Event

# Timeline entry types that are not chronology events, for the type filter.
RECORD_ENTRY_TYPES = {
    "episode_start": ("Episode started", "social_care"),
    "episode_end": ("Episode ended", "social_care"),
    "placement_start": ("Placement started", "placement"),
    "placement_end": ("Placement ended", "placement"),
    "condition_diagnosed": ("Condition diagnosed", "health"),
    "health_assessment": ("Health assessment", "health"),
    "concern_raised": ("Concern raised", "social_care"),
    "meeting_held": ("Meeting held", "social_care"),
    "s47_enquiry": ("Section 47 enquiry", "social_care"),
}


# Entries a reader must not miss among routine ones (marked on the page).
SIGNIFICANT_TYPES = frozenset(
    {
        "missing_from_care",
        "returned_from_missing",
        "seizure",
        "police_protection",
        "death",
        "ae_attendance",
        "self_harm",
        "arrest",
        "exploitation_concern",
    }
)


@dataclass
class TimelineEntry:
    when: dt.datetime
    precision: str
    entry_type: str
    type_label: str
    category: str
    summary: str
    agency_code: str = ""
    agency_name: str = ""
    recorded_at: dt.datetime | None = None
    recorded_by: str = ""
    event: Event | None = None
    superseded: bool = False
    withdrawn: bool = False
    correction_reason: str = ""
    details: dict = field(default_factory=dict)

    @property
    def date_label(self) -> str:
        return format_fuzzy(self.when, self.precision)

    @property
    def recorded_label(self) -> str:
        """When it was recorded. A record loaded with only a recording date holds local
        midnight to the microsecond: show the day, not an invented "00:00" (a live save
        carries its real time, never exactly midnight to the microsecond)."""
        if self.recorded_at is None:
            return ""
        local = timezone.localtime(self.recorded_at)
        day = f"{local.day} {local.strftime('%b %Y')}"
        if local.time() == dt.time():
            return day
        return f"{day} {local:%H:%M}"

    @property
    def significant(self) -> bool:
        return self.entry_type in SIGNIFICANT_TYPES

    @property
    def details_text(self) -> str:
        """The details as readable "name: value" text (the CSV's details column)."""
        return details_text(self.details)

    @property
    def approximate(self) -> bool:
        return self.precision in (Precision.YEAR, Precision.MONTH)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def sort_key(self):
        return (
            self.when,
            PRECISION_RANK.get(self.precision, 3),
            self.recorded_at or self.when,
            self.event.pk if self.event else 0,
        )


def details_text(details: dict) -> str:
    def show(value):
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return str(value)

    return "; ".join(f"{name.replace('_', ' ')}: {show(v)}" for name, v in details.items())


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@dataclass(frozen=True)
class TimelineFilter:
    agencies: frozenset[str] = frozenset()  # agency codes; empty means all
    types: frozenset[str] = frozenset()  # event type codes or RECORD_ENTRY_TYPES keys
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    include_superseded: bool = False
    newest_first: bool = False


def type_options() -> list[tuple[str, str]]:
    options = [(code, t.label) for code, t in EVENT_TYPES.items()]
    options += [(code, label) for code, (label, _) in RECORD_ENTRY_TYPES.items()]
    return sorted(options, key=lambda o: o[1])


def _events(child_id, flt: TimelineFilter):
    events = Event.objects.filter(child_id=child_id).select_related(
        "source_agency", "recorded_by", "superseded_by"
    )
    if not flt.include_superseded:
        events = events.filter(superseded_by__isnull=True, withdrawn=False)
    if flt.agencies:
        events = events.filter(source_agency__code__in=sorted(flt.agencies))
    if flt.types:
        events = events.filter(event_type__in=sorted(flt.types))
    return events


def _prepared(name: str, build, child_id: int) -> list:
    """The rows (model instances) of `build(child_id)`, compiled once per name and run with
    the child as a parameter (safeguard/core/prepared.py): the timeline's queries are the
    same shape on every opening of a chronology."""
    return run_prepared(("timeline", name), lambda p: build(p["child_id"]), child_id=child_id)


def _event_entries(child, flt: TimelineFilter) -> list[TimelineEntry]:
    # The filter's values are part of the SQL's shape: they name the query.
    shape = (flt.include_superseded, tuple(sorted(flt.agencies)), tuple(sorted(flt.types)))
    events = _prepared(("events", shape), lambda child_id: _events(child_id, flt), child.pk)
    entries = []
    for e in events:
        etype = EVENT_TYPES.get(e.event_type)
        entries.append(
            TimelineEntry(
                when=e.occurred_at,
                precision=e.precision,
                entry_type=e.event_type,
                type_label=etype.label if etype else e.event_type,
                category=etype.category if etype else "other",
                summary=e.summary,
                agency_code=e.source_agency.code,
                agency_name=e.source_agency.name,
                recorded_at=e.recorded_at,
                recorded_by=str(e.recorded_by) if e.recorded_by else e.recorded_by_name,
                event=e,
                superseded=hasattr(e, "superseded_by"),
                withdrawn=e.withdrawn,
                correction_reason=e.correction_reason,
                details=e.details,
            )
        )
    return entries


def _record_entries(child, flt: TimelineFilter) -> list[TimelineEntry]:
    wanted = flt.types or frozenset(RECORD_ENTRY_TYPES)
    entries: list[TimelineEntry] = []

    def add(entry_type, day, summary, agency, precision=Precision.DAY):
        if entry_type not in wanted or day is None:
            return
        if flt.agencies and (agency is None or agency.code not in flt.agencies):
            return
        label, category = RECORD_ENTRY_TYPES[entry_type]
        entries.append(
            TimelineEntry(
                when=_midnight(day),
                precision=precision,
                entry_type=entry_type,
                type_label=label,
                category=category,
                summary=summary,
                agency_code=agency.code if agency else "",
                agency_name=agency.name if agency else "",
            )
        )

    for ep in _prepared(
        "episodes", lambda c: Episode.objects.filter(child_id=c).select_related("agency"), child.pk
    ):
        what = ep.get_kind_display()
        if ep.legal_status:
            what += f" under {ep.get_legal_status_display()}"
        if ep.cp_category:
            what += f" (category: {ep.get_cp_category_display().lower()})"
        add("episode_start", ep.start_date, f"{what} started", ep.agency)
        add(
            "episode_end",
            ep.end_date,
            f"{what} ended" + (f" ({ep.reason_ended})" if ep.reason_ended else ""),
            ep.agency,
        )
    for pl in _prepared(
        "placements",
        lambda c: Placement.objects.filter(child_id=c).select_related("agency"),
        child.pk,
    ):
        where = pl.provider_name or pl.get_placement_type_display()
        add(
            "placement_start",
            pl.start_date,
            f"Placed: {pl.get_placement_type_display()}"
            + (f" — {pl.provider_name}" if pl.provider_name else "")
            + (f", {pl.area}" if pl.area else ""),
            pl.agency,
        )
        add("placement_end", pl.end_date, f"Placement ended: {where}", pl.agency)
    for cond in _prepared(
        "conditions",
        lambda c: Condition.objects.filter(child_id=c).select_related("agency"),
        child.pk,
    ):
        add(
            "condition_diagnosed",
            cond.diagnosed_on,
            f"Diagnosed: {cond.name}",
            cond.agency,
            precision=cond.diagnosed_precision,
        )
    for ha in _prepared(
        "assessments",
        lambda c: HealthAssessment.objects.filter(child_id=c).select_related("agency", "assessor"),
        child.pk,
    ):
        by = str(ha.assessor) if ha.assessor else ha.assessor_name
        add(
            "health_assessment",
            ha.date,
            f"{ha.get_kind_display()}" + (f" by {by}" if by else ""),
            ha.agency,
        )
    _meeting_entries(child, add)
    return entries


def _meeting_entries(child, add) -> None:
    """Concerns, meetings held (with their decision) and s47 enquiries, in line with the
    events (the meetings app imports chronology, so it is imported here, not at the top)."""
    from safeguard.children.models import Child
    from safeguard.meetings.models import MeetingStatus, S47Enquiry

    # A Child carrying only the id: the related managers' SQL is parameterised on it.
    for concern in _prepared(
        "concerns",
        lambda c: Child(pk=c).concerns.select_related("source_agency"),
        child.pk,
    ):
        risk = f", {concern.get_risk_level_display().lower()} risk" if concern.risk_level else ""
        add(
            "concern_raised",
            concern.raised_on,
            f"{concern.get_kind_display()}{risk}: {concern.summary}",
            concern.source_agency,
        )
    for meeting in _prepared(
        "meetings",
        lambda c: Child(pk=c).meetings.filter(status=MeetingStatus.HELD).select_related("chair"),
        child.pk,
    ):
        outcome = (
            meeting.get_strategy_outcome_display() or meeting.get_conference_decision_display()
        )
        summary = meeting.get_kind_display() + (f" — {outcome}" if outcome else "")
        if meeting.decisions:
            summary += f". {meeting.decisions}"
        add(
            "meeting_held",
            meeting.held_on,
            summary,
            meeting.chair.agency if meeting.chair else None,
        )
    for enquiry in _prepared("s47", lambda c: S47Enquiry.objects.filter(child_id=c), child.pk):
        outcome = f": {enquiry.get_outcome_display()}" if enquiry.outcome else ""
        add("s47_enquiry", enquiry.started_on, f"Section 47 enquiry started{outcome}", None)


def current_entries(entries: list[TimelineEntry], *, newest_first: bool) -> list[TimelineEntry]:
    """What `timeline(child, TimelineFilter(newest_first=...))` gives, taken from the
    child's whole timeline (`TimelineFilter(include_superseded=True)`): the chronology page
    needs the whole one for its filter options, and its default view is the current
    entries, so one read serves both. Sorting the (already ordered) whole list again keeps
    entries with the same sort key in the order `timeline` gives them."""
    current = [e for e in entries if not e.superseded and not e.withdrawn]
    current.sort(key=lambda e: e.sort_key, reverse=newest_first)
    return current


def timeline(child, flt: TimelineFilter | None = None) -> list[TimelineEntry]:
    flt = flt or TimelineFilter()
    entries = _event_entries(child, flt) + _record_entries(child, flt)
    if flt.date_from:
        start = _midnight(flt.date_from)
        entries = [e for e in entries if e.when >= start or period_end(e.when, e.precision) > start]
    if flt.date_to:
        end = _midnight(flt.date_to + dt.timedelta(days=1))
        entries = [e for e in entries if e.when < end]
    entries.sort(key=lambda e: e.sort_key, reverse=flt.newest_first)
    return entries
