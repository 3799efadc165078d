"""Issue 13 pages: the placement plan asks for the health information, education is open to
the school but health is not, the pharmacist sends messages and sees nothing else, the
death page lists every recipient, the IRO dashboard counts."""

import datetime as dt
import json

import pytest
from django.test import override_settings
from django.urls import reverse

from safeguard.accounts.models import User
from safeguard.care.models import DeathNotification, EducationSetting, PlacementPlan
from safeguard.children.models import Child
from safeguard.chronology.models import Event
from safeguard.scenarios.loader import load
from tests.lac_data import LAC
from tests.test_lac_fhir import REQUEST

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp")]
ALIVE = LAC.split("      death:")[0]


@pytest.fixture
def no_otp():
    with override_settings(SAFEGUARD_REQUIRE_OTP=False):
        yield


@pytest.fixture
def lily(tmp_path):
    path = tmp_path / "lac.yaml"
    path.write_text(ALIVE, encoding="utf-8")
    load([path])
    return Child.objects.get(local_id="LAC-1")


def _date(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def _as(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def test_the_placement_plan_asks_for_how_to_manage_the_condition(client, lily):
    _as(client, "sw.lac")
    url = reverse("recording:placement-plan", args=[lily.pk])
    before = PlacementPlan.objects.count()
    response = client.post(url, {**_date("requested_on", dt.date(2018, 12, 1))})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "long-term condition" in page
    assert PlacementPlan.objects.count() == before
    response = client.post(
        url,
        {**_date("requested_on", dt.date(2018, 12, 1)), "health_needs": "Seizure plan"},
    )
    assert response.status_code == 302
    assert PlacementPlan.objects.count() == before + 1


def test_a_school_records_education_and_cannot_open_health(client, lily):
    _as(client, "sch.lac")
    response = client.post(
        reverse("recording:education", args=[lily.pk]),
        {
            "setting_type": "school",
            "name": "Hill School",
            **_date("start_date", dt.date(2019, 1, 7)),
        },
    )
    assert response.status_code == 302
    assert EducationSetting.objects.filter(start_date=dt.date(2019, 1, 7)).exists()
    for name in ("recording:appointments", "recording:capacity", "recording:death"):
        assert client.get(reverse(name, args=[lily.pk])).status_code == 404


def test_the_pharmacist_sends_a_message_and_sees_only_what_was_stored(client, lily):
    _as(client, "ph.lac")
    url = reverse("recording:fhir-message")
    response = client.post(url, {"message": json.dumps(REQUEST)}, follow=True)
    page = response.content.decode()
    assert "Stored: prescription issued." in page
    assert "Lily" not in page  # the page never shows the child's record
    assert Event.objects.filter(event_type="prescription_issued").count() == 1
    response = client.post(url, {"message": json.dumps({"resourceType": "Patient"})})
    page = response.content.decode()
    assert "There is a problem" in page and "nothing was stored" in page
    assert Event.objects.filter(event_type="prescription_issued").count() == 1
    # A pharmacist does not record appointments or see health detail.
    assert client.get(reverse("recording:appointments", args=[lily.pk])).status_code == 404


def test_a_school_cannot_send_medicines_messages(client, lily):
    _as(client, "sch.lac")
    assert client.get(reverse("recording:fhir-message")).status_code == 403


def test_recording_the_death_lists_every_recipient(client, lily):
    _as(client, "sw.lac")
    url = reverse("recording:death", args=[lily.pk])
    response = client.post(
        url,
        {
            **_date("date", dt.date(2019, 1, 10)),
            **_date("notified_on", dt.date(2019, 1, 10)),
            "circumstances": "Seizure",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    for name in ("Mary Test (Mother)", "David Test (Father)", "Severn Lodge", "Ira Reviewer"):
        assert name in page
    task = DeathNotification.objects.get(recipient_name="Mary Test (Mother)")
    response = client.post(url, {"which": str(task.pk), **_date("done_on", dt.date(2019, 1, 10))})
    assert response.status_code == 302
    assert DeathNotification.objects.get(pk=task.pk).done_on == dt.date(2019, 1, 10)
    # The record is now closed to ordinary editing: the error says why.
    response = client.post(
        reverse("recording:appointments", args=[lily.pk]),
        {**_date("date", dt.date(2019, 1, 12)), "service": "gp", "status": "attended"},
    )
    assert response.status_code == 200
    assert "This record is closed" in response.content.decode()


def test_the_iro_dashboard_counts_without_names(client, lily):
    _as(client, "iro.lac")
    page = client.get(reverse("care:iro-dashboard")).content.decode()
    assert "1 open, 1 resolved" in page
    assert "0% of resolved disputes" in page  # resolved at formal stage 1
    assert "Lily" not in page


def test_a_homeless_16_year_old_is_assessed_for_s20_on_the_pathway_page(client, lily):
    from safeguard.care.models import HomelessAssessment

    _as(client, "sw.lac")
    url = reverse("recording:pathway", args=[lily.pk])
    page = client.get(url).content.decode()
    assert "assessed for accommodation under s20" in page
    # Decided before presenting: the GOV.UK error, and nothing stored.
    bad = {
        "form": "second",
        **_date("second-presented_on", dt.date(2018, 6, 4)),
        **_date("second-decided_on", dt.date(2018, 6, 1)),
        "second-decision": "accommodated_s20",
        "second-reasons": "Told of s20 and its support; wishes to be accommodated",
    }
    response = client.post(url, bad)
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert not HomelessAssessment.objects.exists()
    good = {**bad, **_date("second-decided_on", dt.date(2018, 6, 5))}
    assert client.post(url, good).status_code == 302
    saved = HomelessAssessment.objects.get(child=lily)
    assert (saved.decided_on, saved.decision) == (dt.date(2018, 6, 5), "accommodated_s20")
    assert "Accommodated under s20" in client.get(url).content.decode()


def test_a_health_assessment_records_who_refusal_recommendations_and_the_health_plan(client, lily):
    from safeguard.health.models import HealthAssessment

    _as(client, "sw.lac")
    url = reverse("recording:health-assessment", args=[lily.pk])
    before = HealthAssessment.objects.count()
    # Refused without a reason, and a health plan updated with no recommendations: both
    # errors, nothing stored.
    bad = {
        "kind": "review",
        **_date("date", dt.date(2018, 12, 3)),
        "by_medical_practitioner": "no",
        "refused": "on",
        **_date("health_plan_updated_on", dt.date(2018, 12, 10)),
    }
    page = client.post(url, bad).content.decode()
    assert "Enter why the young person refused" in page
    assert "Enter the recommendations that were taken into the health plan" in page
    assert HealthAssessment.objects.count() == before
    good = {
        **bad,
        "refused": "",
        "recommendations": "Neurology review; rescue medication training for the carers",
    }
    assert client.post(url, good).status_code == 302
    saved = HealthAssessment.objects.get(child=lily, date=dt.date(2018, 12, 3))
    assert saved.by_medical_practitioner is False and not saved.refused
    assert saved.health_plan_updated_on == dt.date(2018, 12, 10)
    assert saved.recommendations.startswith("Neurology review")
