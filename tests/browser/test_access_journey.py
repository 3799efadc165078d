"""Second factor, emergency access and the managers' reviews in a real browser.

Served with Safeguard's own Content-Security-Policy header (not a test override), checked
with axe-core on every page; a CSP violation or JavaScript error fails the test.
"""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests import web_data
from tests.browser.conftest import AXE_JS
from tests.browser.test_journey import AXE_URL_PATH, Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Tom has been found by police at 2am and we need his placement and allergies"


@pytest.fixture
def journey(browser, live_server, artifacts, request, settings):
    settings.SAFEGUARD_REQUIRE_OTP = True
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    axe_source = AXE_JS.read_text()
    page.route(
        re.compile(r"^" + re.escape(live_server.url) + re.escape(AXE_URL_PATH) + "$"),
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=axe_source),
    )
    yield Journey(page, live_server.url, artifacts, request.node.name)
    context.close()


def code_for(device) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(journey, username):
    page = journey.page
    journey.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(web_data.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_second_factor_set_up_then_code(journey, settings):
    world = web_data.build()
    # The officer has no team manager: a service-level reviewer reviews their emergency
    # access (every grant needs a reviewer).
    settings.SAFEGUARD_EMERGENCY_REVIEWERS = [world.manager.username]
    page = journey.page
    sign_in(journey, world.officer.username)
    page.wait_for_url(re.compile(r".*/access/two-factor/set-up/.*"))
    assert page.get_by_role("heading", level=1).inner_text() == "Set up your authenticator app"
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    journey.check("otp-set-up")

    page.get_by_label("Security code").fill("12345x")
    page.get_by_role("button", name="Confirm").click()
    assert "The security code must be 6 digits" in page.locator(".govuk-error-summary").inner_text()
    journey.check("otp-set-up-error")

    device = TOTPDevice.objects.get(user=world.officer)
    page.get_by_label("Security code").fill(code_for(device))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(journey.base_url + "/")
    assert page.get_by_role("heading", name="My caseload").is_visible()

    # Tom is not the officer's: the summary is "not found", with the emergency route.
    journey.goto(f"/children/{world.tom.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert "Brown" not in page.content()
    # The browser logs the page's own 404 status as a console error: expected here.
    journey.problems = [p for p in journey.problems if "status of 404" not in p]
    journey.check("not-found-with-emergency-link")
    page.get_by_role("link", name="find the record for emergency access").click()
    journey.check("emergency-find")
    page.get_by_label("NHS number or local child ID").fill("943 476 5870")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(rf".*/children/{world.tom.pk}/break-glass/$"))
    journey.check("break-glass")

    page.get_by_role("button", name="Open the record").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the reason you need emergency access" in summary
    assert "Confirm you understand this access is recorded" in summary
    journey.check("break-glass-error")

    page.get_by_label("Why do you need to open this record now?").fill(REASON)
    page.get_by_label("I understand this access is recorded and reviewed").check()
    page.get_by_role("button", name="Open the record").click()
    page.wait_for_url(re.compile(rf".*/children/{world.tom.pk}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Tom Brown"


def test_manager_reviews_emergency_access_and_who_looked(journey):
    from safeguard.access.services import break_glass
    from tests.access_helpers import request_for

    world = web_data.build()
    world.officer.team = world.team
    world.officer.save()
    break_glass(request_for(world.officer), child_id=world.tom.pk, reason=REASON)
    device = TOTPDevice.objects.create(user=world.manager, name="phone", confirmed=True)
    page = journey.page
    sign_in(journey, world.manager.username)
    page.wait_for_url(re.compile(r".*/access/two-factor/\?next=.*"))
    journey.check("otp-verify")
    page.get_by_label("Security code").fill(code_for(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(journey.base_url + "/")

    page.get_by_role("link", name="Emergency access by my team").click()
    page.wait_for_url(re.compile(r".*/access/break-glass/$"))
    expect(page.get_by_text(REASON)).to_be_visible()
    journey.check("break-glass-review")
    page.get_by_role("button", name=re.compile("Mark as checked")).click()
    expect(page.get_by_text(f"By {world.manager.display_name}")).to_be_visible()
    journey.check("break-glass-review-checked")

    journey.goto(f"/children/{world.tom.pk}/")
    page.get_by_role("link", name="Who has looked at this record").click()
    page.wait_for_url(re.compile(r".*/audit/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Who has looked at this record"
    expect(page.get_by_text("Break-glass access").first).to_be_visible()
    journey.check("child-audit")

    journey.goto(f"/access/users/{world.officer.pk}/activity/")
    expect(page.get_by_text(REASON).first).to_be_visible()
    journey.check("user-activity")
