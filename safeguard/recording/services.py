"""Writes that span domain apps, for the recording pages.

A contribution without seeing the record tells the child's case holders through the
checks' outbox (checks.services.notify_case_holders) in the same transaction as the write.
The domain services (chronology, frontdoor) only record; the telling is composed here, a
layer above them, so no domain app imports the checks.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.access import roles
from safeguard.access.audit import audit_context
from safeguard.checks.services import notify_case_holders
from safeguard.chronology.event_types import get_event_type
from safeguard.chronology.services import record_event
from safeguard.frontdoor import services as frontdoor
from safeguard.frontdoor.models import Contact


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


def contribute_contact(*, actor, child, kind: str, source: str, summary: str) -> Contact:
    """Contribute-without-seeing a contact: an agency that is not involved with the child
    (after an exact-identifier match, contribute.py) tells children's social care
    what it has seen. Recorded as received today from the actor's agency, undecided (so it
    is on the front door's list and the 1-working-day clock runs), audited via "contribute";
    the child's case holders are told in the same transaction. Nothing of the record is read.
    """
    if not roles.may_contribute(actor.role) or actor.agency_id is None:
        raise ValidationError("Only a partner agency may make a contact this way")
    with transaction.atomic(), audit_context(via="contribute"):
        contact = frontdoor.record_contact(
            actor=actor,
            child=child,
            kind=kind,
            received_on=timezone.localdate(),
            source=source,
            referrer_agency=actor.agency,
            referrer_name=actor.display_name,
            summary=summary,
            recorded_by=actor,
        )
        notify_case_holders(
            child=child,
            text=f"{actor.display_name} ({actor.agency.name}) made a "
            f"{contact.get_kind_display().lower()} to children's social care: it awaits a "
            "front-door decision.",
        )
    return contact
