"""Every page that shows anything about a child audits it with its basis; every write is
recorded as the write it is; pages for signed-in users are never cached."""

import pytest
from django.utils import timezone

from safeguard.access.audit import verify_chain
from safeguard.access.models import AuditEntry
from safeguard.access.services import break_glass
from tests import factories
from tests.access_helpers import involve, person, request_for

pytestmark = pytest.mark.django_db

REASON = "Child found by police at 2am, need the placement and allergies"


@pytest.fixture
def team_setup():
    team = factories.team(code="east", name="East")
    manager = person("team_manager", team_obj=team)
    sw = person("social_worker", team_obj=team)
    officer = person("police_officer", team_obj=team)
    child = factories.child(given_name="Sarah", family_name="Ellison")
    involve(sw, child)
    return manager, sw, officer, child


def _alert_for(sw, child):
    from safeguard.checks.models import Alert, AlertRecipient

    today = timezone.localdate()
    alert = Alert.objects.create(
        check_id="LAC-HEALTH-ASSESSMENT",
        child=child,
        subject_key="initial",
        severity="high",
        status="raised",
        due_date=today,
        detail="Initial health assessment overdue",
        first_raised_on=today,
        raised_on=today,
    )
    AlertRecipient.objects.create(alert=alert, professional=sw, role="allocated_social_worker")
    return alert


def test_user_activity_page_audits_each_child_it_shows_with_a_basis(client, team_setup):
    manager, sw, officer, child = team_setup
    elsewhere = factories.child(given_name="Other", family_name="Faraway")
    involve(person("social_worker"), elsewhere)
    break_glass(request_for(officer), child_id=elsewhere.pk, reason=REASON)
    policy_read = request_for(sw)
    from safeguard.access import policy

    policy.open_child(policy_read, child.pk, area="summary")
    client.force_login(manager)
    assert client.get(f"/access/users/{sw.pk}/activity/").status_code == 200
    (named,) = AuditEntry.objects.filter(actor=manager, path=f"/access/users/{sw.pk}/activity/")
    assert (named.child, named.action, named.area, named.basis) == (
        child,
        "search_result",
        "identity",
        "team",
    )
    assert client.get(f"/access/users/{officer.pk}/activity/").status_code == 200
    (local_id_only,) = AuditEntry.objects.filter(
        actor=manager, path=f"/access/users/{officer.pk}/activity/"
    )
    assert (local_id_only.child, local_id_only.basis) == (elsewhere, "team-review")
    assert verify_chain().ok


def test_emergency_review_page_audits_the_records_it_lists(client, team_setup):
    manager, _, officer, child = team_setup
    break_glass(request_for(officer), child_id=child.pk, reason=REASON)
    client.force_login(manager)
    assert client.get("/access/break-glass/").status_code == 200
    (entry,) = AuditEntry.objects.filter(actor=manager, path="/access/break-glass/")
    assert (entry.child, entry.action, entry.basis) == (child, "search_result", "emergency-review")


def test_alert_page_entry_has_its_basis_and_lists_have_theirs(client, team_setup):
    _, sw, _, child = team_setup
    alert = _alert_for(sw, child)
    client.force_login(sw)
    assert client.get(f"/alerts/{alert.pk}/").status_code == 200
    (viewed,) = AuditEntry.objects.filter(actor=sw, action="view")
    assert (viewed.child, viewed.basis) == (child, "involvement")
    assert client.get("/alerts/").status_code == 200
    (listed,) = AuditEntry.objects.filter(actor=sw, action="search_result")
    assert listed.basis == "involvement"


def test_acknowledging_and_closing_an_alert_are_audited_as_writes(client, team_setup):
    _, sw, _, child = team_setup
    alert = _alert_for(sw, child)
    client.force_login(sw)
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"note": "Booking it"})
    assert response.status_code == 302
    (ack,) = AuditEntry.objects.filter(actor=sw, action="update")
    assert (ack.child, ack.model, ack.object_id, ack.reason) == (
        child,
        "checks.Alert",
        str(alert.pk),
        "Booking it",
    )
    assert ack.changes["status"] == {"before": "raised", "after": "acknowledged"}
    # The POST itself is not recorded as a view: it is recorded as the write it is.
    assert not AuditEntry.objects.filter(actor=sw, action="view").exists()
    client.post(f"/alerts/{alert.pk}/close/", {"reason": "Assessment booked for Monday"})
    closed = AuditEntry.objects.filter(actor=sw, action="update").latest("seq")
    assert closed.changes["status"] == {"before": "acknowledged", "after": "closed"}
    assert closed.reason == "Assessment booked for Monday"


def test_pages_for_signed_in_users_are_not_cached(client, team_setup):
    _, sw, _, child = team_setup
    client.force_login(sw)
    for url in (f"/children/{child.pk}/", "/", f"/children/{child.pk}/chronology/", "/alerts/"):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert response["Cache-Control"] == "no-store", url
