"""Recording the structured record in a real browser, checked with axe-core: a team
manager allocates a case; a social worker registers a child and edits their identity.
Each form page is checked empty, with errors, and after a successful save."""

from __future__ import annotations

import re

import pytest

from safeguard.children.models import Child, Involvement
from tests import web_data
from tests.browser.test_journey import journey  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(trip, username):
    page = trip.page
    page.context.clear_cookies()
    trip.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(web_data.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(trip.base_url + "/")


def fill_date(page, prefix, day):
    page.locator(f"#id_{prefix}_day").fill(str(day.day))
    page.locator(f"#id_{prefix}_month").fill(str(day.month))
    page.locator(f"#id_{prefix}_year").fill(str(day.year))


def test_manager_allocates_and_social_worker_registers_and_edits(journey):  # noqa: F811
    world = web_data.build()
    page = journey.page

    # A team manager allocates Sam to Peter.
    sign_in(journey, "tia.manager")
    journey.goto(f"/children/{world.peter.pk}/")
    page.get_by_text("Record something for Peter").click()
    page.get_by_role("link", name="Allocate a professional").click()
    page.wait_for_url(re.compile(r".*/involvements/add/$"))
    journey.check("allocate-empty")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Enter start date" in summary.inner_text()
    journey.check("allocate-error")
    page.get_by_label("Professional").select_option(label="Sam Walker")
    page.get_by_label("Role").select_option(value="allocated_social_worker")
    fill_date(page, "start_date", world.today)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{world.peter.pk}/$"))
    assert "Sam Walker is now involved" in page.locator(".govuk-notification-banner").inner_text()
    journey.check("allocate-success")
    assert Involvement.objects.filter(child=world.peter, professional=world.sw).exists()

    # The social worker registers a new child.
    sign_in(journey, "sam.walker")
    journey.goto("/children/new/")
    journey.check("register-empty")
    page.get_by_label("Given name").fill("Rosa")
    page.get_by_role("button", name="Check and register").click()
    page.locator(".govuk-error-summary").wait_for()
    text = page.locator(".govuk-error-summary").inner_text()
    assert "Family name" in text or "This field is required" in text
    journey.check("register-error")
    page.get_by_label("Family name", exact=True).fill("Newborn")
    fill_date(page, "date_of_birth", world.today.replace(year=world.today.year - 3))
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Check and register").click()
    page.wait_for_url(re.compile(r".*/children/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Rosa Newborn"
    journey.check("register-success")
    rosa = Child.objects.get(family_name="Newborn")

    # ... and edits her identity.
    page.get_by_text("Record something for Rosa").click()
    page.get_by_role("link", name="Change identity details").click()
    page.wait_for_url(re.compile(r".*/identity/$"))
    journey.check("identity-empty")
    page.get_by_label("Home postcode (optional)").fill("NOT")
    page.get_by_role("button", name="Save").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Enter a real UK postcode" in page.locator(".govuk-error-summary").inner_text()
    journey.check("identity-error")
    page.get_by_label("Home postcode (optional)").fill("wr1 2ab")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{rosa.pk}/$"))
    journey.check("identity-success")
    rosa.refresh_from_db()
    assert rosa.postcode == "WR1 2AB" and rosa.version == 2
    journey.goto(f"/children/{rosa.pk}/identity/")
    assert "Home postcode: (blank) → WR1 2AB" in page.content()
    journey.check("identity-history")
