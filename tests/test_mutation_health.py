"""Rules of the health checks stated for mutation testing (issue 15): what each check
reports, to whom, from when, and what it says, with the "should not fire" side.

Checks covered (their ids name this file into each module's mutation selection):
LAC-MEDICINE-NOT-COLLECTED, CAWN-NOT-AVAILABLE-S20, LAC-HEALTH-ASSESSMENT,
CPIS-NHS-NUMBER-MISSING, LAC-HEALTH-RECOMMENDATION-OVERDUE,
LAC-CHRONIC-APPOINTMENT-MISSED, WAS-NOT-BROUGHT.
"""

import datetime as dt

import pytest

from safeguard.checks.catalogue.medicine_collection import REPEAT_TELLS
from safeguard.checks.engine import get_check
from safeguard.children.services import record_relationship
from safeguard.chronology.services import record_event
from safeguard.episodes.services import end_episode, record_episode
from tests import factories
from tests.checks_helpers import (
    SARAH_DOB,
    D,
    adult_of_concern,
    chronic_medicine,
    event,
    health_assessment,
    looked_after_child,
    open_alert,
    placement,
)

pytestmark = pytest.mark.django_db

MED = "LAC-MEDICINE-NOT-COLLECTED"
CAWN = "CAWN-NOT-AVAILABLE-S20"
HA = "LAC-HEALTH-ASSESSMENT"
NHS = "CPIS-NHS-NUMBER-MISSING"
REC = "LAC-HEALTH-RECOMMENDATION-OVERDUE"
CAM = "LAC-CHRONIC-APPOINTMENT-MISSED"
WNB = "WAS-NOT-BROUGHT"


def found(check_id, as_of, child_ids=None):
    return {(f.child_id, f.subject_key): f for f in get_check(check_id).findings(as_of, child_ids)}


def keys(check_id, as_of, child_ids=None):
    return set(found(check_id, as_of, child_ids))


# --- LAC-MEDICINE-NOT-COLLECTED ----------------------------------------------------------

_WHY = (
    "{name} is looked after and the medicine is for a chronic condition: a missed supply "
    "puts the child's health at risk. The GP, pharmacy and social worker should find out "
    "why. {carer} must be told: carers have no account here, so the allocated social "
    "worker tells them (Recommendation 7)."
)


def test_an_uncollected_prescription_alert_says_what_when_and_who_tells_the_carer():
    amy = looked_after_child(given_name="Amy")
    placement(amy, D(2017, 1, 9), provider_name="Ash House", end=D(2018, 5, 31))
    placement(amy, D(2018, 6, 1), provider_name="Elm Lodge")  # the open one
    chronic_medicine(amy, "Lamotrigine")
    event(
        amy,
        "prescription_issued",
        D(2019, 3, 4),
        medicine="Lamotrigine 100mg",
        prescription_ref="R1",
    )
    bea = looked_after_child(given_name="Bea")
    chronic_medicine(bea, "Lamotrigine")
    event(bea, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine")
    result = found(MED, D(2019, 3, 12))
    assert set(result) == {(amy.pk, "rx:R1"), (bea.pk, "rx:lamotrigine:2019-03-04")}
    a = result[(amy.pk, "rx:R1")]
    assert a.detail == (
        "Lamotrigine 100mg for Amy was prescribed on 4 March 2019 (prescription R1) and no "
        "collection is recorded; it should have been collected by 11 March 2019 (7 days). "
        + _WHY.format(name="Amy", carer="The carer (Elm Lodge)")
    )
    assert (a.due_date, a.approximate, a.record_link, a.severity, a.also_tells) == (
        D(2019, 3, 11),
        False,
        "chronology",
        None,
        (),
    )
    assert a.prefill == {"medicine": "Lamotrigine 100mg", "prescription_ref": "R1"}
    b = result[(bea.pk, "rx:lamotrigine:2019-03-04")]
    assert b.detail == (
        "Lamotrigine for Bea was prescribed on 4 March 2019 and no collection is recorded; "
        "it should have been collected by 11 March 2019 (7 days). "
        + _WHY.format(name="Bea", carer="The carer")
    )
    assert b.prefill == {"medicine": "Lamotrigine"}
    assert (b.due_date, b.approximate, b.record_link) == (D(2019, 3, 11), False, "chronology")


def test_an_approximately_dated_prescription_says_so_and_counts_from_its_periods_end():
    child = looked_after_child(given_name="Cat")
    chronic_medicine(child, "Lamotrigine")
    event(child, "prescription_issued", "2019-02", medicine="Lamotrigine")
    assert keys(MED, D(2019, 3, 7)) == set()
    (f,) = found(MED, D(2019, 3, 8)).values()
    assert (f.due_date, f.approximate, f.subject_key) == (
        D(2019, 3, 7),
        True,
        "rx:lamotrigine:2019-02-01",
    )
    assert f.detail == (
        "Lamotrigine for Cat was prescribed on February 2019 and no collection is recorded; "
        "it should have been collected by 7 March 2019 (7 days). "
        + _WHY.format(name="Cat", carer="The carer")
        + " The prescription is dated only as February 2019."
    )
    year = looked_after_child()
    chronic_medicine(year, "Lamotrigine")
    event(year, "prescription_issued", "2018", medicine="Lamotrigine")
    assert keys(MED, D(2019, 1, 7), [year.pk]) == set()
    (f,) = found(MED, D(2019, 1, 8), [year.pk]).values()
    assert (f.due_date, f.approximate) == (D(2019, 1, 7), True)


def test_the_collection_days_are_a_threshold_counted_from_the_issue(settings):
    settings.SAFEGUARD_CHECKS = {MED: {"collection_days": 3}}
    child = looked_after_child(given_name="Dee")
    chronic_medicine(child, "Lamotrigine")
    event(
        child, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine", prescription_ref="R1"
    )
    assert keys(MED, D(2019, 3, 7)) == set()
    (f,) = found(MED, D(2019, 3, 8)).values()
    assert f.due_date == D(2019, 3, 7)
    assert "collected by 7 March 2019 (3 days)." in f.detail


def test_which_collection_answers_a_prescription():
    # (issue's ref, collection's ref, collection's day, collection's medicine, answered?)
    cases = [
        ("R1", "R1", D(2019, 3, 1), "Other", True),  # the same reference: any day, any name
        ("R1", "R9", D(2019, 3, 6), "Lamotrigine", False),  # another prescription
        ("R1", None, D(2019, 3, 4), "Lamotrigine", True),  # unreferenced, same name, same day
        ("R1", None, D(2019, 3, 3), "Lamotrigine", False),  # before the issue
        ("R1", None, D(2019, 3, 6), "Lamivudine", False),  # another medicine
        (None, "R9", D(2019, 3, 4), "lamotrigine 50mg", True),  # by name, any reference
        (None, None, D(2019, 3, 4), "LAMOTRIGINE", True),
        (None, "R9", D(2019, 3, 3), "Lamotrigine", False),  # before the issue
        (None, None, D(2019, 3, 6), "Lamivudine", False),
    ]
    children = []
    for issue_ref, ref, day, name, _ in cases:
        child = looked_after_child()
        chronic_medicine(child, "Lamotrigine")
        event(
            child,
            "prescription_issued",
            D(2019, 3, 4),
            medicine="Lamotrigine",
            **({"prescription_ref": issue_ref} if issue_ref else {}),
        )
        event(
            child,
            "prescription_collected",
            day,
            medicine=name,
            **({"prescription_ref": ref} if ref else {}),
        )
        children.append(child)
    # Another child's collection answers nothing here.
    other = looked_after_child()
    chronic_medicine(other, "Lamotrigine")
    event(
        other, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine", prescription_ref="R5"
    )
    event(children[1], "prescription_collected", D(2019, 3, 5), medicine="X", prescription_ref="R5")
    flagged = {c for c, _ in keys(MED, D(2019, 3, 20))}
    expected = {c.pk for c, case in zip(children, cases, strict=True) if not case[4]} | {other.pk}
    assert flagged == expected


def test_only_a_looked_after_living_child_with_a_chronic_medicine_started_is_alerted():
    def prescribed(child, medicine="Lamotrigine"):
        event(child, "prescription_issued", D(2019, 3, 4), medicine=medicine)
        event(child, "prescription_not_collected", D(2019, 3, 5), medicine=medicine)
        return child

    alerted = prescribed(looked_after_child())
    chronic_medicine(alerted, "Lamotrigine")
    by_condition = prescribed(looked_after_child())
    chronic_medicine(by_condition, "Lamotrigine", via_condition=True)
    started_later = prescribed(looked_after_child())
    chronic_medicine(started_later, "Lamotrigine", start=D(2019, 3, 21))
    started_that_day = prescribed(looked_after_child())
    chronic_medicine(started_that_day, "Lamotrigine", start=D(2019, 3, 20))
    other_medicine = prescribed(looked_after_child(), "Lamivudine")
    chronic_medicine(other_medicine, "Lamotrigine")
    died = prescribed(looked_after_child(date_of_death=D(2019, 3, 20)))
    chronic_medicine(died, "Lamotrigine")
    died_later = prescribed(looked_after_child(date_of_death=D(2019, 3, 21)))
    chronic_medicine(died_later, "Lamotrigine")
    left_care = prescribed(looked_after_child())
    chronic_medicine(left_care, "Lamotrigine")
    end_episode(actor=None, episode=left_care.episodes.get(), end_date=D(2019, 3, 10))
    at_home = prescribed(factories.child(date_of_birth=D(2005, 1, 1)))
    chronic_medicine(at_home, "Lamotrigine")
    expected = {alerted.pk, by_condition.pk, started_that_day.pk, died_later.pk}
    assert {c for c, _ in keys(MED, D(2019, 3, 20))} == expected
    for child in (alerted, started_later, died):
        assert {c for c, _ in keys(MED, D(2019, 3, 20), [child.pk])} == ({child.pk} & expected)
    assert keys(MED, D(2019, 3, 20), []) == set()


def test_a_pharmacy_report_is_its_own_alert_unless_the_issue_already_stands():
    amy = looked_after_child(given_name="Amy")
    placement(amy, D(2017, 1, 9), provider_name="Elm Lodge")
    chronic_medicine(amy, "Lamotrigine")
    event(
        amy,
        "prescription_not_collected",
        "2019-03-20T09:30",
        medicine="Lamotrigine 100mg",
        prescription_ref="R7",
    )
    bea = looked_after_child(given_name="Bea")
    chronic_medicine(bea, "Lamotrigine")
    event(bea, "prescription_not_collected", D(2019, 3, 20), medicine="Lamotrigine")
    # An issue and its own report (same reference): one alert, the issue's.
    cat = looked_after_child(given_name="Cat")
    chronic_medicine(cat, "Lamotrigine")
    event(cat, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine", prescription_ref="R2")
    event(
        cat,
        "prescription_not_collected",
        D(2019, 3, 20),
        medicine="Lamotrigine",
        prescription_ref="R2",
    )
    assert keys(MED, D(2019, 3, 19), [amy.pk, bea.pk]) == set()
    result = found(MED, D(2019, 3, 20))
    assert set(result) == {
        (amy.pk, "rx:R7"),
        (bea.pk, "not-collected:lamotrigine:2019-03-20"),
        (cat.pk, "rx:R2"),
    }
    a = result[(amy.pk, "rx:R7")]
    assert a.detail == (
        "The pharmacy reported on 20 March 2019 09:30 that Lamotrigine 100mg for Amy "
        "(prescription R7) was not collected. "
        + _WHY.format(name="Amy", carer="The carer (Elm Lodge)")
    )
    assert (a.due_date, a.record_link, a.approximate) == (D(2019, 3, 20), "chronology", False)
    assert a.prefill == {"medicine": "Lamotrigine 100mg", "prescription_ref": "R7"}
    b = result[(bea.pk, "not-collected:lamotrigine:2019-03-20")]
    assert b.detail == (
        "The pharmacy reported on 20 March 2019 that Lamotrigine for Bea was not collected. "
        + _WHY.format(name="Bea", carer="The carer")
    )
    assert b.prefill == {"medicine": "Lamotrigine"}
    assert result[(cat.pk, "rx:R2")].detail.startswith("Lamotrigine for Cat was prescribed")


def _issued(child, on, days_supply, ref="R3"):
    event(
        child,
        "prescription_issued",
        on,
        medicine="Lamotrigine",
        prescription_ref=ref,
        days_supply=days_supply,
    )


def _collected(child, on, ref="R3", medicine="Lamotrigine"):
    event(child, "prescription_collected", on, medicine=medicine, prescription_ref=ref)


def _supplied(child, days_supply, collected=None, ref="R3"):
    collected = collected or D(2019, 2, 6)
    chronic_medicine(child, "Lamotrigine")
    _issued(child, D(2019, 2, 4), days_supply, ref)
    _collected(child, collected, ref, medicine="Lamotrigine 100mg")
    return child


def test_a_supply_gap_alert_says_when_the_supply_ran_out():
    child = _supplied(looked_after_child(given_name="Amy"), 28)
    placement(child, D(2017, 1, 9), provider_name="Elm Lodge")
    (f,) = found(MED, D(2019, 3, 7)).values()
    assert (f.child_id, f.subject_key, f.due_date) == (child.pk, "supply:R3", D(2019, 3, 6))
    assert f.detail == (
        "Lamotrigine 100mg for Amy was last collected on 6 February 2019 (prescription R3); "
        "that supply ran out on 6 March 2019 and no later collection is recorded, so the "
        "child may be without the medicine. "
        + _WHY.format(name="Amy", carer="The carer (Elm Lodge)")
    )
    assert f.prefill == {"medicine": "Lamotrigine 100mg"}
    assert (f.record_link, f.approximate, f.severity) == ("chronology", False, None)


def test_a_prescription_issued_again_supplies_what_its_latest_issue_says():
    child = _supplied(looked_after_child(), 28)  # issued 4 February, collected 6 February
    _issued(child, D(2019, 2, 5), 56)
    assert keys(MED, D(2019, 3, 7)) == set()
    (f,) = found(MED, D(2019, 4, 4)).values()
    assert (f.subject_key, f.due_date) == ("supply:R3", D(2019, 4, 3))


def test_the_latest_issue_is_the_latest_by_date_whichever_was_recorded_first():
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine")
    _issued(child, D(2019, 2, 5), 56)  # recorded first, dated later
    _issued(child, D(2019, 2, 4), 28)
    _collected(child, D(2019, 2, 6), "R3")
    assert keys(MED, D(2019, 3, 7)) == set()
    assert keys(MED, D(2019, 4, 4)) == {(child.pk, "supply:R3")}
    # Issued again the same day: the one recorded last.
    again = _supplied(looked_after_child(), 28)
    _issued(again, D(2019, 2, 4), 56)
    assert keys(MED, D(2019, 3, 7), [again.pk]) == set()


def test_the_supply_grace_is_a_threshold(settings):
    settings.SAFEGUARD_CHECKS = {MED: {"supply_grace_days": 2}}
    child = _supplied(looked_after_child(), 28)
    assert keys(MED, D(2019, 3, 8)) == set()
    assert keys(MED, D(2019, 3, 9)) == {(child.pk, "supply:R3")}
    assert found(MED, D(2019, 3, 9))[(child.pk, "supply:R3")].due_date == D(2019, 3, 6)


def test_a_supply_gap_needs_a_referenced_collection_of_this_childs_issue():
    other = looked_after_child()
    chronic_medicine(other, "Lamotrigine")
    # The reference of another child's issue with a supply does not count for this one.
    _collected(other, D(2019, 2, 6), "R3")
    no_ref = looked_after_child()
    chronic_medicine(no_ref, "Lamotrigine")
    event(no_ref, "prescription_issued", D(2019, 2, 4), medicine="Lamotrigine", days_supply=28)
    event(no_ref, "prescription_collected", D(2019, 2, 6), medicine="Lamotrigine")
    fine = _supplied(looked_after_child(), 28)
    ids = [other.pk, no_ref.pk, fine.pk]
    assert keys(MED, D(2019, 4, 30), ids) == {(fine.pk, "supply:R3")}


def test_a_later_collection_even_later_the_same_day_closes_a_supply():
    later_day = _supplied(looked_after_child(), 28)
    _collected(later_day, D(2019, 2, 7), "R4")
    same_day = _supplied(looked_after_child(), 28)
    _collected(same_day, D(2019, 2, 6), "R4")
    other_medicine = _supplied(looked_after_child(), 28)
    event(
        other_medicine,
        "prescription_collected",
        D(2019, 2, 7),
        medicine="Lamivudine",
        prescription_ref="R4",
    )
    ids = [later_day.pk, same_day.pk, other_medicine.pk]
    assert keys(MED, D(2019, 3, 20), ids) == {(other_medicine.pk, "supply:R3")}
    # The collection recorded first on that day is not "later" than the one after it.
    first = looked_after_child()
    chronic_medicine(first, "Lamotrigine")
    _collected(first, D(2019, 2, 6), "R2")
    _issued(first, D(2019, 2, 4), 28)
    _collected(first, D(2019, 2, 6), "R3")
    assert keys(MED, D(2019, 3, 20), [first.pk]) == {(first.pk, "supply:R3")}


def _missed(child, day, ref=None, kind="prescription_not_collected", medicine="Lamotrigine"):
    event(child, kind, day, medicine=medicine, **({"prescription_ref": ref} if ref else {}))


_REPEATED = (
    " Repeated: {n} prescriptions of this medicine not collected in 90 days; the "
    "looked-after children's nurse, the IRO and the team manager are told."
)


def test_repeated_non_collection_makes_every_alert_of_that_medicine_high():
    child = looked_after_child(given_name="Amy")
    chronic_medicine(child, "Lamotrigine")
    chronic_medicine(child, "Levetiracetam")
    _missed(child, "2019-02", "R1", kind="prescription_issued")  # approximate
    _missed(child, D(2019, 5, 1), "R2", medicine="lamotrigine 50mg")
    _missed(child, D(2019, 5, 1), "R3", medicine="Levetiracetam")
    result = found(MED, D(2019, 5, 10))
    repeated = result[(child.pk, "rx:R1")]
    assert repeated.detail.endswith(_REPEATED.format(n=2))
    assert repeated.detail.startswith("Lamotrigine for Amy was prescribed on February 2019")
    assert (repeated.severity, repeated.also_tells) == ("high", REPEAT_TELLS)
    assert (repeated.due_date, repeated.approximate, repeated.record_link) == (
        D(2019, 3, 7),
        True,
        "chronology",
    )
    assert repeated.prefill == {"medicine": "Lamotrigine", "prescription_ref": "R1"}
    assert repeated.subject_key == "rx:R1" and repeated.child_id == child.pk
    assert result[(child.pk, "rx:R2")].severity == "high"
    once = result[(child.pk, "rx:R3")]
    assert (once.severity, once.also_tells) == (None, ())
    assert "Repeated" not in once.detail


def test_the_repeat_count_and_window_are_thresholds(settings):
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine")
    for day in (D(2019, 1, 10), D(2019, 3, 1), D(2019, 4, 1)):
        _missed(child, day)
    settings.SAFEGUARD_CHECKS = {MED: {"repeat_count": 3}}
    assert {f.severity for f in get_check(MED).findings(D(2019, 4, 1))} == {"high"}
    settings.SAFEGUARD_CHECKS = {MED: {"repeat_count": 4}}
    assert {f.severity for f in get_check(MED).findings(D(2019, 4, 1))} == {None}
    settings.SAFEGUARD_CHECKS = {MED: {"repeat_count": 3, "repeat_window_days": 30}}
    assert {f.severity for f in get_check(MED).findings(D(2019, 4, 1))} == {None}
    settings.SAFEGUARD_CHECKS = {MED: {"repeat_window_days": 31}}
    (f,) = (f for f in get_check(MED).findings(D(2019, 4, 1)) if f.due_date == D(2019, 3, 1))
    assert f.severity == "high"
    assert f.detail.endswith(
        " Repeated: 2 prescriptions of this medicine not collected in 31 days; the "
        "looked-after children's nurse, the IRO and the team manager are told."
    )


def test_repeats_count_each_prescription_once_and_reports_in_the_window():
    # An issue and its pharmacy report with the same reference: one prescription.
    same = looked_after_child()
    chronic_medicine(same, "Lamotrigine")
    _missed(same, D(2019, 3, 1), "R1", kind="prescription_issued")
    _missed(same, D(2019, 3, 12), "R1")
    # Two unreferenced reports: two prescriptions, even when collected since (the report
    # no longer an alert still counts while it is in the window).
    two = looked_after_child()
    chronic_medicine(two, "Lamotrigine")
    _missed(two, D(2019, 3, 1))
    _missed(two, D(2019, 3, 2))
    event(two, "prescription_collected", D(2019, 3, 2), medicine="Lamotrigine")
    _missed(two, D(2019, 3, 12))
    assert {f.severity for f in get_check(MED).findings(D(2019, 3, 20), [same.pk])} == {None}
    assert [
        f.detail.endswith(_REPEATED.format(n=3))
        for f in get_check(MED).findings(D(2019, 3, 20), [two.pk])
    ] == [True]
    # A report on the window's first day counts; the day before, it does not.
    edge = looked_after_child()
    chronic_medicine(edge, "Lamotrigine")
    _missed(edge, D(2019, 1, 1))
    event(edge, "prescription_collected", D(2019, 1, 2), medicine="Lamotrigine")
    _missed(edge, D(2019, 3, 31))
    assert [f.severity for f in get_check(MED).findings(D(2019, 4, 1), [edge.pk])] == ["high"]
    assert [f.severity for f in get_check(MED).findings(D(2019, 4, 2), [edge.pk])] == [None]
    # Another child's reports are not this child's.
    lone = looked_after_child()
    chronic_medicine(lone, "Lamotrigine")
    _missed(lone, D(2019, 3, 31))
    assert [f.severity for f in get_check(MED).findings(D(2019, 4, 1), [lone.pk])] == [None]
    assert {f.child_id: f.severity for f in get_check(MED).findings(D(2019, 4, 1))}[lone.pk] is None


def test_a_supply_gap_is_not_a_missed_prescription_for_repeats():
    child = _supplied(looked_after_child(), 28)
    _missed(child, D(2019, 3, 10))
    assert {f.subject_key: f.severity for f in get_check(MED).findings(D(2019, 3, 10))} == {
        "supply:R3": None,
        "not-collected:lamotrigine:2019-03-10": None,
    }


# --- CAWN-NOT-AVAILABLE-S20 --------------------------------------------------------------


def _cawn_child(status="V2", dob=None, start=None, **fields):
    dob, start = dob or D(2001, 12, 3), start or D(2017, 1, 9)
    if status in ("child_in_need", "child_protection"):
        child = factories.child(date_of_birth=dob, **fields)
        extra = {"cp_category": "sexual"} if status == "child_protection" else {}
        record_episode(actor=None, child=child, kind=status, start_date=start, **extra)
        return child
    return looked_after_child(start=start, legal_status=status, dob=dob, **fields)


def _cp_plan(child, start, category):
    return record_episode(
        actor=None, child=child, kind="child_protection", start_date=start, cp_category=category
    )


def _considered(child, person, on):
    return record_event(
        actor=None,
        child=child,
        event_type="protective_options_considered",
        occurred=on.isoformat(),
        source_agency=factories.agency(),
        summary="options",
        details={"options": "Police protection", "decision": "Sought"},
        related_persons=[person],
    )


_CAWN_TEXT = (
    "{name} is 16 or 17 and {situation}, and Mark Adult is recorded as an adult of concern. "
    "A Child Abduction Warning Notice is not available to protect her or him: the Child "
    "Abduction Act 1984 s2 offence covers children under 16, and Children Act 1989 s49 "
    "covers 16-17-year-olds only in care under a care order, in police protection or under "
    "an emergency protection order. Consider instead: police protection (Children Act 1989 "
    "s46) when there is reasonable cause to believe the young person would otherwise suffer "
    "significant harm; a Sexual Risk Order against the adult (Sexual Offences Act 2003 "
    "s122A, on police application, no conviction needed); an injunction under the High "
    "Court's inherent jurisdiction (the local authority needs leave, Children Act 1989 "
    "s100(4)). Do not rely on bail conditions alone (Recommendation 4). Record which "
    "options were considered."
)


def test_the_cawn_alert_names_the_adult_the_situation_and_the_options():
    situations = {
        "V3": "accommodated under section 20 (legal status V3)",
        "J2": "remanded or detained (legal status J2)",
        "child_protection": "living at home (not looked after)",
    }
    children = {s: _cawn_child(s, given_name=f"Kid{s}") for s in situations}
    rels = {s: adult_of_concern(c, D(2018, 9, 10)) for s, c in children.items()}
    result = found(CAWN, D(2018, 9, 12))
    assert set(result) == {(c.pk, f"adult:{rels[s].person_id}") for s, c in children.items()}
    for status, situation in situations.items():
        f = result[(children[status].pk, f"adult:{rels[status].person_id}")]
        assert f.detail == _CAWN_TEXT.format(name=f"Kid{status}", situation=situation)
        assert (f.due_date, f.record_link, f.approximate) == (D(2018, 9, 10), "summary", False)
        assert f.prefill == {"related_person": rels[status].person_id}


def test_the_cawn_alert_is_due_from_the_latest_of_16_the_adult_and_the_status():
    # (date of birth, relationship start, episode start, due)
    cases = [
        (D(2001, 12, 3), D(2017, 6, 1), D(2017, 1, 9), D(2017, 12, 3)),  # 16th birthday
        (D(2001, 12, 3), D(2018, 2, 1), D(2017, 1, 9), D(2018, 2, 1)),  # the adult
        (D(2001, 12, 3), D(2017, 6, 1), D(2018, 3, 1), D(2018, 3, 1)),  # the status
        (D(2001, 12, 3), None, D(2018, 3, 1), D(2018, 3, 1)),  # an undated relationship
        (D(2001, 12, 3), None, D(2017, 1, 9), D(2017, 12, 3)),
    ]
    for status in ("V2", "child_in_need"):
        for dob, since, start, due in cases:
            child = _cawn_child(status, dob=dob, start=start)
            adult_of_concern(child, since)
            (f,) = get_check(CAWN).findings(D(2018, 6, 1), [child.pk])
            assert f.due_date == due, (status, since, start)


def test_the_cawn_alert_holds_while_the_adult_is_current_and_the_child_alive_and_16_17():
    child = _cawn_child()
    adult_of_concern(child, D(2018, 9, 10), end=D(2018, 10, 1))
    other = adult_of_concern(child, D(2018, 1, 1), name="Liam")
    other.relationship = "family_friend"
    other.save(update_fields=["relationship"])  # not an adult of concern
    assert keys(CAWN, D(2018, 9, 9)) == set()
    assert {c for c, _ in keys(CAWN, D(2018, 10, 1))} == {child.pk}
    assert keys(CAWN, D(2018, 10, 2)) == set()
    died = _cawn_child(date_of_death=D(2018, 9, 20))
    adult_of_concern(died, D(2018, 9, 10))
    assert {c for c, _ in keys(CAWN, D(2018, 9, 19), [died.pk])} == {died.pk}
    assert keys(CAWN, D(2018, 9, 20), [died.pk]) == set()
    # Only the children asked about.
    assert {c for c, _ in keys(CAWN, D(2018, 9, 19), [child.pk])} == {child.pk}
    assert {c for c, _ in keys(CAWN, D(2018, 9, 19))} == {child.pk, died.pk}


def test_the_options_considered_for_that_adult_since_the_status_began_resolve_it():
    cases = {
        "that adult, on the status's first day": (True, D(2018, 3, 1), True),
        "that adult, later": (True, D(2018, 6, 1), True),
        "that adult, before the status": (True, D(2018, 2, 28), False),
        "another adult": (False, D(2018, 6, 1), False),
    }
    children = {}
    for label, (same, on, _) in cases.items():
        child = _cawn_child(start=D(2018, 3, 1))
        rel = adult_of_concern(child, D(2017, 6, 1))
        person = rel.person if same else adult_of_concern(child, None, name="Zed").person
        _considered(child, person, on)
        children[label] = (child, rel)
    as_of = D(2018, 7, 1)
    result = keys(CAWN, as_of)
    for label, (child, rel) in children.items():
        resolved = cases[label][2]
        assert ((child.pk, f"adult:{rel.person_id}") in result) != resolved, label
    # Dated after the day: not yet.
    child, rel = children["that adult, later"]
    assert (child.pk, f"adult:{rel.person_id}") in keys(CAWN, D(2018, 5, 31))
    # Recorded for another child, naming the same adult: not this child's.
    lone = _cawn_child(start=D(2018, 3, 1))
    rel = adult_of_concern(lone, D(2017, 6, 1))
    _considered(_cawn_child(), rel.person, D(2018, 6, 1))
    assert keys(CAWN, as_of, [lone.pk]) == {(lone.pk, f"adult:{rel.person_id}")}


def test_at_home_counts_from_the_first_plan_and_not_with_an_open_care_episode():
    child = _cawn_child("child_in_need", start=D(2018, 1, 8))
    _cp_plan(child, D(2018, 3, 1), "sexual")
    rel = adult_of_concern(child, D(2017, 6, 1))
    # Considered between the two plans' starts: since the first, so it resolves.
    _considered(child, rel.person, D(2018, 2, 1))
    assert keys(CAWN, D(2018, 6, 1)) == set()
    fresh = _cawn_child("child_in_need", start=D(2018, 1, 8))
    _cp_plan(fresh, D(2018, 3, 1), "sexual")
    adult_of_concern(fresh, D(2017, 6, 1))
    (f,) = get_check(CAWN).findings(D(2018, 6, 1), [fresh.pk])
    assert f.due_date == D(2018, 1, 8)
    # Looked after under a care order with a plan left open: a CAWN is available.
    record_episode(
        actor=None,
        child=fresh,
        kind="looked_after",
        start_date=D(2018, 5, 1),
        legal_status="C2",
    )
    assert keys(CAWN, D(2018, 4, 30), [fresh.pk]) != set()
    assert keys(CAWN, D(2018, 6, 1), [fresh.pk]) == set()


def test_a_cawn_alert_ends_saying_why_unless_the_options_were_recorded():
    check = get_check(CAWN)
    ended = _cawn_child()
    gone_adult = adult_of_concern(ended, D(2018, 1, 1), end=D(2018, 5, 31))
    cared = _cawn_child()
    rel_cared = adult_of_concern(cared, D(2018, 1, 1))
    end_episode(actor=None, episode=cared.episodes.get(), end_date=D(2018, 4, 30))
    record_episode(
        actor=None,
        child=cared,
        kind="looked_after",
        start_date=D(2018, 4, 30),
        legal_status="C2",
    )
    still = _cawn_child()
    rel_still = adult_of_concern(still, D(2018, 1, 1))
    gone = {
        (ended.pk, f"adult:{gone_adult.person_id}"),
        (cared.pk, f"adult:{rel_cared.person_id}"),
        (still.pk, f"adult:{rel_still.person_id}"),
        (still.pk, "other:1"),
    }
    assert check.more_end_reasons(D(2018, 6, 1), gone) == {
        (ended.pk, f"adult:{gone_adult.person_id}"): "the adult of concern relationship ended",
        (cared.pk, f"adult:{rel_cared.person_id}"): (
            "the young person's status changed (a CAWN is available, or they are no "
            "longer known to children's services)"
        ),
    }
    # On the relationship's last day it is still current.
    assert check.more_end_reasons(D(2018, 5, 31), gone) == {
        (cared.pk, f"adult:{rel_cared.person_id}"): (
            "the young person's status changed (a CAWN is available, or they are no "
            "longer known to children's services)"
        ),
    }


def test_at_home_the_plan_that_began_first_counts_whichever_was_recorded_first():
    child = _cawn_child("child_protection", start=D(2018, 3, 1))
    # Recorded second, begun first (a plan recorded late): the first plan is the CIN one.
    record_episode(actor=None, child=child, kind="child_in_need", start_date=D(2018, 1, 8))
    rel = adult_of_concern(child, D(2017, 6, 1))
    (f,) = get_check(CAWN).findings(D(2018, 6, 1), [child.pk])
    assert f.due_date == D(2018, 1, 8)
    _considered(child, rel.person, D(2018, 2, 1))
    assert keys(CAWN, D(2018, 6, 1), [child.pk]) == set()


def test_a_cawn_alert_resolved_by_the_options_is_not_ended_whatever_else_is_recorded():
    """Only this adult's adult-of-concern relationship, current on the day (undated counts),
    and only this young person's own episodes decide whether the duty stopped applying."""
    check = get_check(CAWN)
    undated = _cawn_child()
    rel_undated = adult_of_concern(undated, None)
    at_home = _cawn_child("child_in_need")
    rel_home = adult_of_concern(at_home, D(2018, 1, 1))
    # Another young person in care under a care order: not this one's episode.
    _cawn_child("C2")
    # The adult of concern relationship ended, the same adult still a partner.
    partner = _cawn_child()
    rel_partner = adult_of_concern(partner, D(2018, 1, 1), end=D(2018, 5, 31))
    record_relationship(
        actor=None,
        child=partner,
        person=rel_partner.person,
        relationship="partner",
        start_date=D(2018, 6, 1),
    )
    gone = {
        (undated.pk, f"adult:{rel_undated.person_id}"),
        (at_home.pk, f"adult:{rel_home.person_id}"),
        (partner.pk, f"adult:{rel_partner.person_id}"),
    }
    assert check.more_end_reasons(D(2018, 6, 1), gone) == {
        (partner.pk, f"adult:{rel_partner.person_id}"): "the adult of concern relationship ended"
    }


# --- LAC-HEALTH-ASSESSMENT ---------------------------------------------------------------


def test_the_health_assessment_alerts_say_what_was_due_and_when():
    amy = looked_after_child(start=D(2017, 1, 9), given_name="Amy")
    bea = looked_after_child(start=D(2017, 1, 9), given_name="Bea")
    health_assessment(bea, D(2017, 2, 1), kind="initial")
    result = found(HA, D(2018, 2, 2))
    assert set(result) == {(amy.pk, "initial"), (bea.pk, "review-after:2017-02-01")}
    a = result[(amy.pk, "initial")]
    assert a.detail == (
        "Amy has been looked after since 9 January 2017 and no initial health assessment is "
        "recorded. It was due by 6 February 2017 (20 working days). Arrange it with the "
        "looked-after children's health team (CPPCR 2010 reg 7)."
    )
    assert (a.due_date, a.prefill, a.record_link, a.approximate) == (
        D(2017, 2, 6),
        {"kind": "initial"},
        "summary",
        False,
    )
    b = result[(bea.pk, "review-after:2017-02-01")]
    assert b.detail == (
        "Bea's last health assessment was on 1 February 2017. A review was due by "
        "1 February 2018 (every 12 months from age 5) and none is recorded."
    )
    assert (b.due_date, b.prefill, b.record_link, b.approximate) == (
        D(2018, 2, 1),
        {"kind": "review"},
        "summary",
        False,
    )


def test_the_review_months_are_thresholds_by_age_at_the_last_assessment(settings):
    settings.SAFEGUARD_CHECKS = {HA: {"review_months_under_5": 3, "review_months_from_5": 9}}
    small = looked_after_child(start=D(2018, 1, 8), dob=D(2015, 3, 1), legal_status="C2")
    health_assessment(small, D(2018, 2, 1), kind="initial")
    big = looked_after_child(start=D(2018, 1, 8), legal_status="C2", given_name="Big")
    health_assessment(big, D(2018, 2, 1), kind="initial")
    assert keys(HA, D(2018, 5, 1)) == set()
    assert keys(HA, D(2018, 5, 2)) == {(small.pk, "review-after:2018-02-01")}
    assert found(HA, D(2018, 5, 2))[(small.pk, "review-after:2018-02-01")].detail.endswith(
        "(every 3 months under age 5) and none is recorded."
    )
    assert (big.pk, "review-after:2018-02-01") not in keys(HA, D(2018, 11, 1))
    f = found(HA, D(2018, 11, 2))[(big.pk, "review-after:2018-02-01")]
    assert f.due_date == D(2018, 11, 1)
    assert "(every 9 months from age 5)" in f.detail


def test_the_days_before_care_are_a_threshold(settings):
    settings.SAFEGUARD_CHECKS = {HA: {"days_before_care": 5}}
    counted = looked_after_child(start=D(2017, 1, 9))
    health_assessment(counted, D(2017, 1, 4), kind="initial")
    too_early = looked_after_child(start=D(2017, 1, 9))
    health_assessment(too_early, D(2017, 1, 3), kind="initial")
    assert keys(HA, D(2017, 2, 7)) == {(too_early.pk, "initial")}


def test_the_last_assessment_of_the_day_recorded_last_is_the_one_reviews_count_from():
    child = looked_after_child(start=D(2017, 1, 9))
    health_assessment(child, D(2017, 2, 1), kind="initial")
    health_assessment(child, D(2017, 6, 1), kind="review")
    health_assessment(child, D(2017, 6, 1), kind="review")
    assert keys(HA, D(2018, 6, 1)) == set()
    assert keys(HA, D(2018, 6, 2)) == {(child.pk, "review-after:2017-06-01")}
    # An assessment after the day is not yet recorded.
    later = looked_after_child(start=D(2017, 1, 9))
    health_assessment(later, D(2017, 2, 1), kind="initial")
    health_assessment(later, D(2018, 3, 1), kind="review")
    assert keys(HA, D(2018, 2, 2), [later.pk]) == {(later.pk, "review-after:2017-02-01")}


def test_a_refusal_or_a_doctors_review_is_the_initial_a_nurses_is_not():
    refused = looked_after_child(start=D(2017, 1, 9))
    health_assessment(refused, D(2017, 1, 20), refused=True, refusal_reason="Competent")
    doctor = looked_after_child(start=D(2017, 1, 9))
    health_assessment(doctor, D(2017, 1, 20), by_medical_practitioner=True)
    nurse = looked_after_child(start=D(2017, 1, 9))
    health_assessment(nurse, D(2017, 1, 20), by_medical_practitioner=False)
    assert keys(HA, D(2017, 2, 7)) == {(nurse.pk, "initial")}
    # A nurse's review, with no initial, raises only the initial alert, whatever its age.
    assert keys(HA, D(2018, 6, 1), [nurse.pk]) == {(nurse.pk, "initial")}
    assert keys(HA, D(2018, 6, 1), [doctor.pk]) == {(doctor.pk, "review-after:2017-01-20")}


def _two_periods_of_care(initial_on=None):
    """In care from 11 January 2016 to 1 June 2016 (an initial assessment on `initial_on`
    if given), and again from 9 January 2017 under a care order."""
    child = looked_after_child(start=D(2016, 1, 11))
    if initial_on:
        health_assessment(child, initial_on, kind="initial")
    end_episode(actor=None, episode=child.episodes.get(), end_date=D(2016, 6, 1))
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2017, 1, 9), legal_status="C2"
    )
    return child


def test_a_new_period_of_care_needs_its_own_initial_assessment():
    child = _two_periods_of_care(initial_on=D(2016, 1, 20))
    assert keys(HA, D(2017, 2, 6)) == set()
    assert keys(HA, D(2017, 2, 7)) == {(child.pk, "initial")}
    health_assessment(child, D(2017, 2, 8), kind="initial")
    assert keys(HA, D(2017, 2, 8)) == set()


def test_health_assessment_alerts_only_for_living_looked_after_children_asked_about():
    died = looked_after_child(start=D(2017, 1, 9), date_of_death=D(2017, 3, 1))
    other = looked_after_child(start=D(2017, 1, 9))
    health_assessment(other, D(2017, 1, 20), kind="initial")
    health_assessment(died, D(2016, 12, 20), kind="initial")
    dead_review = looked_after_child(start=D(2017, 1, 9), date_of_death=D(2018, 3, 1))
    health_assessment(dead_review, D(2017, 1, 20), kind="initial")
    assert keys(HA, D(2017, 2, 28)) == set()
    assert keys(HA, D(2018, 2, 28), [dead_review.pk]) == {
        (dead_review.pk, "review-after:2017-01-20")
    }
    assert keys(HA, D(2018, 3, 1), [dead_review.pk]) == set()
    assert keys(HA, D(2018, 2, 28), [other.pk]) == {(other.pk, "review-after:2017-01-20")}
    fresh = looked_after_child(start=D(2017, 1, 9), date_of_death=D(2017, 2, 8))
    assert keys(HA, D(2017, 2, 7), [fresh.pk]) == {(fresh.pk, "initial")}
    assert keys(HA, D(2017, 2, 8), [fresh.pk]) == set()
    assert keys(HA, D(2017, 2, 7), [other.pk]) == set()
    short = looked_after_child(start=D(2017, 1, 9), legal_status="V3")
    health_assessment(short, D(2017, 1, 20), kind="initial")
    assert keys(HA, D(2018, 6, 1), [short.pk]) == set()


def test_the_period_of_care_is_the_childs_own_latest_that_continues_no_care_episode():
    """The initial assessment counts from the child's own period of care: its latest
    looked-after episode begun by the day that does not continue another of the child's
    looked-after episodes (a change of legal status). Another child's episodes, a plan
    begun later, a plan that ended the day care began and a period after the day do not
    move it."""
    amy = looked_after_child(start=D(2017, 1, 9), given_name="Amy")
    looked_after_child(start=D(2017, 1, 23))  # another child, in care later
    planned = looked_after_child(start=D(2017, 1, 9), given_name="Cat")
    _cp_plan(planned, D(2017, 1, 16), "neglect")
    # Another child whose care ended the day Dee's began.
    left = looked_after_child(start=D(2016, 6, 1))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2017, 1, 9))
    dee = looked_after_child(start=D(2017, 1, 9), given_name="Dee")
    # Eve's child in need plan ended the day she came into care.
    eve = factories.child(date_of_birth=SARAH_DOB, given_name="Eve")
    cin = record_episode(actor=None, child=eve, kind="child_in_need", start_date=D(2016, 6, 1))
    end_episode(actor=None, episode=cin, end_date=D(2017, 1, 9))
    record_episode(
        actor=None, child=eve, kind="looked_after", start_date=D(2017, 1, 9), legal_status="V2"
    )
    ids = [amy.pk, planned.pk, dee.pk, eve.pk]
    result = found(HA, D(2017, 2, 7), ids)
    assert set(result) == {(pk, "initial") for pk in ids}
    for child in (amy, planned, dee, eve):
        f = result[(child.pk, "initial")]
        assert f.due_date == D(2017, 2, 6)
        assert f.detail.startswith(f"{child.given_name} has been looked after since 9 January")
    # Asked about a day in an earlier period of care, a later one does not count.
    back = _two_periods_of_care()
    (f,) = get_check(HA).findings(D(2016, 2, 10), [back.pk])
    assert (f.subject_key, f.due_date) == ("initial", D(2016, 2, 8))


def test_reviews_fall_due_only_after_this_periods_initial_assessment_by_the_day():
    # An initial assessment from an earlier period of care does not count.
    again = _two_periods_of_care(initial_on=D(2016, 1, 20))
    health_assessment(again, D(2017, 1, 20), by_medical_practitioner=False)
    assert keys(HA, D(2018, 2, 1), [again.pk]) == {(again.pk, "initial")}
    # Nor one recorded for a later day.
    late = looked_after_child(start=D(2017, 1, 9))
    health_assessment(late, D(2017, 1, 20), by_medical_practitioner=False)
    health_assessment(late, D(2018, 3, 1), by_medical_practitioner=True)
    assert keys(HA, D(2018, 2, 1), [late.pk]) == {(late.pk, "initial")}


def test_an_assessment_on_the_fifth_birthday_is_reviewed_yearly():
    child = looked_after_child(start=D(2018, 1, 8), dob=D(2013, 3, 1), legal_status="C2")
    health_assessment(child, D(2018, 3, 1), kind="initial")
    assert keys(HA, D(2018, 9, 2)) == set()
    (f,) = get_check(HA).findings(D(2019, 3, 2), [child.pk])
    assert (f.subject_key, f.due_date) == ("review-after:2018-03-01", D(2019, 3, 1))
    assert "(every 12 months from age 5)" in f.detail


def test_one_review_alert_from_the_last_assessment_whatever_order_they_were_recorded():
    child = looked_after_child(start=D(2017, 1, 9))
    health_assessment(child, D(2017, 6, 1), kind="review")
    health_assessment(child, D(2017, 2, 1), kind="initial")
    assert keys(HA, D(2018, 6, 2), [child.pk]) == {(child.pk, "review-after:2017-06-01")}
    same_day = looked_after_child(start=D(2017, 1, 9))
    health_assessment(same_day, D(2017, 2, 1), kind="initial")
    health_assessment(same_day, D(2017, 6, 1), kind="review")
    health_assessment(same_day, D(2017, 6, 1), kind="review")
    assert len(get_check(HA).findings(D(2018, 6, 2), [same_day.pk])) == 1


# --- CPIS-NHS-NUMBER-MISSING -------------------------------------------------------------


def test_the_nhs_number_alert_is_due_from_the_earliest_covering_episode_open_on_the_day():
    child = looked_after_child(start=D(2017, 1, 9), given_name="Amy")
    _cp_plan(child, D(2016, 5, 2), "neglect")
    # A child in need plan alone is not covered; an ended plan is no longer.
    cin = factories.child(date_of_birth=D(2010, 1, 1))
    record_episode(actor=None, child=cin, kind="child_in_need", start_date=D(2016, 1, 4))
    ended = looked_after_child(start=D(2017, 1, 9))
    end_episode(actor=None, episode=ended.episodes.get(), end_date=D(2017, 6, 1))
    result = found(NHS, D(2017, 6, 1))
    assert set(result) == {(child.pk, "nhs-number"), (ended.pk, "nhs-number")}
    f = result[(child.pk, "nhs-number")]
    assert (f.due_date, f.record_link, f.approximate, f.prefill) == (
        D(2016, 5, 2),
        "summary",
        False,
        {},
    )
    assert f.detail == (
        "Amy has been looked after or on a child protection plan since 2 May 2016 and no NHS "
        "number is recorded, so CP-IS cannot alert emergency and unscheduled-care staff. "
        "Obtain it from the GP or the NHS Personal Demographics Service and record it on the "
        "child's summary."
    )
    assert set(found(NHS, D(2017, 6, 2))) == {(child.pk, "nhs-number")}
    assert keys(NHS, D(2016, 5, 1), [child.pk]) == set()
    assert found(NHS, D(2016, 5, 2), [child.pk])[(child.pk, "nhs-number")].due_date == D(2016, 5, 2)


def test_the_nhs_number_alert_ends_when_the_child_is_no_longer_covered():
    check = get_check(NHS)
    covered = looked_after_child(start=D(2017, 1, 9))
    left = looked_after_child(start=D(2017, 1, 9))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2017, 6, 1))
    cin = factories.child(date_of_birth=D(2010, 1, 1))
    record_episode(actor=None, child=cin, kind="child_in_need", start_date=D(2016, 1, 4))
    gone = {(covered.pk, "nhs-number"), (left.pk, "nhs-number"), (cin.pk, "nhs-number")}
    reason = "the child is no longer looked after or on a child protection plan"
    assert check.more_end_reasons(D(2017, 6, 2), gone) == {
        (left.pk, "nhs-number"): reason,
        (cin.pk, "nhs-number"): reason,
    }
    assert check.more_end_reasons(D(2017, 6, 1), gone) == {(cin.pk, "nhs-number"): reason}


def test_the_nhs_number_check_asked_about_some_children_finds_only_theirs_and_ends_by_child():
    # Children recorded first with no episode: the children's ids are then unlike their
    # episodes' ids (on SQLite, where each test starts from the same ids; on PostgreSQL the
    # sequences are shared by every test, and the ids only differ by chance).
    for _ in range(5):
        factories.child(date_of_birth=D(2010, 1, 1))
    first = looked_after_child(start=D(2017, 1, 9))
    second = looked_after_child(start=D(2017, 1, 9))
    assert keys(NHS, D(2017, 6, 1), [second.pk]) == {(second.pk, "nhs-number")}
    assert keys(NHS, D(2017, 6, 1), [first.pk]) == {(first.pk, "nhs-number")}
    assert keys(NHS, D(2017, 6, 1)) == {(first.pk, "nhs-number"), (second.pk, "nhs-number")}
    gone = {(first.pk, "nhs-number"), (second.pk, "nhs-number")}
    assert get_check(NHS).more_end_reasons(D(2017, 6, 1), gone) == {}


# --- LAC-HEALTH-RECOMMENDATION-OVERDUE ---------------------------------------------------


def _recommendation(child, due, assessed=None, **fields):
    assessed = assessed or D(2018, 2, 1)
    from safeguard.care.services import record_health_recommendation

    assessment = health_assessment(child, assessed, kind="initial")
    fields.setdefault("owner_name", "Dr Patel")
    return record_health_recommendation(
        actor=None, assessment=assessment, action="Refer to CAMHS", due_on=due, **fields
    )


def test_an_overdue_recommendation_says_what_by_whom_and_tells_its_owner():
    child = looked_after_child(start=D(2017, 1, 9), given_name="Amy")
    gp = factories.user(username="gp1", first_name="Rosa", last_name="Hart")
    named = _recommendation(child, D(2018, 4, 1), owner=gp, owner_name="")
    unnamed = _recommendation(child, D(2018, 4, 2))
    assert keys(REC, D(2018, 4, 1)) == set()
    result = found(REC, D(2018, 4, 3))
    assert set(result) == {
        (child.pk, f"recommendation:{named.pk}"),
        (child.pk, f"recommendation:{unnamed.pk}"),
    }
    f = result[(child.pk, f"recommendation:{named.pk}")]
    assert f.detail == (
        "Amy's health assessment of 1 February 2018 recommended: \u201cRefer to CAMHS\u201d, by "
        "Rosa Hart, due by 1 April 2018. No follow-up is recorded. Find out whether it was "
        "done and record it (or why it was not), so the next review of the care plan can act "
        "on it."
    )
    assert (f.due_date, f.prefill, f.recipients, f.record_link) == (
        D(2018, 4, 1),
        {"recommendation": named.pk},
        ((gp.pk, "health_recommendation_owner"),),
        "summary",
    )
    g = result[(child.pk, f"recommendation:{unnamed.pk}")]
    assert "by Dr Patel, due by 2 April 2018." in g.detail
    assert (g.recipients, g.prefill) == ((), {"recommendation": unnamed.pk})
    assert set(found(REC, D(2018, 4, 2))) == {(child.pk, f"recommendation:{named.pk}")}


def test_a_recommendation_is_overdue_only_until_followed_up_and_while_in_care(settings):
    from safeguard.care.services import record_recommendation_follow_up

    child = looked_after_child(start=D(2017, 1, 9))
    rec = _recommendation(child, D(2018, 4, 1))
    record_recommendation_follow_up(
        actor=None, recommendation=rec, followed_up_on=D(2018, 4, 10), outcome="done"
    )
    assert keys(REC, D(2018, 4, 9)) == {(child.pk, f"recommendation:{rec.pk}")}
    assert keys(REC, D(2018, 4, 10)) == set()
    settings.SAFEGUARD_CHECKS = {REC: {"grace_days": 3}}
    assert keys(REC, D(2018, 4, 4)) == set()
    assert keys(REC, D(2018, 4, 5)) == {(child.pk, f"recommendation:{rec.pk}")}
    settings.SAFEGUARD_CHECKS = {}
    died = looked_after_child(start=D(2017, 1, 9), date_of_death=D(2018, 5, 1))
    rec_died = _recommendation(died, D(2018, 4, 1))
    assert keys(REC, D(2018, 4, 30), [died.pk]) == {(died.pk, f"recommendation:{rec_died.pk}")}
    assert keys(REC, D(2018, 5, 1), [died.pk]) == set()
    adult = looked_after_child(start=D(2017, 1, 9), dob=D(2000, 4, 20))
    rec_adult = _recommendation(adult, D(2018, 4, 1))
    assert keys(REC, D(2018, 4, 19), [adult.pk]) == {(adult.pk, f"recommendation:{rec_adult.pk}")}
    assert keys(REC, D(2018, 4, 20), [adult.pk]) == set()
    left = looked_after_child(start=D(2017, 1, 9))
    rec_left = _recommendation(left, D(2018, 4, 1))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2018, 4, 15))
    assert keys(REC, D(2018, 4, 15), [left.pk]) == {(left.pk, f"recommendation:{rec_left.pk}")}
    assert keys(REC, D(2018, 4, 16), [left.pk]) == set()
    # Followed up on 10 April: the first child's is no longer open.
    assert {c for c, _ in keys(REC, D(2018, 4, 15))} == {died.pk, adult.pk, left.pk}


# --- LAC-CHRONIC-APPOINTMENT-MISSED ------------------------------------------------------


def _condition(child, chronic=True, resolved_on=None, name="Epilepsy"):
    from safeguard.health.services import record_condition

    return record_condition(
        actor=None,
        child=child,
        name=name,
        chronic=chronic,
        resolved_on=resolved_on,
        diagnosed_on=D(2010, 6, 1),
    )


def _appointment(child, condition, day, status="not_brought", service="paediatric", clinic=""):
    from safeguard.health.services import record_appointment

    return record_appointment(
        actor=None,
        child=child,
        condition=condition,
        date=day,
        status=status,
        service=service,
        clinic=clinic,
    )


def test_a_missed_chronic_appointment_says_who_missed_what_and_where():
    amy = looked_after_child(start=D(2017, 1, 9), given_name="Amy")
    epilepsy = _condition(amy)
    brought = _appointment(amy, epilepsy, D(2018, 3, 5), clinic="Oak Clinic")
    dna = _appointment(amy, epilepsy, D(2018, 3, 5), status="not_attended", service="camhs")
    result = found(CAM, D(2018, 3, 5))
    assert set(result) == {(amy.pk, f"appointment:{brought.pk}"), (amy.pk, f"appointment:{dna.pk}")}
    f = result[(amy.pk, f"appointment:{brought.pk}")]
    assert f.detail == (
        "Amy was not brought to the Paediatric (Oak Clinic) appointment on 5 March 2018 for "
        "Epilepsy, a chronic condition. The GP, the social worker and the looked-after "
        "children's nurse should find out why today with the carer and the clinic, and make "
        "sure it is rebooked and kept. The carer must be told: carers have no account here, "
        "so the allocated social worker tells them (Recommendation 7)."
    )
    assert (f.due_date, f.prefill, f.approximate) == (
        D(2018, 3, 5),
        {"condition": epilepsy.pk, "service": "paediatric", "clinic": "Oak Clinic"},
        False,
    )
    g = result[(amy.pk, f"appointment:{dna.pk}")]
    assert g.detail.startswith("Amy did not attend the CAMHS appointment on 5 March 2018 for ")
    assert g.prefill == {"condition": epilepsy.pk, "service": "camhs", "clinic": ""}
    assert keys(CAM, D(2018, 3, 4)) == set()


def test_a_missed_chronic_appointment_stays_until_rebooked_for_the_look_back(settings):
    child = looked_after_child(start=D(2017, 1, 9))
    epilepsy = _condition(child)
    asthma = _condition(child, name="Asthma")
    missed = _appointment(child, epilepsy, D(2018, 3, 5))
    subject = (child.pk, f"appointment:{missed.pk}")
    # 90 days: the last day is 2 June.
    assert subject in keys(CAM, D(2018, 6, 2))
    assert subject not in keys(CAM, D(2018, 6, 3))
    settings.SAFEGUARD_CHECKS = {CAM: {"look_back_days": 10}}
    assert subject in keys(CAM, D(2018, 3, 14))
    assert subject not in keys(CAM, D(2018, 3, 15))
    settings.SAFEGUARD_CHECKS = {}
    # Another condition's appointment, a cancelled one or one the same day does not clear it.
    _appointment(child, asthma, D(2018, 3, 20), status="booked")
    _appointment(child, epilepsy, D(2018, 3, 20), status="cancelled")
    _appointment(child, epilepsy, D(2018, 3, 5), status="attended")
    assert keys(CAM, D(2018, 3, 25)) == {subject}
    _appointment(child, epilepsy, D(2018, 3, 21), status="booked")
    assert keys(CAM, D(2018, 3, 25)) == set()
    other = looked_after_child(start=D(2017, 1, 9))
    done = _appointment(other, _condition(other), D(2018, 3, 5), status="not_attended")
    _appointment(other, other.conditions.get(), D(2018, 3, 6), status="attended")
    assert keys(CAM, D(2018, 3, 25), [other.pk]) == set()
    assert done.pk


def test_a_missed_appointment_counts_only_for_a_current_chronic_condition_in_care():
    child = looked_after_child(start=D(2017, 1, 9))
    resolving = _condition(child, resolved_on=D(2018, 3, 10))
    acute = _condition(child, chronic=False, name="Sprain")
    a = _appointment(child, resolving, D(2018, 3, 5))
    _appointment(child, acute, D(2018, 3, 5))
    _appointment(child, None, D(2018, 3, 5))
    _appointment(child, resolving, D(2018, 3, 6), status="cancelled")
    assert keys(CAM, D(2018, 3, 9)) == {(child.pk, f"appointment:{a.pk}")}
    assert keys(CAM, D(2018, 3, 10)) == set()
    died = looked_after_child(start=D(2017, 1, 9), date_of_death=D(2018, 3, 8))
    d = _appointment(died, _condition(died), D(2018, 3, 5))
    adult = looked_after_child(start=D(2017, 1, 9), dob=D(2000, 3, 8))
    b = _appointment(adult, _condition(adult), D(2018, 3, 5))
    left = looked_after_child(start=D(2017, 1, 9))
    c = _appointment(left, _condition(left), D(2018, 3, 5))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2018, 3, 7))
    at_home = factories.child(date_of_birth=D(2008, 1, 1))
    _appointment(at_home, _condition(at_home), D(2018, 3, 5))
    assert keys(CAM, D(2018, 3, 7)) == {
        (child.pk, f"appointment:{a.pk}"),
        (died.pk, f"appointment:{d.pk}"),
        (adult.pk, f"appointment:{b.pk}"),
        (left.pk, f"appointment:{c.pk}"),
    }
    assert keys(CAM, D(2018, 3, 8), [died.pk, adult.pk, left.pk]) == set()
    assert keys(CAM, D(2018, 3, 7), [left.pk]) == {(left.pk, f"appointment:{c.pk}")}


def test_a_missed_appointment_alert_ends_saying_why_unless_rebooked():
    check = get_check(CAM)
    child = looked_after_child(start=D(2017, 1, 9))
    old = _appointment(child, _condition(child, name="Asthma"), D(2018, 1, 5))
    resolved_condition = _condition(child, resolved_on=D(2018, 3, 10))
    resolved = _appointment(child, resolved_condition, D(2018, 3, 5))
    acute = _condition(child, chronic=False, name="Sprain")
    not_chronic = _appointment(child, acute, D(2018, 3, 5))
    none = _appointment(child, None, D(2018, 3, 5))
    rebooked_condition = _condition(child, name="Diabetes")
    rebooked = _appointment(child, rebooked_condition, D(2018, 3, 5))
    _appointment(child, rebooked_condition, D(2018, 3, 6), status="booked")
    fresh = _appointment(child, _condition(child, name="Eczema"), D(2018, 3, 5))
    gone = {
        (child.pk, f"appointment:{a.pk}")
        for a in (old, resolved, not_chronic, none, rebooked, fresh)
    }
    gone.add((child.pk, "appointment:999999"))
    assert check.more_end_reasons(D(2018, 4, 5), gone) == {
        (child.pk, f"appointment:{old.pk}"): "the missed appointment is more than 90 days old",
        (child.pk, f"appointment:{resolved.pk}"): "the condition is recorded as resolved",
        (child.pk, f"appointment:{not_chronic.pk}"): (
            "the appointment is no longer for a chronic condition"
        ),
        (child.pk, f"appointment:{none.pk}"): (
            "the appointment is no longer for a chronic condition"
        ),
    }
    # The day before: the old one is 89 days old... and on the 90th day it is not yet.
    assert (child.pk, f"appointment:{old.pk}") not in check.more_end_reasons(D(2018, 4, 4), gone)
    assert (child.pk, f"appointment:{resolved.pk}") not in check.more_end_reasons(
        D(2018, 3, 9), gone
    )
    assert (
        check.more_end_reasons(D(2018, 3, 10), gone)[(child.pk, f"appointment:{resolved.pk}")]
        == "the condition is recorded as resolved"
    )


def test_only_a_later_booked_or_attended_appointment_for_the_condition_resolves_a_miss():
    """Rebooked, it was resolved by the record, even if the condition was resolved or the
    miss aged out since; a later miss, an earlier appointment or another condition's
    appointment is no rebooking, and each alert is judged on its own."""
    check = get_check(CAM)
    child = looked_after_child(start=D(2017, 1, 9))
    cases = {}
    for label, rebook, resolved_on in [
        ("rebooked, then resolved", ("booked", 3, True), D(2018, 3, 10)),
        ("attended later, aged out", ("attended", 3, True), None),
        ("missed again", ("not_attended", 3, True), D(2018, 3, 10)),
        ("attended before", ("attended", -3, True), D(2018, 3, 10)),
        ("another condition's", ("booked", 3, False), D(2018, 3, 10)),
        ("no condition's", ("booked", 3, None), D(2018, 3, 10)),
    ]:
        condition = _condition(child, resolved_on=resolved_on, name=label)
        day = D(2018, 1, 2) if resolved_on is None else D(2018, 3, 5)
        missed = _appointment(child, condition, day)
        status, after, same = rebook
        other = {True: condition, False: _condition(child, name=f"{label} 2"), None: None}[same]
        _appointment(child, other, day + dt.timedelta(days=after), status=status)
        cases[label] = (child.pk, f"appointment:{missed.pk}")
    resolved = "the condition is recorded as resolved"
    expected = {
        cases["missed again"]: resolved,
        cases["attended before"]: resolved,
        cases["another condition's"]: resolved,
        cases["no condition's"]: resolved,
    }
    # The rebooked ones first: judging them must not stop the rest being judged.
    gone = [cases["rebooked, then resolved"], cases["attended later, aged out"], *expected]
    assert check.more_end_reasons(D(2018, 4, 5), gone) == expected


# --- WAS-NOT-BROUGHT ---------------------------------------------------------------------


def _not_brought(child, day, attended=False):
    return event(child, "health_appointment", day, attended=attended)


def _follow_up(child, day):
    return event(child, "was_not_brought_follow_up", day)


def _missed_twice(child):
    """A chronic condition, and not brought on 5 and 7 March 2018; returns the condition."""
    condition = _condition(child)
    _not_brought(child, D(2018, 3, 5))
    _not_brought(child, D(2018, 3, 7))
    return condition


def test_the_was_not_brought_alert_counts_the_misses_and_names_the_conditions():
    child = factories.child(date_of_birth=D(2008, 1, 1), given_name="Amy")
    _condition(child, name="Epilepsy")
    _condition(child, name="Asthma")
    _condition(child, chronic=False, name="Sprain")
    _not_brought(child, D(2018, 1, 10))
    _not_brought(child, D(2018, 2, 10), attended=True)
    _not_brought(child, D(2018, 3, 5))
    _not_brought(child, D(2018, 3, 7))
    assert keys(WNB, D(2018, 3, 4)) == set()
    (f,) = get_check(WNB).findings(D(2018, 3, 10))
    assert (f.child_id, f.subject_key, f.due_date, f.record_link) == (
        child.pk,
        "was-not-brought",
        D(2018, 3, 7),
        "chronology",
    )
    assert f.detail == (
        "Amy was not brought to 3 health appointments in the 12 months to 10 March 2018, the "
        "latest on 7 March 2018, and has a long-term condition (Asthma, Epilepsy). Find out "
        "why with those who care for them and the clinic, make sure the next appointment is "
        "kept, and record what was agreed."
    )


def test_was_not_brought_is_for_living_children_under_18_with_a_chronic_condition():
    def missed_twice(child):
        _not_brought(child, D(2018, 3, 5))
        _not_brought(child, D(2018, 3, 6))
        return child

    alerted = missed_twice(factories.child(date_of_birth=D(2008, 1, 1)))
    _condition(alerted)
    missed_twice(factories.child(date_of_birth=D(2008, 1, 1)))  # no chronic condition
    died = missed_twice(factories.child(date_of_birth=D(2008, 1, 1), date_of_death=D(2018, 3, 8)))
    _condition(died)
    adult = missed_twice(factories.child(date_of_birth=D(2000, 3, 8)))
    _condition(adult)
    assert {c for c, _ in keys(WNB, D(2018, 3, 7))} == {alerted.pk, died.pk, adult.pk}
    assert {c for c, _ in keys(WNB, D(2018, 3, 8))} == {alerted.pk}
    assert {c for c, _ in keys(WNB, D(2018, 3, 7), [died.pk])} == {died.pk}
    assert get_check(WNB).findings(D(2018, 3, 7), []) == []


def test_a_follow_up_on_or_after_the_latest_miss_resolves_it():
    on_day = factories.child(date_of_birth=D(2008, 1, 1))
    before = factories.child(date_of_birth=D(2008, 1, 1))
    for child in (on_day, before):
        _missed_twice(child)
    _follow_up(on_day, D(2018, 3, 7))
    _follow_up(before, D(2018, 3, 6))
    assert {c for c, _ in keys(WNB, D(2018, 3, 10))} == {before.pk}
    # Recorded for the day after: not yet.
    later = factories.child(date_of_birth=D(2008, 1, 1))
    _missed_twice(later)
    _follow_up(later, D(2018, 3, 9))
    assert keys(WNB, D(2018, 3, 8), [later.pk]) == {(later.pk, "was-not-brought")}
    assert keys(WNB, D(2018, 3, 9), [later.pk]) == set()


def test_a_was_not_brought_alert_ends_saying_why_unless_followed_up():
    from safeguard.checks.services import run_checks

    check = get_check(WNB)
    followed = factories.child(date_of_birth=D(2008, 1, 1))
    aged_out = factories.child(date_of_birth=D(2008, 1, 1))
    cured = factories.child(date_of_birth=D(2008, 1, 1))
    conditions = {}
    for child in (followed, aged_out, cured):
        conditions[child.pk] = _missed_twice(child)
    run_checks(D(2018, 3, 8))
    _follow_up(followed, D(2018, 3, 7))
    early = factories.child(date_of_birth=D(2008, 1, 1))
    _condition(early)
    _follow_up(early, D(2018, 3, 1))
    gone = {(c.pk, "was-not-brought") for c in (followed, aged_out, early)}
    cured_condition = conditions[cured.pk]
    cured_condition.resolved_on = D(2018, 4, 1)
    cured_condition.save(update_fields=["resolved_on"])
    gone.add((cured.pk, "was-not-brought"))
    assert check.more_end_reasons(D(2018, 4, 1), gone) == {
        (aged_out.pk, "was-not-brought"): "fewer than 2 appointments missed in the last 12 months",
        (early.pk, "was-not-brought"): "fewer than 2 appointments missed in the last 12 months",
        (cured.pk, "was-not-brought"): "no chronic condition is recorded now",
    }


def test_the_conditions_named_are_those_current_on_the_day_asked():
    child = factories.child(date_of_birth=D(2008, 1, 1))
    _condition(child, name="Epilepsy")
    _condition(child, name="Asthma", resolved_on=D(2018, 3, 9))
    _not_brought(child, D(2018, 3, 5))
    _not_brought(child, D(2018, 3, 7))
    (before,) = get_check(WNB).findings(D(2018, 3, 8))
    (after,) = get_check(WNB).findings(D(2018, 3, 10))
    assert "long-term condition (Asthma, Epilepsy)." in before.detail
    assert "long-term condition (Epilepsy)." in after.detail


def test_a_was_not_brought_alert_is_judged_by_its_own_due_date_and_each_child_on_its_own():
    from safeguard.checks.services import run_checks

    # Children recorded first with no condition: the children's ids are then unlike their
    # conditions' ids (on SQLite, where each test starts from the same ids).
    for _ in range(5):
        factories.child(date_of_birth=D(2008, 1, 1))
    followed = factories.child(date_of_birth=D(2008, 1, 1))
    still = factories.child(date_of_birth=D(2008, 1, 1))
    for child in (followed, still):
        _missed_twice(child)
    run_checks(D(2018, 3, 8))
    # Another check's alert about the child, raised later and due later: not this one's.
    nurse = factories.user("wnb-nurse")
    open_alert(followed, nurse, "designated_nurse", "initial", due_date=D(2018, 3, 20))
    _follow_up(followed, D(2018, 3, 7))
    # The followed-up one first: judging it must not stop the next being judged.
    gone = [(followed.pk, "was-not-brought"), (still.pk, "was-not-brought")]
    assert get_check(WNB).more_end_reasons(D(2019, 3, 8), gone) == {
        (still.pk, "was-not-brought"): "fewer than 2 appointments missed in the last 12 months"
    }


def test_a_cawn_alert_at_home_ends_when_a_care_order_begins_with_the_plan_left_open():
    child = _cawn_child("child_in_need", start=D(2018, 1, 8))
    rel = adult_of_concern(child, D(2017, 6, 1))
    key = (child.pk, f"adult:{rel.person_id}")
    assert keys(CAWN, D(2018, 4, 30)) == {key}
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2018, 5, 1), legal_status="C2"
    )
    assert keys(CAWN, D(2018, 5, 1)) == set()
    # Not resolved by a record: the status changed (a CAWN is now available).
    assert get_check(CAWN).more_end_reasons(D(2018, 5, 1), {key}) == {
        key: (
            "the young person's status changed (a CAWN is available, or they are no "
            "longer known to children's services)"
        )
    }
    # Still at home: no reason (only a record could have cleared it).
    assert get_check(CAWN).more_end_reasons(D(2018, 4, 30), {key}) == {}


def test_one_unreferenced_pharmacy_report_is_not_repeated_non_collection():
    # Bug found by mutation testing: the report was counted once as an alert and once as a
    # report in the window, so a single missed collection escalated itself.
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine")
    _missed(child, D(2019, 3, 20))
    (f,) = get_check(MED).findings(D(2019, 3, 20))
    assert (f.severity, f.also_tells) == (None, ())
    assert "Repeated" not in f.detail
    _missed(child, D(2019, 3, 21), medicine="Lamotrigine 50mg")
    assert [f.severity for f in get_check(MED).findings(D(2019, 3, 21))] == ["high", "high"]


def test_on_a_placement_handover_day_the_carer_named_is_the_new_placements():
    # Placements may meet on a shared day; the one starting later is the child's carer,
    # whichever was recorded first.
    child = looked_after_child(given_name="Amy")
    placement(child, D(2019, 3, 12), provider_name="Elm Lodge")
    placement(child, D(2017, 1, 9), provider_name="Ash House", end=D(2019, 3, 12))
    chronic_medicine(child, "Lamotrigine")
    event(child, "prescription_not_collected", D(2019, 3, 12), medicine="Lamotrigine")
    (f,) = get_check(MED).findings(D(2019, 3, 12))
    assert "The carer (Elm Lodge) must be told" in f.detail


def test_a_collection_recorded_afterwards_but_dated_earlier_does_not_close_a_supply():
    child = _supplied(looked_after_child(), 28)
    # Entered late: an older collection, dated before the last one.
    _collected(child, D(2019, 1, 10), "R0")
    assert keys(MED, D(2019, 3, 20), [child.pk]) == {(child.pk, "supply:R3")}


def test_a_supply_gap_only_for_a_living_looked_after_child_and_a_chronic_medicine():
    from safeguard.health.services import record_medicine

    acute = looked_after_child()
    record_medicine(actor=None, child=acute, name="Amoxicillin", start_date=D(2019, 2, 1))
    event(
        acute,
        "prescription_issued",
        D(2019, 2, 4),
        medicine="Amoxicillin",
        prescription_ref="A1",
        days_supply=7,
    )
    event(
        acute,
        "prescription_collected",
        D(2019, 2, 4),
        medicine="Amoxicillin",
        prescription_ref="A1",
    )
    died = _supplied(looked_after_child(date_of_death=D(2019, 3, 20)), 28)
    left = _supplied(looked_after_child(), 28)
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2019, 3, 19))
    ids = [acute.pk, died.pk, left.pk]
    assert keys(MED, D(2019, 3, 19), ids) == {(died.pk, "supply:R3"), (left.pk, "supply:R3")}
    assert keys(MED, D(2019, 3, 20), ids) == set()
