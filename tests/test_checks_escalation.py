"""Each alert has one owner; unacknowledged or unresolved alerts climb the ladder."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from safeguard.checks.models import Alert, AlertEvent
from safeguard.checks.services import acknowledge_alert, run_checks
from tests import factories
from tests.checks_helpers import D, event, involve, looked_after_child

pytestmark = pytest.mark.django_db
RI = "MISSING-RETURN-INTERVIEW"


@pytest.fixture
def case(settings):
    settings.SAFEGUARD_ESCALATION = {
        "team_manager": 2,
        "service_manager": 5,
        "service_managers": ["sm"],
    }
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    worker = factories.user("gs", role="exploitation_worker")
    manager = factories.user("tm", role="team_manager", team_obj=team)
    service = factories.user("sm", role="team_manager")
    child = looked_after_child()
    # Told in the check's order: the social worker first, so they own it.
    involve(child, worker, "exploitation_worker")
    involve(child, sw, "allocated_social_worker")
    # Returned Monday 5 March 2018 14:00: raised Thursday 8 March.
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    return {"sw": sw, "worker": worker, "manager": manager, "service": service, "child": child}


def ri(child):
    return Alert.objects.get(check_id=RI, child=child)


def told(alert):
    return {(r.professional.username, r.role) for r in alert.recipients.all()}


def test_owner_is_first_holder_of_the_checks_roles(case):
    run_checks(D(2018, 3, 8), [case["child"].pk])
    assert ri(case["child"]).owner == case["sw"]


def test_unacknowledged_alert_goes_to_team_manager_then_service_manager(case):
    child = case["child"]
    run_checks(D(2018, 3, 8), [child.pk])
    run_checks(D(2018, 3, 9), [child.pk])  # 1 working day: nothing yet
    assert ("tm", "escalated:team_manager") not in told(ri(child))
    result = run_checks(D(2018, 3, 12), [child.pk])  # Monday: 2 working days
    assert [(t.kind, t.reason) for t in result.transitions if t.check_id == RI] == [
        ("escalated", "to the team manager")
    ]
    assert ("tm", "escalated:team_manager") in told(ri(child))
    entry = AlertEvent.objects.get(alert=ri(child), kind="escalated")
    assert entry.reason == "Escalated to the team manager after 2 working days unacknowledged"
    run_checks(D(2018, 3, 13), [child.pk])  # no second entry for the same step
    assert AlertEvent.objects.filter(alert=ri(child), kind="escalated").count() == 1
    run_checks(D(2018, 3, 15), [child.pk])  # 5 working days, still unresolved
    assert ("sm", "escalated:service_manager") in told(ri(child))
    # The involvement-based refresh keeps the escalated recipients.
    run_checks(D(2018, 3, 16), [child.pk])
    assert {"tm", "sm"} <= {u for u, _ in told(ri(child))}


def test_acknowledged_alert_skips_team_manager_but_not_service_manager(case):
    child = case["child"]
    run_checks(D(2018, 3, 8), [child.pk])
    acknowledge_alert(actor=case["sw"], alert=ri(child), note="On it", as_of=D(2018, 3, 8))
    run_checks(D(2018, 3, 12), [child.pk])
    assert not AlertEvent.objects.filter(alert=ri(child), kind="escalated").exists()
    run_checks(D(2018, 3, 15), [child.pk])
    assert [e.reason for e in AlertEvent.objects.filter(alert=ri(child), kind="escalated")] == [
        "Escalated to the service manager after 5 working days unresolved"
    ]


def test_resolved_alert_does_not_escalate(case):
    child = case["child"]
    run_checks(D(2018, 3, 8), [child.pk])
    event(child, "return_interview_offered", "2018-03-08T10:00", episode_ref="M1", outcome="held")
    run_checks(D(2018, 3, 15), [child.pk])
    assert ri(child).status == "resolved"
    assert not AlertEvent.objects.filter(alert=ri(child), kind="escalated").exists()


def test_unknown_escalation_setting_is_an_error(settings, case):
    settings.SAFEGUARD_ESCALATION = {"teammanager": 2}
    with pytest.raises(ImproperlyConfigured, match="unknown setting 'teammanager'"):
        run_checks(D(2018, 3, 8), [case["child"].pk])


def test_alert_page_names_the_owner_and_escalation(client, case):
    child = case["child"]
    run_checks(D(2018, 3, 8), [child.pk])
    run_checks(D(2018, 3, 12), [child.pk])
    client.force_login(case["sw"])
    page = client.get(f"/alerts/{ri(child).pk}/").content.decode()
    owner = page[page.index('id="alert-owner"') : page.index("Also told")]
    assert case["sw"].display_name in owner
    assert "must act on it" in owner
    assert "(escalated 1 step)" in page


def test_a_mistyped_setting_is_reported_by_the_system_checks(settings):
    from safeguard.checks.system_checks import safeguard_check_settings

    assert safeguard_check_settings() == []
    settings.SAFEGUARD_ESCALATION = {"team_manger": 2}
    settings.SAFEGUARD_CHECKS = {"NO-SUCH-CHECK": {}}
    messages = [e.msg for e in safeguard_check_settings()]
    assert len(messages) == 2
    assert "no check 'NO-SUCH-CHECK'" in messages[0]
    assert "unknown setting 'team_manger'" in messages[1]


def test_settings_read_json_from_the_environment(monkeypatch):
    from safeguard.settings import env_json

    monkeypatch.setenv("SAFEGUARD_ESCALATION", '{"team_manager": 3}')
    assert env_json("SAFEGUARD_ESCALATION") == {"team_manager": 3}
    monkeypatch.setenv("SAFEGUARD_ESCALATION", "team_manager=3")
    with pytest.raises(ImproperlyConfigured, match="not valid JSON"):
        env_json("SAFEGUARD_ESCALATION")
    monkeypatch.setenv("SAFEGUARD_ESCALATION", "[2]")
    with pytest.raises(ImproperlyConfigured, match="expected a JSON object"):
        env_json("SAFEGUARD_ESCALATION")
    monkeypatch.delenv("SAFEGUARD_ESCALATION")
    assert env_json("SAFEGUARD_ESCALATION") == {}
