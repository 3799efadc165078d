"""A police officer who is not involved finds a child by NHS number and records that she
was found; the allocated social worker then sees the notice. axe-core on every state of the
find page and of the entry form (see test_journey.py for the checks run on each page)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from safeguard.accounts.models import Role
from safeguard.chronology.models import Event
from tests import factories
from tests.access_helpers import involve
from tests.browser.test_journey import journey  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def sign_in(trip, username):
    page = trip.page
    trip.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(trip.base_url + "/")


def test_police_contribute_without_seeing(journey):  # noqa: F811
    police = factories.agency("wmp", kind="police", name="West Mercia Police")
    team = factories.team(code="cic", name="Children in care")
    worker = factories.user("sw.kim", role=Role.SOCIAL_WORKER, team_obj=team)
    factories.user("pc.ray", role=Role.POLICE_OFFICER, agency_obj=police)
    child = factories.child(
        given_name="Jade",
        family_name="Marlow",
        date_of_birth=dt.date(2011, 2, 14),
        nhs_number=factories.VALID_NHS_NUMBERS[0],
    )
    involve(worker, child, start=dt.date(2020, 1, 1))
    page = journey.page

    sign_in(journey, "pc.ray")
    page.get_by_role("link", name="add information about a child you do not work with").click()
    page.wait_for_url(journey.base_url + "/contribute/")
    journey.check("contribute-find")

    page.get_by_role("button", name="Find the child").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the child’s NHS number")
    journey.check("contribute-find-error")

    page.get_by_label("NHS number").fill(factories.VALID_NHS_NUMBERS[1])
    page.get_by_role("button", name="Find the child").click()
    expect(page.get_by_text("We could not match exactly one child")).to_be_visible()
    journey.check("contribute-find-no-match")

    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Find the child").click()
    expect(page.get_by_role("heading", name="One child matches")).to_be_visible()
    body = page.content()
    assert "initials JM, born 2011" in body
    assert "Marlow" not in body and "Jade" not in body
    journey.check("contribute-choose")

    page.get_by_label("Returned from missing (missing from home or care)").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Returned from missing")).to_be_visible()
    journey.check("contribute-form")

    page.get_by_role("button", name="Add to the child’s record").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what happened")
    journey.check("contribute-form-error")
    assert not Event.objects.exists()

    found = dt.date.today() - dt.timedelta(days=1)
    page.locator('input[name="occurred_day"]').fill(str(found.day))
    page.locator('input[name="occurred_month"]').fill(str(found.month))
    page.locator('input[name="occurred_year"]').fill(str(found.year))
    page.get_by_label("What happened").fill("Found at the bus station at 02:00 and taken home.")
    page.get_by_label("Where the child was found (optional)").fill("Bus station")
    page.get_by_role("button", name="Add to the child’s record").click()
    page.wait_for_url(journey.base_url + "/contribute/")
    expect(page.get_by_text("Your entry has been added")).to_be_visible()
    journey.check("contribute-success")
    event = Event.objects.get(child=child)
    assert event.event_type == "returned_from_missing"

    page.get_by_role("button", name="Sign out").click()
    sign_in(journey, "sw.kim")
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("New information from partners")
    expect(banner).to_contain_text("Returned from missing")
    journey.check("notice-on-home-page")
