"""Health assessment recommendations: recorded as actions for named people, followed up
(done, or not done and why), and the check that tells the owner when one is open past its
due date (LAC-HEALTH-RECOMMENDATION-OVERDUE), resolved from the alert."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.care import services as care
from safeguard.care.models import HealthRecommendation
from safeguard.checks.catalogue.health_recommendation import OWNER_ROLE
from safeguard.checks.engine import get_check
from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.children.models import Child
from safeguard.episodes import services as episodes
from safeguard.health import services as health
from safeguard.meetings import services as meetings
from safeguard.scenarios.loader import load
from tests import factories
from tests.checks_helpers import involve, looked_after_child
from tests.lac_data import LAC

D = dt.date
CID = "LAC-HEALTH-RECOMMENDATION-OVERDUE"
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


def _assessment(child):
    return health.record_health_assessment(
        actor=None, child=child, kind="review", date=D(2018, 2, 1), recommendations="CAMHS; dentist"
    )


def test_a_recommendation_open_past_its_due_date_raises_until_followed_up(lily):
    gp = User.objects.get(username="gp.lac")
    rec = care.record_health_recommendation(
        actor=None,
        assessment=_assessment(lily),
        action="Refer to CAMHS",
        owner=gp,
        due_on=D(2018, 4, 1),
    )
    key = f"recommendation:{rec.pk}"
    assert keys(D(2018, 4, 1)) == set()  # due that day: not yet overdue
    assert keys(D(2018, 4, 2)) == {key}
    (finding,) = get_check(CID).findings(D(2018, 4, 2))
    assert finding.recipients == ((gp.pk, OWNER_ROLE),)
    assert finding.prefill == {"recommendation": rec.pk}
    assert "Refer to CAMHS" in finding.detail and "Gail Doctor" in finding.detail
    care.record_recommendation_follow_up(
        actor=None,
        recommendation=rec,
        followed_up_on=D(2018, 4, 10),
        outcome="not_done",
        not_done_reason="CAMHS waiting list; referral made, first appointment in June",
    )
    assert keys(D(2018, 4, 9)) == {key}  # the follow-up counts from its own day
    assert keys(D(2018, 4, 10)) == set()


def test_the_grace_days_setting_moves_the_day(lily, settings):
    rec = care.record_health_recommendation(
        actor=None,
        assessment=_assessment(lily),
        action="Dental check",
        owner_name="Dr Tooth",
        due_on=D(2018, 4, 1),
    )
    settings.SAFEGUARD_CHECKS = {CID: {"grace_days": 7}}
    assert keys(D(2018, 4, 8)) == set()
    assert keys(D(2018, 4, 9)) == {f"recommendation:{rec.pk}"}
    (finding,) = get_check(CID).findings(D(2018, 4, 9))
    assert finding.recipients == () and "Dr Tooth" in finding.detail


def test_only_while_looked_after_and_under_18(lily):
    rec = care.record_health_recommendation(
        actor=None,
        assessment=_assessment(lily),
        action="Dental check",
        owner_name="Dentist",
        due_on=D(2018, 4, 1),
    )
    episode = lily.episodes.get()
    episodes.end_episode(actor=None, episode=episode, end_date=D(2018, 5, 1))
    assert keys(D(2018, 4, 30)) == {f"recommendation:{rec.pk}"}
    assert keys(D(2018, 5, 2)) == set()


def test_what_a_recommendation_and_its_follow_up_must_say(lily, tmp_path):
    assessment = _assessment(lily)
    with pytest.raises(ValidationError) as e:
        care.record_health_recommendation(
            actor=None, assessment=assessment, action="Refer", due_on=D(2018, 4, 1)
        )
    assert "owner_name" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        care.record_health_recommendation(
            actor=None, assessment=assessment, action="Refer", owner_name="X", due_on=D(2018, 1, 1)
        )
    assert "due_on" in e.value.message_dict
    rec = care.record_health_recommendation(
        actor=None, assessment=assessment, action="Refer", owner_name="X", due_on=D(2018, 4, 1)
    )
    with pytest.raises(ValidationError) as e:
        care.record_recommendation_follow_up(
            actor=None, recommendation=rec, followed_up_on=D(2018, 4, 2), outcome="not_done"
        )
    assert "not_done_reason" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        care.record_recommendation_follow_up(
            actor=None, recommendation=rec, followed_up_on=D(2018, 1, 2), outcome="done"
        )
    assert "followed_up_on" in e.value.message_dict
    care.record_recommendation_follow_up(
        actor=None, recommendation=rec, followed_up_on=D(2018, 4, 2), outcome="done"
    )
    with pytest.raises(ValidationError):  # followed up once; nothing overwritten
        care.record_recommendation_follow_up(
            actor=None,
            recommendation=rec,
            followed_up_on=D(2018, 5, 2),
            outcome="not_done",
            not_done_reason="x",
        )
    rec.refresh_from_db()
    assert (rec.followed_up_on, rec.outcome) == (D(2018, 4, 2), "done")
    # Another child's milestone cannot be linked.
    other = factories.child()
    plan = episodes.record_episode(
        actor=None, child=other, kind="child_in_need", primary_need="N1", start_date=D(2018, 1, 1)
    )
    milestone = meetings.record_milestone(
        actor=None,
        child=other,
        episode=plan,
        description="Dentist",
        set_on=D(2018, 1, 2),
        due_on=D(2018, 3, 1),
    )
    with pytest.raises(ValidationError) as e:
        care.record_health_recommendation(
            actor=None,
            assessment=assessment,
            action="Dentist",
            owner_name="X",
            due_on=D(2018, 4, 1),
            milestone=milestone,
        )
    assert "milestone" in e.value.message_dict
    assert HealthRecommendation.objects.count() == 1


def test_the_alert_leads_the_owner_to_record_the_follow_up(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SAFEGUARD_REQUIRE_OTP = False
    today = timezone.localdate()
    nurse = factories.user("lac.nurse", role="health_practitioner")
    sw = factories.user("sw.rec", role="social_worker")
    child = looked_after_child(start=today - dt.timedelta(days=300), dob=D(today.year - 9, 1, 1))
    involve(child, nurse, "designated_nurse", start=child.date_of_birth)
    involve(child, sw, "allocated_social_worker", start=child.date_of_birth)
    assessment = health.record_health_assessment(
        actor=None, child=child, kind="review", date=today - dt.timedelta(days=90)
    )
    client.force_login(nurse)
    url = reverse("recording:health-recommendations", args=[child.pk])
    post = {
        "which": str(assessment.pk),
        "action": "Refer to CAMHS",
        "owner": str(nurse.pk),
        **{f"due_on_{k}": v for k, v in (("day", 1), ("month", 1), ("year", 1999))},
    }
    response = client.post(url, post)  # due before the assessment: refused, on the form
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    due = today - dt.timedelta(days=10)
    post.update({"due_on_day": due.day, "due_on_month": due.month, "due_on_year": due.year})
    assert client.post(url, post).status_code == 302
    rec = HealthRecommendation.objects.get()
    assert rec.owner == nurse
    run_checks(today)
    alert = Alert.objects.get(check_id=CID, child=child, status="raised")
    told = set(alert.recipients.values_list("professional__username", "role"))
    assert ("lac.nurse", OWNER_ROLE) in told and ("sw.rec", "allocated_social_worker") in told
    response = client.get(f"/alerts/{alert.pk}/resolve/")
    assert response["Location"] == f"{url}?alert={alert.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f'<option value="{rec.pk}" selected' in page
    follow = {
        "form": "second",
        "second-which": str(rec.pk),
        "second-outcome": "done",
        "second-followed_up_on_day": today.day,
        "second-followed_up_on_month": today.month,
        "second-followed_up_on_year": today.year,
    }
    with django_capture_on_commit_callbacks(execute=True):  # the re-check after the write
        response = client.post(response["Location"], follow)
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "resolved"
    rec.refresh_from_db()
    assert rec.outcome == "done" and rec.followed_up_on == today


def test_a_school_cannot_open_the_recommendations(client, settings, lily):
    settings.SAFEGUARD_REQUIRE_OTP = False
    client.force_login(User.objects.get(username="sch.lac"))
    url = reverse("recording:health-recommendations", args=[lily.pk])
    assert client.get(url).status_code == 404
