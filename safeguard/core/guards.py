"""Write guards: rules that may refuse any write to a child's record, asked in one place.

`access.audit.record_write` (which every service calls inside its transaction) asks each
registered guard before it records the write; a guard raises ValidationError to refuse, and
the transaction rolls back. Guards are registered in AppConfig.ready(), like the change
listeners in changes.py, so a domain rule (e.g. a record closed after the child's death,
safeguard/care/closure.py) applies to every service without each service knowing it.
"""

from __future__ import annotations

from collections.abc import Callable

Guard = Callable[[object, str, str, dict], None]
_guards: list[Guard] = []


def register_guard(guard: Guard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def check_write(child, model_label: str, action: str, changes: dict) -> None:
    """Ask every guard whether this write to `child`'s record may happen."""
    for guard in _guards:
        guard(child, model_label, action, changes)
