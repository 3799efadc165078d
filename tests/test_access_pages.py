"""Break-glass, "who has looked at this record" and the activity report, through HTTP."""

import pytest
from django.db import DatabaseError
from django.test import override_settings

from safeguard.access.models import AuditEntry, BreakGlassAccess
from tests import factories
from tests.access_helpers import involve, name_on, person

pytestmark = [pytest.mark.django_db]

REASON = "Child found by police at 2am, need the placement and allergies"


def look_up(client, child):
    """The exact-identifier lookup that the emergency-access form needs first."""
    found = client.post("/access/break-glass/find/", {"identifier": child.local_id})
    assert found["Location"] == f"/children/{child.pk}/break-glass/"


def plant_lookup(client, user, child_id):
    """A valid lookup token for a child the lookup would never return (restricted, missing),
    to show the service refuses those on its own."""
    from safeguard.access.services import LOOKUP_SESSION_KEY, lookup_token

    session = client.session
    session[LOOKUP_SESSION_KEY] = {str(child_id): lookup_token(user, child_id)}
    session.save()


@pytest.fixture
def team_setup():
    team = factories.team(code="east", name="East")
    other_team = factories.team(code="west", name="West")
    manager = person("team_manager", team_obj=team)
    sw = person("social_worker", team_obj=team)
    officer = person("police_officer", team_obj=team)
    other_manager = person("team_manager", team_obj=other_team)
    child = factories.child(given_name="Sarah", family_name="Ellison")
    involve(sw, child)
    return team, manager, sw, officer, other_manager, child


def test_break_glass_form_asks_for_a_reason_without_naming_the_child(client, team_setup):
    _, _, _, officer, _, child = team_setup
    client.force_login(officer)
    look_up(client, child)
    url = f"/children/{child.pk}/break-glass/"
    page = client.get(url)
    assert page.status_code == 200
    assert b"Emergency access to a record" in page.content
    assert b"Ellison" not in page.content
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200
    assert b"There is a problem" in empty.content
    assert b'href="#id_reason">Enter the reason you need emergency access<' in empty.content
    assert b'href="#id_confirm">Confirm you understand this access is recorded<' in empty.content
    short = client.post(url, {"reason": "urgent", "confirm": "on"})
    assert b"(at least 20 characters)" in short.content
    assert not BreakGlassAccess.objects.exists()


def test_break_glass_grants_access_audits_it_and_flags_it_to_the_manager(client, team_setup):
    _, manager, _, officer, other_manager, child = team_setup
    client.force_login(officer)
    look_up(client, child)
    response = client.post(
        f"/children/{child.pk}/break-glass/", {"reason": REASON, "confirm": "on"}
    )
    assert response.status_code in (200, 302)
    grant = BreakGlassAccess.objects.get()
    assert (grant.user, grant.child, grant.reason) == (officer, child, REASON)
    entry = AuditEntry.objects.get(action="break_glass")
    assert (entry.actor, entry.child, entry.reason, entry.via) == (officer, child, REASON, "web")
    assert entry.ip == "127.0.0.1"

    client.force_login(manager)
    review = client.get("/access/break-glass/")
    assert review.status_code == 200
    assert REASON.encode() in review.content and child.local_id.encode() in review.content
    client.force_login(other_manager)
    assert REASON.encode() not in client.get("/access/break-glass/").content


def test_break_glass_on_a_restricted_record_is_a_plain_404(client, team_setup):
    _, _, _, officer, _, _ = team_setup
    secret = factories.child(given_name="Hidden", family_name="Adoptee", restricted=True)
    client.force_login(officer)
    plant_lookup(client, officer, secret.pk)
    response = client.post(
        f"/children/{secret.pk}/break-glass/", {"reason": REASON, "confirm": "on"}
    )
    assert response.status_code == 404
    assert b"Adoptee" not in response.content and b"restricted" not in response.content.lower()
    plant_lookup(client, officer, 999999)
    missing = client.post("/children/999999/break-glass/", {"reason": REASON, "confirm": "on"})
    assert missing.status_code == 404
    assert not BreakGlassAccess.objects.exists()


def test_roles_without_break_glass_are_refused(client, team_setup):
    *_, child = team_setup
    for role in ("pharmacist", "partnership_analyst", "administrator"):
        client.force_login(person(role))
        response = client.get(f"/children/{child.pk}/break-glass/")
        assert response.status_code == 403, role
        assert b"Ellison" not in response.content


def test_manager_sees_who_looked_at_their_teams_child(client, team_setup):
    _, manager, sw, _, other_manager, child = team_setup
    client.force_login(manager)
    page = client.get(f"/children/{child.pk}/audit/")
    assert page.status_code == 200
    assert b"Who has looked at this record" in page.content
    assert b"Sarah Ellison" in page.content
    # Opening the audit page is itself a read of the record.
    assert AuditEntry.objects.filter(actor=manager, child=child, action="view").exists()
    client.force_login(sw)
    assert client.get(f"/children/{child.pk}/audit/").status_code == 403
    client.force_login(other_manager)
    refused = client.get(f"/children/{child.pk}/audit/")
    assert refused.status_code == 404 and b"Ellison" not in refused.content


def test_activity_report_for_a_team_member(client, team_setup):
    _, manager, sw, officer, other_manager, child = team_setup
    elsewhere = factories.child(given_name="Other", family_name="Faraway")
    other_sw = person("social_worker")
    involve(other_sw, elsewhere)
    from safeguard.access.services import break_glass
    from tests.access_helpers import request_for

    break_glass(request_for(officer), child_id=elsewhere.pk, reason=REASON)
    client.force_login(manager)
    page = client.get(f"/access/users/{officer.pk}/activity/")
    assert page.status_code == 200
    # The manager cannot see that child, so only its local ID is shown.
    assert elsewhere.local_id.encode() in page.content
    assert b"Faraway" not in page.content
    assert REASON.encode() in page.content
    assert client.get(f"/access/users/{other_sw.pk}/activity/").status_code == 404
    client.force_login(other_manager)
    assert client.get(f"/access/users/{officer.pk}/activity/").status_code == 404
    client.force_login(sw)
    assert client.get(f"/access/users/{sw.pk}/activity/").status_code == 403


def test_restricted_child_audit_page_needs_the_manager_named(client, team_setup):
    _, manager, sw, _, _, _ = team_setup
    secret = factories.child(given_name="Hidden", family_name="Adoptee", restricted=True)
    involve(sw, secret)
    client.force_login(manager)
    refused = client.get(f"/children/{secret.pk}/audit/")
    assert refused.status_code == 404 and b"Adoptee" not in refused.content
    name_on(secret, manager)
    assert client.get(f"/children/{secret.pk}/audit/").status_code == 200


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_read_whose_audit_cannot_be_written_is_refused_with_503(client, team_setup, monkeypatch):
    _, manager, *_, child = team_setup

    def broken(*args, **kwargs):
        raise DatabaseError("audit table locked")

    monkeypatch.setattr(AuditEntry.objects, "bulk_create", broken)
    client.force_login(manager)
    response = client.get(f"/children/{child.pk}/audit/")
    assert response.status_code == 503
    assert b"Sorry, the record cannot be opened at the moment" in response.content
    assert b"Ellison" not in response.content


def test_emergency_lookup_finds_by_exact_identifier_only_and_is_audited(client, team_setup):
    _, _, _, officer, _, child = team_setup
    child_with_nhs = factories.child(family_name="Okafor", nhs_number="9434765870")
    secret = factories.child(family_name="Adoptee", restricted=True, nhs_number="4010232137")
    client.force_login(officer)
    url = "/access/break-glass/find/"
    assert client.get(url).status_code == 200
    found = client.post(url, {"identifier": "943 476 5870"})
    assert found.status_code == 302
    assert found["Location"] == f"/children/{child_with_nhs.pk}/break-glass/"
    by_id = client.post(url, {"identifier": child.local_id.lower()})
    assert by_id["Location"] == f"/children/{child.pk}/break-glass/"
    lookups = AuditEntry.objects.filter(actor=officer, action="lookup")
    assert {e.child for e in lookups} == {child_with_nhs, child}
    # Restricted, partial and unknown identifiers all get the same answer, naming nobody.
    refused = [
        client.post(url, {"identifier": "401 023 2137"}),
        client.post(url, {"identifier": "943476"}),
        client.post(url, {"identifier": "Okafor"}),
    ]
    for response in refused:
        assert response.status_code == 200
        message = b"No record you can open in an emergency has that NHS number or ID"
        assert message in response.content
        assert b"Okafor" not in response.content.replace(b'value="Okafor"', b"")
        assert b"Adoptee" not in response.content
    assert not AuditEntry.objects.filter(child=secret, action="lookup").exists()
    empty = client.post(url, {"identifier": ""})
    assert b"Enter the child&#x27;s NHS number or local child ID" in empty.content


def test_refusal_page_offers_emergency_access_only_to_roles_that_have_it(client, team_setup):
    _, manager, _, officer, _, child = team_setup
    stranger = factories.child(family_name="Elsewhere")
    client.force_login(officer)
    page = client.get(f"/children/{stranger.pk}/")
    assert page.status_code == 404
    assert b'href="/access/break-glass/find/"' in page.content
    assert b"Elsewhere" not in page.content
    client.force_login(person("pharmacist"))
    assert b"/access/break-glass/find/" not in client.get(f"/children/{stranger.pk}/").content
    client.force_login(manager)
    assert b'href="/access/break-glass/"' in client.get("/").content
    client.force_login(officer)
    assert b'href="/access/break-glass/"' not in client.get("/").content


def test_manager_marks_an_emergency_access_as_checked(client, team_setup):
    from safeguard.access.services import break_glass
    from tests.access_helpers import request_for

    _, manager, _, officer, other_manager, child = team_setup
    grant = break_glass(request_for(officer), child_id=child.pk, reason=REASON)
    url = f"/access/break-glass/{grant.pk}/reviewed/"
    client.force_login(other_manager)
    assert client.post(url).status_code == 404
    client.force_login(officer)
    assert client.post(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 405
    assert client.post(url)["Location"] == "/access/break-glass/"
    grant.refresh_from_db()
    assert (grant.reviewed_by, grant.reviewed_at is not None) == (manager, True)
    entry = AuditEntry.objects.latest("seq")
    assert (entry.actor, entry.action, entry.model) == (
        manager,
        "update",
        "access.BreakGlassAccess",
    )
    assert set(entry.changes) == {"reviewed_by_id", "reviewed_at"}
    page = client.get("/access/break-glass/").content.decode()
    assert f"By {manager.display_name}" in page and "Mark as checked" not in page
