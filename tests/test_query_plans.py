"""The database plans the record's hot queries with its indexes, after ANALYZE too.

A production database has statistics (PostgreSQL's autovacuum gathers them; an SQLite
installation runs ANALYZE). SQLite's statistics count the NULLs of a column as one value
shared by every row, so on a chronology where almost nothing has been corrected the unique
index on `supersedes_id` looks useless: without the partial index of corrections
(chronology migration 0002) SQLite built a temporary index over the whole events table for
every "not superseded" join, 36 seconds for one chronology page of a million-event
caseload. These tests fail if a hot query goes back to a temporary index or a table scan.
"""

import datetime as dt

import pytest
from django.db import connection

from safeguard.chronology import services
from safeguard.chronology.models import Event
from safeguard.chronology.selectors import TimelineFilter, _events
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="SQLite's ANALYZE statistics only: PostgreSQL keeps a NULL fraction per column",
    ),
]


def _plan(queryset) -> list[str]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in cursor.fetchall()]


@pytest.fixture
def analysed_chronologies():
    """Many events, none corrected but one, and the statistics ANALYZE gathers."""
    agency = factories.agency()
    children = [factories.child() for _ in range(6)]
    for child in children:
        for day in range(40):
            services.record_event(
                actor=None,
                child=child,
                event_type="note",
                occurred=dt.date(2024, 1, 1) + dt.timedelta(days=day),
                source_agency=agency,
                summary=f"Entry {day}",
            )
    first = Event.objects.filter(child=children[0]).first()
    services.correct_event(actor=None, original=first, reason="Wrong date", summary="Fixed")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return children


# Reference tables of a few rows, which a planner may rightly read whole.
SMALL_TABLES = ("accounts_agency", "accounts_user")


def _uses_only_indexes(plan: list[str]) -> bool:
    """No temporary index, and no scan of anything but a small reference table."""
    return not any(
        "AUTOMATIC" in step or (step.startswith("SCAN ") and step.split()[1] not in SMALL_TABLES)
        for step in plan
    )


@pytest.mark.parametrize("include_superseded", [False, True])
def test_a_chronology_is_read_through_indexes_after_analyze(
    analysed_chronologies, include_superseded
):
    child = analysed_chronologies[0]
    plan = _plan(_events(child.pk, TimelineFilter(include_superseded=include_superseded)))
    assert _uses_only_indexes(plan), plan


def test_current_events_of_a_child_are_read_through_indexes_after_analyze(
    analysed_chronologies,
):
    child = analysed_chronologies[0]
    plan = _plan(Event.objects.current().filter(child=child))
    assert _uses_only_indexes(plan), plan


def test_a_professionals_open_alerts_are_reached_from_their_own_recipients(
    analysed_chronologies,
):
    """Not by probing every open alert of the caseload: the home page's alert list."""
    from safeguard.checks.selectors import _open_alerts
    from tests.checks_helpers import open_alert

    me, others = factories.user(), [factories.user() for _ in range(20)]
    for n in range(400):
        who = me if n % 100 == 0 else others[n % 20]
        open_alert(analysed_chronologies[n % 6], who, "team_manager", f"s{n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    plan = _plan(_open_alerts(me.pk)[:10])
    assert any(step.startswith("SEARCH checks_alert USING INTEGER PRIMARY KEY") for step in plan), (
        plan
    )
    assert _uses_only_indexes(plan), plan
