"""Regression tests at each check's boundaries (issue 8: 'Alerts that hold up').

Each test sits on the boundary a domain review found wrong, and runs on SQLite and
PostgreSQL alike (the SQL and the Python that words the alert must agree).
"""

import pytest

from safeguard.checks.engine import get_check
from safeguard.episodes.services import end_episode
from tests import factories
from tests.checks_helpers import (
    D,
    adult_of_concern,
    chronic_medicine,
    event,
    health_assessment,
    involve,
    looked_after_child,
    placement,
)

pytestmark = pytest.mark.django_db


def keys(check_id, as_of, child_ids=None):
    return {(f.child_id, f.subject_key) for f in get_check(check_id).findings(as_of, child_ids)}


def finding(check_id, as_of, child):
    found = [f for f in get_check(check_id).findings(as_of) if f.child_id == child.pk]
    assert len(found) == 1, found
    return found[0]


# --- Statutory visits (CPPCR 2010 reg 28) ----------------------------------------------

SW = "LAC-SW-VISITS"


def test_placed_with_parent_on_interim_order_is_visited_weekly_until_first_review():
    # Looked after from Monday 8 January 2018 (C1), placed at home (P1). The first review
    # is due 20 working days later, on Monday 5 February 2018.
    child = looked_after_child(start=D(2018, 1, 8), legal_status="C1")
    placement(child, D(2018, 1, 8), placement_type="P1")
    event(child, "social_worker_visit", D(2018, 1, 10))
    assert keys(SW, D(2018, 1, 17)) == set()
    f = finding(SW, D(2018, 1, 18), child)
    assert f.due_date == D(2018, 1, 17)
    assert "every 7 days while placed with a parent" in f.detail
    assert "5 February 2018" in f.detail
    # After the first review is due, 6-weekly: a visit on the review day lasts 6 weeks.
    event(child, "social_worker_visit", D(2018, 2, 5))
    assert keys(SW, D(2018, 3, 19)) == set()
    assert finding(SW, D(2018, 3, 20), child).due_date == D(2018, 3, 19)


def test_a_foster_placement_is_not_on_the_weekly_rule():
    child = looked_after_child(start=D(2018, 1, 8), legal_status="C1")
    placement(child, D(2018, 1, 8))
    event(child, "social_worker_visit", D(2018, 1, 10))
    assert keys(SW, D(2018, 2, 21)) == set()


@pytest.mark.parametrize("status", ["V3", "V4"])
def test_short_breaks_raise_no_visit_alert(status):
    child = looked_after_child(start=D(2018, 1, 8), legal_status=status)
    placement(child, D(2018, 1, 8))
    assert keys(SW, D(2018, 6, 1)) == set()


def test_visit_duty_ends_at_18_even_with_an_episode_left_open():
    child = looked_after_child(start=D(2017, 1, 9), dob=D(2001, 12, 3), legal_status="C2")
    placement(child, D(2017, 1, 9))
    event(child, "social_worker_visit", D(2019, 10, 1))
    assert keys(SW, D(2019, 12, 2)) == {(child.pk, f"placement:{child.placements.get().pk}")}
    assert keys(SW, D(2019, 12, 3)) == set()  # 18th birthday


def test_placement_from_29_february_sql_and_alert_text_agree_on_the_first_year():
    # The first year of a placement from 29 February 2024 includes 28 February 2025, in
    # the query and in the alert's due date and rule.
    child = looked_after_child(start=D(2024, 2, 29), dob=D(2010, 5, 1), legal_status="C2")
    placement(child, D(2024, 2, 29), intended_until_18=True)
    event(child, "social_worker_visit", D(2025, 2, 28))
    assert keys(SW, D(2025, 4, 11)) == set()
    f = finding(SW, D(2025, 4, 12), child)
    assert f.due_date == D(2025, 4, 11)
    assert "every 6 weeks in the placement's first year" in f.detail
    # A visit on 1 March 2025 is after the first year: 3-monthly.
    event(child, "social_worker_visit", D(2025, 3, 1))
    assert keys(SW, D(2025, 6, 1)) == set()
    f = finding(SW, D(2025, 6, 2), child)
    assert (f.due_date, "every 3 months" in f.detail) == (D(2025, 6, 1), True)


def test_visits_stop_when_the_episode_changes_to_short_breaks():
    child = looked_after_child(start=D(2018, 1, 8), legal_status="V2")
    placement(child, D(2018, 1, 8))
    assert keys(SW, D(2018, 1, 16)) != set()
    end_episode(actor=None, episode=child.episodes.get(), end_date=D(2018, 1, 16))
    from safeguard.episodes.services import record_episode

    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2018, 1, 17), legal_status="V3"
    )
    assert keys(SW, D(2018, 1, 17)) == set()


# --- Health assessments (CPPCR 2010 reg 7) ---------------------------------------------

HA = "LAC-HEALTH-ASSESSMENT"


def test_assessment_shortly_before_care_began_counts_as_the_initial():
    # Looked after from 9 January 2017; assessed 10 December 2016 (30 days before) counts,
    # 9 December (31 days before) does not.
    counted = looked_after_child(start=D(2017, 1, 9))
    health_assessment(counted, D(2016, 12, 10), kind="initial")
    too_early = looked_after_child(start=D(2017, 1, 9))
    health_assessment(too_early, D(2016, 12, 9), kind="initial")
    assert keys(HA, D(2017, 2, 7)) == {(too_early.pk, "initial")}
    # The next review counts from the assessment before care began.
    assert keys(HA, D(2017, 12, 10)) == {(too_early.pk, "initial")}
    assert (counted.pk, "review-after:2016-12-10") in keys(HA, D(2017, 12, 11))


def test_a_nurse_led_review_does_not_count_as_the_initial_assessment():
    nurse = looked_after_child(start=D(2017, 1, 9))
    health_assessment(nurse, D(2017, 1, 20), kind="review", by_medical_practitioner=False)
    unrecorded_review = looked_after_child(start=D(2017, 1, 9))
    health_assessment(unrecorded_review, D(2017, 1, 20), kind="review")
    doctor = looked_after_child(start=D(2017, 1, 9))
    health_assessment(doctor, D(2017, 1, 20), kind="review", by_medical_practitioner=True)
    nurse_initial = looked_after_child(start=D(2017, 1, 9))
    health_assessment(nurse_initial, D(2017, 1, 20), kind="initial", by_medical_practitioner=False)
    assert keys(HA, D(2017, 2, 7)) == {
        (nurse.pk, "initial"),
        (unrecorded_review.pk, "initial"),
        (nurse_initial.pk, "initial"),
    }


@pytest.mark.parametrize("status", ["V3", "V4"])
def test_short_breaks_raise_no_health_assessment_alert(status):
    looked_after_child(start=D(2017, 1, 9), legal_status=status)
    assert keys(HA, D(2017, 6, 1)) == set()


def test_health_assessment_duty_ends_at_18():
    child = looked_after_child(start=D(2017, 1, 9), dob=D(2001, 12, 3))
    health_assessment(child, D(2018, 11, 1), kind="initial")
    assert keys(HA, D(2019, 12, 2)) == {(child.pk, "review-after:2018-11-01")}
    assert keys(HA, D(2019, 12, 3)) == set()
    late_starter = looked_after_child(start=D(2019, 11, 1), dob=D(2001, 12, 3))
    assert keys(HA, D(2019, 11, 29), [late_starter.pk]) == set()  # due 29 November
    assert keys(HA, D(2019, 12, 2), [late_starter.pk]) == {(late_starter.pk, "initial")}
    assert keys(HA, D(2019, 12, 3), [late_starter.pk]) == set()


def test_refusal_by_a_competent_young_person_ends_the_alert_for_that_cycle():
    from django.core.exceptions import ValidationError

    child = looked_after_child(start=D(2017, 1, 9))
    assert keys(HA, D(2017, 2, 7)) == {(child.pk, "initial")}
    with pytest.raises(ValidationError, match="why the young person refused"):
        health_assessment(child, D(2017, 2, 8), kind="initial", refused=True)
    health_assessment(
        child, D(2017, 2, 8), kind="initial", refused=True, refusal_reason="Declined, competent"
    )
    assert keys(HA, D(2017, 2, 8)) == set()
    # The next cycle counts from the refusal.
    assert keys(HA, D(2018, 2, 8)) == set()
    assert keys(HA, D(2018, 2, 9)) == {(child.pk, "review-after:2017-02-08")}


# --- CAWN not available (Recommendation 5) ---------------------------------------------

CAWN = "CAWN-NOT-AVAILABLE-S20"


def test_cawn_flagged_for_16_17_year_olds_at_home_or_remanded():
    from safeguard.episodes.services import record_episode
    from tests import factories

    at_home = factories.child(date_of_birth=D(2001, 12, 3))
    record_episode(actor=None, child=at_home, kind="child_in_need", start_date=D(2018, 1, 8))
    adult_of_concern(at_home, D(2018, 9, 10))
    on_plan = factories.child(date_of_birth=D(2001, 12, 3))
    record_episode(
        actor=None,
        child=on_plan,
        kind="child_protection",
        start_date=D(2018, 1, 8),
        cp_category="sexual",
    )
    adult_of_concern(on_plan, D(2018, 9, 10))
    remanded = {
        s: looked_after_child(legal_status=s, dob=D(2001, 12, 3)) for s in ["J1", "J2", "J3"]
    }
    for child in remanded.values():
        adult_of_concern(child, D(2018, 9, 10))
    found = {k[0] for k in keys(CAWN, D(2018, 9, 10))}
    assert found == {at_home.pk, on_plan.pk, *(c.pk for c in remanded.values())}
    assert "living at home (not looked after)" in finding(CAWN, D(2018, 9, 10), at_home).detail
    assert "remanded or detained (legal status J1)" in (
        finding(CAWN, D(2018, 9, 10), remanded["J1"]).detail
    )


@pytest.mark.parametrize("status", ["C1", "C2", "L1", "L2"])
def test_cawn_available_in_care_police_protection_or_epo_not_flagged(status):
    from safeguard.episodes.services import record_episode

    child = looked_after_child(legal_status=status, dob=D(2001, 12, 3))
    # A child in need plan left open alongside does not make them 'at home'.
    record_episode(actor=None, child=child, kind="child_in_need", start_date=D(2017, 1, 9))
    adult_of_concern(child, D(2018, 9, 10))
    assert keys(CAWN, D(2018, 9, 10)) == set()


def test_cawn_at_home_not_flagged_under_16_or_from_18():
    from safeguard.episodes.services import record_episode
    from tests import factories

    child = factories.child(date_of_birth=D(2001, 12, 3))
    record_episode(actor=None, child=child, kind="child_in_need", start_date=D(2017, 1, 9))
    adult_of_concern(child, D(2017, 6, 1))
    assert keys(CAWN, D(2017, 12, 2)) == set()
    assert keys(CAWN, D(2017, 12, 3)) == {
        (child.pk, f"adult:{child.relationships.get().person_id}")
    }
    assert keys(CAWN, D(2019, 12, 3)) == set()


# --- Medicines not collected (Recommendation 7) ----------------------------------------

MED = "LAC-MEDICINE-NOT-COLLECTED"


def test_medicine_names_match_on_their_first_word():
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine 100mg tablets")
    event(
        child, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine", prescription_ref="R1"
    )
    other = looked_after_child()
    chronic_medicine(other, "Lamotrigine")
    event(other, "prescription_issued", D(2019, 3, 4), medicine="  LAMOTRIGINE  100 mg")
    assert keys(MED, D(2019, 3, 12)) == {
        (child.pk, "rx:R1"),
        (other.pk, "rx:lamotrigine 100 mg:2019-03-04"),
    }
    event(other, "prescription_collected", D(2019, 3, 13), medicine="Lamotrigine 100mg tablets")
    assert keys(MED, D(2019, 3, 13), [other.pk]) == set()
    # A different medicine whose name merely starts alike does not match.
    event(child, "prescription_collected", D(2019, 3, 13), medicine="Lamivudine")
    assert keys(MED, D(2019, 3, 13), [child.pk]) == {(child.pk, "rx:R1")}


def test_pharmacy_not_collected_report_raises_without_an_issue_event():
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine")
    event(child, "prescription_not_collected", D(2019, 3, 20), medicine="Lamotrigine 100mg")
    assert keys(MED, D(2019, 3, 19)) == set()
    f = finding(MED, D(2019, 3, 20), child)
    assert (f.subject_key, f.due_date) == (
        "not-collected:lamotrigine 100mg:2019-03-20",
        D(2019, 3, 20),
    )
    assert "The pharmacy reported on 20 March 2019" in f.detail
    event(child, "prescription_collected", D(2019, 3, 21), medicine="Lamotrigine")
    assert keys(MED, D(2019, 3, 21)) == set()


def test_days_supply_flags_a_gap_after_the_last_collection():
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine")
    event(
        child,
        "prescription_issued",
        D(2019, 2, 4),
        medicine="Lamotrigine",
        prescription_ref="R3",
        days_supply=28,
    )
    event(
        child,
        "prescription_collected",
        D(2019, 2, 6),
        medicine="Lamotrigine",
        prescription_ref="R3",
    )
    # 28 days from 6 February: the supply runs out on 6 March.
    assert keys(MED, D(2019, 3, 6)) == set()
    f = finding(MED, D(2019, 3, 7), child)
    assert (f.subject_key, f.due_date) == ("supply:R3", D(2019, 3, 6))
    event(
        child,
        "prescription_collected",
        D(2019, 3, 8),
        medicine="Lamotrigine",
        prescription_ref="R4",
    )
    assert keys(MED, D(2019, 3, 8)) == set()


def test_repeated_non_collection_escalates_and_tells_nurse_iro_and_manager():
    from safeguard.checks.models import Alert
    from safeguard.checks.services import run_checks

    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine", via_condition=True)
    nurse, iro, manager = (factories.user(username=n) for n in ("nurse", "iro", "tm"))
    involve(child, nurse, "designated_nurse")
    involve(child, iro, "iro")
    involve(child, manager, "team_manager")
    event(
        child, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine", prescription_ref="R1"
    )
    run_checks(D(2019, 3, 12), [child.pk])
    first = Alert.objects.get(subject_key="rx:R1")
    assert first.severity == "medium"
    assert not first.recipients.filter(role__in=["designated_nurse", "iro", "team_manager"])
    # A second missed prescription within 90 days: both become high and more people told.
    event(
        child,
        "prescription_not_collected",
        D(2019, 5, 28),
        medicine="Lamotrigine",
        prescription_ref="R7",
    )
    run_checks(D(2019, 5, 28), [child.pk])
    for alert in Alert.objects.filter(child=child, check_id=MED):
        assert alert.severity == "high", alert.subject_key
        assert "Repeated: 2 prescriptions" in alert.detail
        assert {r.professional.username for r in alert.recipients.all()} >= {"nurse", "iro", "tm"}
    # The first was due 11 March; 90 days before 10 June is 12 March: no longer repeated.
    assert {f.severity for f in get_check(MED).findings(D(2019, 6, 9), [child.pk])} == {"high"}
    assert {f.severity for f in get_check(MED).findings(D(2019, 6, 10), [child.pk])} == {None}


# --- Return interviews -----------------------------------------------------------------

RI = "MISSING-RETURN-INTERVIEW"


def test_only_an_independent_offer_with_its_outcome_answers_a_return():
    answers = {
        "no_outcome": {"independent": True, "accepted": True},
        "not_independent": {"independent": False, "outcome": "held"},
        "held": {"independent": True, "outcome": "held"},
        "declined_by_child": {"independent": True, "accepted": False},
        "not_possible": {"outcome": "not_possible"},
    }
    children = {}
    for label, details in answers.items():
        child = looked_after_child()
        event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
        event(child, "return_interview_offered", "2018-03-06T10:00", episode_ref="M1", **details)
        children[label] = child
    completed = looked_after_child()
    event(completed, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    event(completed, "return_interview_completed", "2018-03-07", episode_ref="M1")
    flagged = {k[0] for k in keys(RI, D(2018, 3, 8))}
    assert flagged == {children["no_outcome"].pk, children["not_independent"].pk}


def test_an_answer_at_82_hours_is_flagged_on_the_deadline_day():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    event(child, "return_interview_offered", "2018-03-09T00:00", episode_ref="M1", outcome="held")
    assert keys(RI, D(2018, 3, 7)) == set()
    assert finding(RI, D(2018, 3, 8), child).due_date == D(2018, 3, 8)
    assert keys(RI, D(2018, 3, 9)) == set()  # the late answer resolves it


def test_a_late_answer_on_the_deadline_day_follows_a_raised_alert():
    # Production order: the nightly sweep on the deadline day, then the late record and
    # its re-check. The alert was raised before the answer, and is resolved by it.
    from safeguard.checks.models import Alert, AlertEvent
    from safeguard.checks.services import run_checks

    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    run_checks(D(2018, 3, 8), [child.pk])
    event(child, "return_interview_offered", "2018-03-08T20:00", episode_ref="M1", outcome="held")
    run_checks(D(2018, 3, 8), [child.pk])
    alert = Alert.objects.get(check_id=RI, child=child)
    assert (alert.status, alert.due_date) == ("resolved", D(2018, 3, 8))
    assert [e.kind for e in AlertEvent.objects.filter(alert=alert)] == ["raised", "resolved"]


def test_deadline_across_the_change_to_summer_time_is_72_elapsed_hours():
    # Clocks went forward at 01:00 GMT on Sunday 25 March 2018: 72 hours after Saturday
    # 14:00 GMT is Tuesday 15:00 BST.
    in_time = looked_after_child()
    late = looked_after_child()
    for child in (in_time, late):
        event(child, "returned_from_missing", "2018-03-24T14:00")
    event(in_time, "return_interview_offered", "2018-03-27T14:59", outcome="held")
    assert keys(RI, D(2018, 3, 26)) == set()
    f = finding(RI, D(2018, 3, 27), late)
    assert f.due_date == D(2018, 3, 27)
    assert "by 27 March 2018 15:00 (UK time)" in f.detail
    assert {k[0] for k in keys(RI, D(2018, 3, 27))} == {late.pk}
    # A return at 23:30 before the clocks go forward: 72 elapsed hours end at 00:30 BST
    # four calendar days later, so the alert falls due on that later day.
    night = looked_after_child()
    event(night, "returned_from_missing", "2018-03-24T23:30")
    assert keys(RI, D(2018, 3, 27), [night.pk]) == set()
    assert finding(RI, D(2018, 3, 28), night).due_date == D(2018, 3, 28)


def test_an_offer_in_the_morning_does_not_answer_a_return_that_evening():
    child = looked_after_child()
    event(child, "return_interview_offered", "2018-03-05T09:00", outcome="held")
    event(child, "returned_from_missing", "2018-03-05T18:00")
    assert keys(RI, D(2018, 3, 8)) == {(child.pk, "return:2018-03-05T18:00+00:00")}


def test_first_of_two_unreferenced_returns_can_be_cleared_from_its_alert():
    child = looked_after_child()
    first = event(child, "returned_from_missing", "2018-03-05T14:00")
    event(child, "missing_from_care", "2018-03-06T20:00")
    event(child, "returned_from_missing", "2018-03-07T10:00")
    event(child, "return_interview_offered", "2018-03-07T12:00", outcome="held")
    f = finding(RI, D(2018, 3, 8), child)
    assert f.subject_key == "return:2018-03-05T14:00+00:00"
    assert f.prefill == {"return_event": str(first.pk)}
    # Recorded from the alert (pre-filled), after the child went missing again.
    event(child, "return_interview_offered", "2018-03-09T10:00", outcome="declined", **f.prefill)
    assert keys(RI, D(2018, 3, 9)) == set()


def test_police_and_the_iro_are_told_of_a_missed_return_interview():
    from safeguard.checks.models import Alert
    from safeguard.checks.services import run_checks

    child = looked_after_child()
    police, iro = factories.user(username="pc"), factories.user(username="iro")
    involve(child, police, "police_officer")
    involve(child, iro, "iro")
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    run_checks(D(2018, 3, 8), [child.pk])
    alert = Alert.objects.get(check_id=RI)
    assert {(r.professional.username, r.role) for r in alert.recipients.all()} == {
        ("pc", "police_officer"),
        ("iro", "iro"),
    }
