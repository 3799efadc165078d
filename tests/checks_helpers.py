"""Builders for the checks tests: records written through the services, as in production."""

import datetime as dt

from safeguard.children.services import record_involvement, record_person, record_relationship
from safeguard.chronology.services import record_event
from safeguard.episodes.services import record_episode, record_placement
from safeguard.health.services import record_condition, record_health_assessment, record_medicine
from tests import factories

D = dt.date
SARAH_DOB = D(2001, 12, 3)
SARAH_LA_START = D(2017, 1, 9)
MEDICINE_START = D(2015, 1, 1)
LONG_AGO = D(2010, 1, 1)


def looked_after_child(start=SARAH_LA_START, legal_status="V2", dob=SARAH_DOB, **fields):
    child = factories.child(date_of_birth=dob, **fields)
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=start, legal_status=legal_status
    )
    return child


def placement(
    child, start, intended_until_18=False, provider_name="Oak House", end=None, placement_type="U6"
):
    return record_placement(
        actor=None,
        child=child,
        start_date=start,
        end_date=end,
        placement_type=placement_type,
        provider_name=provider_name,
        intended_until_18=intended_until_18,
    )


def event(child, event_type, occurred, **details):
    occurred_text = occurred.isoformat() if hasattr(occurred, "isoformat") else occurred
    return record_event(
        actor=None,
        child=child,
        event_type=event_type,
        occurred=occurred_text,
        source_agency=factories.agency(),
        summary=event_type.replace("_", " "),
        details=details or None,
        recorded_at=None,
    )


def health_assessment(child, on, kind="review", **fields):
    return record_health_assessment(actor=None, child=child, kind=kind, date=on, **fields)


def chronic_medicine(child, name="Lamotrigine", start=MEDICINE_START, via_condition=False):
    if via_condition:
        condition = record_condition(
            actor=None, child=child, name="Epilepsy", chronic=True, diagnosed_on=D(2002, 6, 1)
        )
        return record_medicine(
            actor=None, child=child, name=name, start_date=start, condition=condition
        )
    return record_medicine(actor=None, child=child, name=name, start_date=start, long_term=True)


def adult_of_concern(child, start, end=None, name="Mark"):
    person = record_person(actor=None, given_name=name, family_name="Adult")
    return record_relationship(
        actor=None,
        child=child,
        person=person,
        relationship="adult_of_concern",
        start_date=start,
        end_date=end,
    )


def involve(child, user, role, start=LONG_AGO, end=None):
    return record_involvement(
        actor=None, child=child, professional=user, role=role, start_date=start, end_date=end
    )


def open_alert(child, professional, role, subject_key, **fields):
    """An open alert naming the professional, written directly (not by a check): for
    tests of the pages and selectors that list alerts, whatever raised them."""
    from django.utils import timezone

    from safeguard.checks.models import Alert, AlertRecipient

    today = timezone.localdate()
    values = {
        "check_id": "LAC-HEALTH-ASSESSMENT",
        "severity": "high",
        "status": "raised",
        "due_date": today,
        "detail": "Overdue",
        "first_raised_on": today,
        "raised_on": today,
        **fields,
    }
    alert = Alert.objects.create(child=child, subject_key=subject_key, **values)
    AlertRecipient.objects.create(alert=alert, professional=professional, role=role)
    return alert
