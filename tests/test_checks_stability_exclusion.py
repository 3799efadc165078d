"""PLACEMENT-STABILITY and LAC-SCHOOL-EXCLUSION at their boundaries."""

import pytest

from safeguard.checks.engine import get_check
from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.episodes.services import end_episode
from tests.checks_helpers import D, event, looked_after_child, placement

pytestmark = pytest.mark.django_db
PS = "PLACEMENT-STABILITY"
EX = "LAC-SCHOOL-EXCLUSION"


def found(check_id, child, as_of):
    return {f.subject_key: f for f in get_check(check_id).findings(as_of, [child.pk])}


@pytest.fixture
def moved():
    """Three placements: 1 March 2018 - 31 May, 1 June - 14 September, 15 September on."""
    child = looked_after_child(start=D(2018, 3, 1), legal_status="C2")
    placement(child, D(2018, 3, 1), end=D(2018, 5, 31), provider_name="A")
    placement(child, D(2018, 6, 1), end=D(2018, 9, 14), provider_name="B")
    return child


def test_third_placement_in_12_months_raises(moved):
    assert not found(PS, moved, D(2018, 9, 14))
    placement(moved, D(2018, 9, 15), provider_name="C")
    finding = found(PS, moved, D(2018, 9, 15))["stability"]
    assert finding.due_date == D(2018, 9, 15)
    assert "3 placements in the 12 months" in finding.detail


def test_a_placement_that_ended_12_months_ago_no_longer_counts(moved):
    placement(moved, D(2018, 9, 15), provider_name="C")
    # The first placement ended 31 May 2018: it counts until the period starts after it.
    assert found(PS, moved, D(2019, 5, 30))
    assert not found(PS, moved, D(2019, 5, 31))


def test_two_placements_do_not_raise_and_the_threshold_is_configurable(moved, settings):
    assert not found(PS, moved, D(2018, 7, 1))
    settings.SAFEGUARD_CHECKS = {PS: {"placements": 2}}
    assert found(PS, moved, D(2018, 7, 1))


def test_resolved_by_a_stability_review_after_the_latest_move(moved):
    placement(moved, D(2018, 9, 15), provider_name="C")
    event(moved, "placement_stability_review", "2018-09-14T10:00", outcome="x")  # before
    assert found(PS, moved, D(2018, 9, 20))
    event(moved, "placement_stability_review", "2018-09-15T10:00", outcome="Stay at C")
    assert not found(PS, moved, D(2018, 9, 20))


def test_ends_when_the_child_leaves_care(moved):
    placement(moved, D(2018, 9, 15), provider_name="C")
    run_checks(D(2018, 9, 15), [moved.pk], checks=[get_check(PS)])
    episode = moved.episodes.get()
    end_episode(actor=None, episode=episode, end_date=D(2018, 10, 1), reason_ended="E11")
    run_checks(D(2018, 10, 2), [moved.pk], checks=[get_check(PS)])
    alert = Alert.objects.get(check_id=PS)
    assert (alert.status, alert.ended_reason) == ("ended", "the child left care")


@pytest.fixture
def pupil():
    return looked_after_child(start=D(2018, 3, 1), legal_status="C2")


def test_exclusion_of_a_looked_after_child_raises_until_the_virtual_school_is_involved(pupil):
    exclusion = event(pupil, "school_exclusion", "2018-10-01T10:00", exclusion_type="suspension")
    finding = found(EX, pupil, D(2018, 10, 1))[f"exclusion:{exclusion.pk}"]
    assert finding.due_date == D(2018, 10, 3)
    assert finding.severity is None
    event(pupil, "virtual_school_involved", "2018-09-30T10:00", action="x")  # before: no
    assert found(EX, pupil, D(2018, 10, 2))
    event(pupil, "virtual_school_involved", "2018-10-02T10:00", action="Challenge it")
    assert not found(EX, pupil, D(2018, 10, 2))


def test_permanent_exclusion_is_high(pupil):
    event(pupil, "school_exclusion", "2018-10-01T10:00", exclusion_type="permanent")
    (finding,) = found(EX, pupil, D(2018, 10, 1)).values()
    assert finding.severity == "high"


def test_exclusion_before_care_began_or_of_a_child_not_in_care_does_not_raise(pupil):
    event(pupil, "school_exclusion", "2018-02-28T10:00", exclusion_type="suspension")
    assert not found(EX, pupil, D(2018, 3, 1))
    other = looked_after_child(start=D(2018, 3, 1))
    end_episode(
        actor=None, episode=other.episodes.get(), end_date=D(2018, 6, 1), reason_ended="E11"
    )
    event(other, "school_exclusion", "2018-09-01T10:00", exclusion_type="suspension")
    assert not found(EX, other, D(2018, 9, 1))
