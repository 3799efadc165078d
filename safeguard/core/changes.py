"""One place that hears "this child's record changed".

Every service that writes to a child's record calls `child_record_changed` inside its
transaction. Listeners (the checks engine re-evaluating that child, for one) run after the
transaction commits, so they never see a half-written record and a rolled-back write
triggers nothing. Listeners are registered explicitly in AppConfig.ready(), not through
Django signals, so the write path stays readable.

A transaction that writes many times to one child's record (a scenario load, a form that
saves several records) delivers one call per listener per child after it commits: every
call would see the same committed record, so the repeats are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import transaction

Listener = Callable[[int], None]
_listeners: list[Listener] = []


def register_listener(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


_delivered = threading.local()


def child_record_changed(child_id: int) -> None:
    # A new write in this thread: deliveries made so far belonged to commits that are over
    # (on-commit callbacks run straight after their commit, before the next write).
    _delivered.seen = set()
    for listener in list(_listeners):
        transaction.on_commit(lambda listener=listener: _deliver(listener, child_id))


def _deliver(listener: Listener, child_id: int) -> None:
    seen = getattr(_delivered, "seen", None)
    if seen is None:
        seen = _delivered.seen = set()
    if (listener, child_id) in seen:
        return
    seen.add((listener, child_id))
    listener(child_id)
