"""One missed appointment for a looked-after child's chronic condition is told the same day
(LAC-CHRONIC-APPOINTMENT-MISSED, high severity, so sent at once through the outbox), and
cleared by the rebooked appointment recorded from the alert."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from safeguard.checks.engine import get_check
from safeguard.checks.models import Alert, AlertEvent, Outbox, OutboxKind
from safeguard.children.models import Child
from safeguard.health import services as health
from safeguard.health.models import Appointment
from safeguard.scenarios.loader import load
from tests import factories
from tests.checks_helpers import involve, looked_after_child
from tests.lac_data import LAC

D = dt.date
CID = "LAC-CHRONIC-APPOINTMENT-MISSED"
pytestmark = pytest.mark.django_db
ALIVE = LAC.split("      death:")[0]


@pytest.fixture
def lily(tmp_path):
    path = tmp_path / "lac.yaml"
    path.write_text(ALIVE, encoding="utf-8")
    load([path])
    return Child.objects.get(local_id="LAC-1")


def keys(day):
    return {f.subject_key for f in get_check(CID).findings(day)}


def test_one_missed_appointment_for_the_condition_is_enough(lily):
    june = Appointment.objects.get(date=D(2018, 6, 1))
    october = Appointment.objects.get(date=D(2018, 10, 1))
    assert keys(D(2018, 5, 31)) == set()
    assert keys(D(2018, 6, 1)) == {f"appointment:{june.pk}"}  # the day it was missed
    (finding,) = get_check(CID).findings(D(2018, 6, 1))
    assert finding.due_date == D(2018, 6, 1) and "Epilepsy" in finding.detail
    assert finding.prefill["condition"] == june.condition_id
    # 90 days of look-back: still on the 89th day after, gone on the 90th.
    assert keys(D(2018, 8, 29)) == {f"appointment:{june.pk}"}
    assert keys(D(2018, 8, 30)) == set()
    assert keys(D(2018, 10, 1)) == {f"appointment:{october.pk}"}


def test_a_later_appointment_for_the_condition_clears_it(lily):
    june = Appointment.objects.get(date=D(2018, 6, 1))
    condition = lily.conditions.get()
    # Another condition's or no condition's appointment does not.
    health.record_appointment(
        actor=None, child=lily, date=D(2018, 6, 20), service="dental", status="booked"
    )
    assert keys(D(2018, 6, 5)) == {f"appointment:{june.pk}"}
    health.record_appointment(
        actor=None,
        child=lily,
        date=D(2018, 6, 20),
        service="specialist",
        condition=condition,
        status="booked",
    )
    assert keys(D(2018, 6, 5)) == set()


def test_not_for_a_condition_that_is_not_chronic_or_is_resolved(lily):
    condition = lily.conditions.get()
    other = health.record_condition(
        actor=None, child=lily, name="Sprained ankle", diagnosed_on=D(2018, 2, 1)
    )
    health.record_appointment(
        actor=None,
        child=lily,
        date=D(2018, 3, 10),
        service="other",
        condition=other,
        status="not_attended",
    )
    assert keys(D(2018, 3, 10)) == set()
    health.resolve_condition(actor=None, condition=condition, resolved_on=D(2018, 6, 15))
    assert keys(D(2018, 6, 14)) != set()
    assert keys(D(2018, 6, 15)) == set()


def test_recording_the_missed_appointment_sends_at_once_and_the_alert_leads_to_rebooking(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SAFEGUARD_REQUIRE_OTP = False
    today = timezone.localdate()
    nurse = factories.user("lac.nurse", role="health_practitioner", email="n@example.org")
    sw = factories.user("sw.appt", role="social_worker", email="s@example.org")
    gp = factories.user("gp.appt", role="gp", email="g@example.org")
    child = looked_after_child(start=today - dt.timedelta(days=300), dob=D(today.year - 9, 1, 1))
    for user, role in ((nurse, "designated_nurse"), (sw, "allocated_social_worker"), (gp, "gp")):
        involve(child, user, role, start=child.date_of_birth)
    epilepsy = health.record_condition(
        actor=None, child=child, name="Epilepsy", diagnosed_on=child.date_of_birth, chronic=True
    )
    client.force_login(nurse)
    url = reverse("recording:appointments", args=[child.pk])
    missed = {
        "date_day": today.day,
        "date_month": today.month,
        "date_year": today.year,
        "service": "specialist",
        "clinic": "Neurology",
        "condition": str(epilepsy.pk),
        "status": "not_brought",
    }
    with django_capture_on_commit_callbacks(execute=True):  # the re-check after the write
        assert client.post(url, missed).status_code == 302
    alert = Alert.objects.get(check_id=CID, child=child, status="raised")
    assert alert.severity == "high"
    told = set(alert.recipients.values_list("professional__username", flat=True))
    assert {"lac.nurse", "sw.appt", "gp.appt"} <= told
    at_once = set(
        Outbox.objects.filter(kind=OutboxKind.IMMEDIATE, as_of=today).values_list(
            "recipient__username", flat=True
        )
    )
    assert {"sw.appt", "gp.appt", "lac.nurse"} <= at_once
    # From the alert: the appointments page, with the condition and clinic pre-filled.
    response = client.get(f"/alerts/{alert.pk}/resolve/")
    assert response["Location"] == f"{url}?alert={alert.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f'<option value="{epilepsy.pk}" selected' in page and 'value="Neurology"' in page
    later = today + dt.timedelta(days=14)
    rebooked = {
        **missed,
        "date_day": later.day,
        "date_month": later.month,
        "date_year": later.year,
        "status": "booked",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(response["Location"], rebooked).status_code == 302
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert AlertEvent.objects.filter(alert=alert, kind="resolved").exists()
