"""Every field of an audit entry is covered by its hash (issue 15).

Mutation testing showed that `child_id`, `changes` or `prev_hash` could be left out of the
hashed content with no test failing: an entry could be moved to another child, its
changes rewritten, or a forged row relinked. These tests are generated over every stored
field, so a field added to the model and left out of the hash fails here too.
"""

import datetime as dt
import json

import pytest
from django.db import connection

from safeguard.access import audit
from safeguard.access.models import AuditAction, AuditEntry
from tests import factories
from tests.access_helpers import involve, person, request_for, tamper

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
