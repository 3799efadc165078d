"""The authorisation matrix: every URL x every role x every relationship to the child.

Walks every URL pattern in the project (so a new page or API endpoint is included
automatically) and fails for one that has not declared its rule in
safeguard.access.rules.ACCESS_RULES. For each declared rule it asserts, for every role
(and anonymous) and each of: involved with the child, not involved, restricted and named,
restricted and not named, and on the front door's list (a contact awaiting a decision,
nobody involved; the matrix team is a front-door team), that the page allows or refuses as
expected, that a refusal is a
404 or 403 (or a redirect to sign in), and that no response names a child the user may not
see.

The expected outcome is worked out here from the matrix (roles.MATRIX) and the scenario,
not by asking policy.py, so a bug in the policy shows up as a mismatch.
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse

from safeguard.access import roles
from safeguard.access.rules import rule_for
from safeguard.accounts.models import Role, User
from safeguard.children.services import record_involvement
from tests import factories
from tests.access_helpers import name_on

SCENARIOS = ("involved", "not_involved", "restricted_named", "restricted_not_named", "front_door")
ROLES = [None, *Role.values]  # None: not signed in
_n = itertools.count(1)


def _params(pattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def walk(resolver=None, namespace="", params=(), prefix=""):
    """(url name, route, parameter names) for every pattern, recursively."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(p, inner, (*params, *_params(p)), prefix + str(p.pattern))
        else:
            route = prefix + str(p.pattern)
            if p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
            else:
                name = f"{namespace}:<unnamed {route}>" if namespace else f"<unnamed {route}>"
            yield name, route, (*params, *_params(p)), p


URLS = sorted({name: (name, params) for name, _, params, _ in walk()}.values())


def test_every_url_declares_its_access_rule():
    undeclared = [name for name, _ in URLS if rule_for(name) is None]
    assert not undeclared, (
        "These URLs have no access rule: declare one in safeguard/access/rules.py "
        f"(ACCESS_RULES) and make the view enforce it: {undeclared}"
    )


def test_the_walk_finds_the_pages():
    names = {name for name, _ in URLS}
    assert {"children:summary", "chronology:export", "access:child-audit"} <= names


# --- the world ------------------------------------------------------------------------


def _user(role, team):
    n = next(_n)
    return User.objects.create(
        username=f"{role}-{n}",
        role=role,
        team=team,
        agency=team.agency,
        first_name=role.title(),
        last_name=f"Tester{n}",
        is_staff=role == Role.ADMINISTRATOR,
        # A superuser, so that every admin page renders in full for the leak check.
        is_superuser=role == Role.ADMINISTRATOR,
    )


def _child(label, **fields):
    return factories.child(given_name="Leak", family_name=f"Zz{label}Name", **fields)


@pytest.fixture
def world(db):
    from types import SimpleNamespace

    team = factories.team(code="matrix", name="Matrix team")
    elsewhere = factories.team(code="elsewhere", name="Elsewhere")
    users = {role: _user(role, team) for role in Role.values}
    outsider = _user(Role.SOCIAL_WORKER, elsewhere)
    children = {
        "involved": _child("Involved"),
        "not_involved": _child("Uninvolved"),
        "restricted_named": _child("Named", restricted=True),
        "restricted_not_named": _child("Unnamed", restricted=True),
        "front_door": _child("Frontdoor"),
    }
    # The matrix team is the front door; a partner's contact about a child nobody is
    # involved with awaits its decision (issue 14).
    from safeguard.frontdoor.models import FrontDoorTeam
    from safeguard.frontdoor.services import record_contact

    FrontDoorTeam.objects.create(team=team)
    record_contact(
        actor=None,
        child=children["front_door"],
        received_on=children["front_door"].date_of_birth,
        source="2A",
        referrer_agency=factories.agency(),
        summary="Matrix contact awaiting a decision",
    )

    def involve(user, child):
        record_involvement(
            actor=None,
            child=child,
            professional=user,
            role="other",
            start_date=child.date_of_birth,
        )

    for user in users.values():
        involve(user, children["involved"])
        involve(user, children["restricted_not_named"])
        name_on(children["restricted_named"], user)
    involve(outsider, children["not_involved"])
    involve(outsider, children["restricted_named"])
    # Rows for the admin pages to show (the leak check reads them as the administrator).
    from django.apps import apps

    if apps.is_installed("safeguard.checks"):
        for child in children.values():
            _alert(child, SimpleNamespace(users=users))
    return SimpleNamespace(
        users=users, children=children, member=users[Role.SOCIAL_WORKER], objects={}
    )


def may_see(role, scenario, area) -> bool:
    if role is None or area not in roles.areas_for(role):
        return False
    return scenario in ("involved", "restricted_named")


def front_door_opens(rule, role, scenario) -> bool:
    """Whether the rule's front-door extension opens the scenario's child for the role: a
    page declared `front_door`, a role with the capability (the matrix team is a front-door
    team), the child on the front door's list, and the page's area one the front door
    sees (a list shows the child's name and contacts)."""
    return (
        role is not None
        and rule.front_door
        and scenario == "front_door"
        and roles.has_capability(role, "front_door")
        and (rule.kind == "list" or rule.area in roles.FRONT_DOOR_AREAS)
    )


def _grant(child, world):
    """An emergency access by a member of the matrix team (for the manager to check)."""
    from django.utils import timezone

    from safeguard.access.models import BreakGlassAccess

    now = timezone.now()
    return BreakGlassAccess.objects.create(
        child=child, user=world.member, reason="matrix test", expires_at=now
    ).pk


def _alert(child, world):
    """An open alert about the child, every role's user named on it (branch checks)."""
    from django.apps import apps
    from django.utils import timezone

    alert_model = apps.get_model("checks", "Alert")
    recipient_model = apps.get_model("checks", "AlertRecipient")
    today = timezone.localdate()
    alert, created = alert_model.objects.get_or_create(
        check_id="matrix_test",
        child=child,
        subject_key="matrix",
        defaults={
            "severity": "high",
            "status": "raised",
            "due_date": today,
            "detail": f"Matrix test alert about {child.family_name}",
            "first_raised_on": today,
            "raised_on": today,
        },
    )
    if created:
        for user in world.users.values():
            recipient_model.objects.create(alert=alert, professional=user, role="other")
    return alert.pk


def _meeting(child, world):
    """A MACE meeting about the child, arranged (not yet held)."""
    import datetime as dt

    from django.utils import timezone

    from safeguard.meetings.services import schedule_meeting

    return schedule_meeting(
        actor=None,
        kind="mace",
        children=[child],
        scheduled_for=timezone.now() + dt.timedelta(days=7),
        invitees=[{"professional": world.member, "role": "Chair"}],
    ).pk


def _action(child, world):
    """An open action from a held meeting about the child, owned by the team member."""
    from django.utils import timezone

    from safeguard.meetings.models import Meeting
    from safeguard.meetings.services import add_action, hold_meeting

    today = timezone.localdate()
    meeting = hold_meeting(
        actor=None, meeting=Meeting.objects.get(pk=_meeting(child, world)), held_on=today
    )
    return add_action(
        actor=None, meeting=meeting, description="Matrix action", owner=world.member, due_on=today
    ).pk


def _event(child, world):
    """A case note about the child (category "other"), to correct or withdraw."""
    from safeguard.chronology.services import record_event

    return record_event(
        actor=None,
        child=child,
        event_type=EVENT_PARAM_TYPE,
        occurred=child.date_of_birth.isoformat(),
        source_agency=factories.agency(),
        summary="Matrix test note",
    ).pk


def _concern(child, world):
    """An open concern about the child, raised by the police."""
    from django.utils import timezone

    from safeguard.meetings.services import record_concern

    return record_concern(
        actor=None,
        children=[child],
        kind="significant_harm",
        raised_on=timezone.localdate(),
        summary="Matrix concern",
        source_agency=factories.agency(),
        raised_by_name="Matrix",
    ).pk


def _enquiry(child, world):
    """An open s47 enquiry following a held strategy discussion about the child."""
    from django.utils import timezone

    from safeguard.meetings.models import MeetingKind
    from safeguard.meetings.services import hold_meeting, record_s47, schedule_meeting

    today = timezone.localdate()
    discussion = schedule_meeting(
        actor=None,
        kind=MeetingKind.STRATEGY_DISCUSSION,
        children=[child],
        scheduled_for=timezone.now(),
        invitees=[{"professional": world.member}],
    )
    discussion = hold_meeting(actor=None, meeting=discussion, held_on=today, strategy_outcome="s47")
    return record_s47(actor=None, child=child, strategy_discussion=discussion, started_on=today).pk


def _milestone(child, world):
    """An open milestone of the child's plan (a child in need plan opened if none)."""
    from django.utils import timezone

    from safeguard.episodes.models import Episode
    from safeguard.episodes.services import record_episode
    from safeguard.meetings.services import record_milestone

    today = timezone.localdate()
    plans = ("child_in_need", "child_protection", "looked_after")
    episode = Episode.objects.filter(child=child, kind__in=plans).open_on(today).first()
    if episode is None:
        episode = record_episode(actor=None, child=child, kind="child_in_need", start_date=today)
    return record_milestone(
        actor=None,
        child=child,
        episode=episode,
        description="Matrix milestone",
        set_on=today,
        due_on=today,
        owner=world.member,
    ).pk


# The event type the matrix test puts in an <event_type> URL, and makes for <event_id>.
EVENT_PARAM_TYPE = "note"
# The quick-recording page in a <slug> URL: a visit, which some partners may not record.
QUICK_PARAM_SLUG = "visit"

# URL parameters naming an object about the scenario's child: how to make one.
OBJECT_FACTORIES = {
    "grant_id": _grant,
    "alert_id": _alert,
    "event_id": _event,
    "meeting_id": _meeting,
    "action_id": _action,
    "concern_id": _concern,
    "enquiry_id": _enquiry,
    "milestone_id": _milestone,
}


def _admin_object_id(name: str) -> str:
    """For admin:<app>_<model>_<view>, the id of a real row, so the page renders in full."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            row = model._default_manager.order_by("pk").first()
            return str(row.pk) if row else "1"
    return "1"


def _kwargs(params, child, world, name=""):
    values = {
        "child_id": child.pk,
        "user_id": world.member.pk,
        "object_id": _admin_object_id(name),
        "id": "1",
        "pk": "1",
        "content_type_id": "1",
        "app_label": "accounts",
        "event_type": EVENT_PARAM_TYPE,
        "slug": QUICK_PARAM_SLUG,
    }
    unknown = [p for p in params if p not in values and p not in OBJECT_FACTORIES]
    assert not unknown, f"add a test value (or OBJECT_FACTORIES entry) for {unknown}"
    kwargs = {}
    for p in params:
        if p in OBJECT_FACTORIES:
            key = (p, child.pk)
            if key not in world.objects:
                world.objects[key] = OBJECT_FACTORIES[p](child, world)
            kwargs[p] = world.objects[key]
        else:
            kwargs[p] = values[p]
    return kwargs


def _url(name, params, child, world):
    if "<unnamed " in name:
        route = name.split("<unnamed ", 1)[1].rstrip(">")
        for p in params:
            route = route.replace(f"<path:{p}>", "1").replace(f"<{p}>", "1")
        return "/" + route
    # Search by local ID, so that the query echoed back on the page is not a name.
    query = {"children:search": f"?q={child.local_id}"}.get(name, "")
    return reverse(name, kwargs=_kwargs(params, child, world, name) or None) + query


def _redirected_to_sign_in(response) -> bool:
    location = response.get("Location", "")
    return response.status_code == 302 and (
        location.startswith("/sign-in/") or location.startswith("/admin/login/")
    )


def _check(name, rule, role, scenario, response, child, world, method="GET") -> list[str]:
    problems = []
    where = f"{name} {method} as {role or 'anonymous'} ({scenario}): got {response.status_code}"
    # A POST-only URL: a GET is refused one way or another; the POST shows who may use it.
    post_only = rule.get_status == 405
    allowed_status = (
        (lambda status: status not in (403, 404) and status < 500)
        if method == "POST"
        else (lambda status: status == rule.get_status)
    )
    if method == "GET" and post_only and role is not None and rule.kind != "public":
        body = response.content.decode(errors="replace").lower()
        for sc, other in world.children.items():
            if other.family_name.lower() in body and not may_see(role, sc, "identity"):
                problems.append(f"{where}: shows {other.family_name} ({sc})")
        if response.status_code not in (405, rule.refusal, 404):
            problems.append(f"{where}: expected 405 or a refusal to a GET")
        return problems
    # Lists show family names in capitals: compare without case.
    body = response.content.decode(errors="replace").lower() if response.content else ""

    # Never a child's name the user may not see, whatever the outcome. A list shows only
    # children visible in its declared area: checked both ways, so that a list declared
    # stricter than the query it really runs fails here (and one declared looser fails
    # below, when it does not show a child visible in that area).
    shown_area = rule.area if rule.kind == "list" and rule.area else "identity"
    for sc, other in world.children.items():
        if (
            other.family_name.lower() in body
            and not may_see(role, sc, shown_area)
            and not front_door_opens(rule, role, sc)
        ):
            problems.append(
                f"{where}: shows {other.family_name} ({sc}), not visible in {shown_area}"
            )

    def expect(ok, why):
        if not ok:
            problems.append(f"{where}: expected {why}")

    def refused(status):
        expect(response.status_code == status, f"a {status} refusal")

    if rule.kind == "public":
        expect(response.status_code in (rule.get_status, 302), f"{rule.get_status} or 302")
        return problems
    if role is None:
        expect(_redirected_to_sign_in(response), "a redirect to sign in")
        return problems
    if rule.kind == "admin":
        if role == Role.ADMINISTRATOR:
            # Past the site's gate; Django's model permissions may still refuse (403).
            expect(not _redirected_to_sign_in(response), "the admin to let an administrator in")
        else:
            expect(_redirected_to_sign_in(response), "the admin login (refused)")
        return problems
    if rule.kind == "second_factor":
        expect(response.status_code in (200, 302), "200 or a redirect to the other OTP page")
        expect(not _redirected_to_sign_in(response), "no redirect to sign in")
        return problems
    if rule.kind == "list":
        visible = may_see(role, scenario, rule.area)
        expect(response.status_code == 200, "200")
        if front_door_opens(rule, role, scenario):
            expect(child.family_name.lower() in body, f"the front door to list {child.family_name}")
        if name == "children:search" and visible:
            expect(child.family_name.lower() in body, f"the search to find {child.family_name}")
        if name == "children:caseload" and visible and scenario == "involved":
            expect(child.family_name.lower() in body, f"the caseload to list {child.family_name}")
        return problems
    if rule.kind in ("child", "object"):
        if may_see(role, scenario, rule.area):
            expect(allowed_status(response.status_code), "to be let in")
        else:
            refused(404)
        return problems
    if rule.kind == "capability":
        if not roles.has_capability(role, rule.capability):
            refused(rule.refusal)
        elif rule.area and not may_see(role, scenario, rule.area):
            refused(404)
        else:
            expect(allowed_status(response.status_code), "to be let in")
        return problems
    if rule.kind == "break_glass":
        if not roles.has_capability(role, "break_glass"):
            refused(403)
        elif may_see(role, scenario, "summary"):
            expect(response.status_code == 302, "a redirect to the record already visible")
        else:
            expect(response.status_code == 200, "the break-glass form")
        return problems
    if rule.kind == "contribute":
        if role not in roles.CONTRIBUTE_ROLES:
            refused(403)
        elif method == "POST" and name == "recording:contribute-record":
            expect(response.status_code == 400, "a 400 (no valid match token)")
        else:
            expect(response.status_code == 200, "200")
        return problems
    if rule.kind == "write":
        # A page about no child (registering one) has no area: the write alone decides.
        sees = (
            not rule.area
            or may_see(role, scenario, rule.area)
            or front_door_opens(rule, role, scenario)
        )
        if _may_write(role, rule.write) and sees:
            expect(allowed_status(response.status_code), "to be let in")
        else:
            refused(404)
        return problems
    return [f"{name}: the test does not know rule kind {rule.kind!r}"]


def _may_write(role, what: str) -> bool:
    """The write a rule declares, for the values this test puts in the URL."""
    from safeguard.chronology.event_types import get_event_type

    if what == "event:any":
        return any(roles.may_write(role, w) for w in roles.EVENT_CATEGORY_WRITES)
    if what in ("event:<event_type>", "event:<event_id>"):
        what = f"event:{get_event_type(EVENT_PARAM_TYPE).category}"
    if what == "quick:<slug>":
        from safeguard.recording.quick import QUICK

        what = f"event:{get_event_type(QUICK[QUICK_PARAM_SLUG].event_type).category}"
    return roles.may_write(role, what)


@pytest.mark.parametrize("name,params", URLS, ids=[name for name, _ in URLS])
@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_url_allows_and_refuses_as_declared(name, params, world):
    rule = rule_for(name)
    assert rule is not None, f"{name} has no access rule in safeguard/access/rules.py"
    # Pages not about one child do not vary by scenario: one pass is enough.
    about_a_child = "child_id" in params or set(params) & set(OBJECT_FACTORIES)
    scenarios = SCENARIOS if about_a_child or rule.kind == "list" else ("involved",)
    problems = []
    for role in ROLES:
        client = Client()
        if role is not None:
            client.force_login(world.users[role])
        for scenario in scenarios:
            child = world.children[scenario]
            url = _url(name, params, child, world)
            problems += _check(name, rule, role, scenario, client.get(url), child, world)
            if rule.get_status == 405 and rule.kind != "public" and role is not None:
                response = client.post(url, {})
                problems += _check(name, rule, role, scenario, response, child, world, "POST")
            if rule.kind == "contribute" and role is not None:
                # Without a valid match token nothing is written, whoever asks.
                from safeguard.chronology.models import Event

                before = Event.objects.count()
                response = client.post(url, {"event_type": "other", "token": "forged"})
                problems += _check(name, rule, role, scenario, response, child, world, "POST")
                if Event.objects.count() != before:
                    problems.append(f"{name} POST as {role}: wrote an event without a token")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name,params", URLS, ids=[name for name, _ in URLS])
@override_settings(SAFEGUARD_REQUIRE_OTP=True)
def test_url_needs_the_second_factor(name, params, world):
    rule = rule_for(name)
    if rule is None or rule.kind in ("public", "second_factor"):
        pytest.skip(f"{name} is reachable before the second factor by design")
    user = world.users[Role.TEAM_MANAGER]
    user.is_superuser = True  # even a superuser needs the second factor
    user.save()
    client = Client()
    client.force_login(user)
    response = client.get(_url(name, params, world.children["involved"], world))
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/access/two-factor/"), response["Location"]
    assert world.children["involved"].family_name.lower() not in response.content.decode().lower()


def test_no_child_record_model_is_reachable_through_the_admin():
    child_record_apps = {"children", "episodes", "health", "chronology"}
    assert not {m._meta.app_label for m in admin.site._registry} & child_record_apps


def test_a_new_url_without_a_rule_is_reported(settings):
    settings.ROOT_URLCONF = "tests.urls_with_undeclared"
    undeclared = [name for name, *_ in walk() if rule_for(name) is None]
    assert undeclared == ["shiny:new-page"]
