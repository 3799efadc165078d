"""JOINED-UP-RISK at its boundaries: it fires only when every strand holds in the window,
lists each strand with its source, and is resolved by a strategy discussion."""

import pytest

from safeguard.checks.engine import get_check
from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.health.services import record_condition
from safeguard.meetings import services as meeting_services
from tests import factories
from tests.checks_helpers import D, adult_of_concern, event, involve, looked_after_child
from tests.meetings_helpers import FULL_STRATEGY, concern, meeting

pytestmark = pytest.mark.django_db
JU = "JOINED-UP-RISK"
DAY = D(2019, 5, 31)  # a 90-day window from 3 March 2019 to 31 May 2019


def found(child, as_of=DAY):
    return {f.subject_key: f for f in get_check(JU).findings(as_of, [child.pk])}


@pytest.fixture
def child():
    child = looked_after_child(given_name="Sarah")
    record_condition(
        actor=None, child=child, name="Epilepsy", chronic=True, diagnosed_on=D(2002, 6, 1)
    )
    adult_of_concern(child, D(2018, 11, 1))
    event(child, "exploitation_concern", "2019-04-10T10:00")
    event(child, "prescription_not_collected", "2019-05-02T10:00", medicine="Lamotrigine")
    return child


def test_fires_when_the_strands_meet_and_lists_each_with_its_source(child):
    finding = found(child)["joined-up"]
    assert finding.due_date == D(2019, 5, 2)  # the day the last strand joined
    assert "exploitation concern on 10 April 2019" in finding.detail
    assert "adult of concern: Mark Adult since 1 November 2018 (family and people)" in (
        finding.detail
    )
    assert "chronic condition (Epilepsy, health record) with prescription not collected" in (
        finding.detail
    )


def test_the_window_is_inclusive_at_90_days(child):
    # The exploitation concern of 10 April is in the window until 8 July (day 90).
    event(child, "ae_attendance", "2019-07-01T10:00")
    assert found(child, D(2019, 7, 8))
    assert not found(child, D(2019, 7, 9))


def test_does_not_fire_without_the_adult_of_concern():
    child = looked_after_child()
    record_condition(actor=None, child=child, name="Epilepsy", chronic=True)
    event(child, "exploitation_concern", "2019-04-10T10:00")
    event(child, "seizure", "2019-05-02T10:00")
    assert not found(child)
    adult_of_concern(child, D(2019, 5, 20))
    assert found(child)


def test_does_not_fire_after_the_adult_of_concern_relationship_ended():
    child = looked_after_child()
    record_condition(actor=None, child=child, name="Epilepsy", chronic=True)
    adult_of_concern(child, D(2018, 1, 1), end=D(2019, 5, 30))
    event(child, "exploitation_concern", "2019-04-10T10:00")
    event(child, "seizure", "2019-05-02T10:00")
    assert found(child, D(2019, 5, 30))
    assert not found(child, D(2019, 5, 31))


def test_does_not_fire_without_a_chronic_condition():
    child = looked_after_child()
    record_condition(actor=None, child=child, name="Sprained ankle", chronic=False)
    adult_of_concern(child, D(2018, 11, 1))
    event(child, "exploitation_concern", "2019-04-10T10:00")
    event(child, "ae_attendance", "2019-05-02T10:00")
    assert not found(child)


def test_does_not_fire_without_a_health_event_in_the_window():
    child = looked_after_child()
    record_condition(actor=None, child=child, name="Epilepsy", chronic=True)
    adult_of_concern(child, D(2018, 11, 1))
    event(child, "exploitation_concern", "2019-04-10T10:00")
    event(child, "seizure", "2019-03-02T10:00")  # the day before the window
    assert not found(child)
    event(child, "seizure", "2019-03-03T10:00")  # the window's first day
    assert found(child)


def test_missing_episodes_count_instead_of_an_exploitation_concern(settings):
    child = looked_after_child()
    record_condition(actor=None, child=child, name="Epilepsy", chronic=True)
    adult_of_concern(child, D(2018, 11, 1))
    event(child, "seizure", "2019-05-02T10:00")
    event(child, "missing_from_care", "2019-04-01T22:00", missing_code="M")
    assert not found(child)  # one missing episode is below the default threshold of 2
    event(child, "missing_from_care", "2019-04-20T22:00", missing_code="M")
    assert "2 missing episode(s)" in found(child)["joined-up"].detail
    settings.SAFEGUARD_CHECKS = {JU: {"missing_episodes": 3}}
    assert not found(child)


def test_configured_window(settings, child):
    settings.SAFEGUARD_CHECKS = {JU: {"window_days": 30}}
    assert not found(child)  # the exploitation concern is 52 days before
    settings.SAFEGUARD_CHECKS = {JU: {"window_days": 52}}
    assert found(child)


def test_one_high_alert_to_the_team_manager_and_exploitation_worker_resolved_by_strategy(child):
    manager = factories.user("tm", role="team_manager")
    worker = factories.user("gs", role="exploitation_worker")
    involve(child, manager, "team_manager")
    involve(child, worker, "exploitation_worker")
    run_checks(DAY, [child.pk], checks=[get_check(JU)])
    alert = Alert.objects.get(check_id=JU, child=child)
    assert alert.severity == "high"
    assert {r.professional.username for r in alert.recipients.all()} == {"tm", "gs"}
    assert alert.owner == manager
    # Only scheduled: not yet the record that resolves it.
    discussion = meeting("strategy_discussion", child)
    run_checks(D(2019, 6, 3), [child.pk], checks=[get_check(JU)])
    alert.refresh_from_db()
    assert alert.status != "resolved"
    meeting_services.hold_meeting(
        actor=None,
        meeting=discussion,
        held_on=D(2019, 6, 3),
        attendance=[],
        strategy_outcome="s47",
    )
    run_checks(D(2019, 6, 3), [child.pk], checks=[get_check(JU)])
    alert.refresh_from_db()
    assert (alert.status, alert.ended_reason) == ("resolved", "")


def test_a_strategy_discussion_held_in_the_window_resolves_one_before_it_does_not(child):
    # The window of 31 May 2019 starts on 3 March.
    meeting("strategy_discussion", child, held_on=D(2019, 3, 2), attended=FULL_STRATEGY)
    assert found(child)
    meeting("strategy_discussion", child, held_on=D(2019, 3, 3), attended=FULL_STRATEGY)
    assert not found(child)


def test_an_open_exploitation_concern_is_the_first_strand_and_the_alert_schedules_against_it():
    child = looked_after_child(given_name="Sarah")
    record_condition(actor=None, child=child, name="Epilepsy", chronic=True)
    adult_of_concern(child, D(2018, 11, 1))
    event(child, "seizure", "2019-05-02T10:00")
    assert not found(child)
    raised = concern(child, D(2019, 4, 10), kind="exploitation", risk_level="medium")
    finding = found(child)["joined-up"]
    assert "exploitation concern raised on 10 April 2019" in finding.detail
    assert finding.prefill == {"concern": raised.pk}
    # Closed before the day: no longer a strand.
    meeting_services.close_concern(
        actor=None, concern=raised, closed_on=D(2019, 5, 30), reason="Risk reduced"
    )
    assert not found(child)
    assert found(child, D(2019, 5, 29))


def test_ends_not_resolves_when_the_child_dies(child):
    run_checks(DAY, [child.pk], checks=[get_check(JU)])
    child.date_of_death = D(2019, 6, 1)
    child.save()
    run_checks(D(2019, 6, 1), [child.pk], checks=[get_check(JU)])
    alert = Alert.objects.get(check_id=JU, child=child)
    assert (alert.status, alert.ended_reason) == ("ended", "the child died")


def test_a_dispensed_medicine_not_collected_for_7_days_is_a_missed_medicine():
    child = looked_after_child()
    record_condition(actor=None, child=child, name="Epilepsy", chronic=True)
    adult_of_concern(child, D(2018, 11, 1))
    event(child, "exploitation_concern", "2019-04-10T10:00")
    event(
        child,
        "prescription_dispensed",
        "2019-05-24T10:00",
        medicine="Lamotrigine",
        prescription_ref="RX-9",
    )
    assert not found(child, D(2019, 5, 30))  # 6 days
    finding = found(child, D(2019, 5, 31))["joined-up"]
    assert "medicine dispensed and not collected on 24 May 2019" in finding.detail
    event(
        child,
        "prescription_collected",
        "2019-05-31T10:00",
        medicine="Lamotrigine",
        prescription_ref="RX-9",
    )
    assert not found(child, D(2019, 5, 31))


def test_ends_when_a_strand_ages_out_without_a_strategy_discussion(child):
    run_checks(DAY, [child.pk], checks=[get_check(JU)])
    # The exploitation concern of 10 April leaves the window on 9 July.
    run_checks(D(2019, 7, 9), [child.pk], checks=[get_check(JU)])
    alert = Alert.objects.get(check_id=JU, child=child)
    assert (alert.status, alert.ended_reason) == (
        "ended",
        "the strands no longer all hold in the last 90 days",
    )
