"""Writes that span domain apps, for the recording pages."""

from __future__ import annotations

from django.db import transaction

from safeguard.access import roles
from safeguard.access.audit import audit_context
from safeguard.checks.services import notify_case_holders
from safeguard.chronology.event_types import get_event_type
from safeguard.chronology.services import record_event


class ContributionRefused(Exception):
    """The professional's role may not add this kind of entry."""


def contribute_event(*, actor, child, event_type: str, occurred, summary, details=None):
    """Contribute-without-seeing: add a chronology entry for a child the professional is not
    involved with, and tell the child's case holders, in one transaction.

    The entry is audited as a write (by record_event) labelled via "contribute"; the notices
    exist exactly when the entry does. Related people are never named: the contributor has
    not seen the child's people.
    """
    if not roles.may_contribute(actor.role) or not roles.may_write_event_type(
        actor.role, event_type
    ):
        raise ContributionRefused(f"{actor.role} may not contribute {event_type}")
    label = get_event_type(event_type).label
    with transaction.atomic(), audit_context(via="contribute"):
        event = record_event(
            actor=actor,
            child=child,
            event_type=event_type,
            occurred=occurred,
            source_agency=actor.agency,
            summary=summary,
            details=details,
        )
        agency = actor.agency.name if actor.agency_id else "a partner agency"
        notify_case_holders(
            child=child,
            text=f"{actor.display_name} ({agency}) added “{label}” to the chronology.",
        )
    return event
