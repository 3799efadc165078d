"""A social worker's meetings journey in a real browser, with axe-core on every page:
an alert for a concern with no strategy discussion -> schedule it -> record it held
(attendance by agency, outcome) -> the alert resolved -> minutes -> an action -> the
action completed with evidence."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.children.models import InvolvementRole
from safeguard.children.services import record_involvement
from safeguard.meetings.models import Action, Meeting
from safeguard.meetings.services import record_concern
from tests import factories, web_data
from tests.browser.test_journey import journey  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, day):
    page.get_by_label("Day", exact=True).fill(str(day.day))
    page.get_by_label("Month", exact=True).fill(str(day.month))
    page.get_by_label("Year", exact=True).fill(str(day.year))


def test_schedule_hold_record_action_and_the_alert_resolves(journey):  # noqa: F811
    world = web_data.build()
    page = journey.page
    today = world.today
    nurse = factories.user(
        "nurse.ng",
        role="health_practitioner",
        agency_obj=world.hospital,
        first_name="Nia",
        last_name="Ng",
    )
    record_involvement(
        actor=None,
        child=world.sarah,
        professional=nurse,
        role=InvolvementRole.HEALTH_PRACTITIONER,
        start_date=dt.date(2019, 1, 1),
    )
    record_concern(
        actor=world.officer,
        children=[world.sarah],
        kind="significant_harm",
        category="sexual",
        raised_on=today - dt.timedelta(days=7),
        summary="Found at the flat of an adult male of concern",
        source_agency=world.police,
    )
    run_checks(today)
    alert = Alert.objects.get(check_id="CP-STRATEGY-DISCUSSION", child=world.sarah)

    journey.goto("/sign-in/")
    page.get_by_label("Username").fill("sam.walker")
    page.get_by_label("Password").fill(web_data.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(journey.base_url + "/")

    journey.goto("/alerts/")
    assert "Concern of significant harm with no strategy discussion" in page.content()
    assert page.get_by_role("heading", name="My actions").is_visible()
    journey.check("my-alerts-and-actions")

    # The alert's action leads to the schedule page, the kind and concern chosen.
    journey.goto(f"/alerts/{alert.pk}/resolve/")
    page.wait_for_url(re.compile(rf".*/children/{world.sarah.pk}/meetings/new/\?alert={alert.pk}$"))
    assert page.get_by_label("Strategy discussion", exact=True).is_checked()
    journey.check("schedule")
    page.get_by_role("button", name="Send the invitations").click()
    assert "Enter date of the meeting" in page.locator(".govuk-error-summary").inner_text()
    journey.check("schedule-errors")
    fill_date(page, today)
    page.get_by_label("Time", exact=True).fill("14:00")
    page.get_by_label("Place", exact=True).fill("Video call")
    for checkbox in page.locator("input[name=invitees]").all():
        checkbox.check()
    page.get_by_role("button", name="Send the invitations").click()
    page.wait_for_url(re.compile(r".*/meetings/\d+/\?alert=\d+$"))
    meeting = Meeting.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == "Strategy discussion"
    journey.check("meeting-scheduled")

    # Record it held: an error first, then attendance by agency and the outcome.
    page.get_by_role("link", name="Record it as held").click()
    page.wait_for_url(re.compile(rf".*/meetings/{meeting.pk}/held/.*"))
    journey.check("hold")
    page.get_by_role("button", name="Save the meeting").click()
    assert "Choose outcome" in page.locator(".govuk-error-summary").inner_text()
    journey.check("hold-errors")
    fill_date(page, today)
    for radio in page.locator("input[type=radio][value=attended]").all():
        radio.check()
    page.get_by_label("Decisions", exact=True).fill("Section 47 enquiry; police to disrupt.")
    page.get_by_label("Section 47 enquiry", exact=True).check()
    page.get_by_role("button", name="Save the meeting").click()

    # Back on the alert: recording the discussion resolved it.
    page.wait_for_url(re.compile(rf".*/alerts/{alert.pk}/$"))
    alert.refresh_from_db()
    assert alert.status == "resolved"
    journey.check("alert-resolved")

    # Minutes, then an action with an owner, then the action completed with evidence.
    journey.goto(f"/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Record the minutes").click()
    journey.check("minutes")
    page.get_by_label("Minutes", exact=True).fill("Police, health and social care attended.")
    page.get_by_role("button", name="Save the minutes").click()
    page.wait_for_url(re.compile(rf".*/meetings/{meeting.pk}/$"))
    page.get_by_role("link", name="Add an action").click()
    journey.check("add-action")
    page.get_by_label("What is to be done").fill("Visit Sarah at her placement")
    page.get_by_label("Owner", exact=True).select_option(str(world.sw.pk))
    fill_date(page, today + dt.timedelta(days=2))
    page.get_by_role("button", name="Save the action").click()
    page.wait_for_url(re.compile(rf".*/meetings/{meeting.pk}/$"))
    assert "Visit Sarah at her placement" in page.content()
    journey.check("meeting-held")

    journey.goto("/alerts/")
    page.get_by_role("link", name="Visit Sarah at her placement").click()
    journey.check("complete-action")
    page.get_by_label("Completed", exact=True).check()
    fill_date(page, today)
    page.get_by_label("What shows it was done").fill("Visit recorded in the chronology")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/meetings/{meeting.pk}/$"))
    assert Action.objects.get().status == "done"
    assert "Visit recorded in the chronology" in page.content()
    journey.check("action-completed")

    journey.goto(f"/children/{world.sarah.pk}/meetings/")
    assert "Strategy discussion" in page.content()
    journey.check("child-meetings")
