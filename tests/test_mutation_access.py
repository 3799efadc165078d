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


@pytest.mark.parametrize("role", BREAK_GLASS_ROLES)
def test_break_glass_on_one_child_opens_no_other_child(role):
    # An emergency grant is for the child it names: it opens nothing of any other child,
    # in a list, one record, or the basis given for many.
    user = person(role)
    granted, other = factories.child(), factories.child()
    emergency_grant(user, granted)
    for area in sorted(roles.areas_for(role) - roles.BREAK_GLASS_EXCLUDED_AREAS):
        assert list(policy.visible_children_for_user(user, area=area)) == [granted], area
        assert policy.visible_child(request_for(user), other.pk, area=area) is None, area
    bases = policy.access_bases(user, [granted.pk, other.pk], area="summary")
    assert bases == {granted.pk: "break-glass", other.pk: ""}
    assert policy.access_basis(user, other, area="summary") == ""


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


def test_the_rule_without_a_session_opens_nothing_to_no_user_or_an_inactive_one():
    # visible_children_for_user (commands and jobs: no request, so no session checks)
    # must itself refuse no user, a signed-out one and a deactivated account, whatever
    # involvement is left on the child, in every area the role has.
    from django.contrib.auth.models import AnonymousUser

    user = person()
    child = factories.child()
    involve(user, child)
    areas = sorted(roles.areas_for(user.role))
    for area in areas:
        assert list(policy.visible_children_for_user(user, area=area)) == [child], area
    user.is_active = False
    for nobody in (None, AnonymousUser(), user):
        for area in areas:
            assert not policy.visible_children_for_user(nobody, area=area).exists(), nobody


def test_a_role_with_no_child_scope_opens_no_child_whatever_areas_it_is_given(monkeypatch):
    # The scope is a rule of its own, not just the empty area list the matrix gives such
    # roles today: a role scoped to no children sees none even if given an area.
    user = person(Role.PARTNERSHIP_ANALYST)
    child = factories.child()
    involve(user, child, role="other")
    _, scope, capabilities = roles.MATRIX[user.role]
    assert scope == "none"
    monkeypatch.setitem(roles.MATRIX, user.role, (frozenset({"summary"}), scope, capabilities))
    assert not policy.visible_children_for_user(user, area="summary").exists()
    assert policy.visible_child(request_for(user), child.pk, area="summary") is None
    # (the control: the same area with a team scope opens the involved child)
    monkeypatch.setitem(roles.MATRIX, user.role, (frozenset({"summary"}), "team", capabilities))
    assert list(policy.visible_children_for_user(user, area="summary")) == [child]


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
        # A child read without the flags (not from the annotated list) is given no basis
        # rather than one it was never shown to have (but a restricted record's grant).
        plain = Child.objects.get(pk=child.pk)
        unread = "restricted-grant" if child.restricted else ""
        assert policy.basis_of(plain, listed._basis_flags) == unread, basis


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


# --- The prepared forms of the rule ---------------------------------------------------
# Pages run the rule through compiled queries shared by every user of the same shape
# (core/prepared.py): visible_child, run_over_rule with rule_key, run_over_user_rule with
# user_rule_key. Each must give exactly what the rule built afresh gives, for every basis,
# area and shape of user, one after another in one test so that the compiled queries are
# shared between them as on a live server.


def _shapes():
    """(user, child) pairs covering every basis and every shape of user the rule's SQL
    depends on: with and without a team, team scope, break-glass, restricted grants
    (someone else's, expired, a pharmacist's), no relationship, and no child roles."""
    situations = _situations()
    cases = [(user, child) for _, user, child in situations]
    children = [child for _, _, child in situations]
    restricted = children[3]
    pharmacist = person(Role.PHARMACIST)
    name_on(restricted, pharmacist)
    expired_user = person()
    expired = factories.child(restricted=True)
    name_on(expired, expired_user)
    RestrictedAccess.objects.filter(child=expired).update(expires_at=timezone.now())
    teamless_manager = person(Role.TEAM_MANAGER)
    other_team_manager = person(Role.TEAM_MANAGER, team_obj=factories.team(code="x", name="X"))
    involved_police = person(Role.POLICE_OFFICER)
    involve(involved_police, children[0], role="police_officer")
    lapsed = person(Role.POLICE_OFFICER)
    emergency_grant(lapsed, children[2], expires_at=timezone.now())
    users = [user for user, _ in cases]
    users += [pharmacist, expired_user, teamless_manager, other_team_manager]
    users += [involved_police, lapsed, person(Role.PARTNERSHIP_ANALYST), person()]
    children.append(expired)
    return users, children


def _session(user, verified: bool):
    """A request whose second factor is (or is not) verified: its own copy of the user, so
    that requests of one user do not share the answer."""
    request = request_for(type(user).objects.get(pk=user.pk))
    request.user.is_verified = lambda: verified
    return request


def _unverified(user):
    return _session(user, False)


@pytest.mark.parametrize("area", sorted(roles.AREAS))
def test_opening_one_child_gives_what_the_list_gives_with_its_basis(area, settings):
    # visible_child is the rule for one child (one prepared query): the child exactly when
    # it is among visible_children in that area, with the basis access_basis gives, and
    # nothing is audited (the caller audits what it shows).
    users, children = _shapes()
    before = AuditEntry.objects.count()
    for user in users:
        request = request_for(user)
        listed = set(policy.visible_children(request, area=area).values_list("pk", flat=True))
        for child in children:
            for child_id in (child.pk, str(child.pk)):
                got = policy.visible_child(request, child_id, area=area)
                if child.pk in listed:
                    expected = (child, policy.access_basis(user, child, area=area))
                    assert got == expected, (user.role, area, child)
                    assert got[1], (user.role, area, child)
                    assert got[0].restricted == child.restricted
                else:
                    assert got is None, (user.role, area, child)
    assert AuditEntry.objects.count() == before
    # No child at all without a verified session, when a second factor is required.
    settings.SAFEGUARD_REQUIRE_OTP = True
    for user in users:
        for child in children:
            assert policy.visible_child(_unverified(user), child.pk, area=area) is None
    with pytest.raises(ValueError, match="unknown area"):
        policy.visible_child(request_for(users[0]), children[0].pk, area="everything")


def _listed(request, area):
    return sorted(policy.visible_children(request, area=area).values_list("pk", flat=True))


@pytest.mark.parametrize("area", sorted(roles.AREAS))
def test_a_query_run_over_the_rule_gives_the_rows_built_afresh_for_every_user(area, settings):
    # One compiled query per rule_key serves every user of that shape: whoever ran it
    # first (both orders, each from an empty cache), each user gets their own children, as
    # the query built afresh gives, with the other parameters late-bound too. Verified and
    # unverified sessions, and an inactive user (whose rule is empty: a query built over
    # it as a subquery still compiles, and must not be served to an active colleague).
    from django.db.models import Exists, OuterRef

    from safeguard.core import prepared
    from safeguard.core.prepared import prepared_disabled

    users, children = _shapes()
    inactive = person()
    involve(inactive, children[0])
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    users.append(inactive)
    settings.SAFEGUARD_REQUIRE_OTP = True
    requests = []
    for user in users:
        requests += [_session(user, True), _session(user, False)]
    every = sorted(c.pk for c in children)

    def by_request(request, p):
        visible = policy.visible_children(request, area=area)
        return visible.filter(pk__in=p["child_ids"]).order_by("pk").values_list("pk", flat=True)

    def by_user(user, p):
        visible = policy.visible_children_for_user(user, area=area).filter(pk=OuterRef("pk"))
        return (
            Child.objects.filter(pk__in=p["child_ids"])
            .filter(Exists(visible))
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    for order in (requests, list(reversed(requests))):
        prepared.clear()
        for request in order:
            for ids in (every, every[1:]):
                with prepared_disabled():
                    expected = list(by_request(request, {"child_ids": ids}))
                    expected_user = list(by_user(request.user, {"child_ids": ids}))
                got = policy.run_over_rule(
                    request,
                    ("probe", policy.rule_key(request, area)),
                    lambda p, request=request: by_request(request, p),
                    child_ids=ids,
                )
                assert got == expected, (request.user.role, area)
                got = policy.run_over_user_rule(
                    request.user,
                    ("probe-user", policy.user_rule_key(request.user, area)),
                    lambda p, request=request: by_user(request.user, p),
                    child_ids=ids,
                )
                assert got == expected_user, (request.user.role, area)


def test_a_query_run_over_the_rule_is_the_rule_at_the_moment_given(settings):
    # run_over_rule(now=...) is the rule as of that moment (its day and time), as
    # visible_children_for_user(now=...) gives it; with no moment, the present.
    from safeguard.core.prepared import prepared_disabled

    users, _ = _shapes()
    settings.SAFEGUARD_REQUIRE_OTP = False
    # An involvement that ends today and a break-glass grant that expires within the hour.
    sw, officer = person(), person(Role.POLICE_OFFICER)
    ending, emergency = factories.child(), factories.child()
    involve(sw, ending, end=timezone.localdate())
    emergency_grant(officer, emergency, expires_at=timezone.now() + dt.timedelta(minutes=30))
    now = timezone.now()
    moments = [None, now, now + dt.timedelta(hours=1), now + dt.timedelta(days=2)]
    for user in [*users, sw, officer]:
        request = request_for(user)
        for moment in moments:
            got = policy.run_over_rule(
                request,
                ("probe-at", policy.rule_key(request, "summary")),
                lambda p, request=request: (
                    policy.visible_children(request, area="summary")
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
                now=moment,
            )
            with prepared_disabled():
                expected = sorted(
                    policy.visible_children_for_user(user, area="summary", now=moment).values_list(
                        "pk", flat=True
                    )
                )
            assert got == expected, (user.role, moment)
    request = request_for(sw)
    key = ("probe-at", policy.rule_key(request, "summary"))

    def build(p):
        return policy.visible_children(request, area="summary").values_list("pk", flat=True)

    assert ending.pk in policy.run_over_rule(request, key, build)
    assert ending.pk not in policy.run_over_rule(request, key, build, now=moments[-1])
    request = request_for(officer)
    assert emergency.pk in policy.run_over_rule(request, key, build, now=now)
    assert emergency.pk not in policy.run_over_rule(request, key, build, now=moments[2])


def test_the_rule_key_is_shared_by_users_of_one_shape_and_names_the_rule(settings):
    # Users of the same role and kind of team membership share one compiled query (the
    # point of preparing it); anything that changes the rule's SQL changes the key: the
    # role, team scope with or without a team, a verified session, the rule in force.
    settings.SAFEGUARD_REQUIRE_OTP = False
    team = factories.team(code="k", name="K")
    a, b = person(team_obj=team), person()
    m1, m2 = person(Role.TEAM_MANAGER, team_obj=team), person(Role.TEAM_MANAGER, team_obj=team)
    lone_manager = person(Role.TEAM_MANAGER)
    police = person(Role.POLICE_OFFICER)
    areas = sorted(roles.AREAS)
    key = policy.rule_key
    assert key(request_for(a), *areas) == key(request_for(b), *areas)
    assert key(request_for(m1), *areas) == key(request_for(m2), *areas)
    assert key(request_for(m1), *areas) != key(request_for(lone_manager), *areas)
    assert key(request_for(a), *areas) != key(request_for(police), *areas)
    assert key(request_for(a), "summary") != key(request_for(a), "export")
    assert key(request_for(a), "summary") == key(request_for(a), "summary", rule=None)
    assert key(request_for(a), "summary") == key(
        request_for(a), "summary", rule=policy.visible_children
    )
    assert key(request_for(a), "summary") != key(request_for(a), "summary", rule=len)
    assert key(request_for(a), "summary", rule=len)[-1] is len
    settings.SAFEGUARD_REQUIRE_OTP = True
    unverified = key(_unverified(a), *areas)
    assert unverified == key(_unverified(police), *areas) == key(request_for(None), "summary")
    assert unverified != key(_session(a, True), *areas)
    assert key(_unverified(a), "summary", rule=len) != unverified
    assert key(_unverified(a), "summary", rule=len)[-1] is len
    assert unverified[-1] is policy.visible_children
    user_key = policy.user_rule_key
    assert user_key(a, *areas) == user_key(b, *areas)
    assert user_key(m1, *areas) != user_key(lone_manager, *areas)
    assert user_key(a, "summary") != user_key(a, "export")
    assert user_key(a, "summary") != user_key(police, "summary")


def test_a_session_is_verified_only_when_signed_in_active_and_past_the_second_factor(settings):
    # session_verified gates every form of the rule: no child, no section, without it. A
    # missing second-factor setting fails closed (a second factor is required).
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    user = person()
    child = factories.child()
    involve(user, child)

    def with_otp(answer):
        request = request_for(type(user).objects.get(pk=user.pk))  # a fresh instance each
        if answer is not None:
            request.user.is_verified = lambda: answer
        return request

    inactive = person()
    involve(inactive, child)
    inactive.is_active = False
    cases = [
        (True, RequestFactory().get("/"), False),
        (True, request_for(AnonymousUser()), False),
        (False, request_for(AnonymousUser()), False),
        (False, request_for(inactive), False),
        (True, with_otp(None), False),
        (True, with_otp(False), False),
        (True, with_otp(True), True),
        (False, with_otp(None), True),
        (False, with_otp(False), True),
        ("missing", with_otp(None), False),
        ("missing", with_otp(True), True),
    ]
    for required, request, verified in cases:
        if required == "missing":
            del settings.SAFEGUARD_REQUIRE_OTP
        else:
            settings.SAFEGUARD_REQUIRE_OTP = required
        assert policy.session_verified(request) is verified, (required, verified)
        shown = {child.pk} if verified else set()
        listed = set(policy.visible_children(request, area="summary").values_list("pk", flat=True))
        assert listed == shown, (required, verified)
        assert (policy.visible_child(request, child.pk, area="summary") is not None) == verified
        areas = policy.allowed_areas(request, child)
        assert areas == (set(roles.areas_for(user.role)) if verified else set())


@pytest.mark.parametrize("kind", ["restricted", "break-glass", "involvement"])
def test_access_that_lapses_after_a_record_was_opened_no_longer_opens_it(kind, monkeypatch):
    # The prepared queries are compiled once and reused: the day and time must be
    # parameters of each run, in every form of the rule (not the moment it was built).
    user = person()
    now = timezone.now()
    if kind == "involvement":
        child = factories.child()
        involve(user, child, end=timezone.localdate(now))
        later = now + dt.timedelta(days=2)
    else:
        child, grant = _grant(kind, user)
        type(grant).objects.filter(pk=grant.pk).update(expires_at=now + dt.timedelta(hours=1))
        later = now + dt.timedelta(hours=2)
    basis = {"restricted": "restricted-grant"}.get(kind, kind)
    areas = set(roles.areas_for(user.role)) - (
        roles.BREAK_GLASS_EXCLUDED_AREAS if kind == "break-glass" else set()
    )
    request = request_for(user)
    assert policy.visible_child(request, child.pk, area="summary") == (child, basis)
    assert policy.open_child(request, child.pk, area="summary") == child
    assert policy.allowed_areas(request, child) == areas
    assert policy.access_bases(user, [child.pk], area="summary") == {child.pk: basis}

    def listed_basis():
        listed = policy.with_bases(user, Child.objects.filter(pk=child.pk), area="summary")
        return policy.basis_of(list(listed)[0], listed._basis_flags)

    assert listed_basis() == basis
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert policy.visible_child(request, child.pk, area="summary") is None
    with pytest.raises(Http404):
        policy.open_child(request, child.pk, area="summary")
    assert policy.allowed_areas(request, child) == frozenset()
    assert not policy.visible_children(request, area="summary").filter(pk=child.pk).exists()
    if kind != "restricted":  # (a restricted record's basis is its grant, asked or not)
        assert policy.access_bases(user, [child.pk], area="summary") == {child.pk: ""}
        assert policy.access_basis(user, child, area="summary") == ""
        assert listed_basis() == ""


@pytest.mark.parametrize("role", BREAK_GLASS_ROLES)
def test_one_record_opened_in_every_area_in_turn_opens_exactly_the_areas_of_its_basis(role):
    # The prepared query of one area (and shape of the rule) is never served for another:
    # break-glass opens every area of the role but the export, whatever was opened before.
    user = person(role)
    child = factories.child()
    emergency_grant(user, child)
    opens = set(roles.areas_for(role)) - roles.BREAK_GLASS_EXCLUDED_AREAS
    for area in [*sorted(roles.AREAS), *reversed(sorted(roles.AREAS))]:
        got = policy.visible_child(request_for(user), child.pk, area=area)
        assert got == ((child, "break-glass") if area in opens else None), area
        if area in opens:
            opened = policy.open_child(request_for(user), child.pk, area=area)
            opened.refresh_from_db()  # a model instance of the default database
            assert (opened.pk, opened.local_id) == (child.pk, child.local_id)
            assert AuditEntry.objects.latest("seq").basis == "break-glass"
        else:
            with pytest.raises(Http404):
                policy.open_child(request_for(user), child.pk, area=area)


def test_the_bases_of_many_children_are_each_the_basis_of_one():
    # access_bases (one query for a list) gives every id asked for the basis access_basis
    # gives for that child, in every area and for every shape of user: "" for a child
    # not visible and for an id of no child, and "" for everything when no one is asking.
    from django.contrib.auth.models import AnonymousUser

    users, children = _shapes()
    missing = max(c.pk for c in children) + 1000
    ids = [c.pk for c in children] + [missing, children[0].pk]
    for area in sorted(roles.AREAS):
        for user in users:
            expected = {c.pk: policy.access_basis(user, c, area=area) for c in children}
            expected[missing] = ""
            assert policy.access_bases(user, ids, area=area) == expected, (user.role, area)
        for nobody in (None, AnonymousUser()):
            assert policy.access_bases(nobody, ids, area=area) == dict.fromkeys(ids, "")
            assert policy.access_bases(nobody, [], area=area) == {}


def test_every_refusal_to_open_a_record_is_the_same_whatever_the_reason(settings):
    # A refusal must not tell a record that exists from one that does not (nor why it was
    # refused): the same 404, with the same text, for a malformed id, an unverified
    # session, a role without the area, no relationship, no such child, or a write the
    # role may not make.
    settings.SAFEGUARD_REQUIRE_OTP = False
    user = person(Role.POLICE_OFFICER)
    child, stranger = factories.child(), factories.child()
    involve(user, child, role="police_officer")
    missing = stranger.pk + 1000
    refused_write = next(w for w in WRITE_KINDS if not roles.may_write(user.role, w))
    refusals = [
        lambda: policy.open_child(request_for(user), "not-a-number", area="summary"),
        lambda: policy.open_child(request_for(user), None, area="summary"),
        lambda: policy.open_child(_unverified(user), child.pk, area="summary"),
        lambda: policy.open_child(request_for(user), child.pk, area="health"),
        lambda: policy.open_child(request_for(user), stranger.pk, area="summary"),
        lambda: policy.open_child(request_for(user), missing, area="summary"),
        lambda: policy.open_child_for_write(request_for(user), child.pk, what=refused_write),
    ]
    texts = []
    for refuse in refusals:
        settings.SAFEGUARD_REQUIRE_OTP = refuse is refusals[2]
        with pytest.raises(Http404) as refused:
            refuse()
        texts.append(str(refused.value))
    assert texts == [texts[0]] * len(refusals)
    assert texts[0] == "No child found"


@pytest.mark.parametrize("role", CHILD_ROLES)
def test_every_read_of_a_record_is_audited_as_a_view_or_an_export(role):
    # open_child audits each read before returning the child: an export in the export
    # area, a view in every other, with the area and the basis.
    user = person(role)
    child = factories.child()
    involve(user, child, role="other")
    for area in sorted(roles.areas_for(role)):
        assert policy.open_child(request_for(user), str(child.pk), area=area) == child
        entry = AuditEntry.objects.latest("seq")
        action = "export" if area == "export" else "view"
        assert (entry.child_id, entry.area, entry.action, entry.basis) == (
            child.pk,
            area,
            action,
            "involvement",
        ), area
        assert entry.actor_id == user.pk


# --- The rule's entry points: unknown areas, the default area (mutation: _check_area,
# visible_children, visible_children_for_user) -------------------------------------------


def test_an_unknown_area_is_refused_naming_every_area_there_is():
    user = person()
    child = factories.child()
    involve(user, child)
    request = request_for(user)
    expected = f"unknown area 'everything' (areas: {', '.join(roles.AREAS)})"
    calls = [
        lambda: policy.visible_children(request, area="everything"),
        lambda: policy.visible_children_for_user(user, area="everything"),
        lambda: policy.visible_child(request, child.pk, area="everything"),
        lambda: policy.open_child(request, child.pk, area="everything"),
    ]
    for call in calls:
        with pytest.raises(ValueError) as refused:
            call()
        assert str(refused.value) == expected
    for area in roles.AREAS:  # every known area is accepted
        policy.visible_children(request, area=area)
        policy.visible_children_for_user(user, area=area)


def test_the_rule_with_no_area_named_is_the_rule_for_the_summary(settings):
    settings.SAFEGUARD_REQUIRE_OTP = False
    users, children = _shapes()
    for user in users:
        request = request_for(user)
        assert _listed(request, "summary") == sorted(
            policy.visible_children(request).values_list("pk", flat=True)
        ), user.role
        assert sorted(
            policy.visible_children_for_user(user, area="summary").values_list("pk", flat=True)
        ) == sorted(policy.visible_children_for_user(user).values_list("pk", flat=True))
