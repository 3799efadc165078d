"""The audit trail: every read and write of a child's record, hash-chained.

Writes: services call `record_write` inside their own transaction, so the record and its
audit entry commit or roll back together. Reads: `policy.open_child` calls `record_read`
before it returns the child, and list pages call `audit_search_results`; if the entry
cannot be written, `AuditUnavailable` is raised and the page is not served (the middleware
turns it into a 503).

Tamper evidence: each entry's `hash` is SHA-256 over the canonical JSON of its fields and
the previous entry's hash. Writers take a lock on the single `AuditChainHead` row, so the
chain has one order on SQLite and PostgreSQL alike. `verify_chain` (the command
`safeguard audit verify`) recomputes every hash. Source: UK GDPR Art. 5(1)(f) and 5(2)
(integrity and accountability); NHS Data Security and Protection Toolkit 9.5 (audit trails
that cannot be altered).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from safeguard.core.guards import check_write

from .models import AuditAction, AuditChainHead, AuditEntry
from .signin import client_ip

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"


class AuditUnavailable(Exception):
    """The audit entry for a read could not be written, so the read must not be served."""


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
    "prev_hash",
)


def entry_payload(entry: AuditEntry) -> bytes:
    """The canonical JSON that an entry's hash covers (sorted keys, no spaces, UTF-8)."""
    data = {name: getattr(entry, name) for name in HASHED_FIELDS}
    data["at"] = _utc_iso(entry.at)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(entry_payload(entry)).hexdigest()


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The migration creates the row; a flushed test database may not have it.
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _append(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Chain and insert entries in one transaction (a savepoint inside a caller's)."""
    if not entries:
        return entries
    with transaction.atomic():
        head = _lock_head()
        seq, prev = head.seq, head.last_hash
        for entry in entries:
            seq += 1
            entry.seq = seq
            entry.prev_hash = prev
            entry.hash = prev = entry_hash(entry)
        AuditEntry.objects.bulk_create(entries)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, last_hash=prev)
    return entries


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
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    entries = [
        _new_entry(
            request.user,
            request=request,
            action=action,
            child=child,
            area=area,
            basis=basis,
            reason=reason,
        )
        for child in children
    ]
    try:
        return _append(entries)
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


def audit_search_results(request, children, *, area: str = "identity", action=None) -> list:
    """Record that these children were shown in a list (search, caseload). One insert.

    Returns the children as a list, so callers evaluate the query once:
    `children = audit_search_results(request, visible_children(request, area=...)[:50])`.
    """
    children = list(children)
    record_reads(request, children, area=area, action=action or AuditAction.SEARCH_RESULT)
    return children


@dataclass
class ChainReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    first_broken_seq: int | None = None
    first_broken_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute every hash in order; report the first entry where the chain breaks."""
    report = ChainReport()
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
        computed = entry_hash(entry)
        if computed != entry.hash:
            return broken(
                entry,
                f"entry id {entry.pk} (seq {entry.seq}): stored hash {entry.hash} does not "
                f"match its contents (recomputed {computed}): the row was changed",
            )
        report.checked += 1
        prev_hash, prev_seq = entry.hash, entry.seq
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.last_hash) != (prev_seq, prev_hash):
        report.problems.append(
            f"the chain head says the last entry is seq {head.seq} with hash {head.last_hash}, "
            f"but the last entry found is seq {prev_seq} ({prev_hash}): entries were removed "
            "from the end"
        )
    return report
