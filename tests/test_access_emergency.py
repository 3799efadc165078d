"""Emergency (break-glass) access: always reviewed, a reason in words, only from a lookup."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safeguard.access import services
from safeguard.access.models import BreakGlassAccess
from safeguard.access.services import break_glass, check_reason, normalise_reason
from tests import factories
from tests.access_helpers import person, request_for

pytestmark = pytest.mark.django_db

REASON = "Child found by police at 2am, need the placement and allergies"


@pytest.fixture
def child():
    return factories.child(given_name="Sarah", family_name="Ellison")


def test_the_team_manager_reviews_a_team_members_emergency_access(child):
    team = factories.team(code="east", name="East")
    manager = person("team_manager", team_obj=team)
    officer = person("police_officer", team_obj=team)
    grant = break_glass(request_for(officer), child_id=child.pk, reason=REASON)
    assert grant.reviewer == manager


def test_no_team_goes_to_the_service_level_reviewer_then_the_safeguarding_lead(settings, child):
    reviewer = person("team_manager", team_obj=factories.team(code="r", name="Reviewers"))
    lead = person("team_manager", team_obj=factories.team(code="l", name="Lead"))
    settings.SAFEGUARD_EMERGENCY_REVIEWERS = ["nobody-by-that-name", reviewer.username]
    settings.SAFEGUARD_SAFEGUARDING_LEAD = lead.username
    officer = person("police_officer")
    assert break_glass(request_for(officer), child_id=child.pk, reason=REASON).reviewer == reviewer
    settings.SAFEGUARD_EMERGENCY_REVIEWERS = []
    sw = person("social_worker")
    assert break_glass(request_for(sw), child_id=child.pk, reason=REASON).reviewer == lead


def test_a_team_with_no_manager_and_no_reviewer_set_up_is_refused_clearly(client, child):
    team = factories.team(code="nomgr", name="No manager")
    officer = person("police_officer", team_obj=team)
    with pytest.raises(ValidationError, match="nobody is set up to review it"):
        break_glass(request_for(officer), child_id=child.pk, reason=REASON)
    # A manager cannot review their own emergency access either.
    manager = person("team_manager", team_obj=team)
    with pytest.raises(ValidationError, match="nobody is set up to review it"):
        break_glass(request_for(manager), child_id=child.pk, reason=REASON)
    assert not BreakGlassAccess.objects.exists()


def test_the_service_reviewer_sees_and_checks_it_and_overdue_ones_are_flagged(
    client, settings, child
):
    reviewer = person("team_manager", team_obj=factories.team(code="r", name="Reviewers"))
    settings.SAFEGUARD_EMERGENCY_REVIEWERS = [reviewer.username]
    officer = person("police_officer")
    grant = break_glass(request_for(officer), child_id=child.pk, reason=REASON)
    client.force_login(reviewer)
    page = client.get("/access/break-glass/").content.decode()
    assert REASON in page and "Overdue for review" not in page
    BreakGlassAccess.objects.filter(pk=grant.pk).update(
        granted_at=grant.granted_at
        - dt.timedelta(hours=settings.SAFEGUARD_EMERGENCY_REVIEW_HOURS + 1)
    )
    page = client.get("/access/break-glass/").content.decode()
    assert "Overdue for review" in page and "not checked within 72 hours" in page
    assert client.post(f"/access/break-glass/{grant.pk}/reviewed/").status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == reviewer
    assert "Overdue for review" not in client.get("/access/break-glass/").content.decode()


@pytest.mark.parametrize(
    "reason",
    [
        "\u200b" * 25,
        "\u0301" * 25,
        "." * 20,
        "urgent " + "\u200b" * 20,
        "a b c d e f g h i j k l m n o p",
        "help" + "\u0301" * 30,
        "00000000000:00:00:00 2019",
        "help help help help help",
    ],
    ids=[
        "zero-width",
        "combining",
        "dots",
        "one-word-padded",
        "letters",
        "zalgo",
        "digits",
        "repeated",
    ],
)
def test_reasons_that_are_not_words_are_refused(reason):
    with pytest.raises(ValidationError):
        check_reason(reason)


def test_a_reason_is_normalised_and_capped(child):
    assert normalise_reason("Cafe\u0301 \u200bfound\n\tthe  child\x07 at 2am") == (
        "Café found the child at 2am"
    )
    with pytest.raises(ValidationError, match="2000 characters or fewer"):
        check_reason("word " * 200_000)
    team = factories.team(code="east", name="East")
    person("team_manager", team_obj=team)
    officer = person("police_officer", team_obj=team)
    grant = break_glass(
        request_for(officer), child_id=child.pk, reason="\u200bFound\u200b at 2am, needs\u00a0meds"
    )
    assert grant.reason == "Found at 2am, needs meds"


def _form_post(client, child, reason):
    client.post("/access/break-glass/find/", {"identifier": child.local_id})
    return client.post(f"/children/{child.pk}/break-glass/", {"reason": reason, "confirm": "on"})


def test_the_form_refuses_invisible_and_huge_reasons_with_a_govuk_error(client, child):
    team = factories.team(code="east", name="East")
    person("team_manager", team_obj=team)
    officer = person("police_officer", team_obj=team)
    client.force_login(officer)
    invisible = _form_post(client, child, "\u200b" * 25)
    assert invisible.status_code == 200 and b"There is a problem" in invisible.content
    huge = _form_post(client, child, "x" * 1_000_000)
    assert huge.status_code == 200
    assert b"2000 characters or fewer" in huge.content
    assert not BreakGlassAccess.objects.exists()


def test_the_form_is_only_reachable_from_a_lookup_for_that_child(client, child):
    team = factories.team(code="east", name="East")
    person("team_manager", team_obj=team)
    officer = person("police_officer", team_obj=team)
    other = factories.child(family_name="Other")
    client.force_login(officer)
    url = f"/children/{child.pk}/break-glass/"
    # Straight to the form by id: it offers the lookup and grants nothing.
    page = client.post(url, {"reason": REASON, "confirm": "on"})
    assert page.status_code == 200
    assert b"Emergency access starts by finding the record" in page.content
    assert b"Ellison" not in page.content
    assert not BreakGlassAccess.objects.exists()
    # A lookup of another child does not open this one.
    client.post("/access/break-glass/find/", {"identifier": other.local_id})
    client.post(url, {"reason": REASON, "confirm": "on"})
    assert not BreakGlassAccess.objects.exists()
    # Another person's lookup token does not work for this user.
    session = client.session
    session[services.LOOKUP_SESSION_KEY] = {
        str(child.pk): services.lookup_token(person(), child.pk)
    }
    session.save()
    client.post(url, {"reason": REASON, "confirm": "on"})
    assert not BreakGlassAccess.objects.exists()
    # The lookup for this child does.
    client.post("/access/break-glass/find/", {"identifier": child.local_id})
    assert client.post(url, {"reason": REASON, "confirm": "on"}).status_code == 302
    assert BreakGlassAccess.objects.get().child == child


def test_a_lookup_expires(client, child, monkeypatch):
    team = factories.team(code="east", name="East")
    person("team_manager", team_obj=team)
    officer = person("police_officer", team_obj=team)
    client.force_login(officer)
    client.post("/access/break-glass/find/", {"identifier": child.local_id})
    monkeypatch.setattr(services, "LOOKUP_MAX_AGE", -1)
    page = client.post(f"/children/{child.pk}/break-glass/", {"reason": REASON, "confirm": "on"})
    assert b"Emergency access starts by finding the record" in page.content
    assert not BreakGlassAccess.objects.exists()
