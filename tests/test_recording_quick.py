"""Quick recording (safeguard/recording/quick.py): one short page per frequent partner
event, built from the event type's generated form (the registry's validation, then the
service's), reachable from the home page and the child, and usable through
contribute-without-seeing by a partner who is not involved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from safeguard.access import roles
from safeguard.accounts.models import Role
from safeguard.checks.models import Notice
from safeguard.chronology.event_types import EVENT_TYPES
from safeguard.chronology.models import Event
from safeguard.recording.forms import detail_field_name, event_form_class
from safeguard.recording.quick import BY_ROLE, QUICK, quick_for, quick_form_class
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
    officer = factories.user("officer", role=Role.POLICE_OFFICER, agency_obj=police)
    pharmacist = factories.user("pharm", role=Role.PHARMACIST)
    child = factories.child(
        given_name="Ruby",
        family_name="Zephyrine",
        date_of_birth=dt.date(2011, 4, 2),
        nhs_number=NHS,
        postcode="B15 7QT",
    )
    involve(worker, child, start=dt.date(2020, 1, 1))
    involve(manager, child, role="team_manager", start=dt.date(2020, 1, 1))
    return SimpleNamespace(
        worker=worker, manager=manager, officer=officer, pharmacist=pharmacist, child=child
    )


def _client(user):
    client = Client()
    client.force_login(user)
    return client


WHEN = {
    "occurred_day": "1",
    "occurred_month": "3",
    "occurred_year": "2024",
    "occurred_time": "",
    "occurred_precision": "day",
}


def test_every_frequent_partner_event_named_in_the_issue_has_a_quick_page():
    wanted = {
        "missing_from_care",
        "returned_from_missing",
        "police_incident",
        "arrest",
        "bail_conditions_set",
        "prescription_issued",
        "prescription_dispensed",
        "prescription_not_collected",
        "school_absence",
        "school_exclusion",
        "concern_raised",
        "ae_attendance",
        "seizure",
        "hospital_admission",
        "social_worker_visit",
        "return_interview_offered",
        "return_interview_completed",
    }
    assert {q.event_type for q in QUICK.values()} == wanted


@pytest.mark.parametrize("slug", sorted(QUICK))
def test_a_quick_form_is_the_generated_form_with_fewer_fields(slug):
    entry = QUICK[slug]
    full = event_form_class(entry.event_type)
    short = quick_form_class(slug)
    assert issubclass(short, full)
    assert entry.event_type in EVENT_TYPES
    fields = list(short().fields)
    assert fields[0] == "occurred"
    assert set(fields) <= set(full.base_fields)
    assert {detail_field_name(n) for n in entry.details} <= set(fields)
    assert len(fields) <= len(full.base_fields)


def test_each_role_is_offered_only_quick_pages_it_may_write():
    for role, slugs in BY_ROLE.items():
        offered = quick_for(role)
        assert offered, role
        for entry in offered:
            assert roles.may_write_event_type(role, entry.event_type)
            assert entry.slug in slugs


def test_home_page_and_child_summary_link_to_the_quick_pages(world):
    client = _client(world.worker)
    home = client.get("/").content.decode()
    assert "Record quickly" in home
    assert "/record/visit/" in home
    summary = client.get(f"/children/{world.child.pk}/").content.decode()
    assert f"/children/{world.child.pk}/record/quick/visit/" in summary
    types = client.get(f"/children/{world.child.pk}/record/").content.decode()
    assert f"/children/{world.child.pk}/record/quick/visit/" in types


def test_quick_start_lists_my_children_and_the_way_to_a_child_i_do_not_work_with(world):
    page = _client(world.worker).get("/record/visit/").content.decode()
    assert f"/children/{world.child.pk}/record/quick/visit/" in page
    assert "/contribute/?quick=visit" in page


def test_a_visit_needs_the_seen_alone_answer_and_keeps_the_services_rules(world):
    client = _client(world.worker)
    url = f"/children/{world.child.pk}/record/quick/visit/"
    empty = client.post(url, {})
    body = empty.content.decode()
    assert "There is a problem" in body
    assert "Select whether the child was seen alone" in body
    assert not Event.objects.filter(event_type="social_worker_visit").exists()
    ok = client.post(
        url,
        {**WHEN, "detail_seen_alone": "yes", "summary": "Seen at school, alone, said all well."},
    )
    assert ok.status_code == 302
    event = Event.objects.get(event_type="social_worker_visit")
    assert event.details == {"seen_alone": True}
    assert event.recorded_by == world.worker


def test_service_rules_still_apply_dated_before_birth(world):
    client = _client(world.worker)
    response = client.post(
        f"/children/{world.child.pk}/record/quick/visit/",
        {
            **WHEN,
            "occurred_year": "2009",
            "detail_seen_alone": "no",
            "summary": "Before the child was born",
        },
    )
    assert response.status_code == 200
    assert "before the child was born" in response.content.decode()
    assert not Event.objects.exists()


def test_a_role_that_may_not_write_the_type_gets_a_404_and_nothing_is_written(world):
    involve(world.pharmacist, world.child, role="other", start=dt.date(2020, 1, 1))
    client = _client(world.pharmacist)
    url = f"/children/{world.child.pk}/record/quick/visit/"
    assert client.get(url).status_code == 404
    assert client.post(url, {**WHEN, "detail_seen_alone": "yes", "summary": "x"}).status_code == 404
    assert client.get("/record/visit/").status_code == 404
    assert not Event.objects.exists()


def test_a_pharmacist_involved_records_not_collected_in_one_short_page(world):
    involve(world.pharmacist, world.child, role="other", start=dt.date(2020, 1, 1))
    client = _client(world.pharmacist)
    url = f"/children/{world.child.pk}/record/quick/not-collected/"
    page = client.get(url).content.decode()
    assert "Prescription not collected" in page
    response = client.post(
        url,
        {**WHEN, "detail_medicine": "Lamotrigine 100mg", "summary": "Not collected in 7 days."},
    )
    assert response.status_code == 302
    event = Event.objects.get(event_type="prescription_not_collected")
    assert event.details == {"medicine": "Lamotrigine 100mg"}


def test_police_not_involved_record_found_through_contribute_without_seeing(world):
    client = _client(world.officer)
    assert client.get(f"/children/{world.child.pk}/record/quick/found/").status_code == 404
    find = client.post("/contribute/", {"nhs_number": NHS, "quick": "found"})
    body = find.content.decode()
    assert "Child found or returned" in body
    assert "Where was the child found?" in body
    assert "Ruby" not in body and "Zephyrine" not in body
    assert f"/children/{world.child.pk}/" not in body
    start = body.index('name="token" value="') + len('name="token" value="')
    token = body[start : body.index('"', start)]
    # An error first: nothing written.
    error = client.post(
        "/contribute/entry/", {"token": token, "quick": "found", "save": "1", **WHEN}
    )
    assert "Enter what happened" in error.content.decode()
    assert not Event.objects.exists()
    done = client.post(
        "/contribute/entry/",
        {
            "token": token,
            "quick": "found",
            "save": "1",
            **WHEN,
            "detail_found_at": "Bus station",
            "detail_found_with": "An older man",
            "summary": "Found by officers and taken home.",
        },
    )
    assert done.status_code == 302
    event = Event.objects.get(event_type="returned_from_missing")
    assert event.child == world.child
    assert event.details == {"found_at": "Bus station", "found_with": "An older man"}
    assert Notice.objects.filter(recipient=world.worker, child=world.child).exists()


def test_a_quick_slug_the_role_may_not_write_falls_back_to_choosing(world):
    client = _client(world.officer)
    find = client.post("/contribute/", {"nhs_number": NHS, "quick": "dispensed"})
    assert "What do you want to add?" in find.content.decode()


@pytest.mark.parametrize("slug", sorted(QUICK))
def test_an_empty_quick_page_says_what_to_enter_in_the_pages_own_words(slug):
    entry = QUICK[slug]
    form = quick_form_class(slug)(data={})
    assert not form.is_valid()
    assert form.errors["summary"] == [entry.summary_error]
    assert form.fields["summary"].label == entry.summary_label
    # Every field is either required or says it is optional (GOV.UK), radios with
    # "Not known" aside.
    for name, field in form.fields.items():
        if name in ("occurred", "summary", "related_persons") or field.required:
            continue
        choices = [c for c, _ in getattr(field, "choices", [])]
        assert "(optional)" in field.label or "" in choices, (slug, name, field.label)
