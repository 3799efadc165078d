"""Recording through the real pages, per role, in a browser, with axe-core on every form
page in its empty, error and success states (and the strict CSP of test_journey)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.chronology.models import Event
from tests import factories
from tests.browser import test_journey
from tests.checks_helpers import involve, looked_after_child, placement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The social worker journey's fixture: a page with axe-core, the strict CSP and screenshots.
journey = test_journey.journey

PASSWORD = "correct-horse-battery-staple"
TODAY = timezone.localdate()


def _user(username, role, **extra):
    user = factories.user(username, role=role, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def _child():
    dob = TODAY.replace(year=TODAY.year - 12) - dt.timedelta(days=40)
    return factories.child(given_name="Rosa", family_name="Lee", date_of_birth=dob)


def sign_in(journey, user):
    page = journey.page
    journey.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(journey.base_url + "/")


def fill_date(page, prefix, day: dt.date):
    page.locator(f"#id_{prefix}_day").fill(str(day.day))
    page.locator(f"#id_{prefix}_month").fill(str(day.month))
    page.locator(f"#id_{prefix}_year").fill(str(day.year))


def empty_then_error(journey, name):
    """The form as it opens, then submitted empty: the error summary, nothing saved."""
    page = journey.page
    journey.check(f"{name}-empty")
    before = Event.objects.count()
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Enter what happened" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert Event.objects.count() == before
    journey.check(f"{name}-error")


def record_from_the_list(journey, child, label):
    page = journey.page
    journey.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Record something").click()
    page.wait_for_url(re.compile(r".*/record/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "What do you want to record?"
    journey.check("what-to-record")
    page.locator("#frequent-types").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(re.compile(r".*/record/[a-z_]+/$"))


def test_social_worker_resolves_a_visit_alert_by_recording_the_visit(journey):
    sw = _user("sw.rec", "social_worker", team_obj=factories.team())
    child = looked_after_child(
        start=TODAY - dt.timedelta(days=30), legal_status="C2", dob=TODAY - dt.timedelta(days=3000)
    )
    placement(child, TODAY - dt.timedelta(days=30))
    involve(child, sw, "allocated_social_worker", start=child.date_of_birth)
    run_checks(TODAY, child_ids=[child.pk])
    alert = Alert.objects.get(check_id="LAC-SW-VISITS", child=child)
    page = journey.page
    sign_in(journey, sw)
    journey.goto(f"/alerts/{alert.pk}/")
    journey.check("alert")
    page.locator("#resolve-action").click()
    page.wait_for_url(re.compile(r".*/record/social_worker_visit/\?alert=\d+$"))
    assert "This will resolve:" in page.locator("#resolves-alert").inner_text()
    empty_then_error(journey, "visit")
    fill_date(page, "occurred", TODAY - dt.timedelta(days=1))
    page.get_by_label("What happened").fill("Visited Rosa at her placement; she is settling.")
    page.locator("fieldset", has_text="seen alone").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/alerts/{alert.pk}/\?recorded=.*"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The alert is resolved"
    )
    assert Alert.objects.get(pk=alert.pk).status == "resolved"
    journey.check("visit-success")


def test_police_officer_records_a_found_child(journey):
    police = _user("pc.rec", "police_officer")
    child = _child()
    involve(child, police, "other", start=child.date_of_birth)
    page = journey.page
    sign_in(journey, police)
    record_from_the_list(journey, child, "Returned from missing")
    empty_then_error(journey, "found")
    fill_date(page, "occurred", TODAY)
    page.locator("#id_occurred_time").fill("02:15")
    page.get_by_label("What happened").fill("Found by officers and taken home.")
    page.get_by_label("Where the child was found (optional)").fill("Bus station")
    page.get_by_label("Who the child was with when found (optional)").fill("Two older males")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/chronology/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Returned from missing recorded"
    )
    saved = Event.objects.get(event_type="returned_from_missing")
    assert saved.details == {"found_at": "Bus station", "found_with": "Two older males"}
    assert saved.precision == "exact"
    journey.check("found-success")


def test_pharmacist_records_not_collected(journey):
    pharmacist = _user("rx.rec", "pharmacist")
    child = _child()
    involve(child, pharmacist, "other", start=child.date_of_birth)
    page = journey.page
    sign_in(journey, pharmacist)
    journey.goto(f"/children/{child.pk}/record/prescription_not_collected/")
    empty_then_error(journey, "not-collected")
    fill_date(page, "occurred", TODAY)
    page.get_by_label("What happened").fill("Lamotrigine dispensed on Monday not collected.")
    page.get_by_label("Name of the medicine, as on the prescription").fill("Lamotrigine")
    page.get_by_role("button", name="Save").click()
    # A pharmacist does not read the chronology: back to the child's page.
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Prescription not collected recorded"
    )
    assert Event.objects.get(event_type="prescription_not_collected").details == {
        "medicine": "Lamotrigine"
    }
    journey.check("not-collected-success")


def test_school_lead_records_an_absence(journey):
    lead = _user("dsl.rec", "school_safeguarding_lead")
    child = _child()
    involve(child, lead, "other", start=child.date_of_birth)
    page = journey.page
    sign_in(journey, lead)
    record_from_the_list(journey, child, "School absence concern")
    empty_then_error(journey, "absence")
    fill_date(page, "occurred", TODAY - dt.timedelta(days=2))
    page.get_by_label("What happened").fill("Absent all week with no explanation from home.")
    page.get_by_label("Number of sessions (half days) missed (optional)").fill("8")
    page.locator("fieldset", has_text="authorised").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{child.pk}/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "School absence concern recorded"
    )
    assert Event.objects.get(event_type="school_absence").details == {
        "sessions_missed": 8,
        "authorised": False,
    }
    journey.check("absence-success")
