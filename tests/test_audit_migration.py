"""Migration access 0002 re-signs an audit trail written under the old SHA-256 chain (issue 10).

Migrates the database back to access 0001, writes entries chained as that release did
(plain SHA-256 over the canonical JSON, no key), migrates forward, and checks that the
keyed chain verifies and the head points at its last entry. A broken old chain stops the
migration: re-signing it would launder the damage.
"""

import datetime as dt
import hashlib
import importlib

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from safeguard.access import audit
from safeguard.access.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)

M0002 = importlib.import_module("safeguard.access.migrations.0002_audit_entry_key_id")
BEFORE = [("access", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _legacy_chain(apps, n=3, *, break_at=None):
    """Entries as the release before 0002 wrote them; `break_at` edits one afterwards."""
    Entry = apps.get_model("access", "AuditEntry")
    Head = apps.get_model("access", "AuditChainHead")
    prev = "0" * 64
    start = timezone.now().replace(microsecond=123456)
    for seq in range(1, n + 1):
        entry = Entry(
            seq=seq,
            at=start + dt.timedelta(seconds=seq),
            actor_label="system",
            via="scenario-loader",
            action="create",
            model="children.Child",
            object_id=str(seq),
            changes={"given_name": {"before": None, "after": f"Child {seq}"}},
            reason="",
            prev_hash=prev,
        )
        entry.hash = prev = hashlib.sha256(M0002._payload(entry, M0002.LEGACY_FIELDS)).hexdigest()
        entry.save()
    Head.objects.update_or_create(pk=1, defaults={"seq": n, "last_hash": prev})
    if break_at is not None:
        Entry.objects.filter(seq=break_at).update(reason="edited after the fact")


def test_migrating_forward_re_signs_the_old_chain_with_the_audit_key():
    executor = _migrate(BEFORE)
    try:
        _legacy_chain(executor.loader.project_state(BEFORE).apps)
        old_hashes = list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True))
    finally:
        _migrate(_latest())
    report = audit.verify_chain()
    assert report.ok, report.problems
    assert report.checked == 3
    entries = list(AuditEntry.objects.order_by("seq"))
    assert {e.key_id for e in entries} == {settings.SAFEGUARD_AUDIT_KEY_ID}
    assert all(e.hash != old for e, old in zip(entries, old_hashes, strict=True))
    assert [e.prev_hash for e in entries] == [audit.GENESIS_HASH] + [e.hash for e in entries[:-1]]
    assert all(e.hash == audit.entry_hash(e) for e in entries)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (3, entries[-1].hash)
    # Nothing but the chain changed: the entries say what they said.
    assert [e.changes["given_name"]["after"] for e in entries] == ["Child 1", "Child 2", "Child 3"]


def test_a_broken_old_chain_stops_the_migration():
    executor = _migrate(BEFORE)
    try:
        _legacy_chain(executor.loader.project_state(BEFORE).apps, break_at=2)
        with pytest.raises(RuntimeError, match=r"seq 2\) does not verify under the old"):
            _migrate(_latest())
        assert "key_id" not in _columns()  # the whole migration rolled back
    finally:
        # Clear the damaged trail so the database can be brought back up to date.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM access_auditentry")
        _migrate(_latest())


def _columns():
    with connection.cursor() as cursor:
        return {
            c.name
            for c in connection.introspection.get_table_description(cursor, "access_auditentry")
        }


# --- Migration access 0005: lanes (issue 9) -----------------------------------------------

BEFORE_LANES = [("access", "0004_break_glass_reviewer")]


def _keyed_chain_before_lanes(apps, n=3):
    """Entries as the release before lanes wrote them: one chain, HMAC over the v1 fields."""
    import hmac

    Entry = apps.get_model("access", "AuditEntry")
    Head = apps.get_model("access", "AuditChainHead")
    key = settings.SAFEGUARD_AUDIT_KEY.encode()
    prev = "0" * 64
    start = timezone.now().replace(microsecond=654321)
    for seq in range(1, n + 1):
        entry = Entry(
            seq=seq,
            at=start + dt.timedelta(seconds=seq),
            actor_label="system",
            via="scenario-loader",
            action="create",
            model="children.Child",
            object_id=str(seq),
            changes={"given_name": {"before": None, "after": f"Child {seq}"}},
            key_id=settings.SAFEGUARD_AUDIT_KEY_ID,
            prev_hash=prev,
        )
        entry.hash = prev = hmac.new(
            key, M0002._payload(entry, audit.HASHED_FIELDS_V1), hashlib.sha256
        ).hexdigest()
        entry.save()
    Head.objects.update_or_create(pk=1, defaults={"seq": n, "last_hash": prev})


def test_entries_from_before_lanes_verify_unchanged_as_lane_1_and_the_lane_goes_on(settings):
    settings.SAFEGUARD_AUDIT_LANES = 2
    executor = _migrate(BEFORE_LANES)
    try:
        _keyed_chain_before_lanes(executor.loader.project_state(BEFORE_LANES).apps)
        before = list(AuditEntry.objects.order_by("seq").values_list("id", "hash", "prev_hash"))
    finally:
        _migrate(_latest())
    entries = list(AuditEntry.objects.order_by("seq"))
    # Nothing re-signed: the same rows, lane 1, hash version 1.
    assert [(e.id, e.hash, e.prev_hash) for e in entries] == before
    assert {(e.lane, e.hash_version) for e in entries} == {(1, 1)}
    report = audit.verify_chain()
    assert report.ok, report.problems
    assert report.checked == 3
    # New entries carry on lane 1 (version 2) and the whole still verifies.
    from tests import factories

    factories.child()
    new = AuditEntry.objects.order_by("id").last()
    assert (new.lane, new.seq, new.hash_version, new.prev_hash) == (1, 4, 2, entries[-1].hash)
    report = audit.verify_chain()
    assert report.ok, report.problems
    assert report.checked == AuditEntry.objects.count()
    # The legacy rows' hash leaves out lane and version: moving one to another lane still
    # shows (as a gap in lane 1).
    tamper_sql = "UPDATE access_auditentry SET lane = 2 WHERE id = %s"
    from tests.access_helpers import tamper

    tamper(tamper_sql, [entries[1].pk])
    report = audit.verify_chain()
    assert (report.first_broken_lane, report.first_broken_seq) == (1, 3)
