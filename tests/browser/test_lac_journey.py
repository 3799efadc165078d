"""Looked-after care in a real browser, checked with axe-core: a social worker is asked for
the health information when planning a placement for a child with epilepsy, records the
plan, then records the child's death and sees every notification with its due date; the
team manager sees the IRO dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from safeguard.care.models import DeathNotification, PlacementPlan
from safeguard.health.services import record_condition
from tests import web_data
from tests.browser.test_journey import journey  # noqa: F401 (the fixture)
from tests.browser.test_recording_records_journey import fill_date, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_placement_plan_and_death_workflow(journey):  # noqa: F811
    world = web_data.build()
    page = journey.page
    sarah = world.sarah
    record_condition(
        actor=None, child=sarah, name="Epilepsy", diagnosed_on=dt.date(2002, 6, 1), chronic=True
    )

    sign_in(journey, "sam.walker")
    journey.goto(f"/children/{sarah.pk}/placement-plan/")
    journey.check("placement-plan-empty")
    fill_date(page, "requested_on", dt.date(2019, 1, 7))
    page.get_by_role("button", name="Save").first.click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "long-term condition" in summary.inner_text()
    journey.check("placement-plan-error")
    page.get_by_label("Health conditions and how to manage them").fill(
        "Seizure plan; rescue medication"
    )
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url(re.compile(rf".*/children/{sarah.pk}/$"))
    assert "placement plan was recorded" in page.locator(".govuk-notification-banner").inner_text()
    assert PlacementPlan.objects.filter(child=sarah).count() == 1

    # The death: every person with parental responsibility and each agency, with due dates.
    journey.goto(f"/children/{sarah.pk}/death/")
    journey.check("death-empty")
    fill_date(page, "date", dt.date(2019, 6, 16))
    fill_date(page, "notified_on", dt.date(2019, 6, 17))
    page.get_by_label("Circumstances").fill("Seizure")
    page.get_by_label("Abuse or neglect is known or suspected").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/children/{sarah.pk}/death/$"))
    table = page.locator("table").inner_text()
    assert "Child Safeguarding Practice Review Panel" in table
    assert "24 June 2019" in table  # 5 working days after 17 June
    journey.check("death-tasks")
    assert DeathNotification.objects.filter(child=sarah).count() >= 3

    sign_in(journey, "tia.manager")
    journey.goto("/care/iro-disputes/")
    assert page.get_by_role("heading", level=1).inner_text() == "IRO disputes"
    journey.check("iro-dashboard")
