"""The front door sees every contact awaiting a decision (issue 14): a partner's contact
about a child nobody is involved with reaches the front-door team's list and is decided
there, through the declared `front_door` capability (access/roles.py, rules.py), audited
with its own basis, and nothing else of the child's record opens."""

import datetime as dt

import pytest
from django.test import override_settings

from safeguard.access.models import AuditEntry
from safeguard.access.policy import visible_children_for_user
from safeguard.children.models import Involvement
from safeguard.frontdoor.access import front_door_children_for_user
from safeguard.frontdoor.models import Contact, FrontDoorTeam
from safeguard.meetings.models import Concern
from safeguard.recording import services
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp")]
TODAY = dt.date.today()


@pytest.fixture
def no_otp():
    with override_settings(SAFEGUARD_REQUIRE_OTP=False):
        yield


@pytest.fixture
def world():
    csc = factories.agency("fd-csc", name="Northshire CSC")
    front = factories.team(csc, code="front-door", name="Front door")
    FrontDoorTeam.objects.create(team=front)
    elsewhere = factories.team(csc, code="cin", name="Child in need team")
    police_agency = factories.agency("fd-police", kind="police", name="Shire Police")
    child = factories.child(given_name="Una", family_name="Allocated")
    police = factories.user("pc-fd", role="police_officer", agency_obj=police_agency)
    # A partner not involved with the child contributes a contact (without seeing).
    contact = services.contribute_contact(
        actor=police,
        child=child,
        kind="referral",
        source="6",
        summary="Found alone at 2am near the station",
    )
    return {
        "child": child,
        "contact": contact,
        "fd": factories.user("fd-worker", agency_obj=csc, team_obj=front),
        "fd_manager": factories.user(
            "fd-manager", role="team_manager", agency_obj=csc, team_obj=front
        ),
        "other_sw": factories.user("cin-worker", agency_obj=csc, team_obj=elsewhere),
        "police": police,
        "school_lead": factories.user(
            "dsl-fd", role="school_safeguarding_lead", agency_obj=csc, team_obj=front
        ),
    }


def _date(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_a_partner_contact_about_an_unallocated_child_is_on_the_front_door_list(client, world):
    child = world["child"]
    assert not Involvement.objects.filter(child=child).exists()
    client.force_login(world["fd"])
    page = client.get("/front-door/").content.decode()
    assert "Found alone at 2am" in page and child.family_name in page
    assert f'href="/children/{child.pk}/contacts/decide/"' in page
    # Not a link to the summary: the record does not open for them.
    assert f'href="/children/{child.pk}/"' not in page
    listed = AuditEntry.objects.get(actor=world["fd"], child_id=child.pk, action="search_result")
    assert listed.basis == "front-door" and listed.area == "identity"


@pytest.mark.parametrize("who", ["other_sw", "police", "school_lead"])
def test_nobody_else_sees_it(client, world, who):
    # A social worker outside the front-door team, the partner who made the contact, and a
    # role without the capability in the front-door team: none of them.
    client.force_login(world[who])
    page = client.get("/front-door/").content.decode()
    assert world["child"].family_name not in page
    assert client.get(f"/children/{world['child'].pk}/contacts/decide/").status_code == 404


def test_the_front_door_decides_it_and_nothing_else_of_the_record_opens(client, world):
    child, contact = world["child"], world["contact"]
    client.force_login(world["fd"])
    url = f"/children/{child.pk}/contacts/decide/"
    page = client.get(url).content.decode()
    assert f'value="{contact.pk}"' in page
    opened = AuditEntry.objects.filter(actor=world["fd"], child_id=child.pk, action="view")
    assert [e.basis for e in opened] == ["front-door"]
    for other in (
        f"/children/{child.pk}/",
        f"/children/{child.pk}/chronology/",
        f"/children/{child.pk}/assessments/",
        f"/children/{child.pk}/household/add/",
        f"/children/{child.pk}/contacts/add/",
        f"/children/{child.pk}/meetings/",
    ):
        assert client.get(other).status_code == 404, other
    response = client.post(
        url,
        {
            "which": contact.pk,
            "decision": "early_help",
            "decision_reason": "Family agree to early help",
            **_date("decided_on", TODAY),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/front-door/"
    contact.refresh_from_db()
    assert contact.decision == "early_help" and contact.decided_by == world["fd"]
    # Decided: off the list, and the front door's access to the child ends with it.
    assert not front_door_children_for_user(world["fd"]).filter(pk=child.pk).exists()
    assert client.get(url).status_code == 404
    assert child.family_name not in client.get("/front-door/").content.decode()


def test_a_strategy_decision_keeps_the_child_on_the_list_until_allocated(client, world):
    child, contact = world["child"], world["contact"]
    client.force_login(world["fd"])
    response = client.post(
        f"/children/{child.pk}/contacts/decide/",
        {
            "which": contact.pk,
            "decision": "strategy_discussion",
            "decision_reason": "Significant harm suspected",
            **_date("decided_on", TODAY),
        },
    )
    # Nobody is allocated who could convene it: back to the list, which keeps it in view.
    assert response.status_code == 302 and response["Location"] == "/front-door/"
    concern = Concern.objects.get(contacts=contact)
    assert concern.status == "open"
    page = client.get("/front-door/").content.decode()
    assert "Not convened" in page and "the front-door manager allocates one" in page
    # The manager allocates a social worker from the list; then the worker convenes it.
    client.force_login(world["fd_manager"])
    page = client.get("/front-door/").content.decode()
    assert f'href="/children/{child.pk}/involvements/add/"' in page
    allocate = f"/children/{child.pk}/involvements/add/"
    assert client.get(allocate).status_code == 200
    response = client.post(
        allocate,
        {
            "professional": world["other_sw"].pk,
            "role": "allocated_social_worker",
            **_date("start_date", TODAY),
        },
    )
    assert response.status_code == 302
    assert Involvement.objects.filter(child=child, professional=world["other_sw"]).exists()
    assert visible_children_for_user(world["other_sw"], area="summary").filter(pk=child.pk)
    # The front-door worker still cannot open the rest of the record.
    client.force_login(world["fd"])
    assert client.get(f"/children/{child.pk}/chronology/").status_code == 404


def test_a_restricted_record_never_reaches_the_front_door_by_this_route(world):
    restricted = factories.child(given_name="Rae", family_name="Hidden", restricted=True)
    Contact.objects.create(
        child=restricted,
        received_on=TODAY,
        source="6",
        referrer_agency=world["police"].agency,
        summary="x",
    )
    assert not front_door_children_for_user(world["fd"]).filter(pk=restricted.pk).exists()
    assert front_door_children_for_user(world["fd"]).filter(pk=world["child"].pk).exists()


def test_the_capability_needs_a_front_door_team(world):
    FrontDoorTeam.objects.all().delete()
    assert not front_door_children_for_user(world["fd"]).exists()
