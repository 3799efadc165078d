"""The audit trail proves itself to someone who does not trust the database.

Each test plays an attacker with write access to the database (but not to the audit key
or the checkpoint file) and checks that `audit verify` reports the damage, and that the
service refuses, with a clear message, to go on appending over a damaged chain.
"""

import hashlib
import hmac

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from safeguard.access import audit, policy
from safeguard.access.models import AuditChainHead, AuditEntry
from safeguard.children.models import Child
from tests import factories
from tests.access_helpers import involve, person, request_for, tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoints(settings, tmp_path):
    path = tmp_path / "checkpoints" / "audit.log"
    path.parent.mkdir()
    settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE = str(path)
    settings.SAFEGUARD_AUDIT_CHECKPOINT_EVERY = 3
    return path


def _chain(n, *, capture=None):
    sw = person()
    for _ in range(n):
        if capture is None:
            factories.child()
        else:
            with capture(execute=True):
                factories.child()
    return sw, list(AuditEntry.objects.order_by("seq"))


def _sha256_rechain(entries):
    """What a script without the key does: re-chain with plain SHA-256, as before."""
    prev = audit.GENESIS_HASH
    for entry in entries:
        entry.prev_hash = prev
        entry.hash = prev = hashlib.sha256(audit.entry_payload(entry)).hexdigest()
        tamper(
            "UPDATE access_auditentry SET seq = %s, reason = %s, prev_hash = %s, hash = %s "
            "WHERE id = %s",
            [entry.seq, entry.reason, entry.prev_hash, entry.hash, entry.pk],
        )
    AuditChainHead.objects.filter(pk=1).update(seq=entries[-1].seq, last_hash=prev)


def test_hash_is_an_hmac_under_the_configured_key_and_names_the_key(settings):
    _, entries = _chain(1)
    entry = entries[0]
    assert entry.key_id == settings.SAFEGUARD_AUDIT_KEY_ID
    expected = hmac.new(
        settings.SAFEGUARD_AUDIT_KEY.encode(), audit.entry_payload(entry), hashlib.sha256
    ).hexdigest()
    assert entry.hash == expected
    assert entry.hash != hashlib.sha256(audit.entry_payload(entry)).hexdigest()


def test_editing_a_middle_row_and_rechaining_without_the_key_is_caught():
    _, entries = _chain(4)
    entries[1].reason = "nothing to see"
    _sha256_rechain(entries)
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_broken_seq == 1  # the very first re-chained row fails its HMAC
    assert "does not match its contents" in report.problems[0]


def test_deleting_and_renumbering_without_the_key_is_caught():
    _, entries = _chain(4)
    tamper("DELETE FROM access_auditentry WHERE id = %s", [entries[1].pk])
    kept = [e for e in entries if e.pk != entries[1].pk]
    for number, entry in enumerate(kept, start=1):
        entry.seq = number
    _sha256_rechain(kept)
    assert not audit.verify_chain().ok


def test_a_forged_appended_row_is_caught():
    sw, entries = _chain(2)
    last = entries[-1]
    forged = AuditEntry(
        **{
            f.attname: getattr(last, f.attname)
            for f in AuditEntry._meta.concrete_fields
            if f.attname != "id"
        }
    )
    forged.seq, forged.prev_hash, forged.reason = last.seq + 1, last.hash, "forged"
    forged.hash = hashlib.sha256(audit.entry_payload(forged)).hexdigest()
    AuditEntry.objects.bulk_create([forged])
    AuditChainHead.objects.filter(pk=1).update(seq=forged.seq, last_hash=forged.hash)
    report = audit.verify_chain()
    assert report.first_broken_seq == forged.seq
    del sw


def test_deleting_the_chain_head_is_reported_and_the_service_refuses_clearly(client):
    sw, _ = _chain(2)
    child = Child.objects.first()
    involve(sw, child)
    AuditChainHead.objects.all().delete()
    report = audit.verify_chain()
    assert not report.ok
    assert "chain head row is missing" in report.problems[0]
    with pytest.raises(CommandError, match="chain head row is missing"):
        call_command("audit", "verify")
    # Reads and writes are refused with a message for an administrator, not a crash.
    with pytest.raises(audit.AuditChainBroken, match="safeguard audit verify"):
        policy.open_child(request_for(sw), child.pk, area="summary")
    with pytest.raises(audit.AuditChainBroken):
        factories.child()
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False):
        client.force_login(sw)
        page = client.get(f"/children/{child.pk}/")
    assert page.status_code == 503
    assert b"safeguard audit verify" in page.content


def test_restricted_naming_fails_with_a_clear_error_when_the_head_is_gone():
    sw = person()
    secret = factories.child(restricted=True)
    AuditChainHead.objects.all().delete()
    with pytest.raises(CommandError, match="Nobody was named: .*chain head is missing"):
        call_command(
            "restricted", "name", "--child", secret.local_id, "--user", sw.username,
            "--reason", "Named worker for this record",
        )  # fmt: skip


def test_a_head_reset_behind_the_entries_is_refused_not_a_unique_constraint_crash():
    sw, entries = _chain(2)
    AuditChainHead.objects.filter(pk=1).update(seq=0, last_hash=audit.GENESIS_HASH)
    with pytest.raises(audit.AuditChainBroken):
        factories.child()
    del sw, entries


def test_emptying_the_trail_is_caught_by_the_checkpoint_file(
    checkpoints, django_capture_on_commit_callbacks
):
    _chain(4, capture=django_capture_on_commit_callbacks)
    assert checkpoints.read_text().count("\n") >= 2  # seq 1 and seq 3
    tamper("DELETE FROM access_auditentry")
    AuditChainHead.objects.all().delete()
    report = audit.verify_chain()
    assert not report.ok
    assert "entries were removed from the end" in report.problems[0]
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")
    # And the service does not start a new chain over the gap.
    with pytest.raises(audit.AuditChainBroken):
        factories.child()


def test_truncating_and_moving_the_head_back_is_caught_by_the_checkpoint(
    checkpoints, django_capture_on_commit_callbacks
):
    _, entries = _chain(5, capture=django_capture_on_commit_callbacks)
    keep = entries[1]
    tamper("DELETE FROM access_auditentry WHERE seq > %s", [keep.seq])
    AuditChainHead.objects.filter(pk=1).update(seq=keep.seq, last_hash=keep.hash)
    report = audit.verify_chain()
    assert "the checkpoint file says entry seq 3 existed" in report.problems[0]


def test_rechaining_with_the_key_is_caught_by_an_earlier_checkpoint(
    checkpoints, django_capture_on_commit_callbacks
):
    # Even someone who stole the key cannot rewrite what a checkpoint already vouched for.
    _, entries = _chain(4, capture=django_capture_on_commit_callbacks)
    prev = audit.GENESIS_HASH
    for entry in entries:
        entry.reason = "rewritten" if entry.seq == 2 else entry.reason
        entry.prev_hash = prev
        entry.hash = prev = audit.entry_hash(entry)
        tamper(
            "UPDATE access_auditentry SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [entry.reason, entry.prev_hash, entry.hash, entry.pk],
        )
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev)
    report = audit.verify_chain()
    assert report.first_broken_seq == 3
    assert "checkpointed at" in report.problems[0]


def test_a_forged_checkpoint_line_is_reported(checkpoints, django_capture_on_commit_callbacks):
    _chain(1, capture=django_capture_on_commit_callbacks)
    with open(checkpoints, "a") as handle:
        handle.write(f"v1 999 {'a' * 64} 2026-01-01T00:00:00.000000+00:00 k1 {'b' * 64}\n")
    report = audit.verify_chain()
    assert report.problems == ["checkpoint file line 2 is not signed by a configured audit key"]


def test_checkpoint_command_and_verify_report_the_checkpoints(checkpoints, capsys):
    _chain(2)  # on_commit never runs inside the test transaction: no automatic checkpoint
    assert not checkpoints.exists()
    call_command("audit", "checkpoint")
    assert "Checkpoint written: seq 2" in capsys.readouterr().out
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Audit trail OK: 2 entries, chain intact" in out
    assert "Checkpoints: 1 matched" in out


def test_verify_warns_when_there_is_no_checkpoint_file(capsys):
    _chain(1)
    call_command("audit", "verify")
    assert "Warning: no checkpoint file" in capsys.readouterr().out


def test_a_rotated_key_still_verifies_old_entries_with_the_retired_key(settings):
    _chain(2)
    old_id, old_key = settings.SAFEGUARD_AUDIT_KEY_ID, settings.SAFEGUARD_AUDIT_KEY
    settings.SAFEGUARD_AUDIT_KEY_ID, settings.SAFEGUARD_AUDIT_KEY = "k2", "a-new-secret-key"
    settings.SAFEGUARD_AUDIT_RETIRED_KEYS = {old_id: old_key}
    factories.child()
    assert list(AuditEntry.objects.values_list("key_id", flat=True).distinct().order_by()) == [
        old_id,
        "k2",
    ]
    assert audit.verify_chain().ok
    settings.SAFEGUARD_AUDIT_RETIRED_KEYS = {}
    report = audit.verify_chain()
    assert f"signed with audit key id {old_id!r}, which is not configured" in report.problems[0]


def test_a_different_key_does_not_verify(settings):
    _chain(1)
    settings.SAFEGUARD_AUDIT_KEY = "someone-elses-key"
    assert not audit.verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_update_and_delete_of_audit_rows_on_the_app_connection():
    _, entries = _chain(1)
    for sql in (
        "UPDATE access_auditentry SET reason = 'x' WHERE id = %s",
        "DELETE FROM access_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entries[0].pk])
    assert audit.verify_chain().ok


@pytest.mark.parametrize("missing", ["SAFEGUARD_AUDIT_KEY", "SAFEGUARD_AUDIT_CHECKPOINT_FILE"])
def test_production_refuses_to_start_without_the_audit_key_or_checkpoint_file(tmp_path, missing):
    import os
    import secrets
    import subprocess
    import sys

    env = {
        **os.environ,
        "SAFEGUARD_MODE": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "safeguard.example.org",
        "SAFEGUARD_AUDIT_KEY": secrets.token_urlsafe(32),
        "SAFEGUARD_AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints"),
        "DJANGO_SETTINGS_MODULE": "safeguard.settings",
    }
    env.pop(missing)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr
