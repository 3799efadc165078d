"""The audit trail: every read and write of a child's record, hash-chained.

Writes: services call `record_write` inside their own transaction, so the record and its
audit entry commit or roll back together. Reads: `policy.open_child` calls `record_read`
before it returns the child, and list pages call `audit_search_results`; if the entry
cannot be written, `AuditUnavailable` is raised and the page is not served (the middleware
turns it into a 503).

Tamper evidence: each entry's `hash` is an HMAC-SHA256, keyed by a secret the database
never holds (settings.SAFEGUARD_AUDIT_KEY, its id stored on the entry), over the canonical
JSON of its fields and the previous entry's hash. Writers take a lock on the single
`AuditChainHead` row, so the chain has one order on SQLite and PostgreSQL alike. Signed
checkpoints (seq and hash) are appended to a file outside the database
(settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE), so rows removed from the end show too.
`verify_chain` (the command `safeguard audit verify`) recomputes every hash and checks the
checkpoints. Threat model: docs/security.md. Source: UK GDPR Art. 5(1)(f) and 5(2)
(integrity and accountability); NHS Data Security and Protection Toolkit 9.5 (audit trails
that cannot be altered).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, connections, models, transaction
from django.utils import timezone

from safeguard.core.guards import check_write

from .models import AuditAction, AuditChainHead, AuditEntry
from .signin import client_ip

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"

logger = logging.getLogger(__name__)


class AuditUnavailable(Exception):
    """The audit entry for a read could not be written, so the read must not be served."""


class AuditChainBroken(AuditUnavailable):
    """The chain cannot be appended to safely (its head is missing or behind the entries).

    Nothing is read or written until an administrator has run `safeguard audit verify`
    and repaired the cause: appending would hide the damage.
    """


# The request being served (set by AuditContextMiddleware) or a `via` label for
# commands and the scenario loader; writes pick up where they came from here.
_request_var: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)
_via_var: contextvars.ContextVar[str] = contextvars.ContextVar("audit_via", default="")


@contextlib.contextmanager
def audit_context(*, request=None, via: str = ""):
    """Label the reads and writes made inside the block (e.g. via="scenario-loader")."""
    tokens = []
    if request is not None:
        tokens.append((_request_var, _request_var.set(request)))
    if via:
        tokens.append((_via_var, _via_var.set(via)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model) -> dict:
    """The instance's stored field values as JSON (foreign keys as ids)."""
    data = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
    return _jsonable(data)


def field_changes(before: dict | None, after: dict | None) -> dict:
    before = _jsonable(before or {})
    after = _jsonable(after or {})
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = {"before": old, "after": new}
    return changes


def _request_details(request) -> dict:
    if request is None:
        return {}
    meta = getattr(request, "META", {})
    return {
        "ip": client_ip(request),
        "user_agent": meta.get("HTTP_USER_AGENT", "")[:300],
        "path": getattr(request, "get_full_path", lambda: "")()[:500],
    }


def _utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "via",
    "action",
    "child_id",
    "area",
    "basis",
    "path",
    "ip",
    "user_agent",
    "model",
    "object_id",
    "changes",
    "reason",
    "key_id",
    "prev_hash",
)


def audit_keys() -> dict[str, bytes]:
    """Every key an entry may be signed with: retired ones (verify only) and the current."""
    keys = {k: v.encode() for k, v in settings.SAFEGUARD_AUDIT_RETIRED_KEYS.items()}
    keys[settings.SAFEGUARD_AUDIT_KEY_ID] = settings.SAFEGUARD_AUDIT_KEY.encode()
    return keys


class UnknownAuditKey(Exception):
    pass


def entry_payload(entry: AuditEntry) -> bytes:
    """The canonical JSON that an entry's hash covers (sorted keys, no spaces, UTF-8)."""
    data = {name: getattr(entry, name) for name in HASHED_FIELDS}
    data["at"] = _utc_iso(entry.at)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry, keys: dict[str, bytes] | None = None) -> str:
    """HMAC-SHA256 of the entry's canonical JSON with the key its `key_id` names."""
    key = (keys if keys is not None else audit_keys()).get(entry.key_id)
    if key is None:
        raise UnknownAuditKey(entry.key_id)
    return hmac.new(key, entry_payload(entry), hashlib.sha256).hexdigest()


BROKEN_HEAD_MESSAGE = (
    "The audit trail's chain head is missing or behind its entries, so nothing more can be "
    "recorded (and no record can be opened) until an administrator runs `safeguard audit "
    "verify` and investigates (docs/security.md, 'When verify fails')."
)


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The migration creates the row and a flushed test database lacks it: recreate it
        # only for a trail that never had an entry. A missing head with entries (or with a
        # checkpoint saying there were some) is damage: refuse rather than re-start the
        # chain over it.
        if AuditEntry.objects.exists() or last_checkpoint_seq() > 0:
            raise AuditChainBroken(BROKEN_HEAD_MESSAGE)
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _append(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Chain and insert entries in one transaction (a savepoint inside a caller's)."""
    if not entries:
        return entries
    keys = audit_keys()
    key_id = settings.SAFEGUARD_AUDIT_KEY_ID
    try:
        with transaction.atomic():
            head = _lock_head()
            first_seq = head.seq
            seq, prev = head.seq, head.last_hash
            for entry in entries:
                seq += 1
                entry.seq = seq
                entry.key_id = key_id
                entry.prev_hash = prev
                entry.hash = prev = entry_hash(entry, keys)
            AuditEntry.objects.bulk_create(entries)
            AuditChainHead.objects.filter(pk=1).update(seq=seq, last_hash=prev)
    except IntegrityError as exc:
        # The head says seq N but entry N+1 exists: the head was reset or replaced.
        logger.error("audit chain head is behind its entries: %s", exc)
        raise AuditChainBroken(BROKEN_HEAD_MESSAGE) from exc
    every = max(1, settings.SAFEGUARD_AUDIT_CHECKPOINT_EVERY)
    if first_seq == 0 or first_seq // every != seq // every:
        checkpoint = (seq, prev)
        transaction.on_commit(lambda: write_checkpoint(*checkpoint))
    return entries


# --------------------------------------------------------------------------- checkpoints
# One line per checkpoint, appended to a file the database cannot rewrite:
#   v1 <seq> <hash> <utc time> <key id> <hmac of "v1 seq hash time key_id">
# The HMAC uses the audit key, so a line cannot be forged without it.

CHECKPOINT_VERSION = "v1"


def _checkpoint_path() -> str | None:
    path = settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE
    if not path:
        return None
    # Only for the configured database: replay's scratch database and the like have their
    # own chains, which must not be checkpointed against this one.
    if connections["default"].settings_dict["NAME"] != settings.DATABASES["default"]["NAME"]:
        return None
    return str(path)


def _checkpoint_mac(body: str, key: bytes) -> str:
    return hmac.new(key, b"checkpoint " + body.encode(), hashlib.sha256).hexdigest()


def write_checkpoint(seq: int | None = None, last_hash: str | None = None) -> str | None:
    """Append a signed checkpoint of the chain (its head when seq is None) to the file.

    Returns the line written, or None when no checkpoint file is configured. A failure
    is logged, not raised: the entry it follows is already committed.
    """
    path = _checkpoint_path()
    if path is None:
        return None
    if seq is None:
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is None or head.seq == 0:
            return None
        seq, last_hash = head.seq, head.last_hash
    key_id = settings.SAFEGUARD_AUDIT_KEY_ID
    body = f"{CHECKPOINT_VERSION} {seq} {last_hash} {_utc_iso(timezone.now())} {key_id}"
    line = f"{body} {_checkpoint_mac(body, audit_keys()[key_id])}\n"
    try:
        # O_APPEND: each line lands whole at the end, whatever other processes write.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        logger.exception("could not write the audit checkpoint to %s", path)
        return None
    return line


@dataclass(frozen=True)
class Checkpoint:
    line: int
    seq: int
    hash: str
    at: str


def read_checkpoints() -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in the file, and a problem for each line that is not a valid one."""
    path = _checkpoint_path()
    if path is None or not os.path.exists(path):
        return [], []
    keys = audit_keys()
    checkpoints, problems = [], []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            parts = raw.split()
            if not parts:
                continue
            if len(parts) != 6 or parts[0] != CHECKPOINT_VERSION or not parts[1].isdigit():
                problems.append(f"checkpoint file line {number} is not a checkpoint")
                continue
            body, mac = " ".join(parts[:5]), parts[5]
            key = keys.get(parts[4])
            if key is None or not hmac.compare_digest(_checkpoint_mac(body, key), mac):
                problems.append(
                    f"checkpoint file line {number} is not signed by a configured audit key"
                )
                continue
            checkpoints.append(Checkpoint(number, int(parts[1]), parts[2], parts[3]))
    return checkpoints, problems


def last_checkpoint_seq() -> int:
    checkpoints, _ = read_checkpoints()
    return max((c.seq for c in checkpoints), default=0)


def _actor_fields(actor, via: str) -> dict:
    request = _request_var.get()
    context_via = _via_var.get()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {
            "actor": None,
            "actor_label": SYSTEM_ACTOR,
            "via": via or context_via or SYSTEM_ACTOR,
        }
    return {
        "actor": actor,
        "actor_label": actor.get_username(),
        "via": via or context_via or ("web" if request is not None else "command"),
    }


def _new_entry(actor, *, via: str = "", request=None, **fields) -> AuditEntry:
    request = request if request is not None else _request_var.get()
    values = {
        "at": timezone.now(),
        "area": "",
        "basis": "",
        "path": "",
        "ip": None,
        "user_agent": "",
        "model": "",
        "object_id": "",
        "changes": {},
        "reason": "",
        **_actor_fields(actor, via),
        **_request_details(request),
        **fields,
    }
    values["changes"] = _jsonable(values["changes"])
    return AuditEntry(**values)


def _model_label(model) -> str:
    if isinstance(model, str):
        return model
    return model._meta.label


def record_write(
    actor, child, action, model, object_id, before, after, *, via: str = "", reason: str = ""
) -> AuditEntry:
    """Record a write to a child's record. Call it inside the write's transaction.

    `before`/`after` are `snapshot()` dicts (None before a create); only changed fields
    are kept. `actor` None means the system (scenario loader, jobs): `via` says which.
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_write must run inside the transaction of the write")
    changes = field_changes(before, after)
    if child is not None:
        # Rules that may refuse a write (e.g. a record closed after death): core/guards.py.
        check_write(child, _model_label(model), action, changes)
    entry = _new_entry(
        actor,
        via=via,
        action=action,
        child=child,
        model=_model_label(model),
        object_id=str(object_id or ""),
        changes=changes,
        reason=reason,
    )
    return _append([entry])[0]


def record_read(
    request, child, *, area: str, action: str = AuditAction.VIEW, basis: str = "", reason=""
):
    """Record that the signed-in professional saw `area` of `child`; raise if we cannot."""
    return record_reads(request, [child], area=area, action=action, basis=basis, reason=reason)[0]


def record_reads(request, children: Iterable, *, area: str, action: str, basis="", reason=""):
    """One entry per child; `basis` is one string for all, or a {child id: basis} dict."""
    return _append_reads(
        _read_entries(request, children, area=area, action=action, basis=basis, reason=reason)
    )


def _read_entries(request, children, *, area: str, action: str, basis="", reason=""):
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    return [
        _new_entry(
            request.user,
            request=request,
            action=action,
            child=child,
            area=area,
            basis=basis.get(child.pk, "") if isinstance(basis, dict) else basis,
            reason=reason,
        )
        for child in children
    ]


def _append_reads(entries: list[AuditEntry]) -> list[AuditEntry]:
    try:
        return _append(entries)
    except AuditUnavailable:
        raise
    except DatabaseError as exc:
        raise AuditUnavailable("the audit entry for this read could not be written") from exc


def record_command_read(child, *, area: str, action: str, via: str, reason: str = ""):
    """Record that a command (no signed-in user) read `area` of `child`, e.g. an export.

    Call it before the data leaves the system: if it cannot be written, the read fails.
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    entry = _new_entry(None, via=via, action=action, child=child, area=area, reason=reason)
    try:
        return _append([entry])[0]
    except DatabaseError as exc:
        raise AuditUnavailable("the audit entry for this read could not be written") from exc


def audit_search_results(
    request, children, *, area: str = "identity", action=None, basis=None
) -> list:
    """Record that these children were shown in a list (search, caseload). One insert.

    Each entry says why the professional could see that child (one query for the page),
    unless the caller gives the `basis` (e.g. a manager's review of their team's activity).
    Returns the children as a list, so callers evaluate the query once:
    `children = audit_search_results(request, visible_children(request, area=...)[:50])`.
    """
    children, entries = _search_result_entries(
        request, children, area=area, action=action, basis=basis
    )
    _append_reads(entries)
    return children


def audit_lists(request, lists: Iterable[tuple]) -> None:
    """`audit_search_results` for several lists shown on one page, in one append (one
    transaction, one lock of the chain's head): `lists` holds (children, area, basis)
    triples, basis None to ask for it, entered in that order."""
    entries = []
    for children, area, basis in lists:
        entries += _search_result_entries(request, children, area=area, action=None, basis=basis)[1]
    _append_reads(entries)


def _search_result_entries(request, children, *, area: str, action, basis):
    from .policy import access_bases, basis_of, with_bases  # policy imports this module

    user = getattr(request, "user", None)
    if basis is None and isinstance(children, models.QuerySet):
        # Ask for the basis in the same query as the list.
        children = with_bases(user, children, area=area)
        flags = getattr(children, "_basis_flags", None)
        children = list(children)
        if flags is not None:
            basis = {child.pk: basis_of(child, flags) for child in children}
    children = list(children)
    if basis is None and children:
        basis = access_bases(user, {c.pk for c in children}, area=area)
    entries = _read_entries(
        request, children, area=area, action=action or AuditAction.SEARCH_RESULT, basis=basis or ""
    )
    return children, entries


@dataclass
class ChainReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    first_broken_seq: int | None = None
    first_broken_id: int | None = None
    checkpoints_matched: int = 0
    last_checkpoint_seq: int = 0
    checkpoint_file: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute every HMAC in order; check the numbering, the head and the checkpoints.

    Reports the first entry where the chain breaks; also broken: a missing head while
    entries exist, entries removed from the end (head or checkpoint ahead of the last
    entry), a checkpoint whose hash differs from its entry, a checkpoint line not signed
    by a configured key.
    """
    report = ChainReport(checkpoint_file=_checkpoint_path())
    checkpoints, checkpoint_problems = read_checkpoints()
    if checkpoint_problems:
        report.problems.extend(checkpoint_problems)
        return report
    expected = {}
    for checkpoint in checkpoints:
        expected.setdefault(checkpoint.seq, checkpoint)
    report.last_checkpoint_seq = max(expected, default=0)
    keys = audit_keys()
    prev_hash, prev_seq = GENESIS_HASH, 0

    def broken(entry, message):
        report.first_broken_seq = entry.seq if entry else None
        report.first_broken_id = entry.pk if entry else None
        report.problems.append(message)
        return report

    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != prev_seq + 1:
            return broken(
                entry,
                f"entry id {entry.pk} (seq {entry.seq}): entries seq {prev_seq + 1} to "
                f"{entry.seq - 1} are missing (deleted rows)",
            )
        if entry.prev_hash != prev_hash:
            return broken(
                entry,
                f"entry id {entry.pk} (seq {entry.seq}): prev_hash {entry.prev_hash} does not "
                f"match the hash of the entry before it ({prev_hash})",
            )
        try:
            computed = entry_hash(entry, keys)
        except UnknownAuditKey:
            return broken(
                entry,
                f"entry id {entry.pk} (seq {entry.seq}): signed with audit key id "
                f"{entry.key_id!r}, which is not configured (SAFEGUARD_AUDIT_RETIRED_KEYS)",
            )
        if not hmac.compare_digest(computed, entry.hash):
            return broken(
                entry,
                f"entry id {entry.pk} (seq {entry.seq}): stored hash {entry.hash} does not "
                f"match its contents (recomputed {computed}): the row was changed",
            )
        checkpoint = expected.get(entry.seq)
        if checkpoint is not None:
            if checkpoint.hash != entry.hash:
                return broken(
                    entry,
                    f"entry id {entry.pk} (seq {entry.seq}): its hash is not the one "
                    f"checkpointed at {checkpoint.at} (checkpoint file line {checkpoint.line}): "
                    "the chain was rewritten from here or earlier",
                )
            report.checkpoints_matched += 1
        report.checked += 1
        prev_hash, prev_seq = entry.hash, entry.seq
    if report.last_checkpoint_seq > prev_seq:
        checkpoint = expected[report.last_checkpoint_seq]
        report.problems.append(
            f"the checkpoint file says entry seq {checkpoint.seq} existed at {checkpoint.at} "
            f"(line {checkpoint.line}), but the last entry is seq {prev_seq}: entries were "
            "removed from the end"
        )
        return report
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        if prev_seq:
            report.problems.append(
                f"the chain head row is missing, but {prev_seq} entries exist: the head was "
                "deleted (the service refuses audited pages until it is repaired)"
            )
    elif (head.seq, head.last_hash) != (prev_seq, prev_hash):
        report.problems.append(
            f"the chain head says the last entry is seq {head.seq} with hash {head.last_hash}, "
            f"but the last entry found is seq {prev_seq} ({prev_hash}): entries were removed "
            "from the end"
        )
    return report
