"""The home page and "My alerts" show a bounded page, whatever the caseload.

A team manager of a large team works with hundreds of children and is named on hundreds of
alerts: the home page was a megabyte and wrote an audit entry for every child on it. It now
shows the most urgent alerts with a link to all of them, and the children a page at a time;
each page audits exactly the children it shows, and the pages together show every child.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from safeguard.access.audit import verify_chain
from safeguard.access.models import AuditEntry
from safeguard.casework.views import CASELOAD_PER_PAGE, HOME_ALERTS
from safeguard.checks.models import Alert
from safeguard.checks.views import MY_ALERTS_PER_PAGE
from tests import factories
from tests.access_helpers import involve, person
from tests.checks_helpers import open_alert

pytestmark = pytest.mark.django_db

ROW_NAME = re.compile(r'href="/children/(\d+)/">([^<,]+), ')


@pytest.fixture
def manager(client):
    manager = person("team_manager")
    client.force_login(manager)
    return manager


def _children(manager, count):
    children = []
    for n in range(count):
        child = factories.child(given_name="Kit", family_name=f"Q{n:03d}")
        involve(manager, child, role="team_manager", start=dt.date(2020, 1, 1))
        children.append(child)
    return children


def _alerts(professional, children, severities):
    today = timezone.localdate()
    return [
        open_alert(
            child,
            professional,
            "team_manager",
            f"s{n}",
            severity=severity,
            due_date=today + dt.timedelta(days=n % 7),
        )
        for n, (child, severity) in enumerate(zip(children, severities, strict=False))
    ]


def _last_entry():
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _listed_children(body):
    """The children of the "Children I work with" table, in order."""
    table = body.split('id="children"', 1)[1]
    return [int(pk) for pk, _ in ROW_NAME.findall(table)]


def _listed_alerts(body):
    return [int(pk) for pk in re.findall(r'href="/alerts/(\d+)/"', body)]


def test_the_children_are_shown_a_page_at_a_time_and_every_page_audits_what_it_shows(
    client, manager
):
    children = _children(manager, CASELOAD_PER_PAGE + 7)
    by_name = [c.pk for c in sorted(children, key=lambda c: c.family_name)]
    seen = []
    for page in (1, 2):
        before = _last_entry()
        response = client.get(f"/?page={page}")
        assert response.status_code == 200
        body = response.content.decode()
        shown = _listed_children(body)
        assert len(shown) == (CASELOAD_PER_PAGE if page == 1 else 7)
        assert f"Children you are currently involved with: {len(children)}." in body
        assert 'class="govuk-pagination"' in body
        listed = AuditEntry.objects.filter(pk__gt=before, action="search_result", actor=manager)
        assert sorted(listed.values_list("child_id", flat=True)) == sorted(shown)
        seen += shown
    assert seen == by_name  # in name order, each child once across the pages
    assert verify_chain().ok


def test_a_caseload_that_fits_one_page_has_no_pagination(client, manager):
    children = _children(manager, 3)
    body = client.get("/").content.decode()
    assert sorted(_listed_children(body)) == sorted(c.pk for c in children)
    assert "govuk-pagination" not in body
    assert "Showing" not in body


def test_the_home_page_shows_the_most_urgent_alerts_and_links_to_all(client, manager):
    children = _children(manager, HOME_ALERTS + 5)
    severities = ["low", "high", "medium"] * len(children)
    alerts = _alerts(manager, children, severities)
    rank = {"high": 0, "medium": 1, "low": 2}
    most_urgent = sorted(alerts, key=lambda a: (rank[a.severity], a.due_date, a.pk))
    body = client.get("/").content.decode()
    mine_part = body.split("Children I work with", 1)[0]
    assert _listed_alerts(mine_part) == [a.pk for a in most_urgent[:HOME_ALERTS]]
    assert f"most urgent of your {len(alerts)} open alerts" in body
    assert f'href="{reverse("checks:mine")}">See all {len(alerts)} of your alerts' in body


def test_few_alerts_are_all_on_the_home_page_without_a_link(client, manager):
    alerts = _alerts(manager, _children(manager, 2), ["high", "low"])
    body = client.get("/").content.decode()
    assert sorted(_listed_alerts(body.split("Children I work with", 1)[0])) == sorted(
        a.pk for a in alerts
    )
    assert "See all" not in body


def test_my_alerts_are_paged_and_every_page_audits_only_its_children(client, manager):
    children = _children(manager, MY_ALERTS_PER_PAGE + 3)
    alerts = _alerts(manager, children, ["medium"] * len(children))
    seen = []
    for page in (1, 2):
        before = _last_entry()
        body = client.get(f"{reverse('checks:mine')}?page={page}").content.decode()
        open_part = body.split("Finished in the last 30 days", 1)[0]
        shown = _listed_alerts(open_part)
        assert len(shown) == (MY_ALERTS_PER_PAGE if page == 1 else 3)
        assert f"You have {len(alerts)} open alerts." in body
        named = {a.child_id for a in alerts if a.pk in shown}
        listed = AuditEntry.objects.filter(pk__gt=before, action="search_result", actor=manager)
        assert set(listed.values_list("child_id", flat=True)) == named
        seen += shown
    assert sorted(seen) == sorted(a.pk for a in alerts)


def test_team_alerts_are_paged_keeping_the_overdue_filter(client):
    team = factories.team()
    manager = person("team_manager", team_obj=team)
    worker = person("social_worker", team_obj=team)
    client.force_login(manager)
    children = []
    for n in range(MY_ALERTS_PER_PAGE + 2):
        child = factories.child(given_name="Kit", family_name=f"T{n:03d}")
        involve(worker, child)
        children.append(child)
    alerts = _alerts(worker, children, ["high"] * len(children))
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(
        due_date=timezone.localdate() - dt.timedelta(days=3)
    )
    for query in ("", "overdue=1&"):
        seen = []
        for page in (1, 2):
            body = client.get(f"{reverse('checks:team')}?{query}page={page}").content.decode()
            shown = _listed_alerts(body)
            assert len(shown) == (MY_ALERTS_PER_PAGE if page == 1 else 2)
            if query:
                assert "overdue=1&amp;page=" in body  # the pages keep the filter
            seen += shown
        assert sorted(seen) == sorted(a.pk for a in alerts)
