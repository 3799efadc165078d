"""The child's risk picture: the strands of risk in one place, each with its source.

`risk_picture(child, as_of, areas)` reads (a handful of queries for one child):

- open alerts (Safeguard's checks)                                   area `summary`
- open concerns: meetings.Concern not closed on the day (any age)  area `summary`
  and concerns in the window: chronology `concern_raised` and
  `exploitation_concern`                                             area `chronology`
- missing episodes in the window: chronology `missing_from_care`     area `chronology`
- adults of concern current on the day: children.Relationship        area `people`
- chronic conditions current on the day, with in the window: medicines
  not collected (chronology `prescription_not_collected`, or an open
  LAC-MEDICINE-NOT-COLLECTED alert), appointments not attended
  (`health_appointment` with attended = false), A&E attendances and
  seizures                                                           area `health` (the
                                                                     medicines items also
                                                                     need `medicines`)

A strand the viewer's role may not see is left out, not shown empty. The window is the
JOINED-UP-RISK check's `window_days` (90 by default), so the panel and the check agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from safeguard.chronology.event_types import EVENT_TYPES
from safeguard.core.prepared import run_prepared
from safeguard.meetings.models import Concern
from safeguard.meetings.selectors import open_on

from .catalogue.joined_up_risk import (
    current_adults_of_concern,
    current_chronic_conditions,
    window_start,
)
from .engine import REGISTRY, current_events, get_check
from .models import OPEN_STATUSES, Alert

CONCERNS = ("concern_raised", "exploitation_concern")
MISSING = ("missing_from_care",)
MEDICINE_EVENTS = ("prescription_not_collected",)
MEDICINE_CHECK = "LAC-MEDICINE-NOT-COLLECTED"


@dataclass(frozen=True)
class Item:
    text: str
    source: str
    on: dt.date | None = None


@dataclass
class Strand:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)


def _event_items(rows) -> list[Item]:
    return [
        Item(
            text=EVENT_TYPES[t].label + (f": {summary}" if summary else ""),
            source=f"Chronology, recorded by {agency}",
            on=day,
        )
        for t, day, agency, summary in rows
    ]


def risk_picture(child, as_of: dt.date, areas) -> list[Strand]:
    days = get_check("JOINED-UP-RISK").threshold("window_days")
    since = window_start(as_of, days)
    strands: list[Strand] = []

    # Every query below is prepared (safeguard/core/prepared.py): built and compiled once
    # per day, then run with the child as a parameter on every opening of a summary.
    def run(name, build):
        return run_prepared(
            ("risk-picture", name, as_of, days),
            lambda p: build(p["child_id"]),
            child_id=child.pk,
        )

    def events(types, *fields):
        fields = fields or ("event_type", "occurred_on", "source_agency__name", "summary")
        return run(
            ("events", types, fields),
            lambda child_id: (
                current_events(types, as_of)
                .filter(child_id=child_id, occurred_on__gte=since)
                .order_by("-occurred_on", "-pk")
                .values_list(*fields)
            ),
        )

    if "summary" in areas:
        alerts = run(
            "alerts",
            lambda child_id: Alert.objects.filter(
                child_id=child_id, status__in=OPEN_STATUSES
            ).order_by("due_date", "pk"),
        )
        strands.append(
            Strand(
                "alerts",
                "Open alerts",
                [
                    Item(
                        text=getattr(REGISTRY.get(a.check_id), "title", a.check_id),
                        source=f"Safeguard check {a.check_id}, due {a.due_date:%-d %B %Y}",
                        on=a.first_raised_on,
                    )
                    for a in alerts
                ],
            )
        )
    if "summary" in areas or "chronology" in areas:
        items = _open_concerns(run, as_of) if "summary" in areas else []
        if "chronology" in areas:
            items += _event_items(events(CONCERNS))
        title = {
            (True, False): "Open concerns",
            (False, True): f"Concerns in the last {days} days",
            (True, True): f"Open concerns, and concerns in the last {days} days",
        }["summary" in areas, "chronology" in areas]
        strands.append(Strand("concerns", title, items))
    if "chronology" in areas:
        strands.append(
            Strand(
                "missing",
                f"Missing episodes in the last {days} days",
                _event_items(events(MISSING)),
            )
        )
    if "people" in areas:
        strands.append(
            Strand(
                "adults",
                "Adults of concern",
                [
                    Item(
                        text=f"{given} {family}".strip(),
                        source="Family and people: adult of concern"
                        + (f" since {start:%-d %B %Y}" if start else ""),
                        on=start,
                    )
                    for given, family, start in run(
                        "adults",
                        lambda child_id: (
                            current_adults_of_concern(as_of)
                            .filter(child_id=child_id)
                            .order_by("start_date", "pk")
                            .values_list("person__given_name", "person__family_name", "start_date")
                        ),
                    )
                ],
            )
        )
    if "health" in areas:
        conditions = run(
            "conditions",
            lambda child_id: (
                current_chronic_conditions(as_of)
                .filter(child_id=child_id)
                .values_list("name", flat=True)
            ),
        )
        items: list[Item] = []
        if conditions:
            items.append(
                Item(text="Chronic: " + ", ".join(conditions), source="Health record: conditions")
            )
            items += _missed_appointments(
                events(("health_appointment",), "occurred_on", "source_agency__name", "details")
            )
            items += _event_items(events(("ae_attendance", "seizure")))
            if "medicines" in areas:
                items += _event_items(events(MEDICINE_EVENTS))
                for a in run(
                    "medicine-alerts",
                    lambda child_id: Alert.objects.filter(
                        child_id=child_id, check_id=MEDICINE_CHECK, status__in=OPEN_STATUSES
                    ),
                ):
                    items.append(
                        Item(
                            text="Medicine not collected (open alert)",
                            source=f"Safeguard check {MEDICINE_CHECK}, due {a.due_date:%-d %B %Y}",
                            on=a.first_raised_on,
                        )
                    )
        strands.append(Strand("health", "Chronic conditions and missed care", items))
    return strands


def _open_concerns(run, as_of: dt.date) -> list[Item]:
    """Concerns of significant harm or exploitation (the meetings app) raised by the day
    and not closed on it, newest first."""
    rows = run(
        "open-concerns",
        lambda child_id: (
            Concern.objects.filter(links__child_id=child_id, raised_on__lte=as_of)
            .filter(open_on(as_of, "closed_on"))
            .select_related("source_agency")
            .order_by("-raised_on", "-pk")
        ),
    )
    return [
        Item(
            text=f"{c.get_kind_display()} concern"
            + (f" ({c.get_risk_level_display().lower()} risk)" if c.risk_level else "")
            + f": {c.summary}",
            source=f"Concerns and meetings, raised by {c.source_agency.name}",
            on=c.raised_on,
        )
        for c in rows
    ]


def _missed_appointments(rows) -> list[Item]:
    """health_appointment entries recorded as not attended (details.attended false)."""
    return [
        Item(
            text="Appointment not attended",
            source=f"Chronology, recorded by {agency}",
            on=day,
        )
        for day, agency, details in rows
        if (details or {}).get("attended") is False
    ]
