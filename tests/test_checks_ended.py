"""Alerts end honestly: only the record resolves an alert; a duty that stops applying ends it."""

import pytest

from safeguard.checks.models import Alert, AlertEvent
from safeguard.checks.services import run_checks
from safeguard.episodes.services import end_episode, end_placement, record_episode
from tests import factories
from tests.checks_helpers import (
    D,
    health_assessment,
    involve,
    looked_after_child,
    placement,
)

pytestmark = pytest.mark.django_db


def alert(check_id, child):
    return Alert.objects.get(check_id=check_id, child=child)


def test_death_ends_open_alerts_and_keeps_their_lateness():
    child = looked_after_child(start=D(2017, 1, 9))
    run_checks(D(2017, 2, 7), [child.pk])
    assert alert("LAC-HEALTH-ASSESSMENT", child).status == "raised"
    child.date_of_death = D(2017, 3, 1)
    child.save(update_fields=["date_of_death"])
    result = run_checks(D(2017, 3, 1), [child.pk])
    a = alert("LAC-HEALTH-ASSESSMENT", child)
    assert (a.status, a.ended_on, a.ended_reason, a.resolved_on) == (
        "ended",
        D(2017, 3, 1),
        "the child died",
        None,
    )
    assert a.days_overdue_when_finished == 23  # due 6 February
    assert a.how_finished == "Ended: the child died"
    assert result.resolved == 0 and result.ended >= 1
    last = AlertEvent.objects.filter(alert=a).last()
    assert (last.kind, last.reason) == ("ended", "the child died")


def test_the_record_resolves_and_says_so():
    child = looked_after_child(start=D(2017, 1, 9))
    run_checks(D(2017, 2, 7), [child.pk])
    health_assessment(child, D(2017, 2, 20), kind="initial")
    run_checks(D(2017, 2, 20), [child.pk])
    a = alert("LAC-HEALTH-ASSESSMENT", child)
    assert (a.status, a.resolved_on, a.ended_reason) == ("resolved", D(2017, 2, 20), "")
    assert a.how_finished == "Resolved by a record"
    assert a.days_overdue_when_finished == 14


def test_turning_18_ends_the_visit_alert():
    child = looked_after_child(start=D(2017, 1, 9), dob=D(2001, 12, 3), legal_status="C2")
    placement(child, D(2017, 1, 9))
    run_checks(D(2019, 12, 2), [child.pk])
    run_checks(D(2019, 12, 3), [child.pk])
    assert alert("LAC-SW-VISITS", child).ended_reason == "the child turned 18"


def test_leaving_care_moving_to_short_breaks_and_a_placement_ending():
    left = looked_after_child(start=D(2017, 1, 9))
    short = looked_after_child(start=D(2017, 1, 9))
    moved = looked_after_child(start=D(2017, 1, 9), legal_status="C2")
    first = placement(moved, D(2017, 1, 9))
    run_checks(D(2017, 2, 7))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2017, 2, 8))
    end_episode(actor=None, episode=short.episodes.get(), end_date=D(2017, 2, 8))
    record_episode(
        actor=None, child=short, kind="looked_after", start_date=D(2017, 2, 9), legal_status="V3"
    )
    end_placement(actor=None, placement=first, end_date=D(2017, 2, 8))
    placement(moved, D(2017, 2, 9))
    run_checks(D(2017, 2, 9))
    assert alert("LAC-HEALTH-ASSESSMENT", left).ended_reason == "the child left care"
    assert alert("LAC-HEALTH-ASSESSMENT", short).ended_reason == "the child moved to short breaks"
    old = Alert.objects.get(check_id="LAC-SW-VISITS", subject_key=f"placement:{first.pk}")
    assert (old.status, old.ended_reason) == ("ended", "the placement ended")


def test_alert_list_and_page_show_ended_versus_resolved(client):
    sw = factories.user("sw")
    # Born 2012: still under 18 on today's date, when the list is shown.
    died = looked_after_child(start=D(2017, 1, 9), dob=D(2012, 1, 1), given_name="Dana")
    assessed = looked_after_child(start=D(2017, 1, 9), dob=D(2012, 1, 1), given_name="Erin")
    for child in (died, assessed):
        involve(child, sw, "allocated_social_worker", start=D(2017, 1, 9))
    run_checks(D(2017, 2, 7))
    died.date_of_death = D(2017, 2, 20)
    died.save(update_fields=["date_of_death"])
    health_assessment(assessed, D(2017, 2, 20), kind="initial")
    from django.utils import timezone

    today = timezone.localdate()
    run_checks(today)
    client.force_login(sw)
    page = client.get("/alerts/").content.decode()
    assert "Finished in the last 30 days" in page
    assert "Ended: the child died" in page
    assert "Resolved by a record" in page
    a = alert("LAC-HEALTH-ASSESSMENT", died)
    detail = client.get(f"/alerts/{a.pk}/").content.decode()
    assert "Ended: the child died on" in detail
    assert "after it was due" in detail
