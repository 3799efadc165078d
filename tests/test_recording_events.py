"""Recording chronology events through the pages: every registry type, validation, who may
write what, corrections and withdrawals, and alerts resolved by recording what was done."""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest
from django.test import override_settings
from django.utils import timezone

from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.children.services import record_person, record_relationship
from safeguard.chronology.event_types import EVENT_TYPES
from safeguard.chronology.models import Event
from safeguard.recording.forms import detail_field_name, event_form_class
from tests import factories
from tests.checks_helpers import (
    adult_of_concern,
    chronic_medicine,
    event,
    looked_after_child,
    placement,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp")]


@pytest.fixture
def no_otp():
    with override_settings(SAFEGUARD_REQUIRE_OTP=False):
        yield


def involve(child, user, role):
    from tests.checks_helpers import involve as _involve

    return _involve(child, user, role, start=child.date_of_birth)


TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


def date_parts(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def detail_value(spec):
    """A valid posted value for a detail, and what the record should then hold."""
    if spec.kind == "bool":
        return "yes", True
    if spec.kind == "int":
        return "3", 3
    if spec.kind in ("date", "datetime"):
        return YESTERDAY, YESTERDAY.isoformat()
    if spec.kind == "choice":
        return spec.choices[0], spec.choices[0]
    return "Written on the form", "Written on the form"


def post_data(code: str, person=None) -> tuple[dict, dict]:
    data = {**date_parts("occurred", YESTERDAY), "occurred_precision": "day"}
    data["summary"] = f"Recorded through the page: {code}"
    expected = {}
    for name, spec in EVENT_TYPES[code].details.items():
        value, stored = detail_value(spec)
        field = detail_field_name(name)
        if isinstance(value, dt.date):
            data.update(date_parts(field, value))
            if spec.kind == "datetime":
                data[f"{field}_precision"] = "day"
        else:
            data[field] = value
        expected[name] = stored
    if person is not None and EVENT_TYPES[code].names_people:
        data["related_persons"] = [str(person.pk)]
    return data, expected


@pytest.fixture
def world():
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    child = factories.child(given_name="Amy", date_of_birth=dt.date(2012, 5, 1))
    involve(child, sw, "allocated_social_worker")
    person = record_person(actor=None, given_name="Dan", family_name="Parent")
    record_relationship(actor=None, child=child, person=person, relationship="father")
    return {"team": team, "sw": sw, "child": child, "person": person}


@pytest.mark.parametrize("code", sorted(EVENT_TYPES))
def test_every_event_type_has_a_page_that_saves_it(client, world, code):
    child, person = world["child"], world["person"]
    client.force_login(world["sw"])
    url = f"/children/{child.pk}/record/{code}/"
    page = client.get(url)
    assert page.status_code == 200
    assert escape(EVENT_TYPES[code].label) in page.content.decode()
    data, expected = post_data(code, person)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Event.objects.get(child=child, event_type=code)
    assert saved.details == expected
    assert saved.summary == data["summary"]
    assert saved.occurred_on == YESTERDAY
    assert saved.precision == "day"
    assert (saved.recorded_by, saved.source_agency) == (world["sw"], world["sw"].agency)
    if EVENT_TYPES[code].names_people:
        assert list(saved.related_persons.all()) == [person]


def test_every_generated_form_has_a_field_per_detail():
    for code, etype in EVENT_TYPES.items():
        fields = event_form_class(code).base_fields
        assert {"occurred", "summary"} <= set(fields)
        assert {detail_field_name(n) for n in etype.details} <= set(fields), code


def test_errors_show_a_govuk_summary_and_save_nothing(client, world):
    client.force_login(world["sw"])
    url = f"/children/{world['child'].pk}/record/protective_options_considered/"
    response = client.post(
        url,
        {
            "occurred_day": "31",
            "occurred_month": "2",
            "occurred_year": "2024",
            "summary": "",
            detail_field_name("options"): "",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "govuk-error-summary" in page
    assert 'href="#id_occurred_day"' in page
    assert "When it happened must be a real date" in page
    assert "Enter what happened" in page
    assert f'href="#id_{detail_field_name("options")}"' in page
    assert page.startswith("<!") and "<title>Error:" in page
    assert not Event.objects.exists()


def test_a_date_in_the_future_or_before_birth_is_refused(client, world):
    client.force_login(world["sw"])
    url = f"/children/{world['child'].pk}/record/note/"
    tomorrow = TODAY + dt.timedelta(days=2)
    data = {**date_parts("occurred", tomorrow), "summary": "x"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "must be today or in the past" in response.content.decode()
    # The service's own rule comes back onto the date field.
    data = {**date_parts("occurred", dt.date(2010, 1, 1)), "summary": "x"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "dated before the child was born" in response.content.decode()
    assert not Event.objects.exists()


def test_approximate_month_is_recorded_as_such(client, world):
    client.force_login(world["sw"])
    url = f"/children/{world['child'].pk}/record/note/"
    data = {"occurred_month": "3", "occurred_year": "2020", "occurred_precision": "month"}
    response = client.post(url, {**data, "summary": "Moved in with dad"})
    assert response.status_code == 302
    saved = Event.objects.get()
    assert (saved.precision, saved.occurred_on) == ("month", dt.date(2020, 3, 1))


def test_a_role_may_not_write_another_category(client, world):
    child = world["child"]
    pharmacist = factories.user("pharm", role="pharmacist")
    involve(child, pharmacist, "other")
    client.force_login(pharmacist)
    data, _ = post_data("social_worker_visit")
    url = f"/children/{child.pk}/record/social_worker_visit/"
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert not Event.objects.exists()
    # What the pharmacist may record is offered, and nothing else.
    page = client.get(f"/children/{child.pk}/record/").content.decode()
    assert "Prescription not collected" in page
    assert "Social worker visit" not in page
    data, _ = post_data("prescription_not_collected")
    assert (
        client.post(f"/children/{child.pk}/record/prescription_not_collected/", data).status_code
        == 302
    )
    # Not involved: no page, nothing written.
    other = factories.child(given_name="Bea")
    assert (
        client.post(f"/children/{other.pk}/record/prescription_not_collected/", data).status_code
        == 404
    )
    assert Event.objects.count() == 1


def test_unknown_event_type_is_404(client, world):
    client.force_login(world["sw"])
    assert client.get(f"/children/{world['child'].pk}/record/no_such_type/").status_code == 404


def test_the_frequent_types_lead_for_the_role(client, world):
    police = factories.user("pc", role="police_officer")
    involve(world["child"], police, "other")
    client.force_login(police)
    page = client.get(f"/children/{world['child'].pk}/record/").content.decode()
    frequent = page[page.index('id="frequent-types"') : page.index("Everything you can record")]
    assert "Returned from missing" in frequent and "Bail conditions set" in frequent
    assert "Prescription" not in page


# --- corrections and withdrawals ---------------------------------------------------------


def test_correction_needs_a_reason_and_keeps_the_original(client, world):
    child = world["child"]
    original = event(child, "social_worker_visit", YESTERDAY, seen_alone=False)
    client.force_login(world["sw"])
    url = f"/children/{child.pk}/chronology/{original.pk}/correct/"
    page = client.get(url)
    assert page.status_code == 200
    assert "social worker visit" in page.content.decode()
    data, _ = post_data("social_worker_visit")
    response = client.post(url, {**data, "reason": ""})
    assert response.status_code == 200
    assert "Say why the entry is being corrected" in response.content.decode()
    assert Event.objects.count() == 1
    response = client.post(url, {**data, "reason": "Amy was seen alone after all"})
    assert response.status_code == 302
    corrected = Event.objects.get(supersedes=original)
    assert corrected.details["seen_alone"] is True
    assert corrected.correction_reason == "Amy was seen alone after all"
    assert Event.objects.filter(pk=original.pk, summary=original.summary).exists()
    page = client.get(f"/children/{child.pk}/chronology/?corrected=on").content.decode()
    assert "Corrected later" in page and original.summary in page
    # The superseded version cannot be changed again.
    assert client.get(url).status_code == 404


def test_withdrawal_needs_a_reason_and_keeps_the_original(client, world):
    child = world["child"]
    original = event(child, "note", YESTERDAY)
    client.force_login(world["sw"])
    url = f"/children/{child.pk}/chronology/{original.pk}/withdraw/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": " "})
    assert response.status_code == 200
    assert "Say why the entry is being withdrawn" in response.content.decode()
    response = client.post(url, {"reason": "Wrong child"})
    assert response.status_code == 302
    withdrawn = Event.objects.get(supersedes=original)
    assert withdrawn.withdrawn and withdrawn.correction_reason == "Wrong child"
    assert Event.objects.filter(pk=original.pk).exists()


def test_correcting_needs_the_category_and_the_chronology(client, world):
    child = world["child"]
    visit = event(child, "social_worker_visit", YESTERDAY)
    pill = event(child, "prescription_dispensed", YESTERDAY, medicine="Lamotrigine")
    pharmacist = factories.user("pharm", role="pharmacist")
    involve(child, pharmacist, "other")
    client.force_login(pharmacist)
    # Not the pharmacist's category; and a pharmacist does not read the chronology.
    assert (
        client.post(
            f"/children/{child.pk}/chronology/{visit.pk}/withdraw/", {"reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/children/{child.pk}/chronology/{pill.pk}/withdraw/", {"reason": "x"}
        ).status_code
        == 404
    )
    assert Event.objects.count() == 2


# --- alerts resolved by recording --------------------------------------------------------


def _resolve_through_pages(client, alert, user, edit=None):
    """Follow the alert's action to the form, post it as pre-filled (plus `edit`)."""
    client.force_login(user)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="/alerts/{alert.pk}/resolve/"' in page
    response = client.get(f"/alerts/{alert.pk}/resolve/")
    assert response.status_code == 302
    form_url = response["Location"]
    form_page = client.get(form_url)
    assert form_page.status_code == 200
    html = form_page.content.decode()
    assert "This will resolve:" in html
    form = form_page.context["form"]
    data = {**date_parts("occurred", YESTERDAY), "occurred_precision": "day"}
    data["summary"] = "Done, as the alert asked"
    for name in form.fields:
        if name.startswith("detail_") and form.initial.get(name) is not None:
            data[name] = form.initial[name]
    if "related_persons" in form.initial:
        data["related_persons"] = form.initial["related_persons"]
    data.update(edit or {})
    assert Alert.objects.get(pk=alert.pk).is_open
    return client.post(form_url, data), html


def _next_page(client, response, alert):
    """The page after saving (requested once the write's transaction has committed)."""
    assert response.status_code == 302
    assert response["Location"].startswith(f"/alerts/{alert.pk}/?recorded=")
    return client.get(response["Location"])


def _assert_resolved(client, response, alert):
    page = _next_page(client, response, alert)
    assert page.status_code == 200
    assert Alert.objects.get(pk=alert.pk).status == "resolved"
    assert "The alert is resolved" in page.content.decode()


def _raise(check_id, child):
    run_checks(TODAY, child_ids=[child.pk])
    alert = Alert.objects.get(check_id=check_id, child=child)
    # A control: without the record, the alert stays open when the checks run again.
    run_checks(TODAY, child_ids=[child.pk])
    assert Alert.objects.get(pk=alert.pk).is_open
    return alert


def _young_looked_after(start_days_ago, legal_status="C2", age=10):
    dob = TODAY.replace(year=TODAY.year - age) - dt.timedelta(days=40)
    return looked_after_child(
        start=TODAY - dt.timedelta(days=start_days_ago), legal_status=legal_status, dob=dob
    )


def test_visit_alert_resolves_by_recording_the_visit(client, django_capture_on_commit_callbacks):
    child = _young_looked_after(30)
    placement(child, TODAY - dt.timedelta(days=30))
    sw = factories.user("sw", team_obj=factories.team())
    involve(child, sw, "allocated_social_worker")
    alert = _raise("LAC-SW-VISITS", child)
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = _resolve_through_pages(
            client, alert, sw, {detail_field_name("seen_alone"): "yes"}
        )
    _assert_resolved(client, response, alert)
    assert Event.objects.get(event_type="social_worker_visit").details == {"seen_alone": True}


def test_return_interview_alert_resolves_with_the_episode_prefilled(
    client, django_capture_on_commit_callbacks
):
    child = _young_looked_after(300, age=14)
    sw = factories.user("sw", team_obj=factories.team())
    involve(child, sw, "allocated_social_worker")
    event(child, "missing_from_care", TODAY - dt.timedelta(days=6), episode_ref="M7")
    event(child, "returned_from_missing", TODAY - dt.timedelta(days=5), episode_ref="M7")
    alert = _raise("MISSING-RETURN-INTERVIEW", child)
    with django_capture_on_commit_callbacks(execute=True):
        # An offer answers a return only with its outcome (issue 8).
        response, html = _resolve_through_pages(client, alert, sw, edit={"detail_outcome": "held"})
    assert 'value="M7"' in html
    _assert_resolved(client, response, alert)
    assert Event.objects.get(event_type="return_interview_offered").details["episode_ref"] == "M7"


def test_medicine_alert_resolves_by_recording_the_collection(
    client, django_capture_on_commit_callbacks
):
    child = _young_looked_after(300, age=12)
    chronic_medicine(child, "Lamotrigine", start=TODAY - dt.timedelta(days=200))
    event(
        child,
        "prescription_issued",
        TODAY - dt.timedelta(days=12),
        medicine="Lamotrigine",
        prescription_ref="R1",
    )
    pharmacist = factories.user("pharm", role="pharmacist")
    involve(child, pharmacist, "other")
    sw = factories.user("sw", team_obj=factories.team())
    involve(child, sw, "allocated_social_worker")
    alert = _raise("LAC-MEDICINE-NOT-COLLECTED", child)
    with django_capture_on_commit_callbacks(execute=True):
        response, html = _resolve_through_pages(client, alert, sw)
    assert 'value="Lamotrigine"' in html and 'value="R1"' in html
    _assert_resolved(client, response, alert)


def test_cawn_alert_resolves_by_recording_the_options_for_that_adult(
    client, django_capture_on_commit_callbacks
):
    child = _young_looked_after(300, legal_status="V2", age=16)
    rel = adult_of_concern(child, TODAY - dt.timedelta(days=20), name="Mark")
    sw = factories.user("sw", team_obj=factories.team())
    involve(child, sw, "allocated_social_worker")
    alert = _raise("CAWN-NOT-AVAILABLE-S20", child)
    with django_capture_on_commit_callbacks(execute=True):
        response, html = _resolve_through_pages(
            client,
            alert,
            sw,
            {
                detail_field_name("options"): "Police protection, SRO, injunction",
                detail_field_name("decision"): "Apply for an inherent jurisdiction injunction",
            },
        )
    assert "Mark Adult" in html
    _assert_resolved(client, response, alert)
    saved = Event.objects.get(event_type="protective_options_considered")
    assert list(saved.related_persons.values_list("pk", flat=True)) == [rel.person_id]


def test_an_alert_not_resolved_says_so(client, django_capture_on_commit_callbacks):
    child = _young_looked_after(30)
    placement(child, TODAY - dt.timedelta(days=30))
    sw = factories.user("sw", team_obj=factories.team())
    involve(child, sw, "allocated_social_worker")
    alert = _raise("LAC-SW-VISITS", child)
    # A visit dated before the placement does not count: the alert stays open, and the
    # page says so rather than claiming success.
    before = TODAY - dt.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = _resolve_through_pages(client, alert, sw, date_parts("occurred", before))
    assert Alert.objects.get(pk=alert.pk).is_open
    assert "the alert is still open" in _next_page(client, response, alert).content.decode()


def test_an_alert_about_another_child_is_refused(client, world):
    other = _young_looked_after(30)
    placement(other, TODAY - dt.timedelta(days=30))
    involve(other, world["sw"], "allocated_social_worker")
    alert = _raise("LAC-SW-VISITS", other)
    client.force_login(world["sw"])
    url = f"/children/{world['child'].pk}/record/social_worker_visit/?alert={alert.pk}"
    assert client.get(url).status_code == 404


# --- the chronology page ------------------------------------------------------------------


def test_chronology_marks_significant_entries_and_invents_no_time(client, world):
    child = world["child"]
    event(child, "missing_from_care", "2024-03-02", missing_code="M")
    event(child, "note", "2024-03-01T09:30")
    client.force_login(world["sw"])
    page = client.get(f"/children/{child.pk}/chronology/").content.decode()
    rows = page.split('<tr class="govuk-table__row" data-entry-type="')[1:]
    missing = next(r for r in rows if r.startswith("missing_from_care"))
    note = next(r for r in rows if r.startswith("note"))
    assert "Significant" in missing and "Significant" not in note
    # Loaded with no recording time: the day only, no invented 00:00.
    assert "2 March 2024" in missing and "00:00" not in missing
    assert "1 March 2024 09:30" in note
    assert "missing code: M" in missing
    # Newest first by default; oldest first on request.
    assert page.index("Missing") < page.index("Case note")
    page = client.get(f"/children/{child.pk}/chronology/?order=oldest").content.decode()
    assert page.index('data-entry-type="note"') < page.index('data-entry-type="missing_from_care"')


def test_chronology_is_paginated_keeping_the_filters(client, world):
    child = world["child"]
    for day in range(1, 56):
        event(child, "note", (dt.date(2024, 1, 1) + dt.timedelta(days=day)).isoformat())
    client.force_login(world["sw"])
    page = client.get(f"/children/{child.pk}/chronology/?type=note").content.decode()
    assert page.count('data-entry-type="note"') == 50
    assert 'class="govuk-pagination"' in page
    assert 'href="?type=note&amp;page=2"' in page
    second = client.get(f"/children/{child.pk}/chronology/?type=note&page=2").content.decode()
    assert second.count('data-entry-type="note"') == 5


def test_csv_link_only_for_roles_that_may_export(client, world):
    child = world["child"]
    event(child, "note", "2024-03-01")
    client.force_login(world["sw"])
    assert 'id="export-csv"' in client.get(f"/children/{child.pk}/chronology/").content.decode()
    iro = factories.user("iro", role="iro")
    involve(child, iro, "iro")
    client.force_login(iro)
    page = client.get(f"/children/{child.pk}/chronology/").content.decode()
    assert 'id="export-csv"' not in page
    assert client.get(f"/children/{child.pk}/chronology.csv").status_code == 404
    # The IRO may record case notes: the button is offered.
    assert 'id="record-something"' in page


def test_summary_offers_record_something_to_writers(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    assert 'id="record-something"' in client.get(f"/children/{child.pk}/").content.decode()
    analyst = factories.user("an", role="partnership_analyst")
    client.force_login(analyst)
    assert client.get(f"/children/{child.pk}/record/").status_code == 404
    assert client.get(f"/children/{child.pk}/record/note/").status_code == 404


# --- the alert page leads with the action -------------------------------------------------


def test_alert_page_leads_with_the_action_the_deadline_and_one_owner(client):
    child = _young_looked_after(30)
    placement(child, TODAY - dt.timedelta(days=30))
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    iro = factories.user("iro", role="iro", team_obj=team)
    involve(child, iro, "iro")
    involve(child, sw, "allocated_social_worker")
    alert = _raise("LAC-SW-VISITS", child)
    client.force_login(sw)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    action = page.index('id="resolve-action"')
    assert action < page.index("Owner") < page.index("Also told")
    assert f"Record the visit by {alert.due_date:%-d %B %Y}" in page
    overdue_since = alert.due_date + dt.timedelta(days=1)
    assert f"since {overdue_since:%-d %B %Y}" in page
    owner = page[page.index('id="alert-owner"') : page.index("Also told")]
    assert sw.display_name in owner and iro.display_name not in owner
    # The rule and its caveats are one click away.
    assert page.index('class="govuk-details"') < page.index("(LAC-SW-VISITS)")
    # The list offers the action too.
    mine = client.get("/alerts/").content.decode()
    assert f'href="/alerts/{alert.pk}/resolve/"' in mine
    # Closed by a person reads as such.
    client.post(f"/alerts/{alert.pk}/close/", {"reason": "Visit recorded elsewhere"})
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Closed by a person (not resolved by a record)" in page
    assert 'id="resolve-action"' not in page
