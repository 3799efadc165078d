"""One place that hears "this child's record changed".

Every service that writes to a child's record calls `child_record_changed` inside its
transaction. Listeners (the checks engine re-evaluating that child, for one) run after the
transaction commits, so they never see a half-written record and a rolled-back write
triggers nothing. Listeners are registered explicitly in AppConfig.ready(), not through
Django signals, so the write path stays readable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

Listener = Callable[[int], None]
_listeners: list[Listener] = []


def register_listener(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def child_record_changed(child_id: int) -> None:
    for listener in list(_listeners):
        transaction.on_commit(lambda listener=listener: listener(child_id))
