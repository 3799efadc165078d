"""The access rule: role allows the area, and a current relationship with the child."""

import datetime as dt

import pytest
from django.http import Http404
from django.test import override_settings

from safeguard.access import policy, roles
from safeguard.access.models import AuditEntry, BreakGlassAccess
from safeguard.accounts.models import Role
from tests import factories
from tests.access_helpers import TODAY, involve, name_on, person, request_for

pytestmark = pytest.mark.django_db


def visible(user, area="summary"):
    return set(policy.visible_children(request_for(user), area=area))


def test_involved_social_worker_sees_child_and_uninvolved_does_not():
    sw, other = person(), person()
    child = factories.child()
    involve(sw, child)
    assert visible(sw) == {child}
    assert visible(other) == set()


def test_ended_and_future_involvements_give_no_access():
    sw = person()
    ended, future = factories.child(), factories.child()
    involve(sw, ended, start=dt.date(2020, 1, 1), end=TODAY - dt.timedelta(days=1))
    involve(sw, future, start=TODAY + dt.timedelta(days=1))
    assert visible(sw) == set()


def test_involvement_ending_today_still_counts():
    sw = person()
    child = factories.child()
    involve(sw, child, end=TODAY)
    assert visible(sw) == {child}


def test_role_must_allow_the_area_pharmacist_sees_medicines_not_chronology():
    pharmacist = person(Role.PHARMACIST)
    child = factories.child()
    involve(pharmacist, child, role="pharmacist")
    for area in ("identity", "looked_after_status", "medicines"):
        assert visible(pharmacist, area) == {child}, area
    for area in ("summary", "chronology", "health", "people", "export"):
        assert visible(pharmacist, area) == set(), area


def test_police_see_chronology_and_people_but_not_health():
    officer = person(Role.POLICE_OFFICER)
    child = factories.child()
    involve(officer, child, role="police_officer")
    assert visible(officer, "chronology") == {child}
    assert visible(officer, "people") == {child}
    assert visible(officer, "health") == set()
    assert visible(officer, "medicines") == set()


@pytest.mark.parametrize("role", [Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR])
def test_analysts_and_administrators_see_no_named_record_even_if_involved(role):
    user = person(role)
    child = factories.child()
    involve(user, child, role="other")
    for area in roles.AREAS:
        assert visible(user, area) == set(), area


def test_team_manager_sees_children_of_their_team_only():
    team_a = factories.team(code="a", name="A")
    team_b = factories.team(code="b", name="B")
    manager = person(Role.TEAM_MANAGER, team_obj=team_a)
    sw_a, sw_b = person(team_obj=team_a), person(team_obj=team_b)
    mine, theirs, ended = factories.child(), factories.child(), factories.child()
    involve(sw_a, mine)
    involve(sw_b, theirs)
    involve(sw_a, ended, end=TODAY - dt.timedelta(days=1))
    assert visible(manager) == {mine}


def test_team_scope_is_for_managers_only():
    team = factories.team()
    sw, colleague = person(team_obj=team), person(team_obj=team)
    child = factories.child()
    involve(colleague, child)
    assert visible(sw) == set()


def test_restricted_record_needs_a_named_grant_involvement_is_not_enough():
    team = factories.team()
    manager = person(Role.TEAM_MANAGER, team_obj=team)
    sw, named = person(team_obj=team), person()
    child = factories.child(restricted=True)
    involve(sw, child)
    assert visible(sw) == set()
    assert visible(manager) == set()
    name_on(child, named)
    assert visible(named) == {child}
    # Named people still only see what their role allows.
    pharmacist = person(Role.PHARMACIST)
    name_on(child, pharmacist)
    assert visible(pharmacist, "chronology") == set()
    assert visible(pharmacist, "medicines") == {child}


def test_expired_restricted_grant_gives_no_access():
    from django.utils import timezone

    from safeguard.access.services import name_on_restricted_record

    user = person()
    child = factories.child(restricted=True)
    name_on_restricted_record(
        actor=None,
        child=child,
        user=user,
        reason="Temporary cover",
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    assert visible(user) == set()


def test_break_glass_grant_opens_the_record_for_four_hours_but_not_export():
    from django.utils import timezone

    from safeguard.access.services import break_glass

    team = factories.team(code="response", name="Response")
    officer = person(Role.POLICE_OFFICER, team_obj=team)
    person(Role.TEAM_MANAGER, team_obj=team)  # every grant needs a reviewer
    child = factories.child()
    grant = break_glass(
        request_for(officer), child_id=child.pk, reason="Found at 2am, needs placement details"
    )
    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=4)
    assert visible(officer) == {child}
    assert visible(officer, "export") == set()
    BreakGlassAccess.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert visible(officer) == set()


def test_break_glass_needs_a_reason_and_is_refused_for_restricted_records():
    from django.core.exceptions import PermissionDenied, ValidationError

    from safeguard.access.services import break_glass

    sw = person()
    child = factories.child()
    with pytest.raises(ValidationError) as exc:
        break_glass(request_for(sw), child_id=child.pk, reason="   urgent  ")
    assert exc.value.message_dict == {
        "reason": ["Enter the reason you need emergency access (at least 20 characters)"]
    }
    restricted = factories.child(restricted=True)
    with pytest.raises(Http404):
        break_glass(request_for(sw), child_id=restricted.pk, reason="x" * 30)
    with pytest.raises(PermissionDenied):
        break_glass(request_for(person(Role.PHARMACIST)), child_id=child.pk, reason="x" * 30)
    assert not BreakGlassAccess.objects.exists()


def test_unknown_area_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown area 'everything'"):
        policy.visible_children(request_for(person()), area="everything")


def test_anonymous_and_inactive_users_see_nothing():
    sw = person()
    child = factories.child()
    involve(sw, child)
    assert set(policy.visible_children(request_for(None), area="summary")) == set()
    sw.is_active = False
    sw.save()
    assert visible(sw) == set()


@override_settings(SAFEGUARD_REQUIRE_OTP=True)
def test_without_second_factor_no_child_is_visible():
    sw = person()
    child = factories.child()
    involve(sw, child)
    request = request_for(sw)
    request.user.is_verified = lambda: False
    assert set(policy.visible_children(request, area="summary")) == set()
    request.user.is_verified = lambda: True
    assert set(policy.visible_children(request, area="summary")) == {child}


def test_visible_children_is_one_query_whatever_the_caseload(django_assert_num_queries):
    team = factories.team()
    manager = person(Role.TEAM_MANAGER, team_obj=team)
    for _ in range(5):
        involve(person(team_obj=team), factories.child())
    with django_assert_num_queries(1):
        assert len(list(policy.visible_children(request_for(manager), area="summary"))) == 5


def test_open_child_records_the_read_and_404s_otherwise():
    sw = person()
    child, other = factories.child(), factories.child()
    involve(sw, child)
    before = AuditEntry.objects.count()
    assert policy.open_child(request_for(sw), child.pk, area="chronology") == child
    entry = AuditEntry.objects.latest("seq")
    assert AuditEntry.objects.count() == before + 1
    assert (entry.actor, entry.action, entry.child, entry.area, entry.basis) == (
        sw,
        "view",
        child,
        "chronology",
        "involvement",
    )
    assert (entry.ip, entry.user_agent, entry.path) == ("10.1.2.3", "pytest", "/children/1/")
    with pytest.raises(Http404):
        policy.open_child(request_for(sw), other.pk, area="summary")
    with pytest.raises(Http404):
        policy.open_child(request_for(sw), 999999, area="summary")
    assert AuditEntry.objects.count() == before + 1


def test_allowed_areas_for_a_pharmacist():
    pharmacist = person(Role.PHARMACIST)
    child = factories.child()
    involve(pharmacist, child, role="pharmacist")
    assert policy.allowed_areas(request_for(pharmacist), child) == {
        "identity",
        "looked_after_status",
        "medicines",
    }
