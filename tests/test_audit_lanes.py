"""The audit trail in lanes (issue 9): every lane and the anchors prove themselves.

The trail is SAFEGUARD_AUDIT_LANES chains, each with its own head row, tied together by
the anchor chain (every lane's head, written with a lane's first entry and each time a
lane passes a multiple of SAFEGUARD_AUDIT_CHECKPOINT_EVERY). These tests spread a few
entries over three lanes (`audit.hold_lane` directs a transaction's entries, on SQLite as
on PostgreSQL) and play an attacker with write access to the database in each lane:
change a field, delete an entry, forge and relink, drop a lane's tail, move an entry to
another lane, rewrite an anchor. The threads test is in tests/test_audit_concurrency.py.
"""

import json

import pytest
from django.core.management import call_command

from safeguard.access import audit
from safeguard.access.models import AuditAnchor, AuditChainHead, AuditEntry
from tests import factories
from tests.access_helpers import lanes_trail, tamper

pytestmark = pytest.mark.django_db

LANES = (1, 2, 3)


def _lanes_trail(settings, *, per_lane=3, every=1, capture=None):
    """`per_lane` entries in each of three lanes, appended in turn (lane 1, 2, 3, 1, ...)."""
    return lanes_trail(settings, LANES, per_lane=per_lane, every=every, capture=capture)


def test_entries_spread_over_lanes_each_a_chain_and_all_verify(settings):
    by_lane = _lanes_trail(settings)
    for lane in (2, 3):  # lane 1 also holds the child's creation
        assert [e.seq for e in by_lane[lane]] == [1, 2, 3]
    for entries in by_lane.values():
        assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
        assert {e.hash_version for e in entries} == {audit.HASH_VERSION}
    report = audit.verify_chain()
    assert report.lanes == 3
    # Every append anchored (every=1): the last anchor records every lane's head.
    last = AuditAnchor.objects.order_by("seq").last()
    assert report.anchors_checked == AuditAnchor.objects.count()
    assert {int(k): tuple(v) for k, v in last.heads.items()} == {
        lane: (entries[-1].seq, entries[-1].hash) for lane, entries in by_lane.items()
    }
    assert {h.pk: h.seq for h in AuditChainHead.objects.filter(pk__gte=1)} == {
        lane: entries[-1].seq for lane, entries in by_lane.items()
    }


@pytest.mark.parametrize("lane", LANES)
def test_changing_an_entry_in_any_lane_is_caught_there(settings, lane):
    middle = _lanes_trail(settings)[lane][-2]
    tamper("UPDATE access_auditentry SET reason = %s WHERE id = %s", ["edited", middle.pk])
    report = audit.verify_chain()
    assert (report.first_broken_lane, report.first_broken_seq) == (lane, middle.seq)
    assert "does not match its contents" in report.problems[0]


@pytest.mark.parametrize("lane", LANES)
def test_deleting_an_entry_in_any_lane_is_caught_there(settings, lane):
    entries = _lanes_trail(settings)[lane]
    tamper("DELETE FROM access_auditentry WHERE id = %s", [entries[-2].pk])
    report = audit.verify_chain()
    assert (report.first_broken_lane, report.first_broken_id) == (lane, entries[-1].pk)
    assert f"entries seq {entries[-2].seq} to {entries[-2].seq} are missing" in report.problems[0]


@pytest.mark.parametrize("every", [1, 100])
@pytest.mark.parametrize("lane", LANES)
def test_a_forged_entry_relinked_in_any_lane_is_caught(settings, lane, every):
    # With the key: rewrite the middle entry and relink the next one to it. The next
    # entry's hash covers its prev_hash; and an anchor that recorded the middle entry
    # (every=1: each append anchors) shows it at the middle entry itself.
    entries = _lanes_trail(settings, every=every)[lane]
    middle, last = entries[-2], entries[-1]
    middle.reason = "Nothing to see here"
    middle.hash = audit.entry_hash(middle)
    tamper(
        "UPDATE access_auditentry SET reason = %s, hash = %s WHERE id = %s",
        [middle.reason, middle.hash, middle.pk],
    )
    tamper("UPDATE access_auditentry SET prev_hash = %s WHERE id = %s", [middle.hash, last.pk])
    report = audit.verify_chain()
    if every == 1:
        assert (report.first_broken_lane, report.first_broken_seq) == (lane, middle.seq)
        assert "recorded by anchor" in report.problems[0]
    else:
        assert (report.first_broken_lane, report.first_broken_seq) == (lane, last.seq)
        assert "does not match its contents" in report.problems[0]


@pytest.mark.parametrize("lane", LANES)
def test_rewriting_a_lane_with_the_key_is_caught_by_the_anchors(settings, lane):
    # Someone with the key re-chains the whole lane and its head: the anchors (keyed by
    # the same key, but already recording the old hashes) still show it.
    entries = _lanes_trail(settings)[lane]
    prev = audit.GENESIS_HASH
    for entry in AuditEntry.objects.filter(lane=lane).order_by("seq"):
        entry.reason = "rewritten" if entry.pk == entries[-2].pk else entry.reason
        entry.prev_hash = prev
        entry.hash = prev = audit.entry_hash(entry)
        tamper(
            "UPDATE access_auditentry SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [entry.reason, entry.prev_hash, entry.hash, entry.pk],
        )
    AuditChainHead.objects.filter(pk=lane).update(last_hash=prev)
    report = audit.verify_chain()
    assert (report.first_broken_lane, report.first_broken_seq) == (lane, entries[-2].seq)
    assert "recorded by anchor" in report.problems[0]


@pytest.mark.parametrize("lane", LANES)
def test_dropping_the_tail_of_any_lane_is_caught_by_an_anchor(settings, lane):
    entries = _lanes_trail(settings)[lane]
    keep = entries[-2]
    tamper("DELETE FROM access_auditentry WHERE lane = %s AND seq > %s", [lane, keep.seq])
    AuditChainHead.objects.filter(pk=lane).update(seq=keep.seq, last_hash=keep.hash)
    report = audit.verify_chain()
    assert report.problems[0].startswith(f"lane {lane}: anchor "), (
        report.problems
    )  # no checkpoint file here: the anchors are the witness
    assert f"says entry seq {keep.seq + 1} existed" in report.problems[0]
    assert "entries were removed from the end" in report.problems[0]


@pytest.mark.parametrize("lane", LANES)
def test_dropping_a_lane_tail_and_the_anchors_is_caught_by_the_checkpoint_file(
    settings, tmp_path, lane, django_capture_on_commit_callbacks
):
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit.log")
    entries = _lanes_trail(settings, capture=django_capture_on_commit_callbacks)[lane]
    keep = entries[0]
    # Every anchor that recorded the dropped entries goes too, and both heads move back.
    first_witness = min(
        a.seq for a in AuditAnchor.objects.all() if a.heads.get(str(lane), [0])[0] > keep.seq
    )
    before = AuditAnchor.objects.get(seq=first_witness - 1)
    tamper("DELETE FROM access_auditanchor WHERE seq >= %s", [first_witness])
    AuditChainHead.objects.filter(pk=0).update(seq=before.seq, last_hash=before.hash)
    tamper("DELETE FROM access_auditentry WHERE lane = %s AND seq > %s", [lane, keep.seq])
    AuditChainHead.objects.filter(pk=lane).update(seq=keep.seq, last_hash=keep.hash)
    report = audit.verify_chain()
    assert not report.ok
    assert "the checkpoint file says anchor seq" in report.problems[0], report.problems
    assert "anchors were removed from the end" in report.problems[0]


@pytest.mark.parametrize("lane", LANES)
def test_dropping_a_whole_lane_and_its_head_is_caught(settings, lane):
    _lanes_trail(settings)
    tamper("DELETE FROM access_auditentry WHERE lane = %s", [lane])
    AuditChainHead.objects.filter(pk=lane).delete()
    report = audit.verify_chain()
    assert report.problems[0].startswith(f"lane {lane}: anchor "), report.problems
    assert "entries were removed from the end" in report.problems[0]
    # And no new chain is started over it.
    with pytest.raises(audit.AuditChainBroken):
        audit.hold_lane(lane)


@pytest.mark.parametrize("lane", (1, 2))
def test_moving_an_entry_to_another_lane_is_caught(settings, lane):
    entries = _lanes_trail(settings)[lane]
    moved = entries[-2]
    tamper("UPDATE access_auditentry SET lane = 3, seq = 100 WHERE id = %s", [moved.pk])
    report = audit.verify_chain()
    # Its old lane has a gap where it was (and its hash covers the lane it was written in).
    assert (report.first_broken_lane, report.first_broken_seq) == (lane, moved.seq + 1)
    assert "are missing" in report.problems[0]


def test_changing_an_anchor_or_deleting_one_is_caught(settings):
    _lanes_trail(settings)
    anchors = list(AuditAnchor.objects.order_by("seq"))
    middle = anchors[len(anchors) // 2]
    heads = dict(middle.heads)
    heads["2"] = [heads["2"][0], "f" * 64]
    tamper("UPDATE access_auditanchor SET heads = %s WHERE id = %s", [json.dumps(heads), middle.pk])
    report = audit.verify_chain()
    assert report.problems[0].startswith(f"anchor id {middle.pk} (seq {middle.seq}): stored")
    tamper("DELETE FROM access_auditanchor WHERE id = %s", [middle.pk])
    report = audit.verify_chain()
    assert f"anchors seq {middle.seq} to {middle.seq} are missing" in report.problems[0]


def test_a_transaction_keeps_the_lane_it_holds(settings):
    settings.SAFEGUARD_AUDIT_LANES = 3
    child = factories.child()
    audit.hold_lane(2)
    first = audit.record_command_read(child, area="summary", action="export", via="test")
    second = audit.record_command_read(child, area="summary", action="export", via="test")
    assert (first.lane, second.lane) == (2, 2)
    assert second.seq == first.seq + 1


def test_the_checkpoint_command_anchors_and_checkpoints_every_lane(settings, tmp_path, capsys):
    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    by_lane = _lanes_trail(settings, every=100)  # no automatic checkpoint in a test
    call_command("audit", "checkpoint")
    out = capsys.readouterr().out
    anchor = AuditAnchor.objects.order_by("seq").last()
    for lane, entries in by_lane.items():
        assert (
            f"Checkpoint written: seq {entries[-1].seq} of lane {lane} (anchor {anchor.seq})"
            in (out)
        )
    lines = path.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["v2"] * 3
    report = audit.verify_chain()
    assert report.ok and report.checkpoints_matched == 3
    # A lane's tail dropped after the checkpoint shows, with the file as the witness.
    last = by_lane[3][-1]
    tamper("DELETE FROM access_auditentry WHERE id = %s", [last.pk])
    AuditChainHead.objects.filter(pk=3).update(seq=last.seq - 1, last_hash=last.prev_hash)
    report = audit.verify_chain()
    assert report.problems[0].startswith(f"lane 3: the checkpoint file says entry seq {last.seq}")


@pytest.mark.parametrize("damage", ["deleted", "reset"])
def test_another_lanes_head_deleted_or_reset_stops_the_next_anchor(settings, damage):
    # Writers in other lanes do not touch lane 2's head, but the next anchor compares every
    # head with the last anchor: the service then refuses, as for its own lane's head.
    _lanes_trail(settings)
    child = factories.child()
    if damage == "deleted":
        AuditChainHead.objects.filter(pk=2).delete()
    else:
        AuditChainHead.objects.filter(pk=2).update(seq=0, last_hash=audit.GENESIS_HASH)
    audit.hold_lane(1)
    with pytest.raises(audit.AuditChainBroken):
        audit.record_command_read(child, area="summary", action="export", via="test")
