"""The front-door pages: the queue with earlier contacts, deciding a contact (and the alert
it resolves), the assessment page, the household panel, visits due, closure; GOV.UK
errors; refusal for a role that may not write."""

import datetime as dt

import pytest
from django.test import override_settings

from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.frontdoor import services
from safeguard.frontdoor.models import Assessment, CaseClosure, Contact, Injury
from tests import factories
from tests.checks_helpers import event, involve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp")]
TODAY = dt.date.today()


@pytest.fixture
def no_otp():
    with override_settings(SAFEGUARD_REQUIRE_OTP=False):
        yield


@pytest.fixture
def world():
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    police = factories.user("pc", role="police_officer")
    child = factories.child(given_name="Amy", family_name="Example")
    involve(child, sw, "allocated_social_worker", start=child.date_of_birth)
    involve(child, police, "police_officer", start=child.date_of_birth)
    school = factories.agency("fd-school", kind="school", name="Oak Primary")
    return {"sw": sw, "police": police, "child": child, "school": school}


def _date(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def _contact(world, received, decision=None, **fields):
    c = services.record_contact(
        actor=None,
        child=world["child"],
        received_on=received,
        source="2A",
        referrer_agency=world["school"],
        summary=fields.pop("summary", "Hungry at school"),
    )
    if decision:
        c = services.decide_contact(
            actor=None,
            contact=c,
            decision=decision,
            decision_reason="Seen before",
            decided_on=received,
        )
    return c


def test_queue_shows_contacts_awaiting_decision_with_earlier_contacts(client, world):
    _contact(world, TODAY - dt.timedelta(days=200), decision="nfa", summary="Earlier one")
    _contact(world, TODAY - dt.timedelta(days=1), summary="Bruise on arm")
    client.force_login(world["sw"])
    page = client.get("/front-door/").content.decode()
    assert "Bruise on arm" in page and "Oak Primary" in page
    assert "No further action" in page  # the earlier contact, beside it
    assert "Earlier one" not in page  # decided: not in the queue itself


def test_deciding_a_contact_resolves_its_alert(client, world, django_capture_on_commit_callbacks):
    c = _contact(world, TODAY - dt.timedelta(days=7))
    run_checks(TODAY)
    alert = Alert.objects.get(check_id="FD-REFERRAL-DECISION", child=world["child"])
    client.force_login(world["sw"])
    url = f"/children/{world['child'].pk}/contacts/decide/?alert={alert.pk}"
    page = client.get(url).content.decode()
    assert "Decide a contact" in page and f'value="{c.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "which": c.pk,
                "decision": "early_help",
                "decision_reason": "Family want support",
                **_date("decided_on", TODAY),
            },
        )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.decision == "early_help" and c.decided_by == world["sw"]
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_a_decision_without_a_reason_shows_the_error_and_saves_nothing(client, world):
    c = _contact(world, TODAY)
    client.force_login(world["sw"])
    response = client.post(
        f"/children/{world['child'].pk}/contacts/decide/",
        {"which": c.pk, "decision": "nfa", **_date("decided_on", TODAY)},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Enter the reason for the decision" in page
    c.refresh_from_db()
    assert c.decision == ""


def test_malicious_on_a_decision_other_than_nfa_is_refused_on_the_field(client, world):
    c = _contact(world, TODAY)
    client.force_login(world["sw"])
    page = client.post(
        f"/children/{world['child'].pk}/contacts/decide/",
        {
            "which": c.pk,
            "decision": "assessment",
            "decision_reason": "x",
            "judged_malicious": "on",
            **_date("decided_on", TODAY),
        },
    ).content.decode()
    assert "Only a contact closed with no further action is judged malicious" in page


def test_a_role_that_may_not_record_contacts_gets_404(client, world):
    client.force_login(world["police"])
    url = f"/children/{world['child'].pk}/contacts/add/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"summary": "x"}).status_code == 404
    assert not Contact.objects.exists()


def test_record_a_contact_from_a_relative(client, world):
    client.force_login(world["sw"])
    response = client.post(
        f"/children/{world['child'].pk}/contacts/add/",
        {
            "kind": "contact",
            "source": "1A",
            "referrer_relationship": "relative",
            "referrer_name": "Aunt",
            "summary": "Left alone",
            **_date("received_on", TODAY),
        },
    )
    assert response.status_code == 302, response.content.decode()
    c = Contact.objects.get()
    assert c.from_public and c.recorded_by == world["sw"]


def test_assessment_page_starts_and_completes_an_assessment(client, world):
    client.force_login(world["sw"])
    base = f"/children/{world['child'].pk}/assessments/"
    assert client.post(base, _date("started_on", TODAY)).status_code == 302
    a = Assessment.objects.get()
    assert a.worker == world["sw"]
    page = client.get(base).content.decode()
    assert "Open" in page
    response = client.post(
        base + "update/",
        {
            "which": a.pk,
            **_date("child_seen_on", TODAY),
            "seen_alone": "no",
            "not_seen_alone_reason": "Asleep",
            **_date("completed_on", TODAY),
            "factors": ["16A", "3B"],
            "outcome": "cin_plan",
        },
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.factors == ["16A", "3B"] and a.seen_alone is False and a.outcome == "cin_plan"
    assert "Abuse or neglect: neglect" in client.get(base).content.decode()


def test_household_panel_on_the_summary_flags_the_adult(client, world):
    from safeguard.children.services import record_person, record_relationship

    child = world["child"]
    person = record_person(actor=None, given_name="Pete", family_name="Partner")
    record_relationship(actor=None, child=child, person=person, relationship="partner")
    client.force_login(world["sw"])
    response = client.post(
        f"/children/{child.pk}/household/add/",
        {
            "person": person.pk,
            "relationship": "partner",
            "adult": "on",
            **_date("joined_on", TODAY - dt.timedelta(days=30)),
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"/children/{child.pk}/household/checks/",
        {
            "person": person.pk,
            "kind": "police",
            **_date("requested_on", TODAY - dt.timedelta(days=20)),
            **_date("result_on", TODAY - dt.timedelta(days=10)),
            "result": "Assault on a child",
            "risk_to_children": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Household" in page and "Pete Partner" in page
    assert "a history of violence or offences against children" in page


def test_visits_due_lists_my_children_on_a_plan(client, world):
    from safeguard.episodes.services import record_episode

    child = world["child"]
    record_episode(
        actor=None,
        child=child,
        kind="child_protection",
        cp_category="neglect",
        start_date=TODAY - dt.timedelta(days=60),
    )
    event(child, "social_worker_visit", TODAY - dt.timedelta(days=40), outcome="seen")
    event(child, "social_worker_visit", TODAY - dt.timedelta(days=5), outcome="no_access")
    client.force_login(world["sw"])
    page = client.get("/visits-due/").content.decode()
    assert "Amy Example" in page and "Overdue" in page and "no access" in page


def test_medical_page_and_closure_page(client, world):
    child = world["child"]
    injury = services.record_injury(
        actor=None,
        child=child,
        noticed_on=TODAY,
        agency=world["school"],
        kind="bruise",
        body_site="cheek",
        child_mobile=False,
    )
    services.record_assessment(actor=None, child=child, started_on=TODAY)
    client.force_login(world["sw"])
    assert (
        client.post(
            f"/children/{child.pk}/injuries/medical/",
            {
                "which": injury.pk,
                **_date("medical_requested_on", TODAY),
            },
        ).status_code
        == 302
    )
    assert Injury.objects.get().medical_requested_on == TODAY
    page = client.get(f"/children/{child.pk}/close/").content.decode()
    assert "Open now, which the closure will record" in page
    assert (
        client.post(
            f"/children/{child.pk}/close/",
            {
                **_date("closed_on", TODAY),
                "reason": "Moved away",
            },
        ).status_code
        == 302
    )
    assert len(CaseClosure.objects.get().open_items) == 1
