"""The child's risk picture: each strand with its source, only the strands the viewer's
role may see, at the top of the child summary."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.checks.risk import risk_picture
from safeguard.health.services import record_condition
from tests import factories
from tests.checks_helpers import D, adult_of_concern, event, involve, looked_after_child

pytestmark = pytest.mark.django_db
ALL = {"summary", "chronology", "people", "health", "medicines"}


def days_ago(n):
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat() + "T10:00"


@pytest.fixture
def child():
    child = looked_after_child(start=D(2020, 1, 6), dob=D(2012, 3, 1), given_name="Amira")
    record_condition(actor=None, child=child, name="Epilepsy", chronic=True)
    adult_of_concern(child, D(2021, 1, 1), name="Kane")
    event(child, "exploitation_concern", days_ago(10))
    event(child, "concern_raised", days_ago(95))  # outside the 90 days
    event(child, "missing_from_care", days_ago(20), missing_code="M")
    event(child, "health_appointment", days_ago(30), attended=False)
    event(child, "health_appointment", days_ago(31), attended=True)
    event(child, "ae_attendance", days_ago(40))
    event(child, "prescription_not_collected", days_ago(5), medicine="Lamotrigine")
    return child


def strands(child, areas=ALL, as_of=None):
    return {s.key: s for s in risk_picture(child, as_of or timezone.localdate(), frozenset(areas))}


def test_each_strand_with_its_source(child):
    picture = strands(child)
    assert [i.text for i in picture["concerns"].items] == [
        "Exploitation concern: exploitation concern"
    ]
    assert picture["concerns"].items[0].source.startswith("Chronology, recorded by ")
    assert len(picture["missing"].items) == 1
    adults = picture["adults"].items
    assert [(i.text, i.source) for i in adults] == [
        ("Kane Adult", "Family and people: adult of concern since 1 January 2021")
    ]
    health = [i.text for i in picture["health"].items]
    assert health[0] == "Chronic: Epilepsy"
    assert "Appointment not attended" in health
    assert health.count("Appointment not attended") == 1  # the attended one is not a strand
    assert "A&E attendance: ae attendance" in health
    assert "Prescription not collected: prescription not collected" in health


def test_the_window_is_90_days(child):
    event(child, "missing_from_care", days_ago(89), missing_code="M")
    event(child, "missing_from_care", days_ago(90), missing_code="M")
    assert len(strands(child)["missing"].items) == 2


def test_no_health_strand_without_health_and_no_medicines_without_medicines(child):
    picture = strands(child, {"summary", "chronology", "people"})
    assert "health" not in picture
    assert set(picture) == {"alerts", "concerns", "missing", "adults"}
    health = [i.text for i in strands(child, {"health"})["health"].items]
    assert not any("Prescription" in t for t in health)


def test_a_health_strand_needs_a_chronic_condition():
    child = looked_after_child(start=D(2020, 1, 6), dob=D(2012, 3, 1))
    event(child, "ae_attendance", days_ago(3))
    assert strands(child)["health"].items == []


def test_panel_on_the_summary_respects_the_viewers_areas(client, child):
    police = factories.user("pc", role="police_officer")
    involve(child, police, "police_officer", start=D(2021, 1, 1))
    client.force_login(police)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Risk picture" in page
    assert "Kane Adult" in page
    assert "Exploitation concern" in page
    assert "Epilepsy" not in page.split('id="risk-picture"')[1].split("</section>")[0]
    sw = factories.user("sw", role="social_worker")
    involve(child, sw, "allocated_social_worker", start=D(2021, 1, 1))
    client.force_login(sw)
    page = client.get(f"/children/{child.pk}/").content.decode()
    panel = page.split('id="risk-picture"')[1].split("</section>")[0]
    assert "Chronic: Epilepsy" in panel
    assert "Source: Family and people" in panel


def test_open_concerns_from_the_concerns_record_not_closed_ones(child):
    from safeguard.meetings import services as meeting_services
    from tests.meetings_helpers import concern

    today = timezone.localdate()
    old = concern(child, today - dt.timedelta(days=200), kind="exploitation", risk_level="high")
    closed = concern(child, today - dt.timedelta(days=20))
    meeting_services.close_concern(
        actor=None, concern=closed, closed_on=today - dt.timedelta(days=2), reason="NFA"
    )
    items = strands(child)["concerns"].items
    # An open concern counts however old it is; a closed one is not a strand.
    assert [(i.text, i.on) for i in items[:1]] == [
        (
            "Exploitation concern (high risk): Found at the flat of an adult of concern",
            old.raised_on,
        )
    ]
    assert items[0].source.startswith("Concerns and meetings, raised by ")
    assert len(items) == 2  # and the chronology's exploitation concern
    # A role that may see the summary but not the chronology sees only the open concern.
    assert len(strands(child, {"summary"})["concerns"].items) == 1
