"""The meetings pages: access per child on a meeting about several children, the forms'
GOV.UK errors, the alert -> record loop, my actions, reviews due and minutes outstanding."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.access.models import AuditEntry
from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.meetings import services
from safeguard.meetings.models import Action, Meeting
from tests import factories
from tests.checks_helpers import involve as _involve
from tests.checks_helpers import looked_after_child
from tests.meetings_helpers import FULL_STRATEGY, agency, concern, meeting

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def involve(child, user, role):
    return _involve(child, user, role, start=child.date_of_birth)


@pytest.fixture
def mace():
    """A MACE about three children; the police officer works with two of them."""
    officer = factories.user("pc", role="police_officer", agency_obj=agency("police"))
    kids = [factories.child(given_name=n, family_name=f"Zz{n}") for n in ("Ann", "Bea", "Cal")]
    for kid in kids[:2]:
        involve(kid, officer, "police_officer")
    m = meeting("mace", kids, TODAY, ("csc", "police"), significant_harm_risk=True)
    services.add_action(
        actor=None,
        meeting=m,
        description="Visit Cal at school",
        owner=officer,
        due_on=TODAY,
        child=kids[2],
    )
    services.add_action(
        actor=None, meeting=m, description="Disrupt the adult", owner=officer, due_on=TODAY
    )
    return {"officer": officer, "kids": kids, "meeting": m}


def test_meeting_page_shows_only_the_children_the_viewer_may_see(client, mace):
    client.force_login(mace["officer"])
    page = client.get(f"/meetings/{mace['meeting'].pk}/").content.decode()
    assert "ZzAnn" in page and "ZzBea" in page
    assert "ZzCal" not in page and "Visit Cal" not in page
    assert "And 1 other you do not work with" in page
    assert "Disrupt the adult" in page
    reads = AuditEntry.objects.filter(actor=mace["officer"], action="view", area="summary")
    assert sorted(reads.values_list("child__given_name", flat=True)) == ["Ann", "Bea"]


def test_meeting_page_refused_to_someone_who_sees_none_of_its_children(client, mace):
    stranger = factories.user("stranger", role="police_officer")
    involve(factories.child(), stranger, "police_officer")
    client.force_login(stranger)
    assert client.get(f"/meetings/{mace['meeting'].pk}/").status_code == 404


def test_my_actions_beside_my_alerts_name_only_children_i_may_see(client, mace):
    client.force_login(mace["officer"])
    page = client.get("/alerts/").content.decode()
    assert "My actions" in page and "Disrupt the adult" in page
    home = client.get("/").content.decode()  # the home page: beside the alerts too
    assert "My actions" in home and "Disrupt the adult" in home and "ZzCal" not in home
    # The action about Cal is the officer's, but Cal's name is not shown.
    assert "Visit Cal at school" in page and "ZzCal" not in page
    # The officer cannot open an action only about a child they do not work with.
    cal_action = Action.objects.get(description="Visit Cal at school")
    assert client.get(f"/actions/{cal_action.pk}/complete/").status_code == 404
    # ... and is not offered a link to it (the one about Ann and Bea is).
    assert f"/actions/{cal_action.pk}/complete/" not in page
    assert "ask the child's social worker to record it" in page
    mine = Action.objects.get(description="Disrupt the adult")
    assert f"/actions/{mine.pk}/complete/" in page


def test_complete_an_action_with_evidence(client, mace):
    action = Action.objects.get(description="Disrupt the adult")
    client.force_login(mace["officer"])
    response = client.post(f"/actions/{action.pk}/complete/", {"status": "done", "evidence": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Enter date completed" in page
    response = client.post(
        f"/actions/{action.pk}/complete/",
        {
            "status": "done",
            "completed_on_day": TODAY.day,
            "completed_on_month": TODAY.month,
            "completed_on_year": TODAY.year,
            "evidence": "Warning notice served",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.evidence) == ("done", "Warning notice served")
    assert "Disrupt the adult" not in client.get("/alerts/").content.decode()


@pytest.fixture
def social_worker_and_child():
    sw = factories.user("sw", agency_obj=agency("csc"))
    pc = factories.user("pc", role="police_officer", agency_obj=agency("police"))
    nurse = factories.user("nurse", role="health_practitioner", agency_obj=agency("health"))
    child = factories.child(given_name="Dee", family_name="ZzDee")
    for user, role in (
        (sw, "allocated_social_worker"),
        (pc, "police_officer"),
        (nurse, "health_practitioner"),
    ):
        involve(child, user, role)
    return sw, pc, nurse, child


def _date(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_alert_leads_to_scheduling_and_holding_the_strategy_discussion(
    client, social_worker_and_child, django_capture_on_commit_callbacks
):
    sw, pc, nurse, child = social_worker_and_child
    raised = TODAY - dt.timedelta(days=7)
    c = concern(child, raised)
    run_checks(TODAY)
    alert = Alert.objects.get(check_id="CP-STRATEGY-DISCUSSION", child=child)
    client.force_login(sw)
    response = client.get(f"/alerts/{alert.pk}/resolve/")
    assert response["Location"] == f"/children/{child.pk}/meetings/new/?alert={alert.pk}"
    page = client.get(response["Location"]).content.decode()
    assert 'value="strategy_discussion" checked' in page
    assert f'<option value="{c.pk}" selected' in page
    # Errors: GOV.UK summary and inline messages, nothing written.
    response = client.post(response["Location"], {"kind": "strategy_discussion", "time": "25:00"})
    page = response.content.decode()
    assert "There is a problem" in page and "Enter date of the meeting" in page
    assert "Enter the time in 24-hour form" in page and not Meeting.objects.exists()
    post = {
        "kind": "strategy_discussion",
        **_date("date", TODAY),
        "time": "14:00",
        "place": "Video",
        "chair": sw.pk,
        "invitees": [pc.pk, nurse.pk],
        "trigger_concern": c.pk,
    }
    response = client.post(f"/children/{child.pk}/meetings/new/?alert={alert.pk}", post)
    m = Meeting.objects.get()
    assert response["Location"] == f"/meetings/{m.pk}/?alert={alert.pk}"
    assert m.attendances.count() == 3 and m.trigger_concern == c
    rows = list(m.attendances.order_by("pk"))
    hold = {**_date("held_on", TODAY), **{f"status_{r.pk}": "attended" for r in rows}}
    response = client.post(f"/meetings/{m.pk}/held/?alert={alert.pk}", hold)
    assert "Choose outcome" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/meetings/{m.pk}/held/?alert={alert.pk}", {**hold, "strategy_outcome": "s47"}
        )
    assert response["Location"] == f"/alerts/{alert.pk}/"
    alert.refresh_from_db()
    assert alert.status == "resolved"
    m.refresh_from_db()
    assert (m.status, m.strategy_outcome) == ("held", "s47")
    # The s47 alert is next: the page records the enquiry.
    response = client.post(
        f"/children/{child.pk}/s47/new/",
        {"strategy_discussion": m.pk, **_date("started_on", TODAY)},
    )
    assert response.status_code == 302 and child.s47_enquiries.count() == 1


def test_schedule_refuses_other_children_the_user_may_not_see(client, social_worker_and_child):
    sw, _, _, child = social_worker_and_child
    hidden = factories.child(local_id="HIDDEN1")
    client.force_login(sw)
    response = client.post(
        f"/children/{child.pk}/meetings/new/",
        {
            "kind": "mace",
            **_date("date", TODAY),
            "time": "10:00",
            "chair": sw.pk,
            "other_children": "HIDDEN1",
        },
    )
    assert "No child you may see has local ID HIDDEN1" in response.content.decode()
    assert not Meeting.objects.exists() and hidden.pk


def test_police_may_raise_a_concern_but_not_schedule(client, social_worker_and_child):
    _, pc, _, child = social_worker_and_child
    client.force_login(pc)
    assert client.get(f"/children/{child.pk}/meetings/new/").status_code == 404
    response = client.post(
        f"/children/{child.pk}/concerns/new/",
        {"kind": "significant_harm", **_date("raised_on", TODAY), "summary": "Found with an adult"},
    )
    assert response.status_code == 302
    assert child.concerns.get().source_agency == pc.agency


def test_summary_shows_next_meeting_and_review_due(client):
    iro = factories.user("iro", role="iro")
    child = looked_after_child(start=TODAY - dt.timedelta(days=10))
    involve(child, iro, "iro")
    m = meeting("cla_review", child)
    services.move_meeting(
        actor=None, meeting=m, scheduled_for=timezone.now() + dt.timedelta(days=3), reason="IRO ill"
    )
    client.force_login(iro)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Next meeting" in page and "Looked-after (CLA) review" in page
    assert "Next looked-after review due" in page
    page = client.get("/meetings/reviews-due/").content.decode()
    assert child.family_name in page and "First" in page


def test_minutes_outstanding_lists_the_chairs_held_meetings(client, social_worker_and_child):
    sw, _, _, child = social_worker_and_child
    m = meeting("strategy_discussion", child, TODAY, FULL_STRATEGY)
    Meeting.objects.filter(pk=m.pk).update(chair=sw)
    client.force_login(sw)
    page = client.get("/meetings/minutes-outstanding/").content.decode()
    assert "ZzDee" in page and f"/meetings/{m.pk}/minutes/" in page
    response = client.post(f"/meetings/{m.pk}/minutes/", {"minutes": "Agreed s47"})
    assert response.status_code == 302
    assert "No minutes outstanding" in client.get("/meetings/minutes-outstanding/").content.decode()


def test_minutes_outstanding_offers_no_meeting_whose_minutes_page_would_refuse(
    client, social_worker_and_child
):
    # The chair's involvement with the only child ended (e.g. at the child's death): the
    # minutes page would refuse them, so the list does not offer it.
    from safeguard.children.models import Involvement

    sw, _, _, child = social_worker_and_child
    m = meeting("strategy_discussion", child, TODAY, FULL_STRATEGY)
    Meeting.objects.filter(pk=m.pk).update(chair=sw)
    Involvement.objects.filter(child=child, professional=sw).update(
        end_date=TODAY - dt.timedelta(days=1)
    )
    client.force_login(sw)
    assert client.get(f"/meetings/{m.pk}/minutes/").status_code == 404
    page = client.get("/meetings/minutes-outstanding/").content.decode()
    assert f"/meetings/{m.pk}/minutes/" not in page


# --- Move, cancel, close, conclude, milestones -----------------------------------------------


def test_move_then_cancel_a_meeting_with_reasons(client, social_worker_and_child):
    sw, pc, nurse, child = social_worker_and_child
    m = meeting("core_group", child)  # scheduled, not held
    client.force_login(sw)
    page = client.post(f"/meetings/{m.pk}/move/", {"reason": ""}).content.decode()
    assert "There is a problem" in page and "Enter new date of the meeting" in page
    assert "Enter why is it being moved" in page
    new_day = TODAY + dt.timedelta(days=3)
    response = client.post(
        f"/meetings/{m.pk}/move/",
        {**_date("date", new_day), "time": "14:30", "place": "Video", "reason": "Chair ill"},
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.status_reason, m.place) == ("moved", "Chair ill", "Video")
    assert timezone.localtime(m.scheduled_for).date() == new_day
    assert "Chair ill" in client.get(f"/meetings/{m.pk}/").content.decode()
    response = client.post(f"/meetings/{m.pk}/cancel/", {"reason": "Covered by the MACE"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.status_reason) == ("cancelled", "Covered by the MACE")
    # A cancelled meeting cannot be moved: the service's reason is shown, nothing written.
    page = client.post(
        f"/meetings/{m.pk}/move/",
        {**_date("date", new_day), "time": "10:00", "reason": "Try again"},
    ).content.decode()
    assert "cannot be moved" in page
    m.refresh_from_db()
    assert m.status == "cancelled"


def test_police_may_not_move_a_meeting(client, social_worker_and_child):
    sw, pc, nurse, child = social_worker_and_child
    m = meeting("core_group", child)
    client.force_login(pc)
    assert client.get(f"/meetings/{m.pk}/move/").status_code == 404
    assert client.post(f"/meetings/{m.pk}/cancel/", {"reason": "x"}).status_code == 404
    m.refresh_from_db()
    assert m.status == "scheduled"


def test_close_a_concern_with_a_reason_the_check_then_ends(client, social_worker_and_child):
    sw, pc, nurse, child = social_worker_and_child
    c = concern(child, TODAY - dt.timedelta(days=2))
    client.force_login(sw)
    page = client.get(f"/children/{child.pk}/meetings/").content.decode()
    assert f"/concerns/{c.pk}/close/" in page
    page = client.post(f"/concerns/{c.pk}/close/", {"reason": ""}).content.decode()
    assert "Enter date the concern was closed" in page
    response = client.post(
        f"/concerns/{c.pk}/close/",
        {**_date("closed_on", TODAY), "reason": "Strategy discussion: no further action"},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.closed_on) == ("closed", TODAY)
    page = client.post(
        f"/concerns/{c.pk}/close/", {**_date("closed_on", TODAY), "reason": "again"}
    ).content.decode()
    assert "already closed" in page
    # Someone who may see none of its children gets nothing.
    stranger = factories.user("stranger2", agency_obj=agency("csc"))
    client.force_login(stranger)
    assert client.get(f"/concerns/{c.pk}/close/").status_code == 404


def test_conclude_an_s47_enquiry(client, social_worker_and_child):
    sw, pc, nurse, child = social_worker_and_child
    sd = meeting("strategy_discussion", child, TODAY, FULL_STRATEGY, strategy_outcome="s47")
    enquiry = services.record_s47(actor=None, child=child, strategy_discussion=sd, started_on=TODAY)
    client.force_login(sw)
    assert (
        f"/s47/{enquiry.pk}/conclude/"
        in client.get(f"/children/{child.pk}/meetings/").content.decode()
    )
    page = client.post(f"/s47/{enquiry.pk}/conclude/", {}).content.decode()
    assert "Choose outcome" in page
    response = client.post(
        f"/s47/{enquiry.pk}/conclude/", {**_date("completed_on", TODAY), "outcome": "likely_harm"}
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert (enquiry.completed_on, enquiry.outcome) == (TODAY, "likely_harm")
    client.force_login(pc)
    assert client.get(f"/s47/{enquiry.pk}/conclude/").status_code == 404


def test_set_and_review_a_plan_milestone(client, social_worker_and_child):
    from safeguard.episodes.services import record_episode
    from safeguard.meetings.models import Milestone

    sw, pc, nurse, child = social_worker_and_child
    client.force_login(sw)
    page = client.get(f"/children/{child.pk}/milestones/new/").content.decode()
    assert "has no child in need, child protection or care plan open today" in page
    plan = record_episode(
        actor=None, child=child, kind="child_in_need", start_date=TODAY - dt.timedelta(days=30)
    )
    page = client.post(f"/children/{child.pk}/milestones/new/", {}).content.decode()
    assert "Choose plan" in page and "Choose who will do it, or enter their name" in page
    response = client.post(
        f"/children/{child.pk}/milestones/new/",
        {
            "episode": plan.pk,
            "description": "Epilepsy plan shared with the school",
            "owner": nurse.pk,
            **_date("due_on", TODAY + dt.timedelta(days=14)),
        },
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(child=child)
    assert (milestone.owner, milestone.set_on, milestone.status) == (nurse, TODAY, "open")
    review = client.get(f"/children/{child.pk}/meetings/").content.decode()
    assert f"/milestones/{milestone.pk}/review/" in review
    response = client.post(
        f"/milestones/{milestone.pk}/review/",
        {"status": "achieved", **_date("reviewed_on", TODAY), "notes": "Plan shared"},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.reviewed_on) == ("achieved", TODAY)
    page = client.post(
        f"/milestones/{milestone.pk}/review/", {"status": "achieved", **_date("reviewed_on", TODAY)}
    ).content.decode()
    assert "already reviewed" in page
