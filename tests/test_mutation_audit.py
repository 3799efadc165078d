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
    if field.attname != "seq":
        assert report.first_broken_seq == middle.seq, report.problems


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
