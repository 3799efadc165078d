"""Contribute without seeing (safeguard/recording/contribute.py): exact matches only,
nothing of the record shown, the match carried by a signed token bound to the professional,
audited, and the case holders told at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import Client

from safeguard.access.models import AuditAction, AuditEntry
from safeguard.accounts.models import Role
from safeguard.checks.models import Notice
from safeguard.chronology.models import Event
from safeguard.recording.contribute import TOKEN_SALT, make_token
from tests import factories
from tests.access_helpers import involve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp")]

NHS = factories.VALID_NHS_NUMBERS[0]


@pytest.fixture
def no_otp(settings):
    settings.SAFEGUARD_REQUIRE_OTP = False


@pytest.fixture
def world(db):
    from types import SimpleNamespace

    police = factories.agency("police", kind="police", name="Police force")
    csc = factories.team(code="csc-a", name="Team A")
    worker = factories.user("worker", role=Role.SOCIAL_WORKER, team_obj=csc)
    manager = factories.user("manager", role=Role.TEAM_MANAGER, team_obj=csc)
    elsewhere = factories.user("elsewhere", role=Role.TEAM_MANAGER)
    officer = factories.user("officer", role=Role.POLICE_OFFICER, agency_obj=police)
    child = factories.child(
        given_name="Ruby",
        family_name="Zephyrine",
        date_of_birth=dt.date(2011, 4, 2),
        nhs_number=NHS,
        postcode="B15 7QT",
    )
    involve(worker, child, start=dt.date(2020, 1, 1))
    involve(manager, child, role="team_manager", start=dt.date(2020, 1, 1))
    client = Client()
    client.force_login(officer)
    return SimpleNamespace(
        worker=worker,
        manager=manager,
        elsewhere=elsewhere,
        officer=officer,
        child=child,
        client=client,
    )


def _find(client, **data):
    return client.post("/contribute/", data)


def _dob(day, month, year):
    return {"date_of_birth_day": day, "date_of_birth_month": month, "date_of_birth_year": year}


def _token(response) -> str:
    body = response.content.decode()
    start = body.index('name="token" value="') + len('name="token" value="')
    return body[start : body.index('"', start)]


def _record(client, token, **extra):
    data = {
        "token": token,
        "event_type": "returned_from_missing",
        "save": "1",
        "occurred_day": "1",
        "occurred_month": "3",
        "occurred_year": "2024",
        "occurred_time": "",
        "occurred_precision": "day",
        "summary": "Found at the bus station by officers, taken home.",
        "detail_found_at": "Bus station",
    }
    data.update(extra)
    return client.post("/contribute/entry/", data)


def _assert_no_record_data(response, child, *, typed=()):
    """Nothing of the record: not its names, ID, date of birth or postcode, unless the
    professional typed them in (a form keeps what was typed, to correct it)."""
    body = response.content.decode().lower()
    secrets = (child.given_name, child.family_name, child.local_id, "2 april", "b15")
    typed = " ".join(typed).lower()
    for secret in (s for s in secrets if s.lower() not in typed):
        assert secret.lower() not in body, f"the page shows {secret}"
    assert f"/children/{child.pk}/" not in body


def test_an_exact_nhs_number_confirms_one_match_without_showing_the_record(world):
    response = _find(world.client, nhs_number="943 476 5919")
    assert response.status_code == 200
    body = response.content.decode()
    assert "One child matches" in body
    assert "initials RZ, born 2011" in body
    _assert_no_record_data(response, world.child)


def test_name_date_of_birth_and_postcode_match_exactly_ignoring_case_and_spaces(world):
    response = _find(
        world.client,
        given_name=" ruby ",
        family_name="ZEPHYRINE",
        postcode="b157qt",
        **_dob("2", "4", "2011"),
    )
    assert "One child matches" in response.content.decode()
    _assert_no_record_data(response, world.child)


@pytest.mark.parametrize(
    "data",
    [
        {"nhs_number": factories.VALID_NHS_NUMBERS[1]},  # valid, but nobody's
        {"given_name": "Rub", "family_name": "Zephyrine", "postcode": "B15 7QT"},  # partial
        {"given_name": "Ruby", "family_name": "Zephyrine", "postcode": "B15 7QU"},
    ],
)
def test_no_exact_match_says_so_without_confirming_anything(world, data):
    response = _find(world.client, **_dob("2", "4", "2011"), **data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "could not match exactly one child" in body
    assert "One child matches" not in body
    assert "emergency access" in body  # police may use break-glass
    assert "front door" in body
    assert "initials" not in body
    _assert_no_record_data(response, world.child, typed=list(data.values()))


def test_several_matches_get_the_same_answer_as_none(world):
    factories.child(
        given_name="Ruby",
        family_name="Zephyrine",
        date_of_birth=dt.date(2011, 4, 2),
        postcode="B15 7QT",
    )
    response = _find(
        world.client,
        given_name="Ruby",
        family_name="Zephyrine",
        postcode="B15 7QT",
        **_dob("2", "4", "2011"),
    )
    assert "could not match exactly one child" in response.content.decode()


def test_a_restricted_record_is_never_matched(world):
    factories.child(nhs_number=factories.VALID_NHS_NUMBERS[2], restricted=True)
    response = _find(world.client, nhs_number=factories.VALID_NHS_NUMBERS[2])
    assert "could not match exactly one child" in response.content.decode()


def test_an_invalid_nhs_number_or_half_a_name_is_a_form_error(world):
    response = _find(world.client, nhs_number="9434765918")  # wrong check digit
    body = response.content.decode()
    assert "There is a problem" in body and "Enter a valid NHS number" in body
    response = _find(world.client, given_name="Ruby")
    body = response.content.decode()
    assert "Enter the child’s last name, or their NHS number" in body
    assert "Enter the child’s home postcode, or their NHS number" in body


def test_the_lookup_is_audited_as_a_contribute_search(world):
    _find(world.client, nhs_number=NHS)
    entry = AuditEntry.objects.filter(child=world.child, actor=world.officer).get()
    assert (entry.action, entry.basis) == (AuditAction.SEARCH_RESULT, "contribute")


def test_recording_writes_the_entry_tells_the_case_holders_and_is_audited(world):
    token = _token(_find(world.client, nhs_number=NHS))
    response = _record(world.client, token)
    assert response.status_code == 302 and response["Location"] == "/contribute/"
    event = Event.objects.get(child=world.child)
    assert event.event_type == "returned_from_missing"
    assert event.recorded_by == world.officer
    assert event.source_agency == world.officer.agency
    assert event.details["found_at"] == "Bus station"
    write = AuditEntry.objects.get(action=AuditAction.CREATE, model="chronology.Event")
    assert (write.actor, write.child, write.via) == (world.officer, world.child, "contribute")
    told = set(Notice.objects.filter(child=world.child).values_list("recipient", flat=True))
    assert told == {world.worker.pk, world.manager.pk}
    assert "Returned from missing" in Notice.objects.first().text
    page = world.client.get("/contribute/")
    assert "Your entry has been added" in page.content.decode()
    _assert_no_record_data(page, world.child)


def test_the_form_does_not_offer_the_childs_people(world):
    from safeguard.children.services import record_person, record_relationship

    mother = record_person(actor=None, given_name="Qwilla", family_name="Zephyrine")
    record_relationship(actor=None, child=world.child, person=mother, relationship="mother")
    token = _token(_find(world.client, nhs_number=NHS))
    response = world.client.post(
        "/contribute/entry/", {"token": token, "event_type": "police_incident"}
    )
    assert response.status_code == 200
    assert "Qwilla" not in response.content.decode()
    _assert_no_record_data(response, world.child)


def test_a_form_error_writes_nothing_and_keeps_the_token(world):
    token = _token(_find(world.client, nhs_number=NHS))
    response = _record(world.client, token, summary="")
    assert response.status_code == 200
    assert "Enter what happened" in response.content.decode()
    assert _token(response) == token
    assert not Event.objects.exists() and not Notice.objects.exists()


def test_an_event_type_outside_the_roles_categories_is_refused(world):
    token = _token(_find(world.client, nhs_number=NHS))
    response = _record(world.client, token, event_type="prescription_dispensed")
    assert response.status_code == 200
    assert "Select what you want to add" in response.content.decode() or (
        "Select a valid choice" in response.content.decode()
    )
    assert not Event.objects.exists()


def test_a_token_is_bound_to_the_user(world):
    token = _token(_find(world.client, nhs_number=NHS))
    other = factories.user("other-officer", role=Role.POLICE_OFFICER)
    client = Client()
    client.force_login(other)
    assert _record(client, token).status_code == 400
    assert not Event.objects.exists() and not Notice.objects.exists()


def test_a_forged_or_expired_token_writes_nothing(world, monkeypatch):
    forged = signing.dumps({"u": world.officer.pk, "c": world.child.pk}, salt="wrong")
    assert _record(world.client, forged).status_code == 400
    assert _record(world.client, "").status_code == 400
    token = make_token(world.officer, world.child)
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 31 * 60)
    assert _record(world.client, token).status_code == 400
    monkeypatch.undo()
    assert not Event.objects.exists() and not Notice.objects.exists()
    assert signing.loads(token, salt=TOKEN_SALT)["u"] == world.officer.pk


def test_roles_outside_contribute_are_refused(world):
    for role in (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR, Role.IRO, Role.TEAM_MANAGER):
        client = Client()
        client.force_login(factories.user(role=role))
        assert client.get("/contribute/").status_code == 403
        assert client.post("/contribute/", {"nhs_number": NHS}).status_code == 403
    assert not AuditEntry.objects.filter(basis="contribute").exists()


def test_a_pharmacist_is_not_offered_emergency_access(world):
    client = Client()
    client.force_login(factories.user(role=Role.PHARMACIST))
    body = client.post("/contribute/", {"nhs_number": factories.VALID_NHS_NUMBERS[1]}).content
    assert b"could not match" in body and b"emergency access" not in body


def test_the_case_holders_see_the_notice_on_their_home_page(world):
    token = _token(_find(world.client, nhs_number=NHS))
    _record(world.client, token)
    for user in (world.worker, world.manager):
        client = Client()
        client.force_login(user)
        body = client.get("/").content.decode()
        assert "New information from partners" in body
        assert "Returned from missing" in body
    client = Client()
    client.force_login(world.elsewhere)
    assert "New information from partners" not in client.get("/").content.decode()


def test_notices_can_be_marked_read_by_their_recipient_only(world):
    token = _token(_find(world.client, nhs_number=NHS))
    _record(world.client, token)
    client = Client()
    client.force_login(world.worker)
    url = f"/notices/{world.child.pk}/read/"
    assert world.client.post(url).status_code == 404  # the officer may not see the child
    assert client.post(url).status_code == 302
    assert Notice.objects.get(recipient=world.worker).read_at is not None
    assert Notice.objects.get(recipient=world.manager).read_at is None
    assert "New information from partners" not in client.get("/").content.decode()


# --- a contact or referral to the front door, without seeing the record (issue 14) ---------


def _refer(client, token, **extra):
    data = {
        "token": token,
        "event_type": "frontdoor_contact",
        "save": "1",
        "kind": "referral",
        "source": "6",
        "summary": "Ruby was found at an address linked to older men; she had a new phone.",
    }
    data.update(extra)
    return client.post("/contribute/entry/", data)


def test_a_partner_refers_to_the_front_door_without_seeing_the_record(world):
    from safeguard.frontdoor.models import Contact

    found = _find(world.client, nhs_number=NHS)
    assert "A contact or referral to children’s social care" in found.content.decode()
    token = _token(found)
    form = world.client.post(
        "/contribute/entry/", {"token": token, "event_type": "frontdoor_contact"}
    )
    body = form.content.decode()
    assert form.status_code == 200 and "What you have seen or been told" in body
    assert 'value="6" selected' in body  # a police force's source, chosen for them
    _assert_no_record_data(form, world.child)
    response = _refer(world.client, token)
    assert response.status_code == 302 and response["Location"] == "/contribute/"
    contact = Contact.objects.get(child=world.child)
    assert (contact.kind, contact.source, contact.decision) == ("referral", "6", "")
    assert contact.referrer_agency == world.officer.agency
    assert contact.recorded_by == world.officer and contact.received_on == dt.date.today()
    write = AuditEntry.objects.get(action=AuditAction.CREATE, model="frontdoor.Contact")
    assert (write.actor, write.child, write.via) == (world.officer, world.child, "contribute")
    told = set(Notice.objects.filter(child=world.child).values_list("recipient", flat=True))
    assert told == {world.worker.pk, world.manager.pk}
    assert "awaits a front-door decision" in Notice.objects.first().text
    page = world.client.get("/contribute/")
    assert "has been sent to children’s social care" in page.content.decode()
    _assert_no_record_data(page, world.child)
    # On the front door's list for those who may see the child, awaiting a decision.
    world.client.force_login(world.manager)
    queue = world.client.get("/front-door/").content.decode()
    assert "found at an address linked to older men" in queue


def test_a_referral_without_what_was_seen_writes_nothing(world):
    from safeguard.frontdoor.models import Contact

    token = _token(_find(world.client, nhs_number=NHS))
    response = _refer(world.client, token, summary="")
    body = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in body
    assert "Enter what you have seen or been told" in body
    assert not Contact.objects.exists() and not Notice.objects.exists()
    _assert_no_record_data(response, world.child)
