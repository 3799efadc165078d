"""The front door and help at home in a real browser, checked with axe-core: a front-door
manager decides a contact with the child's earlier contacts beside it; a child protection
social worker sees their visits due, records a visit, starts and completes an assessment
and records who lives in the home."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from safeguard.chronology.models import Event
from safeguard.frontdoor import services
from safeguard.frontdoor.models import Assessment, Contact, HouseholdMember
from tests import web_data
from tests.browser.test_journey import journey  # noqa: F401 (the fixture)
from tests.browser.test_recording_records_journey import fill_date, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_door_manager_decides_a_contact(journey):  # noqa: F811
    world = web_data.build()
    today = world.today
    earlier = services.record_contact(
        actor=None,
        child=world.peter,
        received_on=today - dt.timedelta(days=200),
        source="1A",
        referrer_relationship="relative",
        summary="Aunt worried about Peter",
    )
    services.decide_contact(
        actor=None,
        contact=earlier,
        decision="nfa",
        decision_reason="Advice given",
        decided_on=today - dt.timedelta(days=199),
    )
    waiting = services.record_contact(
        actor=None,
        child=world.peter,
        received_on=today - dt.timedelta(days=1),
        source="6",
        referrer_agency=world.police,
        summary="Police called to a domestic incident at home",
    )
    page = journey.page
    sign_in(journey, "tia.manager")
    page.get_by_role("link", name="Front door").click()
    page.wait_for_url(re.compile(r".*/front-door/$"))
    table = page.locator("table").inner_text()
    assert "Police called to a domestic incident" in table
    assert "No further action" in table  # the earlier contact, beside it
    journey.check("front-door-queue")
    page.get_by_role("link", name="Decide the contact about Peter Smithson").click()
    page.wait_for_url(re.compile(r".*/contacts/decide/$"))
    journey.check("decide-empty")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Select the decision" in summary.inner_text()
    journey.check("decide-error")
    page.locator(f"input[name=which][value='{waiting.pk}']").check()
    page.get_by_label("Assessment (section 17)").check()
    page.get_by_label("Reason for the decision").fill("Second incident this year")
    fill_date(page, "decided_on", today)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{world.peter.pk}/$"))
    journey.check("decide-success")
    waiting.refresh_from_db()
    assert waiting.decision == "assessment"
    journey.goto("/front-door/")
    assert "No contacts are awaiting a decision" in page.locator("main").inner_text()


def test_a_strategy_discussion_decision_goes_on_to_convene_it(journey):  # noqa: F811
    world = web_data.build()
    today = world.today
    waiting = services.record_contact(
        actor=None,
        child=world.peter,
        received_on=today,
        source="6",
        referrer_agency=world.police,
        summary="Peter has a bruise on his face and says his stepfather hit him",
    )
    page = journey.page
    sign_in(journey, "tia.manager")
    journey.goto(f"/children/{world.peter.pk}/contacts/decide/")
    page.locator(f"input[name=which][value='{waiting.pk}']").check()
    page.get_by_label("Strategy discussion", exact=True).check()
    page.get_by_label("Reason for the decision").fill(
        "Reasonable cause to suspect significant harm"
    )
    fill_date(page, "decided_on", today)
    page.get_by_role("button", name="Save").click()
    # Straight on to convening it, from the concern the decision raised.
    page.wait_for_url(re.compile(rf".*/children/{world.peter.pk}/meetings/new/\?.*"))
    waiting.refresh_from_db()
    assert waiting.concern is not None
    assert page.get_by_label("Strategy discussion", exact=True).is_checked()
    journey.check("convene-strategy-discussion")
    journey.goto("/front-door/")
    row = page.locator("tr", has_text="Reasonable cause to suspect significant harm")
    assert "Not convened" in row.inner_text()
    journey.check("front-door-strategy-awaited")


def test_child_protection_worker_visits_assesses_and_records_the_household(journey):  # noqa: F811
    world = web_data.build()
    today = world.today
    page = journey.page
    sign_in(journey, "sam.walker")

    # Tom's plan started 60 days ago and nobody has seen him: his visit is overdue.
    page.get_by_role("link", name="Visits due").click()
    page.wait_for_url(re.compile(r".*/visits-due/$"))
    row = page.locator("tr", has_text="Tom Brown")
    assert "Overdue" in row.inner_text()
    journey.check("visits-due")
    row.get_by_role("link", name="Record a visit to Tom Brown").click()
    page.wait_for_url(re.compile(r".*/record/social_worker_visit/$"))
    fill_date(page, "occurred", today)
    page.get_by_label("What happened").fill("Saw Tom at home in his bedroom.")
    page.locator("fieldset", has_text="seen alone").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{world.tom.pk}/.*"))
    assert Event.objects.filter(child=world.tom, event_type="social_worker_visit").exists()
    journey.goto("/visits-due/")
    assert "Overdue" not in page.locator("tr", has_text="Tom Brown").inner_text()

    # The assessment page: start one, then record the child seen and complete it.
    journey.goto(f"/children/{world.tom.pk}/assessments/")
    journey.check("assessments-empty")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{world.tom.pk}/$"))
    journey.goto(f"/children/{world.tom.pk}/assessments/")
    assert "Open" in page.locator("table").inner_text()
    page.get_by_role("link", name="Record the child seen, or complete an assessment").click()
    page.wait_for_url(re.compile(r".*/assessments/update/$"))
    fill_date(page, "completed_on", today)
    page.get_by_role("button", name="Save").click()
    page.locator(".govuk-error-summary").wait_for()
    assert (
        "Select the outcome of the assessment" in page.locator(".govuk-error-summary").inner_text()
    )
    journey.check("assessment-error")
    fill_date(page, "child_seen_on", today)
    page.get_by_label("Was the child seen alone?").select_option("yes")
    page.get_by_label("Abuse or neglect: neglect").check()
    page.get_by_label("Outcome").select_option("cin_plan")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{world.tom.pk}/$"))
    a = Assessment.objects.get(child=world.tom)
    assert a.completed_on == today and a.seen_alone and a.factors == ["16A"]

    # The household: Sarah's mother is on her record; she lives with her.
    journey.goto(f"/children/{world.sarah.pk}/household/add/")
    journey.check("household-empty")
    page.get_by_label("Who").select_option(str(world.mother.pk))
    page.get_by_label("Relationship").select_option("mother")
    page.get_by_label("An adult").check()
    fill_date(page, "joined_on", dt.date(2001, 12, 3))
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{world.sarah.pk}/$"))
    assert "Household" in page.locator("main").inner_text()
    journey.check("summary-household")
    assert HouseholdMember.objects.filter(child=world.sarah).count() == 1
    assert not Contact.objects.exists()


def test_the_front_door_decides_a_contact_about_a_child_nobody_works_with(journey):  # noqa: F811
    """Issue 14: a partner's contact about an unallocated child reaches the front door's
    list (the team is a front-door team), is decided there, and the rest of the record
    stays closed."""
    from safeguard.frontdoor.models import FrontDoorTeam
    from tests import factories

    world = web_data.build()
    FrontDoorTeam.objects.create(team=world.team)
    nia = factories.child(local_id="FD-NIA", given_name="Nia", family_name="Unallocated")
    waiting = services.record_contact(
        actor=None,
        child=nia,
        received_on=world.today,
        source="6",
        referrer_agency=world.police,
        summary="Nia found alone at the station at 2am",
    )
    page = journey.page
    sign_in(journey, "tia.manager")
    journey.goto("/front-door/")
    main = page.locator("main").inner_text()
    assert "Nia found alone at the station" in main
    assert "Not allocated to you: the contacts only" in main
    journey.check("front-door-unallocated")
    page.get_by_role("link", name="Decide the contact about Nia Unallocated").click()
    page.wait_for_url(re.compile(r".*/contacts/decide/$"))
    page.locator(f"input[name=which][value='{waiting.pk}']").check()
    page.get_by_label("Early help").check()
    page.get_by_label("Reason for the decision").fill("Family agree to early help")
    fill_date(page, "decided_on", world.today)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/front-door/$"))
    journey.check("front-door-decided")
    waiting.refresh_from_db()
    assert waiting.decision == "early_help"
    assert "Nia found alone" not in page.locator("main").inner_text()
    assert page.goto(journey.base_url + f"/children/{nia.pk}/chronology/").status == 404
