"""The caseload, alert and list queries prepared (core/prepared.py) give the rows built
afresh: small factory data, several users of one shape sharing one compiled query."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.access import policy
from safeguard.accounts.models import Role
from safeguard.casework.selectors import caseload_for
from safeguard.checks import selectors as check_selectors
from safeguard.checks.models import Alert, AlertRecipient, Notice
from safeguard.core import prepared
from safeguard.core.prepared import prepared_disabled
from safeguard.meetings.selectors import my_actions, my_actions_list
from tests import factories
from tests.access_helpers import TODAY, involve, name_on, person, request_for
from tests.checks_helpers import looked_after_child, placement

pytestmark = pytest.mark.django_db


def _rows(rows):
    return [
        (
            r.child.pk,
            getattr(r.child, "may_see_summary", None),
            r.age,
            r.statuses,
            r.placement_type,
            r.my_roles,
            r.summary_hidden,
            [e.pk for e in getattr(r.child, "episodes_to_date", [])],
            [p.pk for p in getattr(r.child, "placements_to_date", [])],
            [i.pk for i in getattr(r.child, "my_involvements", [])],
        )
        for r in rows
    ]


@pytest.fixture
def world():
    team = factories.team()
    sw, colleague = person(team_obj=team), person(team_obj=team)
    manager = person(Role.TEAM_MANAGER, team_obj=team)
    pharmacist = person(Role.PHARMACIST)
    looked_after = looked_after_child(start=dt.date(2020, 3, 1))
    placement(looked_after, dt.date(2020, 3, 1), end=dt.date(2021, 1, 1))
    placement(looked_after, dt.date(2021, 1, 2), placement_type="U1")
    plain, ended, restricted, hidden = (factories.child() for _ in range(4))
    restricted.restricted = hidden.restricted = True
    restricted.save(update_fields=["restricted"])
    hidden.save(update_fields=["restricted"])
    for child in (looked_after, plain, restricted, hidden):
        involve(sw, child)
    involve(sw, plain, role="iro")
    involve(sw, ended, end=TODAY - dt.timedelta(days=1))
    involve(colleague, plain)
    involve(colleague, ended)
    involve(pharmacist, looked_after, role="pharmacist")
    name_on(restricted, sw)
    return {
        "sw": sw,
        "colleague": colleague,
        "manager": manager,
        "pharmacist": pharmacist,
        "children": [looked_after, plain, ended, restricted, hidden],
    }


def test_prepared_caseload_gives_the_rows_built_afresh_for_every_user(world):
    users = [world[name] for name in ("sw", "colleague", "manager", "pharmacist")]
    prepared.clear()
    for user in users:
        with prepared_disabled():
            expected = _rows(caseload_for(request_for(user)))
        first = _rows(caseload_for(request_for(user)))
        before = dict(prepared.stats)
        again = _rows(caseload_for(request_for(user)))
        assert first == expected == again, user.role
        # The second time nothing is compiled: the page runs cached SQL only.
        assert prepared.stats["misses"] == before["misses"], user.role
        assert prepared.stats["uncacheable"] == before["uncacheable"], user.role
    # The caseloads differ, so the rows came from each user's parameters: not the ended
    # involvement, nor the restricted record the worker is not named on.
    looked_after, plain, ended, restricted, hidden = world["children"]
    sw_rows = _rows(caseload_for(request_for(world["sw"])))
    assert {r[0] for r in sw_rows} == {looked_after.pk, plain.pk, restricted.pk}
    assert _rows(caseload_for(request_for(world["pharmacist"])))[0][6] is True  # summary hidden


def test_prepared_lists_of_the_home_and_alert_pages_match_the_queries_built_afresh(world):
    sw, manager = world["sw"], world["manager"]
    looked_after, plain, ended, *_ = world["children"]
    today = timezone.localdate()
    alerts = []
    for child, severity in ((looked_after, "low"), (plain, "high"), (ended, "medium")):
        alert = Alert.objects.create(
            check_id="LAC-HEALTH-ASSESSMENT",
            child=child,
            subject_key=f"s{child.pk}",
            severity=severity,
            status="raised",
            due_date=today,
            detail="Overdue",
            first_raised_on=today,
            raised_on=today,
        )
        AlertRecipient.objects.create(alert=alert, professional=sw, role="allocated_social_worker")
        alerts.append(alert)
    for child in (looked_after, ended):
        Notice.objects.create(recipient=sw, child=child, text="New information")
    for user in (sw, manager):
        request = request_for(user)
        listed = [a.pk for a in check_selectors.alerts_for(user)]
        # The home page's first alerts and their number, for every cut of the list.
        for limit in range(1, len(listed) + 2):
            for _ in range(2):  # compiled, then cached
                first, total = check_selectors.open_alerts_first(user, limit)
                assert [a.pk for a in first] == listed[:limit]
                assert total == len(listed)
        with prepared_disabled():
            rows = [r["alert"].pk for r in check_selectors.alert_rows(request, alerts)]
            notices = [n.pk for n in check_selectors.unread_notices(user)]
        for _ in range(2):
            assert [r["alert"].pk for r in check_selectors.alert_rows(request, alerts)] == rows
            assert [n.pk for n in check_selectors.unread_notices(user)] == notices
        assert [a.pk for a in my_actions_list(user)] == [a.pk for a in my_actions(user)]
    # The ended involvement hides that child's alert and notice from the worker.
    assert len(check_selectors.alert_rows(request_for(sw), alerts)) == 2
    assert len(check_selectors.unread_notices(sw)) == 1
    # The access bases for a list, prepared, as built afresh (one query per shape).
    ids = [c.pk for c in world["children"]]
    for user in (sw, world["colleague"], manager, world["pharmacist"]):
        for area in ("identity", "summary"):
            with prepared_disabled():
                expected = policy.access_bases(user, ids, area=area)
            assert policy.access_bases(user, ids, area=area) == expected
            assert policy.access_bases(user, ids, area=area) == expected
    # The alert page's access check gives the basis access_basis gives.
    for alert in alerts:
        found = policy.visible_child(request_for(sw), alert.child_id, area="summary")
        if alert.child == ended:
            assert found is None
        else:
            assert found[1] == policy.access_basis(sw, alert.child, area="summary")


def test_the_url_tag_remembers_exactly_what_reverse_gives():
    from django.template import engines
    from django.test import override_settings
    from django.urls import reverse

    from safeguard.core.templatetags import urls

    template = engines["django"].from_string("{% url 'children:summary' pk %}")
    urls.clear()
    for pk in (1, 7, 1, "7"):
        assert template.render({"pk": pk}) == reverse("children:summary", args=[pk])
    assert len(urls._cache) == 3  # 1, 7 and "7"
    # True equals 1 as a key but is not the id 1: never remembered.
    assert not urls._plain(True) and urls._plain(1) and urls._plain("x")
    with override_settings(ROOT_URLCONF="tests.urls_with_undeclared"):
        assert not urls._cache  # a new URLconf starts afresh
        assert template.render({"pk": 3}) == reverse("children:summary", args=[3])
