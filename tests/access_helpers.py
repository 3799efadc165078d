"""Builders for the access and audit tests: people, teams, involvements, requests."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from safeguard.access.services import name_on_restricted_record
from safeguard.children.services import record_involvement
from tests import factories

TODAY = dt.date.today()


def involve(user, child, *, role="allocated_social_worker", start=None, end=None):
    return record_involvement(
        actor=None,
        child=child,
        professional=user,
        role=role,
        start_date=start or dt.date(2020, 1, 1),
        end_date=end,
    )


def name_on(child, user, reason="Adoption-sensitive: named worker"):
    return name_on_restricted_record(actor=None, child=child, user=user, reason=reason)


def request_for(user=None, path="/children/1/", **meta):
    request = RequestFactory().get(path, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pytest", **meta)
    request.user = user or AnonymousUser()
    return request


def person(role="social_worker", **kwargs):
    return factories.user(role=role, **kwargs)


def tamper(sql, params=()):
    """Run raw SQL against the audit table as an attacker with database access would.

    On PostgreSQL the append-only trigger refuses UPDATE and DELETE, so this turns
    ordinary triggers off for the statement, as a superuser could
    (session_replication_role).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def lanes_trail(settings, lanes=(1, 2, 3), *, per_lane=3, every=1, capture=None):
    """An audit trail spread over `lanes`: `per_lane` entries in each, appended in turn
    (lane 1, 2, 3, 1, ...), anchored every `every` entries of a lane; with `capture`
    (django_capture_on_commit_callbacks), each append's on-commit work (the checkpoint
    line) runs. Returns {lane: its new entries, oldest first}; the trail verifies."""
    from safeguard.access import audit
    from safeguard.access.models import AuditEntry

    settings.SAFEGUARD_AUDIT_LANES = len(lanes)
    settings.SAFEGUARD_AUDIT_CHECKPOINT_EVERY = every
    child = factories.child()
    start = AuditEntry.objects.count()
    for _ in range(per_lane):
        for lane in lanes:
            if capture is None:
                audit.hold_lane(lane)
                audit.record_command_read(child, area="summary", action="export", via="test")
            else:
                with capture(execute=True):
                    audit.hold_lane(lane)
                    audit.record_command_read(child, area="summary", action="export", via="test")
    new = AuditEntry.objects.order_by("id")[start:]
    report = audit.verify_chain()
    assert report.ok, report.problems
    return {lane: [e for e in new if e.lane == lane] for lane in lanes}
