"""The chronology: one ordered timeline, corrections that supersede, filters."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.chronology import services
from safeguard.chronology.models import Event
from safeguard.chronology.selectors import TimelineFilter, timeline
from safeguard.episodes import services as episode_services
from tests import factories


def at(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


@pytest.fixture
def setup(db):
    child = factories.child(date_of_birth=dt.date(2001, 12, 3))
    police = factories.agency("wmp", kind="police", name="West Mercia Police")
    csc = factories.agency("wcf", name="Worcestershire Children First")
    return child, police, csc


def record(child, agency, occurred, summary, event_type="note", recorded_at=None, **extra):
    return services.record_event(
        actor=None,
        child=child,
        event_type=event_type,
        occurred=occurred,
        source_agency=agency,
        summary=summary,
        recorded_at=recorded_at or at("2020-01-01T09:00"),
        **extra,
    )


def summaries(entries):
    return [e.summary for e in entries]


def test_mixed_precision_order(setup):
    child, police, csc = setup
    # Recorded in a scrambled order on purpose.
    record(child, csc, "2019-06-16T21:40", "exact 21:40")
    record(child, csc, "2019-06-16", "day 16 June")
    record(child, csc, "2019", "year 2019")
    record(child, csc, "2019-06-01", "day 1 June")
    record(child, csc, "2019-06", "month June")
    record(child, csc, "2019-06-16T08:05", "exact 08:05")
    record(child, csc, "2018-12", "month December 2018")
    assert summaries(timeline(child)) == [
        "month December 2018",
        "year 2019",  # a year sits at its start, before anything dated within it
        "month June",  # "June 2019" heads the entries of June...
        "day 1 June",  # ...even one dated 1 June (coarser first at the same instant)
        "day 16 June",
        "exact 08:05",
        "exact 21:40",
    ]
    labels = [e.date_label for e in timeline(child)]
    assert labels[:3] == ["December 2018", "2019", "June 2019"]
    assert labels[-1] == "16 June 2019 21:40"
    assert [e.approximate for e in timeline(child)][:4] == [True, True, True, False]


def test_same_moment_ordered_by_when_recorded(setup):
    child, police, csc = setup
    record(child, police, "2019-06-16", "recorded second", recorded_at=at("2019-06-17T10:00"))
    record(child, csc, "2019-06-16", "recorded first", recorded_at=at("2019-06-16T23:00"))
    record(child, csc, "2019-06-16", "recorded third", recorded_at=at("2019-06-18T08:00"))
    assert summaries(timeline(child)) == ["recorded first", "recorded second", "recorded third"]


def test_events_merge_with_episodes_and_placements(setup):
    child, police, csc = setup
    episode_services.record_episode(
        actor=None,
        child=child,
        kind="looked_after",
        legal_status="V2",
        start_date=dt.date(2017, 1, 9),
        agency=csc,
    )
    episode_services.record_placement(
        actor=None, child=child, placement_type="U6", start_date=dt.date(2017, 1, 9), agency=csc
    )
    record(child, police, "2017-01-08T20:00", "the night before")
    record(child, csc, "2017-01-10", "the day after")
    assert [e.entry_type for e in timeline(child)] == [
        "note",
        "episode_start",
        "placement_start",
        "note",
    ]


def test_correction_supersedes_and_is_hidden_by_default(setup):
    child, police, csc = setup
    original = record(child, police, "2019-06-16T21:40", "Called at 21:40")
    corrected = services.correct_event(
        actor=None,
        original=original,
        reason="Call time was 21:45",
        occurred="2019-06-16T21:45",
        summary="Called at 21:45",
        recorded_at=at("2020-01-02T09:00"),
    )
    assert corrected.supersedes_id == original.pk
    assert corrected.source_agency == police  # carried over
    assert summaries(timeline(child)) == ["Called at 21:45"]
    every = timeline(child, TimelineFilter(include_superseded=True))
    assert [(e.summary, e.superseded) for e in every] == [
        ("Called at 21:40", True),
        ("Called at 21:45", False),
    ]
    assert every[1].correction_reason == "Call time was 21:45"
    # The original row is untouched.
    original.refresh_from_db()
    assert original.summary == "Called at 21:40"
    assert list(Event.objects.current()) == [corrected]


def test_correcting_an_already_corrected_entry_refused(setup):
    child, police, csc = setup
    original = record(child, police, "2019-06-16", "First version")
    services.correct_event(actor=None, original=original, reason="Typo", summary="Second version")
    with pytest.raises(ValidationError) as caught:
        services.correct_event(actor=None, original=original, reason="Again", summary="Third")
    assert caught.value.messages == [
        "This entry has already been corrected: correct the latest version instead"
    ]
    with pytest.raises(ValidationError) as caught:
        services.correct_event(actor=None, original=original, reason="  ", summary="Third")
    assert caught.value.message_dict == {
        "correction_reason": ["Say why the entry is being corrected"]
    }
    assert Event.objects.count() == 2


def test_withdrawal_hides_the_entry(setup):
    child, police, csc = setup
    wrong = record(child, police, "2019-06-16", "Entered on the wrong child")
    keep = record(child, police, "2019-06-17", "Stays")
    withdrawal = services.withdraw_event(actor=None, original=wrong, reason="Wrong child")
    assert withdrawal.withdrawn and withdrawal.supersedes == wrong
    assert summaries(timeline(child)) == ["Stays"]
    every = timeline(child, TimelineFilter(include_superseded=True))
    assert [(e.summary, e.superseded, e.withdrawn) for e in every] == [
        ("Entered on the wrong child", True, False),
        ("Entered on the wrong child", False, True),
        ("Stays", False, False),
    ]
    with pytest.raises(ValidationError):
        services.withdraw_event(actor=None, original=wrong, reason="Twice")
    assert keep.pk in {e.event.pk for e in every}


def test_filters_by_agency_type_and_period(setup):
    child, police, csc = setup
    record(child, police, "2018-09-23T11:15", "found", event_type="police_incident")
    record(child, csc, "2018-09-14", "concern", event_type="exploitation_concern")
    record(child, csc, "2019", "a year", event_type="note")
    record(child, police, "2019-04-10", "bail", event_type="bail_conditions_set",
           details={"conditions": "No contact"})  # fmt: skip
    episode_services.record_episode(
        actor=None, child=child, kind="child_in_need", start_date=dt.date(2019, 2, 1), agency=csc
    )

    by_agency = timeline(child, TimelineFilter(agencies=frozenset({"wmp"})))
    assert summaries(by_agency) == ["found", "bail"]
    by_type = timeline(child, TimelineFilter(types=frozenset({"note", "episode_start"})))
    assert [e.entry_type for e in by_type] == ["note", "episode_start"]
    assert summaries(timeline(child, TimelineFilter(types=frozenset({"police_incident"})))) == [
        "found"
    ]
    # A period: entries dated within it, and an approximate date whose period overlaps it.
    period = timeline(
        child, TimelineFilter(date_from=dt.date(2019, 3, 1), date_to=dt.date(2019, 12, 31))
    )
    assert summaries(period) == ["a year", "bail"]
    before = timeline(child, TimelineFilter(date_to=dt.date(2018, 9, 20)))
    assert summaries(before) == ["concern"]
    both = timeline(
        child,
        TimelineFilter(agencies=frozenset({"wcf"}), date_from=dt.date(2019, 1, 1)),
    )
    assert [e.entry_type for e in both] == ["note", "episode_start"]


def test_period_starts_at_midnight_and_includes_its_first_instant(setup):
    # An exact time has no period of its own: it must be kept by its start alone.
    child, police, _ = setup
    record(child, police, "2019-03-01T00:00", "on the first instant")
    record(child, police, "2019-02-28T23:59", "a minute before")
    record(child, police, "2019-02", "February, approximate")
    kept = timeline(child, TimelineFilter(date_from=dt.date(2019, 3, 1)))
    assert summaries(kept) == ["on the first instant"]


def test_the_current_entries_of_the_whole_timeline_are_the_default_timeline(setup):
    """The chronology page reads the whole timeline once and shows its current entries:
    exactly what the timeline without corrections gives, in both orders, with ties,
    corrections of corrections, withdrawals and the case record's own entries."""
    from safeguard.chronology.selectors import current_entries

    child, police, csc = setup
    first = record(child, police, "2019-06-16T21:40", "Called")
    second = services.correct_event(actor=None, original=first, reason="Time", summary="Called!")
    services.correct_event(actor=None, original=second, reason="Again", summary="Called!!")
    services.withdraw_event(
        actor=None, original=record(child, csc, "2019-06-16", "Wrong child"), reason="Wrong"
    )
    for n in range(3):  # the same moment and the same recording time: ties
        record(child, csc, "2019-06-16", f"Same day {n}")
    record(child, police, "2019", "Sometime in 2019")
    record(child, csc, "2019-06", "Sometime in June")
    episode_services.record_episode(
        actor=None, child=child, kind="child_in_need", start_date=dt.date(2019, 6, 16)
    )
    everything = timeline(child, TimelineFilter(include_superseded=True))
    assert any(e.superseded for e in everything) and any(e.withdrawn for e in everything)

    def shown(entries):
        return [(e.entry_type, e.when, e.summary, e.event and e.event.pk) for e in entries]

    for newest_first in (True, False):
        expected = timeline(child, TimelineFilter(newest_first=newest_first))
        assert shown(current_entries(everything, newest_first=newest_first)) == shown(expected)
