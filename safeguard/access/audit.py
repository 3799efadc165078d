"""The audit trail: every read and write of a child's record, hash-chained.

Writes: services call `record_write` inside their own transaction, so the record and its
audit entry commit or roll back together. Reads: `policy.open_child` calls `record_read`
before it returns the child, and list pages call `audit_search_results`; if the entry
cannot be written, `AuditUnavailable` is raised and the page is not served (the middleware
turns it into a 503).

Tamper evidence: each entry's `hash` is an HMAC-SHA256, keyed by a secret the database
never holds (settings.SAFEGUARD_AUDIT_KEY, its id stored on the entry), over the canonical
JSON of its fields and the previous entry's hash in its lane. The trail is
SAFEGUARD_AUDIT_LANES lanes, each a chain with its own `AuditChainHead` row; a writer
locks a free one (SKIP LOCKED) for its transaction, so concurrent readers do not queue on
one lock. Anchors (`AuditAnchor`, a chain of their own) record every lane's head after a
lane's first entry and every SAFEGUARD_AUDIT_CHECKPOINT_EVERY entries of a lane, and
signed checkpoints (a lane's newest entry and that anchor) are appended to a file outside
the database (settings.SAFEGUARD_AUDIT_CHECKPOINT_FILE), so rows removed from the end of
a lane show too. `verify_chain` (the command `safeguard audit verify`) recomputes every
hash and checks the anchors, the heads and the checkpoints. Threat model:
docs/security.md. Source: UK GDPR Art. 5(1)(f) and 5(2) (integrity and accountability);
NHS Data Security and Protection Toolkit 9.5 (audit trails that cannot be altered).
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, connections, models, transaction
from django.utils import timezone

from safeguard.core.guards import check_write

from .models import AuditAction, AuditAnchor, AuditChainHead, AuditEntry
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


# The fields an entry's hash covers. Version 1: entries written before lanes (all in
# lane 1; migration 0002 signed them). Version 2: also the lane and the version itself.
HASHED_FIELDS_V1 = (
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
HASHED_FIELDS = (*HASHED_FIELDS_V1, "lane", "hash_version")
HASH_VERSION = 2
# The lane entries written before lanes are in (the head row they were chained under).
LEGACY_LANE = 1


def audit_keys() -> dict[str, bytes]:
    """Every key an entry may be signed with: retired ones (verify only) and the current."""
    keys = {k: v.encode() for k, v in settings.SAFEGUARD_AUDIT_RETIRED_KEYS.items()}
    keys[settings.SAFEGUARD_AUDIT_KEY_ID] = settings.SAFEGUARD_AUDIT_KEY.encode()
    return keys


class UnknownAuditKey(Exception):
    pass


def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_payload(entry: AuditEntry) -> bytes:
    """The canonical JSON that an entry's hash covers (sorted keys, no spaces, UTF-8)."""
    fields = HASHED_FIELDS_V1 if entry.hash_version == 1 else HASHED_FIELDS
    data = {name: getattr(entry, name) for name in fields}
    data["at"] = _utc_iso(entry.at)
    return _canonical(data)


def _hmac(key_id: str, payload: bytes, keys: dict[str, bytes] | None) -> str:
    key = (keys if keys is not None else audit_keys()).get(key_id)
    if key is None:
        raise UnknownAuditKey(key_id)
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def entry_hash(entry: AuditEntry, keys: dict[str, bytes] | None = None) -> str:
    """HMAC-SHA256 of the entry's canonical JSON with the key its `key_id` names."""
    return _hmac(entry.key_id, entry_payload(entry), keys)


def anchor_payload(anchor: AuditAnchor) -> bytes:
    """The canonical JSON an anchor's hash covers ("kind": never a key of an entry's)."""
    return _canonical(
        {
            "kind": "anchor",
            "seq": anchor.seq,
            "at": _utc_iso(anchor.at),
            "lane": anchor.lane,
            "heads": anchor.heads,
            "key_id": anchor.key_id,
            "prev_hash": anchor.prev_hash,
        }
    )


def anchor_hash(anchor: AuditAnchor, keys: dict[str, bytes] | None = None) -> str:
    return _hmac(anchor.key_id, anchor_payload(anchor), keys)


BROKEN_HEAD_MESSAGE = (
    "The audit trail's chain head is missing or behind its entries, so nothing more can be "
    "recorded (and no record can be opened) until an administrator runs `safeguard audit "
    "verify` and investigates (docs/security.md, 'When verify fails')."
)

# --------------------------------------------------------------------------- lanes
# The trail is SAFEGUARD_AUDIT_LANES chains ("lanes"), each with its own head row, so
# that concurrent writers need not queue on one lock. A transaction's first append takes
# a free lane (SELECT ... FOR UPDATE SKIP LOCKED, lowest first), or waits on one when all
# are busy; it keeps that lane for the rest of the transaction, so it never waits on a
# second lane while holding one (no deadlock between lanes). The lane a connection's
# transaction holds is remembered on the connection, with the outermost atomic block it
# was taken in; the memory is only a hint (the row lock is what guarantees the order),
# forgotten when the transaction commits and ignored in any other transaction.

_LANE_ATTR = "_safeguard_audit_lane"


def _lane_count() -> int:
    return max(1, int(settings.SAFEGUARD_AUDIT_LANES))


def _forget_lane(conn) -> None:
    setattr(conn, _LANE_ATTR, None)


def _held_lane(conn) -> int | None:
    memo = getattr(conn, _LANE_ATTR, None)
    if memo is None or not conn.in_atomic_block or conn.atomic_blocks[0] is not memo[1]:
        return None
    return memo[0]


def _remember_lane(conn, lane: int) -> None:
    if _held_lane(conn) != lane:
        setattr(conn, _LANE_ATTR, (lane, conn.atomic_blocks[0]))
        transaction.on_commit(lambda: _forget_lane(conn))


def _lock(pk: int) -> AuditChainHead | None:
    return AuditChainHead.objects.select_for_update().filter(pk=pk).first()


def _chain_has_history(pk: int) -> bool:
    """Whether the chain with this head row ever had entries (so a missing head is damage)."""
    checkpoints, _ = read_checkpoints()
    if pk == AuditChainHead.ANCHORS:
        return AuditAnchor.objects.exists() or any(c.anchor_seq for c in checkpoints)
    return (
        AuditEntry.objects.filter(lane=pk).exists()
        or AuditAnchor.objects.filter(heads__has_key=str(pk)).exists()
        or any(c.lane == pk for c in checkpoints)
    )


def _create_heads(pks: list[int]) -> None:
    # The migration creates head 1; a lane is created the first time it is needed and a
    # flushed test database lacks them all. A missing head for a chain that had entries
    # (or that an anchor or checkpoint says had some) is damage: refuse rather than
    # re-start the chain over it.
    if any(_chain_has_history(pk) for pk in pks):
        raise AuditChainBroken(BROKEN_HEAD_MESSAGE)
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(pk=pk, seq=0, last_hash=GENESIS_HASH) for pk in sorted(pks)],
        ignore_conflicts=True,
    )


def _lock_or_create(pk: int) -> AuditChainHead:
    head = _lock(pk)
    if head is None:
        _create_heads([pk])
        head = _lock(pk)
        if head is None:
            raise AuditChainBroken(BROKEN_HEAD_MESSAGE)
    return head


def _take_lane() -> AuditChainHead:
    """Lock this transaction's lane's head: the one it holds, else a free one, else wait."""
    conn = transaction.get_connection()
    lanes = _lane_count()
    held = _held_lane(conn)
    if held is not None and held <= lanes:
        return _lock_or_create(held)  # already ours: no wait
    free = AuditChainHead.objects.select_for_update(skip_locked=True).filter(
        pk__gte=1, pk__lte=lanes
    )
    head = free.order_by("pk").first()
    if head is None:
        existing = set(
            AuditChainHead.objects.filter(pk__gte=1, pk__lte=lanes).values_list("pk", flat=True)
        )
        missing = [lane for lane in range(1, lanes + 1) if lane not in existing]
        if missing:
            _create_heads(missing)
            head = free.order_by("pk").first()
    if head is None:
        # Every lane is busy: queue on one, as every writer did before lanes.
        head = _lock_or_create(random.randint(1, lanes))  # noqa: S311 - not a secret
    _remember_lane(conn, head.pk)
    return head


def hold_lane(lane: int) -> AuditChainHead:
    """Take `lane` (waiting for it) for the rest of the current transaction.

    For tests and tools that need entries in a given lane; `_append` chooses for itself.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("hold_lane must run inside a transaction")
    head = _lock_or_create(lane)
    _remember_lane(transaction.get_connection(), lane)
    return head


def _write_anchor(lane: int, keys: dict[str, bytes], key_id: str) -> AuditAnchor:
    """Append an anchor of every lane's head now (the caller's own uncommitted included).

    The caller holds at most its own lane; it waits here only for the anchor chain's head,
    which nobody holding it waits on another lane for, so this cannot deadlock.
    """
    head = _lock_or_create(AuditChainHead.ANCHORS)
    heads = {
        str(pk): [seq, last_hash]
        for pk, seq, last_hash in AuditChainHead.objects.filter(pk__gte=1, seq__gt=0)
        .order_by("pk")
        .values_list("pk", "seq", "last_hash")
    }
    # Heads only move forward: a lane's head gone or behind what the last anchor recorded
    # was deleted or reset. Refuse, as for the writer's own head, rather than anchor it.
    last = AuditAnchor.objects.filter(seq=head.seq).first() if head.seq else None
    if last is not None and any(
        heads.get(lane, [0])[0] < seq for lane, (seq, _) in last.heads.items()
    ):
        raise AuditChainBroken(BROKEN_HEAD_MESSAGE)
    anchor = AuditAnchor(
        seq=head.seq + 1,
        at=timezone.now(),
        lane=lane,
        heads=heads,
        key_id=key_id,
        prev_hash=head.last_hash,
    )
    anchor.hash = anchor_hash(anchor, keys)
    AuditAnchor.objects.bulk_create([anchor])
    AuditChainHead.objects.filter(pk=AuditChainHead.ANCHORS).update(
        seq=anchor.seq, last_hash=anchor.hash
    )
    return anchor


def _append(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Chain and insert entries in one transaction (a savepoint inside a caller's)."""
    if not entries:
        return entries
    keys = audit_keys()
    key_id = settings.SAFEGUARD_AUDIT_KEY_ID
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _forget_lane(conn)  # a new transaction: whatever lane was held was released
    try:
        with transaction.atomic():
            head = _take_lane()
            lane = head.pk
            first_seq = seq = head.seq
            prev = head.last_hash
            for entry in entries:
                seq += 1
                entry.lane = lane
                entry.seq = seq
                entry.hash_version = HASH_VERSION
                entry.key_id = key_id
                entry.prev_hash = prev
                entry.hash = prev = entry_hash(entry, keys)
            AuditEntry.objects.bulk_create(entries)
            AuditChainHead.objects.filter(pk=lane).update(seq=seq, last_hash=prev)
            every = max(1, settings.SAFEGUARD_AUDIT_CHECKPOINT_EVERY)
            if first_seq == 0 or first_seq // every != seq // every:
                anchor = _write_anchor(lane, keys, key_id)
                checkpoint = (lane, seq, prev, anchor.seq, anchor.hash)
                transaction.on_commit(lambda: write_checkpoint(*checkpoint))
    except IntegrityError as exc:
        # The head says seq N but entry N+1 exists: the head was reset or replaced.
        logger.error("audit chain head is behind its entries: %s", exc)
        raise AuditChainBroken(BROKEN_HEAD_MESSAGE) from exc
    return entries


# --------------------------------------------------------------------------- checkpoints
# One line per checkpoint, appended to a file the database cannot rewrite:
#   v2 <seq> <hash> <utc time> <key id> <lane> <anchor seq> <anchor hash> <hmac of the rest>
# : lane <lane>'s entry <seq> has <hash>, and anchor <anchor seq> (every lane's head then)
# has <anchor hash>. Lines written before lanes:
#   v1 <seq> <hash> <utc time> <key id> <hmac of "v1 seq hash time key_id">  (lane 1)
# The HMAC uses the audit key, so a line cannot be forged without it.

CHECKPOINT_VERSION = "v2"


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


def write_checkpoint(
    lane: int, seq: int, last_hash: str, anchor_seq: int, anchor_hash_: str
) -> str | None:
    """Append a signed checkpoint (a lane's entry and an anchor) to the file.

    Returns the line written, or None when no checkpoint file is configured. A failure
    is logged, not raised: the entry it follows is already committed.
    """
    path = _checkpoint_path()
    if path is None:
        return None
    key_id = settings.SAFEGUARD_AUDIT_KEY_ID
    body = (
        f"{CHECKPOINT_VERSION} {seq} {last_hash} {_utc_iso(timezone.now())} {key_id} "
        f"{lane} {anchor_seq} {anchor_hash_}"
    )
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


def checkpoint_now() -> list[str]:
    """Anchor every lane's head now and checkpoint each lane with it (`audit checkpoint`).

    Returns the lines written: none when no checkpoint file is configured, the trail is
    empty (no head has moved), or the file could not be written. Raises AuditChainBroken
    when a lane's head is missing or behind what the last anchor recorded.
    """
    # Any head that has moved is history, the anchors' included: anchors left with every
    # lane's head gone is a wiped trail, which _write_anchor refuses, not an empty one.
    if _checkpoint_path() is None or not AuditChainHead.objects.filter(seq__gt=0).exists():
        return []
    keys, key_id = audit_keys(), settings.SAFEGUARD_AUDIT_KEY_ID
    try:
        with transaction.atomic():
            anchor = _write_anchor(AuditChainHead.ANCHORS, keys, key_id)
    except IntegrityError as exc:
        raise AuditChainBroken(BROKEN_HEAD_MESSAGE) from exc
    lines = []
    for lane, (seq, last_hash) in sorted(anchor.heads.items(), key=lambda kv: int(kv[0])):
        line = write_checkpoint(int(lane), seq, last_hash, anchor.seq, anchor.hash)
        if line is not None:
            lines.append(line)
    return lines


@dataclass(frozen=True)
class Checkpoint:
    line: int
    seq: int
    hash: str
    at: str
    lane: int = LEGACY_LANE
    anchor_seq: int | None = None
    anchor_hash: str | None = None


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
            shape = {"v1": 6, "v2": 9}.get(parts[0])
            numbers = [1] if parts[0] == "v1" else [1, 5, 6]
            if len(parts) != shape or not all(parts[i].isdigit() for i in numbers):
                problems.append(f"checkpoint file line {number} is not a checkpoint")
                continue
            body, mac = " ".join(parts[:-1]), parts[-1]
            key = keys.get(parts[4])
            if key is None or not hmac.compare_digest(_checkpoint_mac(body, key), mac):
                problems.append(
                    f"checkpoint file line {number} is not signed by a configured audit key"
                )
                continue
            if parts[0] == "v1":
                checkpoints.append(Checkpoint(number, int(parts[1]), parts[2], parts[3]))
            else:
                checkpoints.append(
                    Checkpoint(
                        number,
                        int(parts[1]),
                        parts[2],
                        parts[3],
                        lane=int(parts[5]),
                        anchor_seq=int(parts[6]),
                        anchor_hash=parts[7],
                    )
                )
    return checkpoints, problems


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
    first_broken_lane: int | None = None
    checkpoints_matched: int = 0
    anchors_checked: int = 0
    lanes: int = 0
    last_checkpoint_seq: int = 0
    last_checkpoint_lane: int | None = None
    checkpoint_file: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Claim:
    """What a checkpoint line or an anchor says a lane's entry `seq` is (its hash)."""

    hash: str
    at: str
    source: str  # "the checkpoint file line N" / "anchor N (checkpoint file line M)" / ...
    checkpoint: Checkpoint | None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute every HMAC in order; check the numbering, the heads and the checkpoints.

    Checks the anchor chain (numbering, links, HMACs, against the checkpoint file), then
    each lane as one chain (numbering from 1, links, HMACs, against every checkpoint line
    and every anchor that recorded one of its entries), then the head rows. Reports the
    first entry where a lane breaks; also broken: a missing head while entries exist,
    entries removed from the end of a lane (a head, an anchor or a checkpoint ahead of its
    last entry), a checkpoint line not signed by a configured key.
    """
    report = ChainReport(checkpoint_file=_checkpoint_path())
    checkpoints, checkpoint_problems = read_checkpoints()
    if checkpoint_problems:
        report.problems.extend(checkpoint_problems)
        return report
    if checkpoints:
        report.last_checkpoint_seq = checkpoints[-1].seq
        report.last_checkpoint_lane = checkpoints[-1].lane
    keys = audit_keys()
    claims: dict[tuple[int, int], list[_Claim]] = {}

    def claim(lane, seq, value):
        claims.setdefault((int(lane), int(seq)), []).append(value)

    anchor_checkpoints: dict[int, Checkpoint] = {}
    for checkpoint in checkpoints:
        claim(
            checkpoint.lane,
            checkpoint.seq,
            _Claim(
                checkpoint.hash,
                checkpoint.at,
                f"checkpoint file line {checkpoint.line}",
                checkpoint,
            ),
        )
        if checkpoint.anchor_seq is not None:
            anchor_checkpoints.setdefault(checkpoint.anchor_seq, checkpoint)
    # An anchor at or before a checkpointed one is vouched for by the file too.
    checkpointed_anchors = sorted(anchor_checkpoints)

    def file_line_covering(anchor_seq):
        index = bisect.bisect_left(checkpointed_anchors, anchor_seq)
        if index == len(checkpointed_anchors):
            return None
        return anchor_checkpoints[checkpointed_anchors[index]]

    # 1. The anchor chain.
    prev_hash, prev_seq, last_anchor_at = GENESIS_HASH, 0, None
    for anchor in AuditAnchor.objects.order_by("seq").iterator(chunk_size=chunk_size):
        where = f"anchor id {anchor.pk} (seq {anchor.seq})"
        if anchor.seq != prev_seq + 1:
            report.problems.append(
                f"{where}: anchors seq {prev_seq + 1} to {anchor.seq - 1} are missing "
                "(deleted rows)"
            )
            return report
        if anchor.prev_hash != prev_hash:
            report.problems.append(
                f"{where}: prev_hash {anchor.prev_hash} does not match the hash of the "
                f"anchor before it ({prev_hash})"
            )
            return report
        try:
            computed = anchor_hash(anchor, keys)
        except UnknownAuditKey:
            report.problems.append(
                f"{where}: signed with audit key id {anchor.key_id!r}, which is not "
                "configured (SAFEGUARD_AUDIT_RETIRED_KEYS)"
            )
            return report
        if not hmac.compare_digest(computed, anchor.hash):
            report.problems.append(
                f"{where}: stored hash {anchor.hash} does not match its contents "
                f"(recomputed {computed}): the row was changed"
            )
            return report
        checkpoint = anchor_checkpoints.get(anchor.seq)
        if checkpoint is not None and checkpoint.anchor_hash != anchor.hash:
            report.problems.append(
                f"{where}: its hash is not the one checkpointed at {checkpoint.at} "
                f"(checkpoint file line {checkpoint.line}): the anchors were rewritten "
                "from here or earlier"
            )
            return report
        covering = file_line_covering(anchor.seq)
        at = _utc_iso(anchor.at)
        for lane, (seq, lane_hash) in anchor.heads.items():
            source = f"anchor {anchor.seq}"
            if covering is not None:
                source += f" (checkpoint file line {covering.line})"
            claim(lane, seq, _Claim(lane_hash, at, source, covering))
        report.anchors_checked += 1
        prev_hash, prev_seq, last_anchor_at = anchor.hash, anchor.seq, anchor.at
    if checkpointed_anchors and checkpointed_anchors[-1] > prev_seq:
        checkpoint = anchor_checkpoints[checkpointed_anchors[-1]]
        report.problems.append(
            f"the checkpoint file says anchor seq {checkpoint.anchor_seq} existed at "
            f"{checkpoint.at} (line {checkpoint.line}), but the last anchor is seq {prev_seq}: "
            "anchors were removed from the end"
        )
        return report
    anchors_end = (prev_seq, prev_hash)
    del last_anchor_at

    # 2. Each lane, as one chain.
    def broken(entry, message):
        report.first_broken_seq = entry.seq
        report.first_broken_id = entry.pk
        report.first_broken_lane = entry.lane
        report.problems.append(f"{message} [lane {entry.lane}]")
        return report

    ends: dict[int, tuple[int, str]] = {}
    lane, prev_hash, prev_seq = None, GENESIS_HASH, 0
    matched = set()
    for entry in AuditEntry.objects.order_by("lane", "seq").iterator(chunk_size=chunk_size):
        if entry.lane != lane:
            lane, prev_hash, prev_seq = entry.lane, GENESIS_HASH, 0
        where = f"entry id {entry.pk} (seq {entry.seq})"
        if entry.seq != prev_seq + 1:
            return broken(
                entry,
                f"{where}: entries seq {prev_seq + 1} to {entry.seq - 1} are missing "
                "(deleted rows)",
            )
        if entry.prev_hash != prev_hash:
            return broken(
                entry,
                f"{where}: prev_hash {entry.prev_hash} does not match the hash of the entry "
                f"before it ({prev_hash})",
            )
        try:
            computed = entry_hash(entry, keys)
        except UnknownAuditKey:
            return broken(
                entry,
                f"{where}: signed with audit key id {entry.key_id!r}, which is not "
                "configured (SAFEGUARD_AUDIT_RETIRED_KEYS)",
            )
        if not hmac.compare_digest(computed, entry.hash):
            return broken(
                entry,
                f"{where}: stored hash {entry.hash} does not match its contents "
                f"(recomputed {computed}): the row was changed",
            )
        if entry.hash_version == 1 and entry.lane != LEGACY_LANE:
            return broken(
                entry,
                f"{where}: written before lanes (hash version 1) but in lane {entry.lane}: "
                "the row was moved",
            )
        for expected in claims.get((entry.lane, entry.seq), ()):
            if expected.hash != entry.hash:
                if expected.checkpoint is not None:
                    said = f"checkpointed at {expected.checkpoint.at} ({expected.source})"
                else:
                    said = f"recorded by {expected.source} at {expected.at}"
                return broken(
                    entry,
                    f"{where}: its hash is not the one {said}: the lane was rewritten from "
                    "here or earlier",
                )
            if expected.checkpoint is not None and expected.source.startswith("checkpoint"):
                matched.add((entry.lane, entry.seq))
        report.checked += 1
        prev_hash, prev_seq = entry.hash, entry.seq
        ends[lane] = (prev_seq, prev_hash)
    report.checkpoints_matched = len(matched)
    report.lanes = len(ends)

    # 3. Nothing a checkpoint or an anchor vouched for is missing from the end of a lane.
    beyond: dict[int, tuple[int, _Claim]] = {}
    for (claimed_lane, seq), said in claims.items():
        last = ends.get(claimed_lane, (0, GENESIS_HASH))[0]
        if seq > last and seq > beyond.get(claimed_lane, (0, None))[0]:
            # The strongest witness: the checkpoint file if one vouches for it.
            beyond[claimed_lane] = (seq, min(said, key=lambda c: c.checkpoint is None))
    for claimed_lane in sorted(beyond):
        seq, said = beyond[claimed_lane]
        last = ends.get(claimed_lane, (0, GENESIS_HASH))[0]
        if said.checkpoint is not None:
            who = f"the checkpoint file says entry seq {seq} existed at {said.at} ({said.source})"
        else:
            who = f"{said.source} says entry seq {seq} existed at {said.at}"
        report.problems.append(
            f"lane {claimed_lane}: {who}, but the last entry is seq {last}: entries were "
            "removed from the end"
        )
        return report

    # 4. The head rows: each lane's and the anchors' point at their last entry.
    heads = {head.pk: head for head in AuditChainHead.objects.all()}
    for pk in sorted(set(ends) | {pk for pk in heads if pk != AuditChainHead.ANCHORS}):
        last_seq, last_hash = ends.get(pk, (0, GENESIS_HASH))
        head = heads.get(pk)
        if head is None:
            report.problems.append(
                f"lane {pk}: the chain head row is missing, but {last_seq} entries exist: "
                "the head was deleted (the service refuses audited pages until it is repaired)"
            )
        elif (head.seq, head.last_hash) != (last_seq, last_hash):
            report.problems.append(
                f"lane {pk}: the chain head says the last entry is seq {head.seq} with hash "
                f"{head.last_hash}, but the last entry found is seq {last_seq} ({last_hash}): "
                "entries were removed from the end"
            )
    head = heads.get(AuditChainHead.ANCHORS)
    if head is None:
        if anchors_end[0]:
            report.problems.append(
                f"the anchor chain's head row is missing, but {anchors_end[0]} anchors exist: "
                "the head was deleted"
            )
    elif (head.seq, head.last_hash) != anchors_end:
        report.problems.append(
            f"the anchor chain's head says the last anchor is seq {head.seq} with hash "
            f"{head.last_hash}, but the last anchor found is seq {anchors_end[0]} "
            f"({anchors_end[1]}): anchors were removed from the end"
        )
    return report
