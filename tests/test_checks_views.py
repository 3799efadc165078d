"""Alert pages: lists, detail, acknowledge and close forms, and who may see them."""

import pytest

from safeguard.checks.models import Alert, AlertEvent
from safeguard.checks.services import run_checks
from tests import factories
from tests.checks_helpers import D, event, involve, looked_after_child

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    manager = factories.user("tm", role="team_manager", team_obj=team)
    outsider = factories.user("other")
    child = looked_after_child(given_name="Sarah")
    involve(child, sw, "allocated_social_worker")
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    run_checks(D(2018, 3, 9))
    alert = Alert.objects.get(check_id="MISSING-RETURN-INTERVIEW")
    return {"sw": sw, "manager": manager, "outsider": outsider, "child": child, "alert": alert}


def test_my_alerts_lists_named_alerts_in_order(client, setup):
    client.force_login(setup["sw"])
    page = client.get("/alerts/").content.decode()
    assert page.index("Looked-after child&#x27;s health assessment is overdue") < page.index(
        "NHS number missing"
    )
    assert "Return interview not offered within 72 hours" in page
    assert f'href="/alerts/{setup["alert"].pk}/"' in page
    # The link to the record opens the chronology filtered to what the alert rests on.
    assert (
        f'href="/children/{setup["child"].pk}/chronology/?type=missing_from_care&amp;'
        "type=returned_from_missing&amp;type=return_interview_completed&amp;"
        'type=return_interview_offered&amp;order=oldest"' in page
    )


def test_team_view_for_managers_only(client, setup):
    client.force_login(setup["manager"])
    page = client.get("/alerts/team/?overdue=1").content.decode()
    assert "Overdue alerts for your team" in page
    assert "Return interview not offered" in page
    client.force_login(setup["sw"])
    assert client.get("/alerts/team/").status_code == 404


def test_alert_detail_hidden_from_people_not_named(client, setup):
    client.force_login(setup["outsider"])
    assert client.get(f"/alerts/{setup['alert'].pk}/").status_code == 404
    client.force_login(setup["manager"])
    assert client.get(f"/alerts/{setup['alert'].pk}/").status_code == 200


def test_acknowledge_then_close_with_reason(client, setup):
    alert = setup["alert"]
    client.force_login(setup["sw"])
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Children who run away or go missing from home or care" in page
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"note": "Booking it"})
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"
    response = client.post(f"/alerts/{alert.pk}/close/", {"reason": "   "})
    assert response.status_code == 200
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"
    page = response.content.decode()
    assert "There is a problem" in page
    assert (
        '<a href="#id_reason">Enter why the alert is being closed (for example: considered, '
        "not needed because ...)</a>" in page
    )
    response = client.post(
        f"/alerts/{alert.pk}/close/", {"reason": "Considered: interview done by phone"}
    )
    assert response.status_code == 302
    closed = AlertEvent.objects.get(alert=alert, kind="closed")
    assert (closed.actor, closed.reason) == (setup["sw"], "Considered: interview done by phone")
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Considered: interview done by phone" in page
    assert "Close alert" not in page


def test_pages_need_sign_in(client, setup, settings):
    settings.LOGIN_URL = "/sign-in/"  # the accounts pages live on another branch
    for path in ("/alerts/", "/alerts/team/", f"/alerts/{setup['alert'].pk}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/?next=")


def test_home_page_lists_my_alerts_before_my_caseload(client, setup):
    client.force_login(setup["sw"])
    page = client.get("/").content.decode()
    assert page.index("My alerts") < page.index("Children I work with")
    assert "Return interview not offered within 72 hours" in page
    assert f'href="/alerts/{setup["alert"].pk}/"' in page
    client.force_login(setup["outsider"])
    page = client.get("/").content.decode()
    assert "You have no open alerts." in page
    assert "Return interview not offered" not in page
