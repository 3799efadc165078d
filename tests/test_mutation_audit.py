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
