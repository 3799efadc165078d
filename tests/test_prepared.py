"""Queries built once and reused with parameters (safeguard/core/prepared.py) give the same
rows as building them afresh: every check of the catalogue on generated data, and the
late binding of ids, dates and datetimes on this engine."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguard.checks.engine import catalogue
from safeguard.checks.services import checks_suspended
from safeguard.children.models import Child
from safeguard.chronology.models import Event
from safeguard.core import prepared
from safeguard.core.prepared import prepared_disabled, run_prepared
from safeguard.scenarios.loader import load

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
SARAH = ROOT / "scenarios" / "sarah.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _demo_and_sarah(django_db_setup, django_db_blocker):
    """The demo partnership (generated: 44 children, every kind of record) and Sarah,
    loaded once for the module inside a transaction that is rolled back after its last
    test. Each test runs in its own savepoint within it (pytest-django's `db`), as
    Django's `TestCase.setUpTestData` does: loading them for every test cost minutes."""
    with django_db_blocker.unblock(), transaction.atomic():
        with checks_suspended():
            load([DEMO])
            load([SARAH])
        yield sorted(Child.objects.values_list("pk", flat=True))
        transaction.set_rollback(True)


@pytest.fixture
def record(_demo_and_sarah, db):
    prepared.clear()
    return _demo_and_sarah


def _findings(check, as_of, child_ids):
    return sorted(
        (f.child_id, f.subject_key, f.due_date, f.detail, f.approximate, f.severity)
        for f in check.findings(as_of, child_ids)
    )


# 40 examples, each running all 61 checks three times over the demo and Sarah (about
# 2.5 s an example on SQLite). Every CI run draws new dates and children, so the examples
# tried accumulate across runs.
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    as_of=st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2025, 6, 30)),
    picks=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=4),
    whole=st.booleans(),
)
def test_every_check_gives_the_same_findings_prepared_and_built_afresh(record, as_of, picks, whole):
    child_ids = None if whole else sorted({record[i % len(record)] for i in picks})
    for check in catalogue():
        with prepared_disabled():
            expected = _findings(check, as_of, child_ids)
        # Twice: the first run compiles (or reuses an earlier example's SQL for another
        # child), the second certainly runs from the cache.
        assert _findings(check, as_of, child_ids) == expected, check.id
        assert _findings(check, as_of, child_ids) == expected, check.id


def test_every_check_runs_only_prepared_sql_when_re_checking_a_child(record):
    """Every check of the catalogue, new ones included, goes through `prepared_rows`: the
    second re-check of a child compiles nothing and every statement it runs is a cached
    one (a check building querysets per call would run SQL the cache never saw)."""
    # Days on which the demo and Sarah hold findings of many kinds; every fourth child.
    days = (dt.date(2019, 1, 25), dt.date(2024, 6, 3))
    children = record[::4]
    executed = []

    def spy(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    not_prepared = {}
    for check in catalogue():
        for as_of in days:
            for child_id in children:
                check.findings(as_of, [child_id])  # compiles what this child's rows need
                before = dict(prepared.stats)
                executed.clear()
                with connection.execute_wrapper(spy):
                    check.findings(as_of, [child_id])
                cached = {entry.sql for entry in prepared._cache.values()}
                if (
                    prepared.stats["misses"] != before["misses"]
                    or prepared.stats["uncacheable"] != before["uncacheable"]
                    or any(sql not in cached for sql in executed)
                ):
                    not_prepared.setdefault(check.id, (as_of, child_id))
    assert not_prepared == {}


def test_the_cache_is_used_for_one_child_after_another(record):
    as_of = dt.date(2019, 1, 25)
    before = dict(prepared.stats)
    for child_id in record[:5]:
        for check in catalogue():
            check.findings(as_of, [child_id])
    assert prepared.stats["hits"] - before["hits"] > prepared.stats["misses"] - before["misses"]


def _events(p):
    query = Event.objects.filter(occurred_on__gte=p["since"], recorded_at__lt=p["until"])
    if p["child_ids"] is not None:
        query = query.filter(child_id__in=p["child_ids"])
    return query.order_by("pk").values_list("pk", "child_id", "occurred_on", "recorded_at")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    since=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
    until=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    picks=st.one_of(st.none(), st.lists(st.integers(0, 10_000), min_size=1, max_size=70)),
)
def test_ids_dates_and_datetimes_are_late_bound_exactly(record, since, until, picks):
    until = timezone.make_aware(until, dt.UTC)
    child_ids = None if picks is None else sorted({record[i % len(record)] for i in picks})
    params = {"since": since, "until": until, "child_ids": child_ids}
    with prepared_disabled():
        expected = list(_events(params))
    assert run_prepared("test-events", _events, **params) == expected
    assert run_prepared("test-events", _events, **params) == expected


def test_a_builder_that_reads_the_database_is_not_cached(record):
    def build(p):
        newest = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
        return Event.objects.filter(pk=newest, child_id__in=p["child_ids"]).values_list("pk")

    before = prepared.stats["uncacheable"]
    rows = run_prepared("test-reads", build, child_ids=record[:3])
    assert prepared.stats["uncacheable"] == before + 1
    assert rows == list(build({"child_ids": record[:3]}))


def test_a_parameter_written_into_the_sql_is_not_cached(record):
    from django.db.models import IntegerField, Value
    from django.db.models.expressions import RawSQL

    def build(p):
        # RawSQL with the value in its text: the sentinel would be baked into the SQL.
        text = str(p["n"])
        return (
            Child.objects.annotate(n=RawSQL(text, [], output_field=IntegerField()))
            .annotate(one=Value(1))
            .values_list("pk", "n")
        )

    before = prepared.stats["uncacheable"]
    rows = run_prepared("test-inline", build, n=7)
    assert prepared.stats["uncacheable"] == before + 1
    assert {n for _, n in rows} == {7}
    assert connection.vendor in ("sqlite", "postgresql")


def test_an_id_too_large_for_a_column_finds_nothing(record):
    def build(p):
        return Child.objects.filter(pk=p["child_id"]).values_list("pk", flat=True)

    assert run_prepared("test-huge", build, child_id=10**30) == []
    assert run_prepared("test-huge", build, child_id=record[0]) == [record[0]]


def _snapshot(value):
    """A comparable picture of what a page selector returns: model instances by their
    fields and the related objects select_related filled in, dataclasses by their fields."""
    import dataclasses

    from django.db.models import Model

    if isinstance(value, Model):
        own = {k: v for k, v in vars(value).items() if not k.startswith("_")}
        related = {k: _snapshot(v) for k, v in value._state.fields_cache.items()}
        return (type(value).__name__, sorted(own.items()), sorted(related.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(
            (f.name, _snapshot(getattr(value, f.name)))
            for f in dataclasses.fields(value)
            if f.name != "child"  # the caller's own instance
        )
    if isinstance(value, dict):
        return sorted((k, _snapshot(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_snapshot(v) for v in value]
    return value


def test_the_page_selectors_give_the_same_records_prepared_and_built_afresh(record):
    """The child summary, its meetings block, risk picture, household panel and pending
    requests, and the chronology timeline (prepared: compiled once, run with the child and
    the day as parameters) read exactly what they read built afresh, for every third
    child of the demo and Sarah, on three days and with the timeline's filters; and they
    do run from the cache."""
    from unittest import mock

    from safeguard.accounts.models import User
    from safeguard.casework import selectors
    from safeguard.checks.risk import risk_picture
    from safeguard.chronology.selectors import TimelineFilter, timeline
    from safeguard.frontdoor.selectors import household

    areas = frozenset({"summary", "chronology", "people", "health", "medicines"})

    users = list(User.objects.order_by("pk")[:6])
    filters = [
        TimelineFilter(),
        TimelineFilter(include_superseded=True, newest_first=True),
        TimelineFilter(types=frozenset({"social_worker_visit", "episode_start"})),
        TimelineFilter(agencies=frozenset({"LA", "NHS"}), date_from=dt.date(2018, 1, 1)),
    ]

    def read(child, day, user):
        with mock.patch.object(selectors, "today", return_value=day):
            summary = selectors.child_summary(
                child,
                include_people=True,
                include_health=True,
                include_summary=True,
                include_medicines=True,
            )
        return (
            _snapshot(summary),
            _snapshot(selectors.summary_block(child, day)),
            _snapshot(selectors.pending_involvement_requests(child, user)),
            [_snapshot(timeline(child, flt)) for flt in filters],
            _snapshot(risk_picture(child, day, areas)),
            _snapshot(household(child, day)),
        )

    for day in (dt.date(2019, 1, 25), dt.date(2024, 6, 3), dt.date.today()):
        for n, child in enumerate(Child.objects.filter(pk__in=record[::3]).order_by("pk")):
            user = users[n % len(users)]
            with prepared_disabled():
                expected = read(child, day, user)
            assert read(child, day, user) == expected, (child.pk, day)
            before = dict(prepared.stats)
            assert read(child, day, user) == expected, (child.pk, day)
            assert prepared.stats["misses"] == before["misses"], (child.pk, day)
            assert prepared.stats["uncacheable"] == before["uncacheable"], (child.pk, day)
            assert prepared.stats["hits"] > before["hits"]


def test_the_chronology_pages_default_view_is_the_current_timeline_for_every_child(record):
    """The chronology page's default view, taken from the whole timeline it reads for its
    filter options, is the timeline without corrections, for every child of the demo and
    Sarah, in both orders."""
    from safeguard.children.models import Child
    from safeguard.chronology.selectors import TimelineFilter, current_entries, timeline

    def shown(entries):
        return [(e.entry_type, e.when, e.summary, e.event and e.event.pk) for e in entries]

    for child in Child.objects.order_by("pk"):
        everything = timeline(child, TimelineFilter(include_superseded=True))
        for newest_first in (True, False):
            expected = timeline(child, TimelineFilter(newest_first=newest_first))
            assert shown(current_entries(everything, newest_first=newest_first)) == shown(
                expected
            ), child.pk
