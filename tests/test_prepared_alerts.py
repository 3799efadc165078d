"""The alert diff of a re-check runs prepared SQL (safeguard/core/prepared.py): once a
child's alerts are in line with its findings, re-checking it again compiles nothing and
runs only cached statements, the alert diff (alerts in scope, recipients held, current
involvements), the calendar check and escalation included; and the prepared diff raises,
escalates and notifies exactly as the diff built afresh."""

import pytest
from django.db import connection

from safeguard.checks.models import Alert, AlertEvent, AlertRecipient
from safeguard.checks.services import checks_suspended, close_alert, run_checks
from safeguard.core import prepared
from safeguard.core.prepared import prepared_disabled
from tests import factories
from tests.checks_helpers import D, event, involve, looked_after_child

pytestmark = pytest.mark.django_db
RI = "MISSING-RETURN-INTERVIEW"
RAISED_ON = D(2018, 3, 8)  # returned Monday 5 March 14:00: the interview is overdue on Thursday
ESCALATED_ON = D(2018, 3, 15)  # 5 working days later: team manager, then service managers
# What a re-check may run besides cached queries: the transaction's own statements.
_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SET LOCAL JIT = OFF")


@pytest.fixture
def people(settings):
    settings.SAFEGUARD_ESCALATION = {
        "team_manager": 2,
        "service_manager": 5,
        "service_managers": ["sm"],
    }
    team = factories.team()
    return {
        "sw": factories.user("sw", team_obj=team),
        "worker": factories.user("gs", role="exploitation_worker"),
        "manager": factories.user("tm", role="team_manager", team_obj=team),
        "service": factories.user("sm", role="team_manager"),
    }


def _child(people):
    """A looked-after child back from missing with no return interview: RI and whatever
    else the bare record raises (no NHS number...), one alert closed by a person."""
    with checks_suspended():
        child = looked_after_child()
        involve(child, people["worker"], "exploitation_worker")
        involve(child, people["sw"], "allocated_social_worker")
        event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    return child


def _sequence(child, people):
    """Raise, close one alert that is not RI, escalate: the transitions of each re-check."""
    steps = [run_checks(RAISED_ON, [child.pk])]
    other = Alert.objects.filter(child=child).exclude(check_id=RI).order_by("check_id").first()
    if other is not None:
        close_alert(actor=people["sw"], alert=other, reason="Considered", as_of=RAISED_ON)
    steps.append(run_checks(ESCALATED_ON, [child.pk]))
    return [sorted((t.kind, t.check_id, t.reason) for t in s.transitions) for s in steps]


def _state(child):
    """The child's alerts, their recipients and history, without ids."""
    alerts = {}
    for alert in Alert.objects.filter(child=child):
        alerts[alert.check_id] = (
            alert.subject_key,
            alert.status,
            alert.due_date,
            alert.detail,
            alert.severity,
            alert.owner_id,
            alert.unfilled_roles,
            alert.escalation_level,
            alert.finding_present,
            alert.raised_on,
            alert.closed_on,
            sorted(
                AlertRecipient.objects.filter(alert=alert).values_list("professional_id", "role")
            ),
            list(
                AlertEvent.objects.filter(alert=alert)
                .order_by("pk")
                .values_list("kind", "as_of", "reason", "detail")
            ),
        )
    return sorted(alerts.items())


def test_the_prepared_alert_diff_is_the_one_built_afresh(people):
    prepared.clear()
    afresh_child, prepared_child = _child(people), _child(people)
    with prepared_disabled():
        expected = _sequence(afresh_child, people)
    assert _sequence(prepared_child, people) == expected
    assert _state(prepared_child) == _state(afresh_child)
    kinds = {kind for step in expected for kind, _, _ in step}
    assert {"raised", "escalated"} <= kinds  # the sequence did exercise the diff
    assert any(a.status == "closed" for a in Alert.objects.filter(child=prepared_child))


def test_a_childs_second_re_check_runs_only_cached_sql(people):
    child = _child(people)
    _sequence(child, people)  # raised, one closed, escalated: compiles the day's queries
    before_state = _state(child)
    executed = []

    def spy(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    before = dict(prepared.stats)
    with connection.execute_wrapper(spy):
        result = run_checks(ESCALATED_ON, [child.pk])
    assert result.transitions == []
    assert _state(child) == before_state
    assert prepared.stats["misses"] == before["misses"]
    assert prepared.stats["uncacheable"] == before["uncacheable"]
    cached = {entry.sql for entry in prepared._cache.values()}
    outside = [
        sql for sql in executed if sql not in cached and not sql.upper().startswith(_CONTROL)
    ]
    assert outside == []
    # The diff's own reads were among them, from the cache.
    diff_sql = {
        entry.sql
        for full_key, entry in prepared._cache.items()
        if str(full_key[2] if isinstance(full_key[2], str) else full_key[2][0]).startswith(
            ("alerts:", "calendar:")
        )
    }
    assert len(diff_sql & set(executed)) >= 4  # calendar, active alerts, involvements, held


def _server_prepared_count():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_prepares_the_cached_queries_on_the_server(people, settings):
    """Once per connection: a re-check's second run prepares nothing more and plans
    nothing again; with SAFEGUARD_PREPARED_ON_SERVER off, nothing is prepared."""
    child = _child(people)
    settings.SAFEGUARD_PREPARED_ON_SERVER = False
    with prepared_disabled():
        expected = _sequence(child, people)
    before = _server_prepared_count()
    run_checks(ESCALATED_ON, [child.pk])
    assert _server_prepared_count() == before
    settings.SAFEGUARD_PREPARED_ON_SERVER = True
    assert run_checks(ESCALATED_ON, [child.pk]).transitions == []
    prepared_now = _server_prepared_count()
    assert prepared_now > before
    run_checks(ESCALATED_ON, [child.pk])
    assert _server_prepared_count() == prepared_now
    assert expected  # the sequence ran


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_query_the_server_cannot_prepare_runs_bound_on_the_client(people):
    """`%s IS NULL` with a text parameter: PostgreSQL cannot tell the parameter's type
    when it is bound on the server, so it refuses to prepare it; the cached query then
    runs bound on the client, in the same transaction, with the same rows."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from safeguard.accounts.models import User
    from safeguard.core.prepared import run_prepared

    def build(p):
        return (
            User.objects.filter(pk=p["user_id"])
            .annotate(absent=RawSQL("%s IS NULL", ("a",), output_field=BooleanField()))
            .values_list("absent", flat=True)
        )

    user_id = people["sw"].pk
    assert run_prepared("test-unpreparable", build, user_id=user_id) == [False]
    assert run_prepared("test-unpreparable", build, user_id=user_id) == [False]
    assert any("IS NULL) AS" in sql for sql in prepared._server_refused)
    assert User.objects.filter(pk=user_id).exists()  # the transaction is still usable
