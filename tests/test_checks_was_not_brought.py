"""WAS-NOT-BROUGHT at its boundaries: two appointments not attended in 12 months by a child
with a chronic condition; resolved only by recording the follow-up."""

import pytest

from safeguard.checks.engine import get_check
from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.health.services import record_condition
from tests import factories
from tests.checks_helpers import D, event, involve

pytestmark = pytest.mark.django_db
WNB = "WAS-NOT-BROUGHT"


def found(child, as_of):
    return {f.subject_key: f for f in get_check(WNB).findings(as_of, [child.pk])}


def run(child, as_of):
    run_checks(as_of, [child.pk], checks=[get_check(WNB)])
    return Alert.objects.filter(check_id=WNB, child=child).first()


@pytest.fixture
def child():
    # Not looked after: the check is for any child.
    child = factories.child(date_of_birth=D(2010, 5, 1), given_name="Amira")
    record_condition(
        actor=None, child=child, name="Type 1 diabetes", chronic=True, diagnosed_on=D(2015, 1, 1)
    )
    event(child, "health_appointment", "2023-03-10T10:00", attended=False)
    return child


def test_two_missed_appointments_raise_it_on_the_second(child):
    event(child, "health_appointment", "2023-06-01T10:00", attended=True)
    assert not found(child, D(2023, 9, 1))  # one missed, one attended
    event(child, "health_appointment", "2023-09-01T10:00", attended=False)
    finding = found(child, D(2023, 9, 1))["was-not-brought"]
    assert finding.due_date == D(2023, 9, 1)
    assert "was not brought to 2 health appointments" in finding.detail
    assert "(Type 1 diabetes)" in finding.detail
    assert not found(child, D(2023, 8, 31))


def test_the_12_months_are_inclusive(child):
    event(child, "health_appointment", "2024-03-10T10:00", attended=False)
    # 10 March 2023 to 10 March 2024 is more than 12 months; 11 March 2023 to 10 March 2024
    # is the period ending on 10 March 2024.
    assert not found(child, D(2024, 3, 10))
    event(child, "health_appointment", "2023-03-11T10:00", attended=False)
    assert found(child, D(2024, 3, 10))
    assert found(child, D(2024, 3, 10))["was-not-brought"].due_date == D(2024, 3, 10)


def test_needs_a_current_chronic_condition():
    child = factories.child(date_of_birth=D(2010, 5, 1))
    record_condition(actor=None, child=child, name="Sprained ankle", chronic=False)
    event(child, "health_appointment", "2023-03-10T10:00", attended=False)
    event(child, "health_appointment", "2023-04-10T10:00", attended=False)
    assert not found(child, D(2023, 4, 10))
    record_condition(
        actor=None, child=child, name="Asthma", chronic=True, resolved_on=D(2023, 4, 11)
    )
    assert found(child, D(2023, 4, 10))  # no diagnosis date recorded: current until resolved
    assert not found(child, D(2023, 4, 11))  # resolved on the day


def test_stops_at_18():
    child = factories.child(date_of_birth=D(2007, 5, 1))
    record_condition(actor=None, child=child, name="Epilepsy", chronic=True)
    event(child, "health_appointment", "2025-04-20T10:00", attended=False)
    event(child, "health_appointment", "2025-04-25T10:00", attended=False)
    assert found(child, D(2025, 4, 30))
    assert not found(child, D(2025, 5, 1))  # 18th birthday


def test_configured_thresholds(settings, child):
    event(child, "health_appointment", "2023-09-01T10:00", attended=False)
    settings.SAFEGUARD_CHECKS = {WNB: {"missed": 3}}
    assert not found(child, D(2023, 9, 1))
    settings.SAFEGUARD_CHECKS = {WNB: {"months": 5}}
    assert not found(child, D(2023, 9, 1))  # 10 March is more than 5 months before


def test_resolved_only_by_the_follow_up_and_raised_again_by_another_miss(child):
    sw = factories.user("sw", role="social_worker")
    gp = factories.user("gp", role="gp")
    involve(child, sw, "allocated_social_worker", start=D(2020, 1, 1))
    involve(child, gp, "gp", start=D(2020, 1, 1))
    event(child, "health_appointment", "2023-09-01T10:00", attended=False)
    alert = run(child, D(2023, 9, 1))
    assert alert.status == "raised" and alert.owner == sw
    assert {r.professional.username for r in alert.recipients.all()} == {"sw", "gp"}
    # A follow-up before the latest missed appointment does not answer it.
    event(child, "was_not_brought_follow_up", "2023-08-30T10:00", outcome="Rebooked")
    assert run(child, D(2023, 9, 2)).status == "raised"
    event(child, "was_not_brought_follow_up", "2023-09-04T10:00", outcome="Transport arranged")
    alert = run(child, D(2023, 9, 4))
    assert (alert.status, alert.ended_reason) == ("resolved", "")
    event(child, "health_appointment", "2023-11-01T10:00", attended=False)
    alert = run(child, D(2023, 11, 1))
    assert alert.status == "raised" and alert.due_date == D(2023, 11, 1)


def test_ends_not_resolves_when_the_misses_age_out(child):
    event(child, "health_appointment", "2023-09-01T10:00", attended=False)
    run(child, D(2023, 9, 1))
    alert = run(child, D(2024, 3, 9))
    assert alert.status == "raised"
    alert = run(child, D(2024, 3, 10))  # 10 March 2023 has left the 12 months
    assert (alert.status, alert.ended_reason) == (
        "ended",
        "fewer than 2 appointments missed in the last 12 months",
    )
