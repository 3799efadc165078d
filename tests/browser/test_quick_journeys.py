"""Each role records its typical events through the quick-recording pages in a real
browser, starting from its home page, with axe-core (and the strict CSP of test_journey)
on every form page empty, with errors, and after saving. The police journey is
contribute-without-seeing; the IRO records through the full forms (no quick pages); the
team manager allocates a case (and then records a visit).

See also test_recording_journeys.py (the full event forms, an alert resolved by recording),
test_contribute_journey.py and test_recording_records_journey.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safeguard.accounts.models import Role
from safeguard.checks.models import Notice
from safeguard.children.models import Involvement
from safeguard.chronology.models import Event
from tests import factories
from tests.access_helpers import involve
from tests.browser.test_journey import journey  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
TODAY = timezone.localdate()
NHS = factories.VALID_NHS_NUMBERS[0]


def _user(username, role, **extra):
    user = factories.user(username, role=role, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def _child(**fields):
    dob = TODAY.replace(year=TODAY.year - 13) - dt.timedelta(days=20)
    return factories.child(given_name="Maya", family_name="Orr", date_of_birth=dob, **fields)


def sign_in(trip, user):
    page = trip.page
    page.context.clear_cookies()
    trip.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(trip.base_url + "/")


def fill_date(page, prefix, day: dt.date):
    page.locator(f"#id_{prefix}_day").fill(str(day.day))
    page.locator(f"#id_{prefix}_month").fill(str(day.month))
    page.locator(f"#id_{prefix}_year").fill(str(day.year))


def quick_from_home(trip, title, child=None):
    """Home page -> "Record quickly" -> the page -> the child (one I work with)."""
    page = trip.page
    trip.goto("/")
    expect(page.get_by_role("heading", name="Record quickly")).to_be_visible()
    trip.check("home")
    page.locator("#quick-links").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name="Which child is this about?")).to_be_visible()
    trip.check(f"{title}-which-child")
    if child is not None:
        page.locator("#quick-children").get_by_role("link", name=child.full_name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)


def empty_then_error(trip, name, *, button="Save", message="Enter what happened"):
    page = trip.page
    trip.check(f"{name}-empty")
    before = Event.objects.count()
    page.get_by_role("button", name=button).click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert message in summary.inner_text(), summary.inner_text()
    assert page.title().startswith("Error:")
    assert Event.objects.count() == before
    trip.check(f"{name}-error")


def saved(page, text):
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def test_social_worker_records_a_visit_and_a_return_interview_offer(journey):  # noqa: F811
    sw = _user("sw.quick", Role.SOCIAL_WORKER, team_obj=factories.team())
    child = _child()
    involve(sw, child, start=child.date_of_birth)
    page = journey.page
    sign_in(journey, sw)

    quick_from_home(journey, "Visit to the child", child)
    empty_then_error(journey, "visit", message="Select whether the child was seen alone")
    fill_date(page, "occurred", TODAY)
    page.locator("fieldset", has_text="seen alone").get_by_label("Yes", exact=True).check()
    page.get_by_label("What the child said and what you saw").fill("Seen alone in her room.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/chronology/$"))
    saved(page, "Social worker visit recorded")
    journey.check("visit-success")
    assert Event.objects.get(event_type="social_worker_visit").details == {"seen_alone": True}

    # From the child's page this time.
    journey.goto(f"/children/{child.pk}/")
    page.locator("#quick-links").get_by_role("link", name="Return interview offered").click()
    empty_then_error(journey, "ri-offered", message="Enter how it was offered")
    fill_date(page, "occurred", TODAY)
    page.locator("fieldset", has_text="independent").get_by_label("Yes", exact=True).check()
    page.locator("fieldset", has_text="Did the child accept").get_by_label("No", exact=True).check()
    page.get_by_label("How it was offered").fill("Offered by the independent service by phone.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/chronology/$"))
    saved(page, "Return interview offered recorded")
    journey.check("ri-offered-success")
    assert Event.objects.get(event_type="return_interview_offered").details == {
        "independent": True,
        "accepted": False,
    }


def test_police_records_bail_and_contributes_a_found_child_without_seeing(journey):  # noqa: F811
    police = factories.agency("wmp", kind="police", name="West Mercia Police")
    officer = _user("pc.quick", Role.POLICE_OFFICER, agency_obj=police)
    worker = _user("sw.holder", Role.SOCIAL_WORKER, team_obj=factories.team())
    mine = _child()
    involve(officer, mine, role="other", start=mine.date_of_birth)
    stranger = factories.child(
        given_name="Jade",
        family_name="Marlow",
        date_of_birth=dt.date(2011, 2, 14),
        nhs_number=NHS,
    )
    involve(worker, stranger, start=dt.date(2020, 1, 1))
    page = journey.page
    sign_in(journey, officer)

    # Bail with conditions, for a child the officer works with.
    quick_from_home(journey, "Bail with conditions", mine)
    empty_then_error(journey, "bail", message="Enter who is on bail and for what")
    assert "Enter the conditions" in page.locator(".govuk-error-summary").inner_text()
    fill_date(page, "occurred", TODAY)
    page.get_by_label("What are the bail conditions?").fill("Not to contact Maya Orr.")
    fill_date(page, "detail_conditions_expire", TODAY + dt.timedelta(days=28))
    page.get_by_label("Who is on bail, and for what").fill("Adult of concern bailed.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{mine.pk}/chronology/$"))
    saved(page, "Bail conditions set recorded")
    journey.check("bail-success")
    bail = Event.objects.get(event_type="bail_conditions_set")
    assert bail.details["conditions_expire"] == (TODAY + dt.timedelta(days=28)).isoformat()

    # A found child the officer does not work with: contribute without seeing.
    quick_from_home(journey, "Child found or returned")
    page.locator("#quick-contribute").click()
    page.wait_for_url(re.compile(r".*/contribute/\?quick=found$"))
    journey.check("found-find-empty")
    page.get_by_role("button", name="Find the child").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the child’s NHS number")
    journey.check("found-find-error")
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Find the child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child found or returned")
    body = page.content()
    assert "Marlow" not in body and "Jade" not in body and "initials JM, born 2011" in body
    empty_then_error(journey, "found", button="Add to the child’s record")
    fill_date(page, "occurred", TODAY)
    page.get_by_label("Where was the child found?").fill("Bus station")
    page.get_by_label("Who was the child with? (optional)").fill("An older man")
    page.get_by_label("What happened").fill("Found by officers at 02:00 and taken home.")
    page.get_by_role("button", name="Add to the child’s record").click()
    page.wait_for_url(journey.base_url + "/contribute/")
    expect(page.get_by_text("Your entry has been added")).to_be_visible()
    journey.check("found-success")
    found = Event.objects.get(event_type="returned_from_missing")
    assert found.child == stranger
    assert found.details == {"found_at": "Bus station", "found_with": "An older man"}
    assert Notice.objects.filter(recipient=worker, child=stranger).exists()


def test_pharmacist_records_dispensed_and_not_collected(journey):  # noqa: F811
    pharmacist = _user("rx.quick", Role.PHARMACIST)
    child = _child()
    involve(pharmacist, child, role="other", start=child.date_of_birth)
    page = journey.page
    sign_in(journey, pharmacist)

    quick_from_home(journey, "Prescription dispensed", child)
    empty_then_error(journey, "dispensed", message="Enter a summary")
    fill_date(page, "occurred", TODAY - dt.timedelta(days=8))
    page.get_by_label("Medicine, as on the prescription").fill("Lamotrigine 100mg")
    page.get_by_label("Prescription number (optional)").fill("RX-1")
    page.get_by_label("Summary").fill("Dispensed, awaiting collection.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/$"))
    saved(page, "Prescription dispensed recorded")
    journey.check("dispensed-success")

    page.locator("#quick-links").get_by_role("link", name="Prescription not collected").click()
    empty_then_error(journey, "not-collected", message="Enter what you know")
    fill_date(page, "occurred", TODAY)
    page.get_by_label("Medicine, as on the prescription").fill("Lamotrigine 100mg")
    page.get_by_label("Prescription number (optional)").fill("RX-1")
    page.get_by_label("What you know").fill("Not collected after 7 days; carer not answering.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/$"))
    saved(page, "Prescription not collected recorded")
    journey.check("not-collected-success")
    assert Event.objects.get(event_type="prescription_not_collected").details == {
        "medicine": "Lamotrigine 100mg",
        "prescription_ref": "RX-1",
    }


def test_school_lead_records_an_exclusion_and_a_concern(journey):  # noqa: F811
    lead = _user("dsl.quick", Role.SCHOOL_SAFEGUARDING_LEAD)
    child = _child()
    involve(lead, child, role="other", start=child.date_of_birth)
    page = journey.page
    sign_in(journey, lead)

    quick_from_home(journey, "Exclusion", child)
    empty_then_error(journey, "exclusion", message="Enter why the child was excluded")
    fill_date(page, "occurred", TODAY)
    page.locator("fieldset", has_text="Suspension or permanent").get_by_label(
        "Suspension", exact=True
    ).check()
    page.get_by_label("How many school days, for a suspension? (optional)").fill("three")
    page.get_by_label("Why the child was excluded").fill("Fight in the playground.")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "whole number" in summary.inner_text()
    journey.check("exclusion-error-days")
    page.get_by_label("How many school days, for a suspension? (optional)").fill("3")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/$"))
    saved(page, "School exclusion recorded")
    journey.check("exclusion-success")
    assert Event.objects.get(event_type="school_exclusion").details == {
        "exclusion_type": "suspension",
        "days": 3,
    }

    page.locator("#quick-links").get_by_role("link", name="Safeguarding concern").click()
    empty_then_error(journey, "concern", message="Enter what you are concerned about")
    fill_date(page, "occurred", TODAY)
    page.get_by_label("What are you concerned about?").fill("Seen getting into a car at 3pm.")
    page.locator("fieldset", has_text="significant harm").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/$"))
    saved(page, "Concern raised recorded")
    journey.check("concern-success")


def test_iro_records_a_case_note_from_the_child(journey):  # noqa: F811
    iro = _user("iro.quick", Role.IRO, team_obj=factories.team(code="iro", name="IRO service"))
    child = _child()
    involve(iro, child, role="iro", start=child.date_of_birth)
    page = journey.page
    sign_in(journey, iro)
    # The IRO's home page lists the child.
    expect(page.get_by_role("link", name=re.compile("Orr, Maya", re.I))).to_be_visible()
    journey.check("home")
    journey.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Record something").click()
    page.wait_for_url(re.compile(r".*/record/$"))
    journey.check("what-to-record")
    page.locator("#frequent-types").get_by_role("link", name="Case note", exact=True).click()
    empty_then_error(journey, "note")
    fill_date(page, "occurred", TODAY)
    page.get_by_label("What happened").fill("Spoke to Maya before her review; she wants to stay.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/chronology/$"))
    saved(page, "Case note recorded")
    journey.check("note-success")
    assert Event.objects.get(event_type="note").recorded_by == iro


def test_team_manager_allocates_a_case_then_records_a_visit(journey):  # noqa: F811
    team = factories.team(code="cic", name="Children in care")
    manager = _user("tm.quick", Role.TEAM_MANAGER, team_obj=team)
    worker = _user("sw.new", Role.SOCIAL_WORKER, team_obj=team, first_name="Nia", last_name="Hale")
    child = _child()
    involve(manager, child, role="team_manager", start=child.date_of_birth)
    page = journey.page
    sign_in(journey, manager)

    journey.goto(f"/children/{child.pk}/")
    page.get_by_text("Record something for Maya").click()
    page.get_by_role("link", name="Allocate a professional").click()
    page.wait_for_url(re.compile(r".*/involvements/add/$"))
    journey.check("allocate-empty")
    page.get_by_role("button", name="Save").click()
    page.locator(".govuk-error-summary").wait_for()
    journey.check("allocate-error")
    page.get_by_label("Professional").select_option(label="Nia Hale")
    page.get_by_label("Role").select_option(value="allocated_social_worker")
    fill_date(page, "start_date", TODAY)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/$"))
    assert "Nia Hale is now involved" in page.locator(".govuk-notification-banner").inner_text()
    journey.check("allocate-success")
    assert Involvement.objects.filter(child=child, professional=worker).exists()

    quick_from_home(journey, "Visit to the child", child)
    empty_then_error(journey, "visit", message="Select whether the child was seen alone")
    fill_date(page, "occurred", TODAY)
    page.locator("fieldset", has_text="seen alone").get_by_label("No", exact=True).check()
    page.get_by_label("What the child said and what you saw").fill("Joint visit with Nia.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/chronology/$"))
    saved(page, "Social worker visit recorded")
    journey.check("visit-success")
