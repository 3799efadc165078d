"""Every field of an audit entry is covered by its hash (issue 15).

Mutation testing showed that `child_id`, `changes` or `prev_hash` could be left out of the
hashed content with no test failing: an entry could be moved to another child, its
changes rewritten, or a forged row relinked. These tests are generated over every stored
field, so a field added to the model and left out of the hash fails here too.
"""

import datetime as dt
import json
import os

import pytest
from django.db import connection

from safeguard.access import audit
from safeguard.access.models import AuditAction, AuditEntry
from tests import factories
from tests.access_helpers import involve, lanes_trail, person, request_for, tamper

pytestmark = pytest.mark.django_db

NOT_HASHED = {"id", "hash"}  # the row id (not part of the record) and the hash itself
FIELDS = [f for f in AuditEntry._meta.concrete_fields if f.attname not in NOT_HASHED]


def test_every_stored_field_but_the_row_id_and_the_hash_is_hashed():
    assert set(audit.HASHED_FIELDS) == {f.attname for f in FIELDS}
    assert len(audit.HASHED_FIELDS) == len(set(audit.HASHED_FIELDS))


def _trail():
    """Three entries: a read, a write with changes and a reason (made inside a request, so
    it has an ip, path and user agent), a read."""
    sw = person(username="writer")
    child = factories.child()
    involve(sw, child)
    request = request_for(sw, path="/children/1/chronology/")
    first = audit.record_read(request, child, area="summary", basis="involvement")
    with audit.audit_context(request=request):
        from django.db import transaction

        with transaction.atomic():
            middle = audit.record_write(
                sw,
                child,
                AuditAction.UPDATE,
                "children.Child",
                child.pk,
                {"given_name": "Sara"},
                {"given_name": "Sarah"},
                reason="Spelling corrected",
            )
    last = audit.record_read(request, child, area="chronology", basis="involvement")
    middle = AuditEntry.objects.get(pk=middle.pk)
    assert audit.verify_chain().ok
    return sw, child, first, middle, last


def _different(field, entry, other_user, other_child):
    """A value for `field` that differs from the entry's, as the database would store it."""
    name = field.attname
    value = getattr(entry, name)
    if name == "at":
        return connection.ops.adapt_datetimefield_value(value + dt.timedelta(seconds=1))
    if name == "actor_id":
        return other_user.pk
    if name == "child_id":
        return other_child.pk
    if name == "seq":
        return value + 1000
    if name == "lane":
        return value + 1  # another lane (a number, as the column requires)
    if name == "hash_version":
        return 1  # the version before lanes, whose hash leaves out lane and version
    if name == "ip":
        return "10.9.9.9"
    if name == "changes":
        return json.dumps({"given_name": {"before": "Sara", "after": "Someone else"}})
    if name in ("prev_hash",):
        return "f" * 64
    return f"{value}x"


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.attname)
def test_changing_any_one_field_of_an_entry_breaks_verify(field):
    _, _, _, middle, _ = _trail()
    other_user, other_child = person(), factories.child()
    tamper(
        f"UPDATE access_auditentry SET {field.column} = %s WHERE id = %s",  # noqa: S608
        [_different(field, middle, other_user, other_child), middle.pk],
    )
    report = audit.verify_chain()
    assert not report.ok, f"{field.attname} changed and verify still passes"
    if field.attname not in ("seq", "lane"):
        assert report.first_broken_seq == middle.seq, report.problems
    elif field.attname == "lane":
        # Moved out of its lane: the lane now has a gap where it was, seen at the next entry
        # (tests/test_audit_lanes.py checks the moved entry is reported in the other lane).
        assert (report.first_broken_lane, report.first_broken_seq) == (middle.lane, middle.seq + 1)


def test_a_forged_row_relinked_to_the_next_one_breaks_verify(settings):
    # An attacker who has the key forges a replacement for the middle entry (a different
    # reason, re-signed), and relinks the next entry to it by changing only its prev_hash.
    # The next entry's own hash covers prev_hash, so the relinking shows.
    _, _, _, middle, last = _trail()
    middle.reason = "Nothing to see here"
    middle.hash = audit.entry_hash(middle)
    tamper(
        "UPDATE access_auditentry SET reason = %s, hash = %s WHERE id = %s",
        [middle.reason, middle.hash, middle.pk],
    )
    tamper("UPDATE access_auditentry SET prev_hash = %s WHERE id = %s", [middle.hash, last.pk])
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_broken_seq == last.seq
    assert "does not match its contents" in report.problems[0]


def test_moving_an_entry_to_another_child_breaks_verify():
    _, _, _, middle, _ = _trail()
    other = factories.child()
    tamper("UPDATE access_auditentry SET child_id = %s WHERE id = %s", [other.pk, middle.pk])
    report = audit.verify_chain()
    assert (report.ok, report.first_broken_seq) == (False, middle.seq)


def test_the_payload_is_canonical_json_of_the_hashed_fields():
    _, _, _, middle, _ = _trail()
    payload = json.loads(audit.entry_payload(middle))
    assert set(payload) == set(audit.HASHED_FIELDS)
    assert payload["changes"] == {"given_name": {"before": "Sara", "after": "Sarah"}}
    assert payload["at"] == middle.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    assert b" " not in audit.entry_payload(middle).replace(b"Spelling corrected", b"")


# --- Who and where each entry says it came from (issue 15: mutation testing) ------------

SOURCES = [
    # (signed-in actor, inside a request, the block's via label, the caller's via) -> via
    (False, False, "", "", "system"),
    (False, True, "", "", "system"),
    (False, False, "scenario-loader", "", "scenario-loader"),
    (False, True, "", "nightly-checks", "nightly-checks"),
    (True, False, "", "", "command"),
    (True, True, "", "", "web"),
    (True, True, "scenario-loader", "", "scenario-loader"),
    (True, False, "scenario-loader", "cli-export", "cli-export"),
]


@pytest.mark.parametrize(("signed_in", "in_request", "block_via", "via", "expected"), SOURCES)
def test_every_write_says_who_made_it_and_through_what(
    signed_in, in_request, block_via, via, expected
):
    from django.db import transaction

    sw = person(username="writer")
    actor = sw if signed_in else None
    child = factories.child()
    request = request_for(sw) if in_request else None
    with audit.audit_context(request=request, via=block_via), transaction.atomic():
        entry = audit.record_write(
            actor, child, AuditAction.UPDATE, "children.Child", child.pk, {}, {}, via=via
        )
    entry = AuditEntry.objects.get(pk=entry.pk)
    label = "writer" if signed_in else audit.SYSTEM_ACTOR
    assert (entry.actor_id, entry.actor_label, entry.via) == (
        sw.pk if signed_in else None,
        label,
        expected,
    )
    # Where it came from: the request's address, agent and path, or nothing outside one.
    where = ("10.1.2.3", "pytest", "/children/1/") if in_request else (None, "", "")
    assert (entry.ip, entry.user_agent, entry.path) == where
    # The labels are only for the block: the next write outside it is back to the default.
    with transaction.atomic():
        after = audit.record_write(actor, child, AuditAction.UPDATE, "children.Child", 1, {}, {})
    assert after.via == ("command" if signed_in else audit.SYSTEM_ACTOR)


@pytest.mark.parametrize("extra", [0, 1, 50])
def test_a_long_user_agent_or_path_is_kept_to_the_length_stored(extra):
    sw = person()
    child = factories.child()
    agent, path = "a" * (300 + extra), "/" + "p" * (499 + extra)
    request = request_for(sw, path=path)
    request.META["HTTP_USER_AGENT"] = agent
    entry = AuditEntry.objects.get(pk=audit.record_read(request, child, area="summary").pk)
    assert (entry.user_agent, entry.path) == (agent[:300], path[:500])
    assert audit.verify_chain().ok


@pytest.mark.parametrize("kind", ["read", "reads", "command", "write"])
def test_an_unknown_action_is_refused_and_writes_nothing(kind):
    from django.db import transaction

    sw = person()
    child = factories.child()
    before = AuditEntry.objects.count()
    with pytest.raises(ValueError, match="unknown audit action"), transaction.atomic():
        if kind == "read":
            audit.record_read(request_for(sw), child, area="summary", action="peek")
        elif kind == "reads":
            audit.record_reads(request_for(sw), [child], area="summary", action="peek")
        elif kind == "command":
            audit.record_command_read(child, area="export", action="peek", via="cli")
        else:
            audit.record_write(sw, child, "peek", "children.Child", child.pk, None, {})
    assert AuditEntry.objects.count() == before


def test_a_command_read_is_recorded_as_the_system_through_its_command():
    child = factories.child()
    entry = audit.record_command_read(
        child, area="export", action=AuditAction.EXPORT, via="cli-export", reason="Court bundle"
    )
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor_id, entry.actor_label, entry.via) == (None, "system", "cli-export")
    assert (entry.child_id, entry.area, entry.action, entry.reason) == (
        child.pk,
        "export",
        AuditAction.EXPORT,
        "Court bundle",
    )


@pytest.mark.parametrize("writer", ["reads", "command"])
def test_a_read_whose_entry_cannot_be_written_is_refused(writer, monkeypatch):
    from django.db import DatabaseError

    child = factories.child()

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEntry.objects, "bulk_create", fail)
    with pytest.raises(audit.AuditUnavailable):
        if writer == "reads":
            audit.record_reads(request_for(person()), [child], area="summary", action="view")
        else:
            audit.record_command_read(child, area="export", action="export", via="cli")


def test_only_the_fields_that_changed_are_recorded_before_and_after():
    before = {"a": 1, "b": "x", "gone": True, "when": dt.date(2020, 1, 2)}
    after = {"a": 1, "b": "y", "new": None, "when": dt.date(2020, 1, 2)}
    assert audit.field_changes(before, after) == {
        "b": {"before": "x", "after": "y"},
        "gone": {"before": True, "after": None},
    }
    assert audit.field_changes(None, {"a": 1}) == {"a": {"before": None, "after": 1}}
    assert audit.field_changes({"a": 1}, None) == {"a": {"before": 1, "after": None}}


# --- Checkpoints: when they are written ---------------------------------------------------


@pytest.mark.parametrize("every", [1, 3, 4])
def test_a_checkpoint_is_written_each_time_the_chain_passes_a_multiple_of_the_interval(
    every, settings, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    settings.SAFEGUARD_AUDIT_CHECKPOINT_EVERY = every
    sw = person()
    children = [factories.child() for _ in range(3)]
    start = AuditEntry.objects.count()
    written = []
    # Appends of one, two and three entries (a list page audits several in one insert).
    for size in (1, 2, 3, 1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            audit.record_reads(request_for(sw), children[:size], area="summary", action="view")
        written.append(AuditEntry.objects.count())
    lines = path.read_text().splitlines() if path.exists() else []
    got = [int(line.split()[1]) for line in lines]
    expected, previous = [], start
    for seq in written:
        if previous == 0 or previous // every != seq // every:
            expected.append(seq)
        previous = seq
    assert got == expected
    assert audit.verify_chain().checkpoints_matched == len(set(expected))


@pytest.mark.parametrize("kind", ["read", "reads", "command", "write"])
def test_an_entry_has_no_reason_unless_one_is_given(kind):
    from django.db import transaction

    sw = person()
    child = factories.child()
    with transaction.atomic():
        if kind == "read":
            entry = audit.record_read(request_for(sw), child, area="summary")
        elif kind == "reads":
            entry = audit.record_reads(request_for(sw), [child], area="summary", action="view")[0]
        elif kind == "command":
            entry = audit.record_command_read(child, area="export", action="export", via="cli")
        else:
            entry = audit.record_write(sw, child, "update", "children.Child", child.pk, {}, {})
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


@pytest.mark.parametrize("writer", ["reads", "command"])
def test_a_read_refused_for_want_of_its_entry_says_so(writer, monkeypatch):
    # The message is what the operator of a command (or the 503 log) is told.
    from django.db import DatabaseError

    child = factories.child()

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEntry.objects, "bulk_create", fail)
    with pytest.raises(audit.AuditUnavailable) as refused:
        if writer == "reads":
            audit.record_reads(request_for(person()), [child], area="summary", action="view")
        else:
            audit.record_command_read(child, area="export", action="export", via="cli")
    assert str(refused.value) == "the audit entry for this read could not be written"


# --- The head of the chain ------------------------------------------------------------


@pytest.mark.parametrize("checkpoint_file", [False, True])
def test_a_missing_head_is_recreated_for_a_trail_that_never_had_an_entry(
    checkpoint_file, settings, tmp_path
):
    # A flushed test database (or a new one before its migration's row): no entries and no
    # checkpoint, so the chain starts at its beginning. With entries or a checkpoint it is
    # refused instead (test_audit_integrity.py).
    from safeguard.access.models import AuditChainHead

    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = (
        str(tmp_path / "audit.log") if checkpoint_file else ""
    )
    tamper("DELETE FROM access_auditentry")
    AuditChainHead.objects.all().delete()
    factories.child()
    entries = list(AuditEntry.objects.order_by("seq"))
    assert entries and [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert audit.verify_chain().ok


# --- Lists: each child shown is recorded with why the user could see it in that area -----

LIST_AREAS = ["summary", "identity", "export"]


def _listed(request, children, **kwargs):
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    shown = audit.audit_search_results(request, children, **kwargs)
    entries = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    return shown, entries


@pytest.mark.parametrize("area", LIST_AREAS)
@pytest.mark.parametrize("form", ["queryset", "list"])
def test_each_child_listed_is_recorded_with_the_basis_the_rule_gives_in_that_area(area, form):
    from safeguard.children.models import Child
    from tests.test_mutation_access import _situations

    situations = _situations()
    everyone = Child.objects.order_by("pk")
    ids = list(everyone.values_list("pk", flat=True))
    for label, user, own in situations:
        children = everyone if form == "queryset" else list(everyone)
        shown, entries = _listed(request_for(user), children, area=area)
        assert [c.pk for c in shown] == ids
        got = {e.child_id: e.basis for e in entries}
        assert got == audit_bases(user, ids, area), (label, area)
        # Break-glass never opens the export; every other basis opens every area.
        expected = "" if (label, area) == ("break-glass", "export") else label
        assert got[own.pk] == expected, (label, area)
        assert {(e.area, e.action, e.actor_id) for e in entries} == {
            (area, AuditAction.SEARCH_RESULT, user.pk)
        }
    # No signed-in user (no page lists children to one): each child recorded, with no basis.
    children = everyone if form == "queryset" else list(everyone)
    shown, entries = _listed(request_for(None), children, area=area)
    assert {e.child_id: e.basis for e in entries} == dict.fromkeys(ids, "")


def audit_bases(user, ids, area):
    from safeguard.access.policy import access_bases

    return access_bases(user, ids, area=area)


@pytest.mark.parametrize("form", ["queryset", "list"])
@pytest.mark.parametrize("given", ["emergency-review", "per-child"])
def test_a_basis_given_by_the_caller_is_recorded_as_given(form, given):
    from safeguard.children.models import Child
    from tests.test_mutation_access import _situations

    situations = _situations()
    manager = next(user for label, user, _ in situations if label == "team")
    everyone = Child.objects.order_by("pk")
    ids = list(everyone.values_list("pk", flat=True))
    basis = {pk: f"review-{pk}" for pk in ids} if given == "per-child" else given
    children = everyone if form == "queryset" else list(everyone)
    _, entries = _listed(request_for(manager), children, area="identity", basis=basis)
    expected = basis if isinstance(basis, dict) else dict.fromkeys(ids, basis)
    assert {e.child_id: e.basis for e in entries} == expected


# --- The checkpoint file's format (kept across versions: old files must still verify) ---


@pytest.mark.parametrize("key_id", ["current", "retired"])
def test_a_checkpoint_line_is_signed_over_its_fields_as_documented(key_id, settings, tmp_path):
    # `v1 <seq> <hash> <utc time> <key id> <mac>`, the mac an HMAC-SHA256 under that key of
    # "checkpoint " and the first five fields. A line made by hand to that format (as an
    # earlier version wrote it) verifies; one signed any other way does not.
    import hashlib
    import hmac

    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    settings.SAFEGUARD_AUDIT_RETIRED_KEYS = {"old": "an old key that signed earlier lines"}
    factories.child()
    # A v1 line (written before the lanes) speaks of lane 1.
    last = AuditEntry.objects.filter(lane=1).order_by("-seq").first()
    kid = settings.SAFEGUARD_AUDIT_KEY_ID if key_id == "current" else "old"
    key = audit.audit_keys()[kid]
    body = f"v1 {last.seq} {last.hash} 2026-01-02T03:04:05.000000+00:00 {kid}"

    def mac(prefix):
        return hmac.new(key, prefix + body.encode(), hashlib.sha256).hexdigest()

    path.write_text(f"{body} {mac(b'checkpoint ')}\n")
    report = audit.verify_chain()
    assert (report.ok, report.checkpoints_matched) == (True, 1), report.problems
    for wrong in (b"", b"CHECKPOINT ", b"entry "):
        path.write_text(f"{body} {mac(wrong)}\n")
        assert not audit.verify_chain().ok, wrong
    # And what this version writes is the v2 format, signed the same way:
    # `v2 <seq> <hash> <utc time> <key id> <lane> <anchor seq> <anchor hash> <mac>`.
    if key_id == "current":
        path.write_text("")
        lines = audit.checkpoint_now()
        assert lines
        for line in lines:
            parts = line.split()
            assert parts[0] == "v2" and len(parts) == 9
            lane_head = AuditEntry.objects.filter(lane=int(parts[5])).order_by("-seq").first()
            assert (int(parts[1]), parts[2]) == (lane_head.seq, lane_head.hash)
            signed = hmac.new(key, b"checkpoint " + " ".join(parts[:8]).encode(), hashlib.sha256)
            assert parts[8] == signed.hexdigest()
        assert audit.verify_chain().ok


@pytest.mark.parametrize("head", ["at the start", "missing"])
def test_no_checkpoint_is_written_of_a_trail_with_no_entries(head, settings, tmp_path):
    from safeguard.access.models import AuditChainHead

    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    tamper("DELETE FROM access_auditentry")
    if head == "missing":
        AuditChainHead.objects.all().delete()
    else:
        AuditChainHead.objects.update_or_create(
            pk=1, defaults={"seq": 0, "last_hash": audit.GENESIS_HASH}
        )
    assert audit.checkpoint_now() == []
    assert not path.exists()


# --- verify: what it reports, exactly (issue 15: mutation testing of the lanes) ---------
# The report is what an administrator acts on (docs/security.md, "When verify fails"): it
# must name the row, what was expected of it and what the damage means, and say nothing on
# a sound trail. Each case below damages a trail spread over three lanes in one way and
# states the whole report.

LANES = (1, 2, 3)


def _lanes(settings, tmp_path, capture=None, *, every=1, per_lane=3, checkpoint_file=True):
    """`per_lane` entries in each of three lanes, appended in turn; with `capture`, each
    append's checkpoint (every `every` entries of a lane) is written to the file."""
    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path) if checkpoint_file else ""
    lanes_trail(settings, LANES, per_lane=per_lane, every=every, capture=capture)
    by_lane = {lane: list(AuditEntry.objects.filter(lane=lane).order_by("seq")) for lane in LANES}
    return by_lane, path


def _anchors():
    from safeguard.access.models import AuditAnchor

    return list(AuditAnchor.objects.order_by("seq"))


def _line_of(lane, seq):
    return next(c for c in audit.read_checkpoints()[0] if (c.lane, c.seq) == (lane, seq))


def _line_of_anchor(anchor_seq):
    return next(c for c in audit.read_checkpoints()[0] if c.anchor_seq == anchor_seq)


def _resign_lane(lane, *, from_seq, reason="rewritten"):
    """What someone with the key does: rewrite a lane from `from_seq`, re-sign and relink it
    to its end, and move its head to the new last hash."""
    from safeguard.access.models import AuditChainHead

    entries = list(AuditEntry.objects.filter(lane=lane).order_by("seq"))
    prev = audit.GENESIS_HASH
    for entry in entries:
        if entry.seq == from_seq:
            entry.reason = reason
        entry.prev_hash = prev
        entry.hash = prev = audit.entry_hash(entry)
        tamper(
            "UPDATE access_auditentry SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [entry.reason, entry.prev_hash, entry.hash, entry.pk],
        )
    AuditChainHead.objects.filter(pk=lane).update(last_hash=prev)


def test_a_sound_trail_verifies_and_the_report_counts_what_was_checked(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    by_lane, path = _lanes(settings, tmp_path, django_capture_on_commit_callbacks)
    report = audit.verify_chain()
    lines = audit.read_checkpoints()[0]
    assert report.problems == []
    assert report.checked == AuditEntry.objects.count()
    assert report.lanes == 3
    assert report.anchors_checked == len(_anchors()) > 3
    # Checkpoint lines matched: the distinct (lane, entry) pairs the file names (anchors,
    # which also vouch for entries, are not counted).
    assert report.checkpoints_matched == len({(c.lane, c.seq) for c in lines}) == len(lines)
    assert (report.last_checkpoint_seq, report.last_checkpoint_lane) == (
        lines[-1].seq,
        lines[-1].lane,
    )
    assert (lines[-1].lane, lines[-1].seq) == (3, by_lane[3][-1].seq)
    assert report.checkpoint_file == str(path)
    assert (report.first_broken_seq, report.first_broken_id, report.first_broken_lane) == (
        None,
        None,
        None,
    )


def test_an_empty_trail_with_no_head_rows_verifies():
    from safeguard.access.models import AuditAnchor, AuditChainHead

    tamper("DELETE FROM access_auditentry")
    tamper("DELETE FROM access_auditanchor")
    AuditChainHead.objects.all().delete()
    assert AuditAnchor.objects.count() == 0
    report = audit.verify_chain()
    assert (report.problems, report.checked, report.lanes, report.anchors_checked) == ([], 0, 0, 0)


def _broken(report):
    return (report.first_broken_lane, report.first_broken_seq, report.first_broken_id)


@pytest.mark.parametrize("lane", LANES)
def test_entries_deleted_from_a_lane_are_named_with_the_gap(settings, tmp_path, lane):
    by_lane, _ = _lanes(settings, tmp_path, per_lane=4, checkpoint_file=False)
    gone, after = by_lane[lane][-3:-1], by_lane[lane][-1]
    tamper("DELETE FROM access_auditentry WHERE id IN (%s, %s)", [gone[0].pk, gone[1].pk])
    report = audit.verify_chain()
    assert report.problems == [
        f"entry id {after.pk} (seq {after.seq}): entries seq {gone[0].seq} to {gone[1].seq} "
        f"are missing (deleted rows) [lane {lane}]"
    ]
    assert _broken(report) == (lane, after.seq, after.pk)


@pytest.mark.parametrize("lane", LANES)
def test_an_entry_relinked_elsewhere_is_named_with_the_hash_it_should_follow(
    settings, tmp_path, lane
):
    by_lane, _ = _lanes(settings, tmp_path, checkpoint_file=False)
    before, entry = by_lane[lane][-3], by_lane[lane][-2]
    tamper("UPDATE access_auditentry SET prev_hash = %s WHERE id = %s", ["f" * 64, entry.pk])
    report = audit.verify_chain()
    assert report.problems == [
        f"entry id {entry.pk} (seq {entry.seq}): prev_hash {'f' * 64} does not match the hash "
        f"of the entry before it ({before.hash}) [lane {lane}]"
    ]
    assert _broken(report) == (lane, entry.seq, entry.pk)


@pytest.mark.parametrize("lane", LANES)
def test_an_entry_signed_with_a_key_not_configured_is_named(settings, tmp_path, lane):
    by_lane, _ = _lanes(settings, tmp_path, checkpoint_file=False)
    entry = by_lane[lane][-2]
    tamper("UPDATE access_auditentry SET key_id = %s WHERE id = %s", ["gone", entry.pk])
    report = audit.verify_chain()
    assert report.problems == [
        f"entry id {entry.pk} (seq {entry.seq}): signed with audit key id 'gone', which is not "
        f"configured (SAFEGUARD_AUDIT_RETIRED_KEYS) [lane {lane}]"
    ]
    assert _broken(report) == (lane, entry.seq, entry.pk)


@pytest.mark.parametrize("lane", LANES)
def test_a_changed_entry_is_named_with_its_stored_and_recomputed_hash(settings, tmp_path, lane):
    by_lane, _ = _lanes(settings, tmp_path, checkpoint_file=False)
    entry = by_lane[lane][-2]
    tamper("UPDATE access_auditentry SET reason = %s WHERE id = %s", ["edited", entry.pk])
    recomputed = audit.entry_hash(AuditEntry.objects.get(pk=entry.pk))
    assert recomputed != entry.hash
    report = audit.verify_chain()
    assert report.problems == [
        f"entry id {entry.pk} (seq {entry.seq}): stored hash {entry.hash} does not match its "
        f"contents (recomputed {recomputed}): the row was changed [lane {lane}]"
    ]
    assert _broken(report) == (lane, entry.seq, entry.pk)


@pytest.mark.parametrize("lane", LANES)
def test_a_lane_re_signed_with_the_key_is_caught_by_the_checkpoint_line_of_that_entry(
    settings, tmp_path, lane, django_capture_on_commit_callbacks
):
    by_lane, _ = _lanes(settings, tmp_path, django_capture_on_commit_callbacks)
    entry = by_lane[lane][-2]
    line = _line_of(lane, entry.seq)
    _resign_lane(lane, from_seq=entry.seq)
    report = audit.verify_chain()
    assert report.problems == [
        f"entry id {entry.pk} (seq {entry.seq}): its hash is not the one checkpointed at "
        f"{line.at} (checkpoint file line {line.line}): the lane was rewritten from here or "
        f"earlier [lane {lane}]"
    ]
    assert _broken(report) == (lane, entry.seq, entry.pk)


@pytest.mark.parametrize("lane", LANES)
def test_a_lane_re_signed_with_the_key_is_caught_by_the_anchor_that_recorded_it(
    settings, tmp_path, lane
):
    by_lane, _ = _lanes(settings, tmp_path, checkpoint_file=False)
    entry = by_lane[lane][-2]
    # The first anchor that recorded this entry as its lane's head (every=1: its own append's).
    anchor = next(a for a in _anchors() if a.heads.get(str(lane), [0])[0] == entry.seq)
    _resign_lane(lane, from_seq=entry.seq)
    report = audit.verify_chain()
    assert report.problems == [
        f"entry id {entry.pk} (seq {entry.seq}): its hash is not the one recorded by anchor "
        f"{anchor.seq} at {audit._utc_iso(anchor.at)}: the lane was rewritten from here or "
        f"earlier [lane {lane}]"
    ]
    assert _broken(report) == (lane, entry.seq, entry.pk)


def test_an_anchor_before_a_checkpointed_one_is_vouched_for_by_that_line(settings, tmp_path):
    # No automatic checkpoint (every=100): the lanes' first entries are anchored as they are
    # written; `audit checkpoint` then anchors every head and writes one line per lane, which
    # vouch for that anchor and, through the anchor chain, for every anchor before it.
    by_lane, _ = _lanes(settings, tmp_path, every=100)
    lines = audit.checkpoint_now()
    assert len(lines) == 3
    first = audit.read_checkpoints()[0][0]  # the first line naming the last anchor
    entry = by_lane[2][0]
    anchor = next(a for a in _anchors() if a.heads.get("2", [0])[0] == entry.seq)
    assert anchor.seq < first.anchor_seq
    _resign_lane(2, from_seq=entry.seq)
    report = audit.verify_chain()
    assert report.problems == [
        f"entry id {entry.pk} (seq {entry.seq}): its hash is not the one checkpointed at "
        f"{first.at} (anchor {anchor.seq} (checkpoint file line {first.line})): the lane was "
        "rewritten from here or earlier [lane 2]"
    ]


def test_an_entry_from_before_lanes_found_in_another_lane_was_moved(settings, tmp_path):
    # Version 1 entries (before lanes) were all chained in lane 1, and their hash does not
    # cover the lane: one found in lane 2 was moved there, even if its hash still matches.
    from safeguard.access.models import AuditChainHead

    by_lane, _ = _lanes(settings, tmp_path, every=100, checkpoint_file=False)
    last = by_lane[2][-1]  # recorded by no anchor (every=100: only first entries are)
    last.hash_version = 1
    last.hash = audit.entry_hash(last)
    tamper(
        "UPDATE access_auditentry SET hash_version = 1, hash = %s WHERE id = %s",
        [last.hash, last.pk],
    )
    AuditChainHead.objects.filter(pk=2).update(last_hash=last.hash)
    report = audit.verify_chain()
    assert report.problems == [
        f"entry id {last.pk} (seq {last.seq}): written before lanes (hash version 1) but in "
        "lane 2: the row was moved [lane 2]"
    ]
    assert _broken(report) == (2, last.seq, last.pk)
    # The same entry in lane 1 would be sound: a version 1 hash leaves out lane and version.
    payload = json.loads(audit.entry_payload(last))
    assert set(payload) == set(audit.HASHED_FIELDS_V1)


@pytest.mark.parametrize("witness", ["checkpoint file", "anchor"])
def test_a_lane_tail_dropped_is_named_by_its_strongest_witness(
    settings, tmp_path, witness, django_capture_on_commit_callbacks
):
    from safeguard.access.models import AuditChainHead

    capture = django_capture_on_commit_callbacks if witness == "checkpoint file" else None
    by_lane, _ = _lanes(settings, tmp_path, capture, checkpoint_file=capture is not None)
    # One more append in lane 3, anchored but never checkpointed (its on-commit hook does
    # not run): that anchor, after the last checkpointed one, also records lane 2's tail.
    audit.hold_lane(3)
    audit.record_command_read(factories.child(), area="summary", action="view", via="test")
    dropped = {}
    for lane in (2, 1):  # two lanes damaged: the first (in lane order) is reported
        last = by_lane[lane][-1]
        tamper("DELETE FROM access_auditentry WHERE id = %s", [last.pk])
        AuditChainHead.objects.filter(pk=lane).update(seq=last.seq - 1, last_hash=last.prev_hash)
        dropped[lane] = last
    last = dropped[1]
    report = audit.verify_chain()
    if witness == "checkpoint file":
        line = _line_of(1, last.seq)
        said = (
            f"the checkpoint file says entry seq {last.seq} existed at {line.at} "
            f"(checkpoint file line {line.line})"
        )
    else:
        anchor = next(a for a in _anchors() if a.heads.get("1", [0])[0] == last.seq)
        said = (
            f"anchor {anchor.seq} says entry seq {last.seq} existed at {audit._utc_iso(anchor.at)}"
        )
    assert report.problems == [
        f"lane 1: {said}, but the last entry is seq {last.seq - 1}: entries were removed from "
        "the end"
    ]
    assert report.checked == AuditEntry.objects.count()


@pytest.mark.parametrize("damage", ["deleted", "reset"])
def test_a_lane_head_deleted_or_reset_is_named_for_every_lane_it_happened_to(
    settings, tmp_path, damage
):
    from safeguard.access.models import AuditChainHead

    by_lane, _ = _lanes(settings, tmp_path, checkpoint_file=False)
    heads = AuditChainHead.objects.filter(pk__in=[1, 3])
    if damage == "deleted":
        heads.delete()
    else:
        heads.update(seq=0, last_hash=audit.GENESIS_HASH)
    problems = []
    for lane in (1, 3):
        last = by_lane[lane][-1]
        if damage == "deleted":
            problems.append(
                f"lane {lane}: the chain head row is missing, but {last.seq} entries exist: the "
                "head was deleted (the service refuses audited pages until it is repaired)"
            )
        else:
            problems.append(
                f"lane {lane}: the chain head says the last entry is seq 0 with hash "
                f"{audit.GENESIS_HASH}, but the last entry found is seq {last.seq} ({last.hash}): "
                "entries were removed from the end"
            )
    assert audit.verify_chain().problems == problems


@pytest.mark.parametrize("damage", ["deleted", "reset"])
def test_the_anchor_head_deleted_or_reset_is_named(settings, tmp_path, damage):
    from safeguard.access.models import AuditChainHead

    _lanes(settings, tmp_path, checkpoint_file=False)
    last = _anchors()[-1]
    head = AuditChainHead.objects.filter(pk=AuditChainHead.ANCHORS)
    if damage == "deleted":
        head.delete()
        expected = (
            f"the anchor chain's head row is missing, but {last.seq} anchors exist: the head "
            "was deleted"
        )
    else:
        head.update(seq=0, last_hash=audit.GENESIS_HASH)
        expected = (
            f"the anchor chain's head says the last anchor is seq 0 with hash "
            f"{audit.GENESIS_HASH}, but the last anchor found is seq {last.seq} ({last.hash}): "
            "anchors were removed from the end"
        )
    assert audit.verify_chain().problems == [expected]


ANCHOR_DAMAGE = ["deleted", "relinked", "unknown key", "changed"]


@pytest.mark.parametrize("damage", ANCHOR_DAMAGE)
def test_a_damaged_anchor_is_named(settings, tmp_path, damage):
    _lanes(settings, tmp_path, checkpoint_file=False)
    anchors = _anchors()
    before, anchor, after = anchors[3], anchors[4], anchors[6]
    where = f"anchor id {anchor.pk} (seq {anchor.seq})"
    if damage == "deleted":  # two in a row
        tamper("DELETE FROM access_auditanchor WHERE seq IN (%s, %s)", [anchor.seq, anchor.seq + 1])
        expected = (
            f"anchor id {after.pk} (seq {after.seq}): anchors seq {anchor.seq} to "
            f"{anchor.seq + 1} are missing (deleted rows)"
        )
    elif damage == "relinked":
        tamper("UPDATE access_auditanchor SET prev_hash = %s WHERE id = %s", ["f" * 64, anchor.pk])
        expected = (
            f"{where}: prev_hash {'f' * 64} does not match the hash of the anchor before it "
            f"({before.hash})"
        )
    elif damage == "unknown key":
        tamper("UPDATE access_auditanchor SET key_id = %s WHERE id = %s", ["gone", anchor.pk])
        expected = (
            f"{where}: signed with audit key id 'gone', which is not configured "
            "(SAFEGUARD_AUDIT_RETIRED_KEYS)"
        )
    else:
        heads = dict(anchor.heads)
        heads["1"] = [heads["1"][0], "f" * 64]
        tamper(
            "UPDATE access_auditanchor SET heads = %s WHERE id = %s", [json.dumps(heads), anchor.pk]
        )
        from safeguard.access.models import AuditAnchor

        recomputed = audit.anchor_hash(AuditAnchor.objects.get(pk=anchor.pk))
        expected = (
            f"{where}: stored hash {anchor.hash} does not match its contents (recomputed "
            f"{recomputed}): the row was changed"
        )
    report = audit.verify_chain()
    assert report.problems == [expected]
    assert report.anchors_checked == 4  # those before it


def test_anchors_re_signed_with_the_key_are_caught_by_the_checkpoint_file(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from safeguard.access.models import AuditChainHead

    _lanes(settings, tmp_path, django_capture_on_commit_callbacks)
    anchor = _anchors()[-1]
    line = _line_of_anchor(anchor.seq)
    anchor.heads = {**anchor.heads, "1": [anchor.heads["1"][0], "f" * 64]}
    anchor.hash = audit.anchor_hash(anchor)
    tamper(
        "UPDATE access_auditanchor SET heads = %s, hash = %s WHERE id = %s",
        [json.dumps(anchor.heads), anchor.hash, anchor.pk],
    )
    AuditChainHead.objects.filter(pk=AuditChainHead.ANCHORS).update(last_hash=anchor.hash)
    report = audit.verify_chain()
    assert report.problems == [
        f"anchor id {anchor.pk} (seq {anchor.seq}): its hash is not the one checkpointed at "
        f"{line.at} (checkpoint file line {line.line}): the anchors were rewritten from here "
        "or earlier"
    ]


def test_anchors_dropped_from_the_end_are_caught_by_the_checkpoint_file(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from safeguard.access.models import AuditChainHead

    _lanes(settings, tmp_path, django_capture_on_commit_callbacks)
    anchors = _anchors()
    kept = anchors[-3]
    line = _line_of_anchor(anchors[-1].seq)
    tamper("DELETE FROM access_auditanchor WHERE seq > %s", [kept.seq])
    AuditChainHead.objects.filter(pk=AuditChainHead.ANCHORS).update(
        seq=kept.seq, last_hash=kept.hash
    )
    report = audit.verify_chain()
    assert report.problems == [
        f"the checkpoint file says anchor seq {anchors[-1].seq} existed at {line.at} (line "
        f"{line.line}), but the last anchor is seq {kept.seq}: anchors were removed from the end"
    ]


# --- The checkpoint file, line by line ---------------------------------------------------


def _signed(body, key):
    import hashlib
    import hmac

    return f"{body} {hmac.new(key, b'checkpoint ' + body.encode(), hashlib.sha256).hexdigest()}"


def test_each_checkpoint_line_is_read_or_reported_by_its_number(settings, tmp_path):
    # Every shape of line the file can hold: each valid one read (v1: lane 1, no anchor),
    # blank lines skipped, every other one reported by its line number and the reading
    # carries on: a damaged line never hides the lines after it, nor stops verify crashing.
    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    settings.SAFEGUARD_AUDIT_RETIRED_KEYS = {"old": "an old key"}
    key, old = audit.audit_keys()["k1"], audit.audit_keys()["old"]
    h, a, at = "ab" * 32, "cd" * 32, "2026-01-02T03:04:05.000000+00:00"
    lines = [
        _signed(f"v1 7 {h} {at} k1", key),  # 1: read
        "",  # 2: skipped
        _signed(f"v2 12 {h} {at} k1 3 40 {a}", key),  # 3: read
        _signed(f"v2 12 {h} {at} k1 3 40 {a}", key)[:-1] + "0",  # 4: bad mac
        _signed(f"v2 12 {h} {at} k9 3 40 {a}", key),  # 5: a key not configured
        _signed(f"v2 12 {h} {at} k1 3 40 {a} 5", key),  # 6: a field too many
        _signed(f"v1 7 {h} {at}", key),  # 7: a field too few
        _signed(f"v3 12 {h} {at} k1 3 40 {a}", key),  # 8: an unknown version
        _signed(f"v2 12 {h} {at} k1 x 40 {a}", key),  # 9: the lane not a number
        _signed(f"v2 12 {h} {at} k1 3 x {a}", key),  # 10: the anchor seq not a number
        _signed(f"v2 x {h} {at} k1 3 40 {a}", key),  # 11: the seq not a number
        _signed(f"v1 x {h} {at} k1", key),  # 12: the seq not a number (v1)
        "v2 \udcff garbage",  # 13: not even text (written below as raw bytes)
        _signed(f"v2 13 {h} {at} old 2 41 {a}", old),  # 14: read (a retired key)
        _signed(f"v1 12 {h} {at} k1", key)[:-1] + "0",  # 15: bad mac (v1)
    ]
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    checkpoints, problems = audit.read_checkpoints()
    assert checkpoints == [
        audit.Checkpoint(1, 7, h, at),
        audit.Checkpoint(3, 12, h, at, lane=3, anchor_seq=40, anchor_hash=a),
        audit.Checkpoint(14, 13, h, at, lane=2, anchor_seq=41, anchor_hash=a),
    ]
    assert checkpoints[0].lane == audit.LEGACY_LANE and checkpoints[0].anchor_seq is None
    unsigned = [4, 5, 15]
    assert problems == [
        f"checkpoint file line {n} is not signed by a configured audit key"
        if n in unsigned
        else f"checkpoint file line {n} is not a checkpoint"
        for n in (4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15)
    ]
    # verify reports the file's problems and nothing else (it cannot trust the file).
    report = audit.verify_chain()
    assert report.problems == problems
    assert (report.checked, report.anchors_checked) == (0, 0)


# --- Appending: the lane a transaction writes in, the anchors, a damaged head -------------


def _heads():
    from safeguard.access.models import AuditChainHead

    return {h.pk: (h.seq, h.last_hash) for h in AuditChainHead.objects.all()}


@pytest.mark.parametrize("lanes", [1, 2, 3])
def test_a_transaction_takes_the_lowest_lane_and_every_missing_lane_head_is_created(
    settings, lanes
):
    # A flushed database, or SAFEGUARD_AUDIT_LANES raised: the heads of lanes 1..lanes that
    # do not exist yet are created (at the start of their chains), and no others.
    from safeguard.access.models import AuditChainHead

    settings.SAFEGUARD_AUDIT_LANES = lanes
    tamper("DELETE FROM access_auditentry")
    tamper("DELETE FROM access_auditanchor")
    AuditChainHead.objects.all().delete()
    child = factories.child()
    entry = audit.record_command_read(child, area="summary", action="export", via="test")
    assert entry.lane == 1
    heads = _heads()
    assert set(heads) == {AuditChainHead.ANCHORS, *range(1, lanes + 1)}
    assert {pk: heads[pk] for pk in range(2, lanes + 1)} == {
        pk: (0, audit.GENESIS_HASH) for pk in range(2, lanes + 1)
    }
    assert heads[1] == (entry.seq, entry.hash)
    assert audit.verify_chain().ok


def test_a_writer_takes_the_lowest_free_lane_and_queues_only_when_none_is_free(
    settings, monkeypatch
):
    # With lane 1 free (none held by another transaction), each new transaction takes it,
    # the lowest free lane, whether or not the other lanes' heads exist yet (on SQLite only
    # lane 1's does at first): queuing on a lane chosen at random is only for when every
    # lane is busy (else writers would wait for no reason). The random choice is made to
    # answer the highest lane, so a writer sent to the queue shows.
    settings.SAFEGUARD_AUDIT_LANES = 8
    child = factories.child()
    queued = []
    monkeypatch.setattr(audit.random, "randint", lambda a, b: queued.append((a, b)) or b)
    for _ in range(3):
        # A new transaction holds no lane (the test's own transaction would keep one).
        audit._forget_lane(connection)
        entry = audit.record_command_read(child, area="summary", action="export", via="t")
        assert entry.lane == 1
    assert queued == []
    assert audit.verify_chain().ok


@pytest.mark.parametrize(("held", "lanes", "expected"), [(3, 3, 3), (2, 2, 2), (3, 2, 1)])
def test_a_transaction_keeps_its_lane_unless_there_are_now_fewer_lanes(
    settings, held, lanes, expected
):
    settings.SAFEGUARD_AUDIT_LANES = 3
    child = factories.child()
    audit.hold_lane(held)
    settings.SAFEGUARD_AUDIT_LANES = lanes
    entries = [
        audit.record_command_read(child, area="summary", action="export", via="test")
        for _ in range(2)
    ]
    assert [e.lane for e in entries] == [expected, expected]
    assert entries[1].seq == entries[0].seq + 1
    assert audit.verify_chain().ok


def test_a_transaction_that_took_a_free_lane_holds_it_for_its_next_entries(settings):
    # So that a transaction holds one lane head at most (which `_write_anchor` relies on
    # not to deadlock) and its entries stay in one lane, even if a lower lane frees up.
    from django.db import connection

    settings.SAFEGUARD_AUDIT_LANES = 3
    child = factories.child()
    entry = audit.record_command_read(child, area="summary", action="export", via="test")
    assert audit._held_lane(connection) == entry.lane == 1


def test_hold_lane_outside_a_transaction_is_refused():
    from django.db import connection

    from safeguard.access.models import AuditChainHead

    in_block = connection.in_atomic_block
    try:
        connection.in_atomic_block = False  # as outside the test's transaction
        with pytest.raises(RuntimeError) as refused:
            audit.hold_lane(2)
    finally:
        connection.in_atomic_block = in_block
    assert str(refused.value) == "hold_lane must run inside a transaction"
    assert not AuditChainHead.objects.filter(pk=2, seq__gt=0).exists()


class _Connection:
    """Only what the lane memory reads of a connection: its atomic blocks."""

    def __init__(self, *blocks):
        self.atomic_blocks = list(blocks)

    @property
    def in_atomic_block(self):
        return bool(self.atomic_blocks)


def test_the_lane_held_is_remembered_for_its_outermost_transaction_until_it_commits(
    django_capture_on_commit_callbacks,
):
    outer, inner, other = object(), object(), object()
    conn = _Connection(outer)
    assert audit._held_lane(conn) is None  # nothing remembered yet
    with django_capture_on_commit_callbacks() as callbacks:
        audit._remember_lane(conn, 2)
        audit._remember_lane(conn, 2)  # already remembered: once is enough
        assert audit._held_lane(conn) == 2
        conn.atomic_blocks = [outer, inner]  # a savepoint inside the same transaction
        assert audit._held_lane(conn) == 2
        conn.atomic_blocks = [other]  # another transaction on the connection
        assert audit._held_lane(conn) is None
        conn.atomic_blocks = []  # none at all
        assert audit._held_lane(conn) is None
    assert len(callbacks) == 1
    conn.atomic_blocks = [outer]
    with django_capture_on_commit_callbacks() as more:
        audit._remember_lane(conn, 3)  # another lane (hold_lane): remembered instead
        assert audit._held_lane(conn) == 3
    assert len(more) == 1
    for callback in callbacks + more:  # the transaction commits: its lane is forgotten
        callback()
    assert audit._held_lane(conn) is None
    assert getattr(conn, audit._LANE_ATTR) is None


def test_each_anchor_records_every_lane_head_that_has_entries(settings):
    from safeguard.access.models import AuditAnchor

    settings.SAFEGUARD_AUDIT_LANES = 4  # lane 4's head is created but never written to
    settings.SAFEGUARD_AUDIT_CHECKPOINT_EVERY = 1  # every append anchors
    child = factories.child()
    for lane in (3, 1, 2, 2):
        audit.hold_lane(lane)
        entry = audit.record_command_read(child, area="summary", action="export", via="test")
        anchor = AuditAnchor.objects.order_by("seq").last()
        heads = _heads()
        assert anchor.heads == {
            str(pk): [seq, last_hash] for pk, (seq, last_hash) in heads.items() if pk and seq
        }
        assert anchor.heads[str(lane)] == [entry.seq, entry.hash]
        assert (anchor.lane, anchor.key_id) == (lane, settings.SAFEGUARD_AUDIT_KEY_ID)
        assert anchor.hash == audit.anchor_hash(anchor)
        assert heads[0] == (anchor.seq, anchor.hash)
    anchors = list(AuditAnchor.objects.order_by("seq"))
    assert [a.seq for a in anchors] == list(range(1, len(anchors) + 1))
    assert [a.prev_hash for a in anchors] == [audit.GENESIS_HASH] + [a.hash for a in anchors[:-1]]
    assert "4" not in anchors[-1].heads
    assert audit.verify_chain().ok


@pytest.mark.parametrize("damage", ["deleted", "reset"])
def test_a_lane_head_behind_the_last_anchor_stops_the_next_anchor_even_at_its_first_entry(
    settings, damage
):
    # Lane 3 has one entry, recorded by an anchor; its head then deleted or reset.
    from safeguard.access.models import AuditChainHead

    settings.SAFEGUARD_AUDIT_LANES = 3
    settings.SAFEGUARD_AUDIT_CHECKPOINT_EVERY = 1
    child = factories.child()
    audit.hold_lane(3)
    audit.record_command_read(child, area="summary", action="export", via="test")
    head = AuditChainHead.objects.filter(pk=3)
    head.delete() if damage == "deleted" else head.update(seq=0, last_hash=audit.GENESIS_HASH)
    audit.hold_lane(1)
    with pytest.raises(audit.AuditChainBroken) as refused:
        audit.record_command_read(child, area="summary", action="export", via="test")
    assert str(refused.value) == audit.BROKEN_HEAD_MESSAGE


def test_a_head_reset_behind_its_entries_is_refused_and_logged(caplog):
    import logging

    from safeguard.access.models import AuditChainHead

    child = factories.child()
    lane = AuditEntry.objects.order_by("-id").first().lane
    AuditChainHead.objects.filter(pk=lane).update(seq=0, last_hash=audit.GENESIS_HASH)
    audit.hold_lane(lane)
    with (
        caplog.at_level(logging.ERROR, logger="safeguard.access.audit"),
        pytest.raises(audit.AuditChainBroken) as refused,
    ):
        audit.record_command_read(child, area="summary", action="export", via="test")
    assert str(refused.value) == audit.BROKEN_HEAD_MESSAGE
    [record] = [r for r in caplog.records if r.name == "safeguard.access.audit"]
    assert record.getMessage().startswith("audit chain head is behind its entries: ")
    # ... followed by the database's own words (the unique (lane, seq) clash).
    assert "unique" in record.getMessage().lower()


def test_appending_nothing_writes_nothing():
    child = factories.child()
    before = (AuditEntry.objects.count(), _heads())
    assert audit._append([]) == []
    assert (AuditEntry.objects.count(), _heads()) == before
    del child


# --- What the hash covers, as docs/security.md documents it -------------------------------
# "canonical JSON of the entry's fields ...: sorted keys, no spaces, UTF-8, times in UTC to
# the microsecond", HMAC-SHA256 under the key `key_id` names: so that anyone holding the
# key can check an entry without this code. Built here from the documented recipe.


def _documented(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(key, payload):
    import hashlib
    import hmac

    return hmac.new(key, payload, hashlib.sha256).hexdigest()


SUMMER = dt.datetime(2026, 7, 1, 12, 30, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.mark.parametrize("version", [1, 2])
def test_an_entry_hash_is_the_documented_hmac_of_its_documented_canonical_json(version):
    entry = AuditEntry(
        seq=7,
        at=SUMMER,  # British Summer Time: hashed as the UTC time, 11:30
        actor_id=None,
        actor_label="system",
        via="test",
        action="update",
        child_id=3,
        area="",
        basis="",
        path="/children/3/",
        ip="10.1.2.3",
        user_agent="pytest",
        model="children.Child",
        object_id="3",
        changes={"given_name": {"before": "Zoe", "after": "Zoë"}, "age": {"after": 9}},
        reason="Spelling «corrected»",
        key_id="k1",
        prev_hash="a" * 64,
        lane=1 if version == 1 else 2,
        hash_version=version,
    )
    fields = audit.HASHED_FIELDS_V1 if version == 1 else audit.HASHED_FIELDS
    expected = {name: getattr(entry, name) for name in fields}
    expected["at"] = "2026-07-01T11:30:00.000001+00:00"
    payload = audit.entry_payload(entry)
    assert payload == _documented(expected)
    assert "Zoë".encode() in payload and "«corrected»".encode() in payload
    assert list(json.loads(payload)) == sorted(json.loads(payload))
    key = audit.audit_keys()["k1"]
    assert audit.entry_hash(entry) == _mac(key, payload)
    # The keys given are the keys used (verify passes them once for the whole trail).
    assert audit.entry_hash(entry, {"k1": b"another key"}) == _mac(b"another key", payload)
    with pytest.raises(audit.UnknownAuditKey):
        audit.entry_hash(entry, {"k2": key})


def test_an_anchor_hash_is_the_documented_hmac_of_its_documented_canonical_json():
    from safeguard.access.models import AuditAnchor

    anchor = AuditAnchor(
        seq=4,
        at=SUMMER,
        lane=2,
        heads={"2": [5, "b" * 64], "10": [1, "c" * 64]},
        key_id="k1",
        prev_hash="d" * 64,
    )
    payload = audit.anchor_payload(anchor)
    assert payload == _documented(
        {
            "kind": "anchor",
            "seq": 4,
            "at": "2026-07-01T11:30:00.000001+00:00",
            "lane": 2,
            "heads": {"2": [5, "b" * 64], "10": [1, "c" * 64]},
            "key_id": "k1",
            "prev_hash": "d" * 64,
        }
    )
    key = audit.audit_keys()["k1"]
    assert audit.anchor_hash(anchor) == _mac(key, payload)
    assert audit.anchor_hash(anchor, {"k1": b"another key"}) == _mac(b"another key", payload)


def test_a_lane_of_one_entry_dropped_whole_with_its_head_is_caught(settings):
    # The smallest lane there is: one entry, recorded by the anchor its append wrote.
    from safeguard.access.models import AuditChainHead

    settings.SAFEGUARD_AUDIT_LANES = 3
    settings.SAFEGUARD_AUDIT_CHECKPOINT_EVERY = 100
    child = factories.child()
    audit.hold_lane(3)
    entry = audit.record_command_read(child, area="summary", action="export", via="test")
    assert entry.seq == 1
    anchor = next(a for a in _anchors() if a.heads.get("3", [0])[0] == 1)
    tamper("DELETE FROM access_auditentry WHERE lane = 3")
    AuditChainHead.objects.filter(pk=3).delete()
    assert audit.verify_chain().problems == [
        f"lane 3: anchor {anchor.seq} says entry seq 1 existed at {audit._utc_iso(anchor.at)}, "
        "but the last entry is seq 0: entries were removed from the end"
    ]


def test_a_lane_dropped_whole_is_named_at_the_last_entry_any_witness_vouched_for(
    settings, tmp_path
):
    # The checkpoint file (written last) names lane 2's last entry; anchors read after it
    # name earlier ones. The report names the furthest: everything up to it was removed.
    from safeguard.access.models import AuditChainHead

    by_lane, _ = _lanes(settings, tmp_path, every=100)
    audit.checkpoint_now()
    last = by_lane[2][-1]
    line = _line_of(2, last.seq)
    tamper("DELETE FROM access_auditentry WHERE lane = 2")
    AuditChainHead.objects.filter(pk=2).delete()
    assert audit.verify_chain().problems == [
        f"lane 2: the checkpoint file says entry seq {last.seq} existed at {line.at} "
        f"(checkpoint file line {line.line}), but the last entry is seq 0: entries were "
        "removed from the end"
    ]


def test_a_lane_head_deleted_with_the_anchors_and_the_lanes_first_entry_is_refused(
    settings, tmp_path
):
    # What is left of lane 2 (its entries after the first) is enough: the head is not
    # re-created at the start of a chain that had entries.
    from safeguard.access.models import AuditChainHead

    by_lane, _ = _lanes(settings, tmp_path, checkpoint_file=False)
    tamper("DELETE FROM access_auditentry WHERE id = %s", [by_lane[2][0].pk])
    tamper("DELETE FROM access_auditanchor")
    AuditChainHead.objects.filter(pk__in=[0, 2]).delete()
    with pytest.raises(audit.AuditChainBroken):
        audit.hold_lane(2)
    assert not AuditChainHead.objects.filter(pk=2).exists()


def test_the_anchor_head_deleted_with_every_anchor_is_refused_when_the_file_names_one(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from safeguard.access.models import AuditChainHead

    _lanes(settings, tmp_path, django_capture_on_commit_callbacks)
    tamper("DELETE FROM access_auditanchor")
    AuditChainHead.objects.filter(pk=AuditChainHead.ANCHORS).delete()
    audit.hold_lane(1)
    with pytest.raises(audit.AuditChainBroken):  # every=1: this append anchors
        audit.record_command_read(factories.child(), area="summary", action="view", via="t")
    assert not AuditChainHead.objects.filter(pk=AuditChainHead.ANCHORS).exists()


# --- Checkpoint lines written, where, and for which database (mutation: write_checkpoint,
# checkpoint_now, _checkpoint_path, _checkpoint_mac) -------------------------------------

AT = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


def _line_mac(key, body):
    import hashlib
    import hmac

    return hmac.new(key, b"checkpoint " + body.encode(), hashlib.sha256).hexdigest()


def test_a_checkpoint_line_is_appended_whole_in_the_documented_form(
    settings, tmp_path, monkeypatch
):
    # `v2 <seq> <hash> <utc time> <key id> <lane> <anchor seq> <anchor hash> <mac>`, one
    # line, appended after whatever the file holds (never over it), read back as written.
    from django.utils import timezone

    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = path  # (a Path is accepted as a str)
    settings.SAFEGUARD_AUDIT_KEY_ID = "k7"
    settings.SAFEGUARD_AUDIT_KEY = "the seventh key"
    settings.SAFEGUARD_AUDIT_RETIRED_KEYS = {"k1": "an older key"}
    monkeypatch.setattr(timezone, "now", lambda: AT.astimezone(dt.timezone(dt.timedelta(hours=5))))
    assert audit._checkpoint_path() == str(path)
    h, a = "ab" * 32, "cd" * 32
    earlier = "an earlier line that is much longer than the one written after it " * 3 + "\n"
    path.write_text(earlier)
    line = audit.write_checkpoint(3, 12, h, 40, a)
    body = f"v2 12 {h} 2026-01-02T03:04:05.000006+00:00 k7 3 40 {a}"
    assert line == f"{body} {_line_mac(b'the seventh key', body)}\n"
    second = audit.write_checkpoint(2, 5, a, 41, h)
    assert path.read_text() == earlier + line + second
    checkpoints, problems = audit.read_checkpoints()
    assert checkpoints == [
        audit.Checkpoint(2, 12, h, "2026-01-02T03:04:05.000006+00:00", 3, 40, a),
        audit.Checkpoint(3, 5, a, "2026-01-02T03:04:05.000006+00:00", 2, 41, h),
    ]
    assert problems == ["checkpoint file line 1 is not a checkpoint"]


def test_a_checkpoint_file_is_created_readable_by_its_group_only(settings, tmp_path):
    path = tmp_path / "new"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    umask = os.umask(0)
    os.umask(umask)
    assert audit.write_checkpoint(1, 1, "ab" * 32, 1, "cd" * 32)
    assert path.stat().st_mode & 0o777 == 0o640 & ~umask
    assert len(path.read_text().splitlines()) == 1


def test_a_checkpoint_that_cannot_be_written_is_logged_not_raised(settings, tmp_path, caplog):
    # The entry it follows is already committed: the failure is logged for the operator.
    path = tmp_path / "no such directory" / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    with caplog.at_level("ERROR", logger=audit.logger.name):
        assert audit.write_checkpoint(1, 1, "ab" * 32, 1, "cd" * 32) is None
    assert [r.getMessage() for r in caplog.records] == [
        f"could not write the audit checkpoint to {path}"
    ]
    assert not path.exists()


def test_no_checkpoint_is_written_or_read_for_another_database(settings, tmp_path, monkeypatch):
    # Replay's scratch database (and the like) has its own chain: it is never
    # checkpointed into, nor verified against, the configured database's file.
    from types import SimpleNamespace

    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    factories.child()
    key = audit.audit_keys()["k1"]
    body = f"v1 1 {'ab' * 32} 2026-01-02T03:04:05.000000+00:00 k1"
    path.write_text(f"{body} {_line_mac(key, body)}\nnot a checkpoint\n")
    assert len(audit.read_checkpoints()[0]) == 1
    scratch = {**settings.DATABASES["default"], "NAME": "scratch-replay"}
    monkeypatch.setattr(audit, "connections", {"default": SimpleNamespace(settings_dict=scratch)})
    assert audit._checkpoint_path() is None
    assert audit.write_checkpoint(1, 1, "ab" * 32, 1, "cd" * 32) is None
    assert audit.checkpoint_now() == []
    assert audit.read_checkpoints() == ([], [])
    assert path.read_text() == f"{body} {_line_mac(key, body)}\nnot a checkpoint\n"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = ""
    monkeypatch.undo()
    assert audit._checkpoint_path() is None


def test_checkpoint_now_checkpoints_a_trail_of_one_entry(settings, tmp_path):
    # The smallest trail there is: one entry, in lane 1.
    from safeguard.access.models import AuditAnchor, AuditChainHead

    path = tmp_path / "audit.log"
    child = factories.child()
    tamper("DELETE FROM access_auditentry")
    tamper("DELETE FROM access_auditanchor")
    AuditChainHead.objects.all().delete()
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    entry = audit.record_command_read(child, area="summary", action="view", via="t")
    assert (entry.lane, entry.seq) == (1, 1)
    lines = audit.checkpoint_now()
    anchor = AuditAnchor.objects.order_by("-seq").first()
    assert len(lines) == 1
    parts = lines[0].split()
    assert parts[1:3] == ["1", entry.hash]
    assert parts[5:8] == ["1", str(anchor.seq), anchor.hash]
    assert path.read_text() == lines[0]
    assert audit.verify_chain().ok


def test_checkpoint_now_writes_one_line_a_lane_in_lane_order_with_one_anchor(settings, tmp_path):
    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    lanes_trail(settings, lanes=(1, 2, 3), per_lane=2, every=100)
    path.write_text("")
    lines = audit.checkpoint_now()
    parts = [line.split() for line in lines]
    assert [p[5] for p in parts] == ["1", "2", "3"]
    for p in parts:
        head = AuditEntry.objects.filter(lane=int(p[5])).order_by("-seq").first()
        assert (int(p[1]), p[2]) == (head.seq, head.hash)
    assert len({(p[6], p[7]) for p in parts}) == 1
    assert path.read_text() == "".join(lines)
    report = audit.verify_chain()
    assert report.ok and report.checkpoints_matched == 3, report.problems


def test_a_read_records_the_basis_and_reason_given_and_none_when_none_is_given():
    sw = person(username="reader")
    child = factories.child()
    request = request_for(sw)
    read = audit.record_read(
        request, child, area="summary", basis="break_glass", reason="Police at the door"
    )
    (listed,) = audit.record_reads(request, [child], area="chronology", action="view")
    stored = {e.pk: (e.basis, e.reason) for e in AuditEntry.objects.filter(child=child)}
    assert stored[read.pk] == ("break_glass", "Police at the door")
    assert stored[listed.pk] == ("", "")


def test_a_child_listed_is_recorded_with_no_reason():
    # A list gives no reason (only a read that asks for one, e.g. break-glass, has one).
    manager = person(role="team_manager", username="lister")
    children = [factories.child(), factories.child()]
    _, entries = _listed(request_for(manager), children, area="identity", basis="team")
    assert [(e.child_id, e.basis, e.reason) for e in entries] == [
        (c.pk, "team", "") for c in children
    ]


def test_on_an_empty_trail_the_first_writer_takes_lane_1_not_a_queue(settings, monkeypatch):
    # Lanes are created when first needed; the first writer then takes the lowest free
    # lane. Queuing on a random lane is only for when every lane is busy.
    from safeguard.access.models import AuditChainHead

    settings.SAFEGUARD_AUDIT_LANES = 4
    tamper("DELETE FROM access_auditentry")
    tamper("DELETE FROM access_auditanchor")
    AuditChainHead.objects.all().delete()
    # (A queue would take the last lane.)
    monkeypatch.setattr(audit.random, "randint", lambda low, high: high)
    child = factories.child()
    entry = audit.record_command_read(child, area="summary", action="view", via="t")
    assert entry.lane == 1
    assert set(AuditChainHead.objects.values_list("pk", flat=True)) == {0, 1, 2, 3, 4}


def test_checkpoint_now_writes_lines_in_the_lanes_number_order(settings, tmp_path):
    # Eleven lanes: in the order of their numbers (1, 2, ... 10, 11), not their text.
    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    lanes_trail(settings, lanes=tuple(range(1, 12)), per_lane=1, every=100)
    path.write_text("")
    lines = audit.checkpoint_now()
    assert [int(line.split()[5]) for line in lines] == list(range(1, 12))


def test_checkpoint_now_anchors_nothing_without_a_file_or_on_an_empty_trail(settings, tmp_path):
    from safeguard.access.models import AuditAnchor, AuditChainHead

    # No checkpoint file configured: nothing is written, not even an anchor.
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = ""
    lanes_trail(settings, lanes=(1, 2), per_lane=2, every=100)
    anchors = list(AuditAnchor.objects.values_list("seq", flat=True))
    assert audit.checkpoint_now() == []
    assert list(AuditAnchor.objects.values_list("seq", flat=True)) == anchors
    # An empty trail, as the migration leaves it (lane 1's head at 0): nothing to anchor.
    tamper("DELETE FROM access_auditentry")
    tamper("DELETE FROM access_auditanchor")
    AuditChainHead.objects.all().delete()
    AuditChainHead.objects.create(pk=1, seq=0, last_hash=audit.GENESIS_HASH)
    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    assert audit.checkpoint_now() == []
    assert not AuditAnchor.objects.exists()
    assert not path.exists()


def test_checkpoint_now_refuses_a_trail_whose_lanes_are_gone_but_anchors_remain(settings, tmp_path):
    # Every lane's entries and head deleted, the anchors left: a wiped trail, not an empty
    # one. Refused, as a lane head behind its anchor is, and nothing written.
    from safeguard.access.models import AuditChainHead

    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    lanes_trail(settings, lanes=(1, 2), per_lane=2, every=1)
    path.write_text("")
    tamper("DELETE FROM access_auditentry")
    AuditChainHead.objects.exclude(pk=AuditChainHead.ANCHORS).delete()
    with pytest.raises(audit.AuditChainBroken) as refused:
        audit.checkpoint_now()
    assert str(refused.value) == audit.BROKEN_HEAD_MESSAGE
    assert path.read_text() == ""


def test_checkpoint_now_refuses_when_a_lane_head_is_behind_its_entries(settings, tmp_path):
    from safeguard.access.models import AuditChainHead

    path = tmp_path / "audit.log"
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    lanes_trail(settings, lanes=(1, 2), per_lane=2, every=100)
    path.write_text("")
    from safeguard.access.models import AuditAnchor

    last = AuditAnchor.objects.order_by("-seq").first()
    AuditChainHead.objects.filter(pk=AuditChainHead.ANCHORS).update(
        seq=last.seq - 1, last_hash=last.prev_hash
    )
    with pytest.raises(audit.AuditChainBroken) as refused:
        audit.checkpoint_now()
    assert str(refused.value) == audit.BROKEN_HEAD_MESSAGE
    assert path.read_text() == ""


# --- What a new entry holds when nothing more is said (mutation: _new_entry,
# record_write, record_read, _request_details, snapshot) ----------------------------------


def _stored(entry):
    stored = AuditEntry.objects.get(pk=entry.pk)
    return {f.attname: getattr(stored, f.attname) for f in FIELDS if f.attname != "seq"}


def test_a_write_outside_a_request_holds_only_what_it_was_given(monkeypatch):
    from django.db import transaction
    from django.utils import timezone

    from safeguard.children.models import Child

    sw = person(username="writer")
    child = factories.child()
    monkeypatch.setattr(timezone, "now", lambda: AT)
    with transaction.atomic():
        entry = audit.record_write(
            sw, child, AuditAction.UPDATE, Child, None, {"a": 1, "b": 2}, {"a": 1, "b": 3}
        )
        bare = audit.record_write(None, None, AuditAction.CREATE, "x.Y", 0, None, None)
    got = _stored(entry)
    assert got == {
        **got,
        "at": AT,
        "actor_id": sw.pk,
        "actor_label": "writer",
        "via": "command",
        "action": AuditAction.UPDATE,
        "child_id": child.pk,
        "area": "",
        "basis": "",
        "path": "",
        "ip": None,
        "user_agent": "",
        "model": "children.Child",
        "object_id": "",
        "changes": {"b": {"before": 2, "after": 3}},
        "reason": "",
    }
    got = _stored(bare)
    assert (got["child_id"], got["model"], got["object_id"], got["changes"]) == (
        None,
        "x.Y",
        "",
        {},
    )
    assert (got["actor_id"], got["actor_label"], got["via"]) == (None, "system", "system")
    assert audit.verify_chain().ok


def test_every_write_to_a_childs_record_is_put_to_the_write_guards_first(monkeypatch):
    # record_write asks each write guard (core/guards.py: e.g. a record closed after the
    # child's death) with the child, the model's label, the action and the changes kept;
    # a guard's refusal records nothing. A write to no child's record asks no guard.
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from safeguard.children.models import Child
    from safeguard.core import guards

    child = factories.child()
    asked = []
    monkeypatch.setattr(guards, "_guards", [lambda *question: asked.append(question)])
    with transaction.atomic():
        audit.record_write(None, child, AuditAction.UPDATE, Child, child.pk, {"a": 1}, {"a": 2})
        audit.record_write(None, None, AuditAction.CREATE, "x.Y", 0, None, {"b": 1})
    assert asked == [(child, "children.Child", "update", {"a": {"before": 1, "after": 2}})]

    def refuse(*question):
        raise ValidationError("closed")

    monkeypatch.setattr(guards, "_guards", [refuse])
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="closed"), transaction.atomic():
        audit.record_write(None, child, AuditAction.UPDATE, Child, child.pk, {"a": 1}, {"a": 2})
    assert AuditEntry.objects.count() == before


def test_a_read_holds_the_request_it_was_made_in_and_nothing_it_was_not_given(monkeypatch):
    from django.utils import timezone

    sw = person(username="reader")
    child = factories.child()
    monkeypatch.setattr(timezone, "now", lambda: AT)
    request = request_for(sw, path="/children/7/?tab=health")
    with audit.audit_context(request=request):
        entry = audit.record_read(request, child, area="health")
    got = _stored(entry)
    assert got == {
        **got,
        "at": AT,
        "actor_id": sw.pk,
        "actor_label": "reader",
        "via": "web",
        "action": AuditAction.VIEW,
        "child_id": child.pk,
        "area": "health",
        "basis": "",
        "path": "/children/7/?tab=health",
        "ip": "10.1.2.3",
        "user_agent": "pytest",
        "model": "",
        "object_id": "",
        "changes": {},
        "reason": "",
    }
    # record_reads: the basis one string for all, or by child id (else "").
    other = factories.child()
    entries = audit.record_reads(
        request, [child, other], area="summary", action="view", basis={other.pk: "team"}
    )
    assert [(e.child_id, e.basis, e.reason) for e in entries] == [
        (child.pk, "", ""),
        (other.pk, "team", ""),
    ]
    entries = audit.record_reads(
        request, [child, other], area="summary", action="export", basis="involvement", reason="r"
    )
    assert [(e.action, e.basis, e.reason, e.area) for e in entries] == [
        ("export", "involvement", "r", "summary")
    ] * 2


def test_where_an_entry_came_from_is_empty_for_a_request_without_details():
    # A request object with no META or path (as some internal callers build): no address,
    # agent or path, rather than a crash; no request at all: none of them.
    from types import SimpleNamespace

    assert audit._request_details(None) == {}
    bare = SimpleNamespace()
    assert audit._request_details(bare) == {"ip": None, "user_agent": "", "path": ""}


def test_a_snapshot_is_the_stored_values_as_json():
    child = factories.child(date_of_birth=dt.date(2015, 3, 4))
    involvement = involve(person(), child)
    data = audit.snapshot(involvement)
    assert data["child_id"] == child.pk and "child" not in data
    assert data["start_date"] == "2020-01-01"
    assert data["end_date"] is None
    assert set(data) == {f.attname for f in type(involvement)._meta.concrete_fields}
    assert audit.snapshot(child)["date_of_birth"] == "2015-03-04"
    assert audit.field_changes({"d": dt.date(2020, 1, 2)}, {"d": "2020-01-02"}) == {}


def test_several_lists_on_one_page_are_recorded_in_order_in_one_append():
    # audit_lists: each (children, area, basis) list in turn, basis None asking the rule,
    # every entry a search result, all chained in one append (consecutive in one lane).
    from safeguard.children.models import Child
    from tests.test_mutation_access import _situations

    situations = _situations()
    _, user, own = next(s for s in situations if s[0] == "involvement")
    everyone = list(Child.objects.order_by("pk"))
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    lists = [
        (Child.objects.filter(pk=own.pk), "summary", None),
        (everyone[:2], "identity", "caseload-review"),
        ([own], "export", None),
        ([], "summary", None),
    ]
    audit.audit_lists(request_for(user), lists)
    entries = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.child_id, e.area, e.basis) for e in entries] == [
        (own.pk, "summary", "involvement"),
        (everyone[0].pk, "identity", "caseload-review"),
        (everyone[1].pk, "identity", "caseload-review"),
        (own.pk, "export", "involvement"),
    ]
    assert {(e.action, e.actor_id, e.lane) for e in entries} == {
        (AuditAction.SEARCH_RESULT, user.pk, entries[0].lane)
    }
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 4))
    # One list, its action and area given or by default (identity), the children returned.
    shown = audit.audit_search_results(request_for(user), [own], action=AuditAction.EXPORT)
    entry = AuditEntry.objects.latest("seq")
    assert shown == [own]
    assert (entry.child_id, entry.area, entry.action, entry.basis) == (
        own.pk,
        "identity",
        AuditAction.EXPORT,
        "involvement",
    )
    assert audit.verify_chain().ok
