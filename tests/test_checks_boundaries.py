"""Regression tests at each check's boundaries (issue 8: 'Alerts that hold up').

Each test sits on the boundary a domain review found wrong, and runs on SQLite and
PostgreSQL alike (the SQL and the Python that words the alert must agree).
"""

import pytest

from safeguard.checks.engine import get_check
from safeguard.episodes.services import end_episode
from tests.checks_helpers import D, event, health_assessment, looked_after_child, placement

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
