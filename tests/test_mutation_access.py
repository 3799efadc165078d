"""The access rule stated over every role and area, so that a broken rule fails a test
(issue 15: mutation testing found changes to policy.py and models.py that no test noticed).

Each test is generated over roles x areas (or roles x pages) rather than pinning one
example: break-glass never opens the export, a grant left on a record that is no longer
restricted gives nothing, a revoked grant gives nothing, every read is audited with the
basis that opened it, and no role sees a chronology entry of an area it does not have.
"""

import datetime as dt

import pytest
from django.http import Http404
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from safeguard.access import audit, policy, roles
from safeguard.access.models import AuditEntry, BreakGlassAccess, RestrictedAccess
from safeguard.accounts.models import Role
from safeguard.children.models import Child
from tests import factories
from tests.access_helpers import involve, name_on, person, request_for

pytestmark = pytest.mark.django_db

# Roles that see any child at all (scope other than "none").
CHILD_ROLES = [r for r in Role.values if roles.scope_for(r) != "none"]
BREAK_GLASS_ROLES = [r for r in CHILD_ROLES if roles.has_capability(r, "break_glass")]


def visible_areas(user, child) -> set[str]:
    """The areas in which `child` is among the children the user may see."""
    request = request_for(user)
    return {a for a in roles.AREAS if policy.visible_children(request, area=a).filter(pk=child.pk)}


def emergency_grant(user, child, **fields):
    now = timezone.now()
    values = {"reason": "Found at 2am, needs placement details"}
    values["expires_at"] = now + dt.timedelta(hours=4)
    values.update(fields)
    return BreakGlassAccess.objects.create(child=child, user=user, **values)


# --- Break-glass ----------------------------------------------------------------------


@pytest.mark.parametrize("role", BREAK_GLASS_ROLES)
def test_break_glass_opens_every_area_of_the_role_except_the_export(role):
    user = person(role)
    child = factories.child()
    assert visible_areas(user, child) == set()
    emergency_grant(user, child)
    expected = set(roles.areas_for(role)) - roles.BREAK_GLASS_EXCLUDED_AREAS
    assert "export" not in visible_areas(user, child)
    assert visible_areas(user, child) == expected
    with pytest.raises(Http404):
        policy.open_child(request_for(user), child.pk, area="export")


@pytest.mark.parametrize("role", BREAK_GLASS_ROLES)
def test_someone_elses_break_glass_gives_this_professional_nothing(role):
    user, other = person(role), person(role)
    child = factories.child()
    emergency_grant(other, child)
    assert visible_areas(user, child) == set()


# --- Grants that no longer apply ------------------------------------------------------


@pytest.mark.parametrize("role", CHILD_ROLES)
def test_a_grant_left_on_a_record_no_longer_restricted_gives_no_access(role):
    # The named grant is the relationship only while the record is restricted: once the
    # restriction is lifted, an involvement (or team, or break-glass) is needed as for any
    # ordinary record.
    user = person(role)
    child = factories.child(restricted=True)
    name_on(child, user)
    assert visible_areas(user, child) == set(roles.areas_for(role))
    Child.objects.filter(pk=child.pk).update(restricted=False)
    assert visible_areas(user, child) == set()


GRANT_KINDS = ["restricted", "break-glass"]


def _grant(kind, user):
    if kind == "restricted":
        child = factories.child(restricted=True)
        name_on(child, user)
        return child, RestrictedAccess.objects.get(child=child, user=user)
    child = factories.child()
    return child, emergency_grant(user, child)


@pytest.mark.parametrize("kind", GRANT_KINDS)
@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.POLICE_OFFICER])
def test_a_revoked_grant_gives_no_access(kind, role):
    user = person(role)
    child, grant = _grant(kind, user)
    assert visible_areas(user, child), "the grant should open the record before it is revoked"
    type(grant).objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    assert visible_areas(user, child) == set()
    assert not type(grant).objects.active().filter(pk=grant.pk).exists()


@pytest.mark.parametrize("kind", GRANT_KINDS)
def test_an_expired_grant_gives_no_access_and_an_unexpired_one_does(kind):
    user = person(Role.SOCIAL_WORKER)
    child, grant = _grant(kind, user)
    now = timezone.now()
    model = type(grant)
    model.objects.filter(pk=grant.pk).update(expires_at=now + dt.timedelta(minutes=5))
    assert model.objects.active(now).filter(pk=grant.pk).exists()
    assert visible_areas(user, child)
    model.objects.filter(pk=grant.pk).update(expires_at=now)
    assert not model.objects.active(now).filter(pk=grant.pk).exists()
    assert visible_areas(user, child) == set()


def test_grants_read_plainly_in_the_admin_and_logs():
    user = person(username="pat")
    child, grant = _grant("restricted", user)
    assert str(grant) == f"{user} named on restricted record {child.pk}"
    child, grant = _grant("break-glass", user)
    assert str(grant) == f"Break-glass by {user} on record {child.pk}"


# --- The basis of each read -----------------------------------------------------------


def _situations():
    """(label, user, child) for each basis of access, one child each."""
    team = factories.team(code="basis", name="Basis team")
    member = person(team_obj=team)
    manager = person(Role.TEAM_MANAGER, team_obj=team)
    officer = person(Role.POLICE_OFFICER)
    named = person()
    involved, teams, emergency = factories.child(), factories.child(), factories.child()
    restricted = factories.child(restricted=True)
    involve(member, involved)
    involve(member, teams)
    emergency_grant(officer, emergency)
    name_on(restricted, named)
    return [
        ("involvement", member, involved),
        ("team", manager, teams),
        ("break-glass", officer, emergency),
        ("restricted-grant", named, restricted),
    ]


def test_every_read_is_audited_with_the_basis_that_opened_it():
    for basis, user, child in _situations():
        policy.open_child(request_for(user), child.pk, area="summary")
        entry = AuditEntry.objects.latest("seq")
        assert (entry.child_id, entry.basis, entry.area) == (child.pk, basis, "summary"), basis
        assert policy.access_basis(user, child, area="summary") == basis
        assert policy.access_bases(user, [child.pk], area="summary") == {child.pk: basis}


def test_a_list_is_audited_with_each_childs_basis():
    situations = _situations()
    manager = next(user for basis, user, _ in situations if basis == "team")
    # The manager's own involvement with one child is a stronger basis than team scope.
    own = factories.child()
    involve(manager, own, role="team_manager")
    children = policy.visible_children(request_for(manager), area="summary")
    before = AuditEntry.objects.count()
    shown = audit.audit_search_results(request_for(manager), children, area="summary")
    entries = AuditEntry.objects.filter(seq__gt=before)
    got = {e.child_id: e.basis for e in AuditEntry.objects.order_by("seq")[before:]}
    team_children = {c.pk for _, _, c in situations[:2]}
    assert {c.pk for c in shown} == team_children | {own.pk}
    assert got == {**dict.fromkeys(team_children, "team"), own.pk: "involvement"}
    assert entries.count() == len(shown)
    # The same answer from the bulk lookup, and "" for a child the user may not see.
    stranger = factories.child()
    ids = [*team_children, own.pk, stranger.pk]
    assert policy.access_bases(manager, ids, area="summary") == {**got, stranger.pk: ""}


def test_no_basis_for_a_user_with_no_relationship_or_no_user():
    child = factories.child()
    user = person()
    assert policy.access_basis(user, child, area="summary") == ""
    assert policy.access_bases(None, [child.pk], area="summary") == {child.pk: ""}
    assert policy.access_bases(user, [], area="summary") == {}


# --- Areas: every role, every area ----------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_an_involved_professional_sees_exactly_the_areas_of_their_role(role):
    user = person(role)
    child = factories.child()
    involve(user, child, role="other")
    expected = set(roles.areas_for(role)) if roles.scope_for(role) != "none" else set()
    assert visible_areas(user, child) == expected
    assert policy.allowed_areas(request_for(user), child) == expected


@pytest.mark.parametrize("role", Role.values)
def test_only_roles_with_the_aggregates_capability_may_count_children(role):
    factories.child()
    counted = policy.countable_children(request_for(person(role))).count()
    assert counted == (1 if roles.has_capability(role, "aggregates") else 0)


AREA_OF_CATEGORY = {"medicines": "medicines", "health": "health"}


@pytest.mark.parametrize("role", Role.values)
def test_no_role_keeps_a_timeline_entry_of_an_area_it_does_not_have(role):
    from types import SimpleNamespace

    from safeguard.chronology.event_types import CATEGORIES

    areas = roles.areas_for(role)
    for category in CATEGORIES:
        entry = SimpleNamespace(category=category)
        needed = AREA_OF_CATEGORY.get(category, "chronology")
        kept = policy.filter_timeline([entry], areas) == [entry]
        assert kept == (needed in areas), (role, category)


# The entries a page may show, with a text that appears nowhere else on it.
ENTRIES = {
    "medicines": ("prescription_issued", "Zzmedicineentry", {"medicine": "Lamotrigine"}),
    "health": ("self_harm", "Zzhealthentry", None),
    "chronology": ("note", "Zzsocialcareentry", None),
}


@pytest.mark.parametrize("page", ["chronology:chronology", "chronology:export"])
@pytest.mark.parametrize("role", [r for r in CHILD_ROLES if "chronology" in roles.areas_for(r)])
@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_a_role_without_an_area_never_sees_its_entries_on_a_page(role, page):
    from safeguard.chronology.services import record_event

    user = person(role)
    child = factories.child()
    involve(user, child, role="other")
    for event_type, summary, details in ENTRIES.values():
        record_event(
            actor=None,
            child=child,
            event_type=event_type,
            occurred="2024-01-02",
            source_agency=factories.agency(),
            summary=summary,
            details=details,
        )
    client = Client()
    client.force_login(user)
    response = client.get(reverse(page, args=[child.pk]))
    areas = roles.areas_for(role)
    if page == "chronology:export" and "export" not in areas:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    body = response.content.decode()
    for area, (_, summary, _) in ENTRIES.items():
        assert (summary in body) == (area in areas), (role, page, area)


# --- The basis of a list, from the same query (issue 15: mutation testing) -------------


def test_a_listed_childs_basis_comes_with_the_list_with_no_further_query(
    django_assert_num_queries,
):
    # with_bases annotates the list's own query: each child's basis (restricted grant
    # included) is then read off the row, for every basis of access.
    for basis, user, child in _situations():
        listed = policy.with_bases(user, Child.objects.filter(pk=child.pk), area="summary")
        (row,) = list(listed)
        with django_assert_num_queries(0):
            assert policy.basis_of(row, listed._basis_flags) == basis


@pytest.mark.parametrize("area", sorted(roles.AREAS))
def test_a_list_never_gives_a_basis_that_does_not_open_its_area(area):
    # Break-glass does not open the export: a list of the export area gives it as no
    # basis, for any role that may break glass.
    for role in BREAK_GLASS_ROLES:
        user = person(role)
        child = factories.child()
        emergency_grant(user, child)
        listed = policy.with_bases(user, Child.objects.filter(pk=child.pk), area=area)
        (row,) = list(listed)
        opens = area not in roles.BREAK_GLASS_EXCLUDED_AREAS
        expected = "break-glass" if opens else ""
        assert policy.basis_of(row, listed._basis_flags) == expected, (role, area)
        assert policy.access_bases(user, [child.pk], area=area) == {child.pk: expected}
        assert policy.access_basis(user, child, area=area) == expected


def test_a_list_for_no_one_is_left_as_it_is():
    from django.contrib.auth.models import AnonymousUser

    children = Child.objects.all()
    for nobody in (None, AnonymousUser()):
        assert policy.with_bases(nobody, children, area="summary") is children


# --- Opening a record to write to it --------------------------------------------------

WRITE_KINDS = sorted(roles._ALL_WRITES)


@pytest.mark.parametrize("role", Role.values)
def test_a_record_opens_for_a_write_exactly_when_the_role_may_make_it_and_see_the_child(role):
    user = person(role)
    involved, stranger = factories.child(), factories.child()
    involve(user, involved, role="other")
    sees = "identity" in roles.areas_for(role) and roles.scope_for(role) != "none"
    for what in WRITE_KINDS:
        before = AuditEntry.objects.count()
        allowed = roles.may_write(role, what) and sees
        if allowed:
            opened = policy.open_child_for_write(request_for(user), str(involved.pk), what=what)
            assert opened == involved
            entry = AuditEntry.objects.get(seq__gt=before)
            assert (entry.child_id, entry.area, entry.basis) == (
                involved.pk,
                "identity",
                "involvement",
            ), what
        else:
            with pytest.raises(Http404):
                policy.open_child_for_write(request_for(user), involved.pk, what=what)
            assert AuditEntry.objects.count() == before, what
        with pytest.raises(Http404):
            policy.open_child_for_write(request_for(user), stranger.pk, what=what)


def test_no_write_opens_a_record_without_a_verified_session(settings):
    settings.SAFEGUARD_REQUIRE_OTP = True
    user = person(Role.TEAM_MANAGER)
    child = factories.child()
    involve(user, child)
    with pytest.raises(Http404):
        policy.open_child_for_write(request_for(user), child.pk, what="event:social_care")
    settings.SAFEGUARD_REQUIRE_OTP = False
    assert policy.open_child_for_write(request_for(user), child.pk, what="event:social_care")


def test_the_sections_shown_are_exactly_the_areas_the_rule_opens_on_every_basis():
    # allowed_areas (which sections of a record to show) is the access rule again, in one
    # query: it must agree with visible_children for every basis, and for grants that do
    # not apply (someone else's, another record's, expired).
    situations = _situations()
    named = next(user for basis, user, _ in situations if basis == "restricted-grant")
    other_restricted = factories.child(restricted=True)
    name_on(other_restricted, person())  # someone else's grant
    expired_user = person()
    expired = factories.child(restricted=True)
    name_on(expired, expired_user)
    RestrictedAccess.objects.filter(child=expired).update(expires_at=timezone.now())
    cases = [(user, child) for _, user, child in situations]
    cases += [(named, other_restricted), (expired_user, expired)]
    for role in BREAK_GLASS_ROLES:
        user = person(role)
        child = factories.child()
        emergency_grant(user, child)
        cases.append((user, child))
    for user, child in cases:
        expected = visible_areas(user, child)
        assert policy.allowed_areas(request_for(user), child) == expected, (user.role, child)
    assert policy.allowed_areas(request_for(named), other_restricted) == frozenset()
    assert policy.allowed_areas(request_for(expired_user), expired) == frozenset()


def test_a_grant_that_expires_after_a_record_was_first_shown_no_longer_opens_it(monkeypatch):
    # The rule's queries are compiled once and reused (core/prepared.py): the time must be
    # a parameter of each run, not the moment the query was first built.
    user = person()
    child = factories.child(restricted=True)
    name_on(child, user)
    now = timezone.now()
    RestrictedAccess.objects.filter(child=child).update(expires_at=now + dt.timedelta(hours=1))
    assert policy.allowed_areas(request_for(user), child) == set(roles.areas_for(user.role))
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(hours=2))
    assert policy.allowed_areas(request_for(user), child) == frozenset()
    assert visible_areas(user, child) == set()
