"""A social worker's journey through Safeguard in a real browser, checked with axe-core.

Every page visited is checked for WCAG 2.x A/AA violations (axe-core from npm) and fails
the test on any. Every response carries a strict Content-Security-Policy, and any CSP
violation or JavaScript error fails the test too.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import web_data
from tests.browser.conftest import AXE_JS, STRICT_CSP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_URL_PATH = "/__test__/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


class Journey:
    """A page plus the checks run on every page it visits."""

    def __init__(self, page, base_url, artifacts, name):
        self.page = page
        self.base_url = base_url
        self.artifacts = artifacts
        self.name = name
        self.problems: list[str] = []
        self.checked: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"JavaScript error: {exc}"))

    def _console(self, message):
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")

    def goto(self, path):
        self.page.goto(self.base_url + path)

    def check(self, label):
        """Run axe on the page as it is now and keep a screenshot of it."""
        page = self.page
        page.wait_for_load_state("load")
        # Let an htmx swap settle: while it does, the results are briefly dimmed.
        expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # A same-origin URL, so the strict CSP allows it (the route serves the npm file).
            page.add_script_tag(url=self.base_url + AXE_URL_PATH)
        result = page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
                }));
            }""",
            WCAG_TAGS,
        )
        # caret="initial": hiding the caret would inject a <style>, which the CSP blocks.
        page.screenshot(
            path=str(self.artifacts / f"{self.name}-{label}.png"), full_page=True, caret="initial"
        )
        self.checked.append(label)
        if result:
            lines = [f"axe found WCAG violations on {label} ({page.url}):"]
            for v in result:
                lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
                lines += [f"    {node}" for node in v["nodes"]]
            pytest.fail("\n".join(lines))
        assert not self.problems, f"on {label} ({page.url}):\n" + "\n".join(
            dict.fromkeys(self.problems)
        )


@pytest.fixture
def journey(browser, live_server, artifacts, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    axe_source = AXE_JS.read_text()

    def add_strict_csp(route):
        if route.request.url.endswith(AXE_URL_PATH):
            route.fulfill(status=200, content_type="text/javascript", body=axe_source)
            return
        response = route.fetch(max_redirects=0)
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    page.route(re.compile(r"^" + re.escape(live_server.url) + r"/.*"), add_strict_csp)
    yield Journey(page, live_server.url, artifacts, request.node.name)
    context.close()


def timeline_rows(page):
    return page.locator("#timeline tbody tr")


def test_social_worker_journey(journey):
    world = web_data.build()
    page = journey.page

    # Anonymous: sent to sign in.
    journey.goto("/")
    assert "/sign-in/" in page.url
    journey.check("sign-in")

    # A wrong password: the error summary, with the generic message.
    page.get_by_label("Username").fill("sam.walker")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.inner_text().count("Enter a correct username and password") == 1
    journey.check("sign-in-error")

    page.get_by_label("Username").fill("sam.walker")
    page.get_by_label("Password").fill(web_data.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Caseload.
    page.wait_for_url(journey.base_url + "/")
    assert page.get_by_role("heading", name="My caseload").is_visible()
    names = page.locator("table.govuk-table tbody th a").all_inner_texts()
    assert names == ["BROWN, Tom", "SMITH, Sarah"]
    journey.check("caseload")

    # Search, first with a malformed date, then by name.
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Name, date of birth, NHS number or local child ID").fill("31/02/2001")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*q=31%2F02%2F2001$"))
    assert "is not a real date" in page.locator(".govuk-error-summary").inner_text()
    journey.check("search-error")
    page.get_by_label("Name, date of birth, NHS number or local child ID").fill("smith")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*q=smith$"))
    # Peter Smithson is the manager's child, not Sam's: the access rule hides him.
    assert page.locator("table.govuk-table tbody th a").all_inner_texts() == ["SMITH, Sarah"]
    journey.check("search-results")

    # Child summary.
    page.get_by_role("link", name="SMITH, Sarah").click()
    page.wait_for_url(re.compile(rf".*/children/{world.sarah.pk}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Sarah Smith"
    assert page.get_by_text("943 476 5919").is_visible()
    journey.check("child-summary")

    # Chronology: everything, then by agency (htmx swaps the results, URL pushed).
    page.get_by_role("link", name="Read Sarah’s chronology").click()
    page.wait_for_url(re.compile(r".*/chronology/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Chronology"
    all_rows = timeline_rows(page).count()
    assert all_rows > 5
    journey.check("chronology")

    page.evaluate("window.__sameDocument = true")  # gone if the page fully reloads
    page.get_by_label("Westshire Police").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r".*agency=west-police.*"))
    expect(timeline_rows(page)).to_have_count(1)
    assert all_rows > 1
    assert page.evaluate("window.__sameDocument === true"), "expected an htmx swap, not a reload"
    agencies = timeline_rows(page).evaluate_all("rows => rows.map(r => r.dataset.agency)")
    assert agencies == ["west-police"]
    assert page.get_by_label("Westshire Police").is_checked()
    journey.check("chronology-by-agency")

    # By type: clear the agency, choose Seizure from the grouped types.
    page.get_by_label("Westshire Police").uncheck()
    page.get_by_text("Type of entry").click()
    page.get_by_label("Seizure").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r".*type=seizure.*"))
    expect(timeline_rows(page)).to_have_count(1)
    types = timeline_rows(page).evaluate_all("rows => rows.map(r => r.dataset.entryType)")
    assert types == ["seizure"]
    journey.check("chronology-by-type")

    # The export link carries the same filters.
    export = page.get_by_role("link", name="Download these entries as CSV")
    href = export.get_attribute("href")
    assert href.startswith(f"/children/{world.sarah.pk}/chronology.csv?")
    assert "type=seizure" in href
    csv_response = page.request.get(journey.base_url + href)
    assert csv_response.status == 200
    assert "Seizure at an adult" in csv_response.text()

    # A period the wrong way round: the error summary replaces the results.
    page.get_by_label("Seizure").uncheck()
    page.locator("#id_from_year").fill("2020")
    page.locator("#id_to_year").fill("2019")
    page.get_by_role("button", name="Apply filters").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "The ‘to’ date must be the same as or after the ‘from’ date" in summary.inner_text()
    assert timeline_rows(page).count() == 0
    journey.check("chronology-error")

    # Back restores the previous filter (history is not cached in the browser: a reload).
    page.go_back()
    page.wait_for_url(re.compile(r".*type=seizure.*"))
    expect(timeline_rows(page)).to_have_count(1)

    # Sign out.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/sign-in/$"))
    assert page.get_by_text("You have signed out").is_visible()
    journey.check("signed-out")


def test_chronology_filters_work_without_javascript(browser, live_server, artifacts):
    world = web_data.build()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Username").fill("sam.walker")
    page.get_by_label("Password").fill(web_data.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/children/{world.sarah.pk}/chronology/")
    before = page.locator("#timeline tbody tr").count()
    page.get_by_label("Westshire Police").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r".*agency=west-police.*"))
    assert page.locator("#timeline tbody tr").count() == 1 < before
    page.screenshot(path=str(artifacts / "no-js-chronology-by-agency.png"), full_page=True)
    context.close()


def test_pages_at_mobile_width(browser, live_server, artifacts, request):
    """The same checks on a phone-sized screen (the service navigation collapses)."""
    world = web_data.build()
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.route(
        re.compile(r"^" + re.escape(live_server.url) + AXE_URL_PATH + "$"),
        lambda route: route.fulfill(
            status=200, content_type="text/javascript", body=AXE_JS.read_text()
        ),
    )
    journey = Journey(page, live_server.url, artifacts, request.node.name)
    journey.goto("/sign-in/")
    page.get_by_label("Username").fill("sam.walker")
    page.get_by_label("Password").fill(web_data.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")
    journey.check("caseload")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    journey.check("caseload-menu-open")
    journey.goto(f"/children/{world.sarah.pk}/")
    journey.check("child-summary")
    journey.goto(f"/children/{world.sarah.pk}/chronology/")
    journey.check("chronology")
    context.close()


def test_alerts_journey(journey):
    """A social worker sees their alerts on the home page, opens one, acknowledges it and
    closes it with a reason (the reason is required: the error summary first)."""
    import datetime as dt

    from django.utils import timezone

    from safeguard.checks.models import Alert
    from safeguard.checks.services import run_checks
    from safeguard.chronology.services import record_event

    world = web_data.build()
    # Tom came back from missing five days ago and no return interview is recorded: an
    # alert for his social worker. (Sarah, in care in this world, is an adult now: her
    # looked-after duties ended at 18.)
    record_event(
        actor=None,
        child=world.tom,
        event_type="returned_from_missing",
        occurred=timezone.localtime() - dt.timedelta(days=5),
        source_agency=world.police,
        summary="Found at the bus station and taken home",
    )
    run_checks(timezone.localdate())
    page = journey.page
    journey.goto("/sign-in/")
    page.get_by_label("Username").fill("sam.walker")
    page.get_by_label("Password").fill(web_data.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(journey.base_url + "/")

    home_alerts = page.get_by_role("region", name="Alerts").locator("tbody tr")
    assert home_alerts.count() >= 1
    journey.check("home-with-alerts")

    page.get_by_role("link", name="Alerts", exact=True).click()
    page.wait_for_url(journey.base_url + "/alerts/")
    assert page.get_by_role("heading", name="My alerts", level=1).is_visible()
    journey.check("my-alerts")

    first = page.get_by_role("region", name="Alerts").locator("tbody tr").first
    # The alert's own link (the cell also offers the record that resolves it).
    first.locator("td").nth(3).get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/alerts/\d+/$"))
    alert_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    journey.check("alert-detail")

    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(rf".*/alerts/{alert_id}/$"))
    assert Alert.objects.get(pk=alert_id).status == "acknowledged"
    journey.check("alert-acknowledged")

    page.get_by_role("button", name="Close alert").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Enter why the alert is being closed" in summary.inner_text()
    journey.check("alert-close-error")

    page.get_by_label("Why does this alert need no further action?").fill(
        "Considered with the team manager: not needed because the plan already covers it"
    )
    page.get_by_role("button", name="Close alert").click()
    page.wait_for_url(re.compile(r".*/alerts/.*"))
    alert = Alert.objects.get(pk=alert_id)
    assert alert.status == "closed"
    journey.check("alert-closed")
