"""Prescribing and dispensing messages as FHIR R4 resources (MedicationRequest,
MedicationDispense), turned into the chronology's prescription entries.

Validated with `fhir.resources` (the R4B models, which read R4 MedicationRequest and
MedicationDispense unchanged). The child is matched by the NHS number identifier
(system https://fhir.nhs.uk/Id/nhs-number) on the resource's `subject`. What is stored:

- MedicationRequest -> `prescription_issued` on `authoredOn` (medicine, prescription_ref
  from `groupIdentifier` or the first `identifier`, days_supply from
  `dispenseRequest.expectedSupplyDuration` in days);
- MedicationDispense -> `prescription_dispensed` on `whenPrepared` (else `whenHandedOver`)
  and, when `whenHandedOver` is given with status `completed`, `prescription_collected` on
  that day (FHIR: "when product was given out"), which is what the medicine-collection
  check reads.

A message that cannot be read, is not one of these resources, fails validation, names no
NHS number or an unknown one, or repeats one already received is rejected with the reason,
and nothing is stored (one transaction).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from pydantic import ValidationError as PydanticError

from safeguard.children.models import Child
from safeguard.core.validators import nhs_number_is_valid, normalise_nhs_number

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ACCEPTED = ("MedicationRequest", "MedicationDispense")


class FhirRejected(Exception):
    """The message was rejected; `reason` says why. Nothing was stored."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Entry:
    event_type: str
    occurred: object
    summary: str
    details: dict = field(default_factory=dict)


@dataclass
class Message:
    resource_type: str
    nhs_number: str
    entries: list[Entry]


def _model(resource_type: str):
    if resource_type == "MedicationRequest":
        from fhir.resources.R4B.medicationrequest import MedicationRequest

        return MedicationRequest
    from fhir.resources.R4B.medicationdispense import MedicationDispense

    return MedicationDispense


def _medicine(resource) -> str:
    concept = resource.medicationCodeableConcept
    if concept is not None:
        if concept.text:
            return concept.text
        for coding in concept.coding or []:
            if coding.display:
                return coding.display
    raise FhirRejected(
        f"{resource.__resource_type__} names no medicine: give medicationCodeableConcept "
        "with text or a coding display"
    )


def _nhs_number(resource) -> str:
    subject = resource.subject
    identifier = subject.identifier if subject is not None else None
    if identifier is None or identifier.system != NHS_NUMBER_SYSTEM or not identifier.value:
        raise FhirRejected(
            f"{resource.__resource_type__}.subject has no NHS number identifier (system "
            f"{NHS_NUMBER_SYSTEM})"
        )
    number = normalise_nhs_number(identifier.value)
    if not nhs_number_is_valid(number):
        raise FhirRejected(f"{identifier.value!r} is not a valid NHS number (check digit)")
    return number


def _first_identifier(identifiers) -> str:
    for identifier in identifiers or []:
        if identifier.value:
            return identifier.value
    return ""


def parse(text: str | bytes) -> Message:
    """Read and validate a message; raise FhirRejected with the reason."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirRejected(f"The message is not JSON ({exc})") from None
    if not isinstance(data, dict) or "resourceType" not in data:
        raise FhirRejected("The message is not a FHIR resource (no resourceType)")
    resource_type = data["resourceType"]
    if resource_type not in ACCEPTED:
        raise FhirRejected(
            f"{resource_type!r} is not accepted here (accepted: {', '.join(ACCEPTED)})"
        )
    try:
        resource = _model(resource_type).model_validate(data)
    except PydanticError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or resource_type}: {e['msg']}"
            for e in exc.errors()[:3]
        )
        raise FhirRejected(f"Not a valid FHIR R4 {resource_type}: {problems}") from None
    nhs_number = _nhs_number(resource)
    medicine = _medicine(resource)
    if resource_type == "MedicationRequest":
        return Message(resource_type, nhs_number, [_request_entry(resource, medicine)])
    return Message(resource_type, nhs_number, _dispense_entries(resource, medicine))


def _request_entry(resource, medicine: str) -> Entry:
    if resource.status not in ("active", "completed"):
        raise FhirRejected(
            f"MedicationRequest status {resource.status!r}: only an active or completed "
            "prescription is recorded as issued"
        )
    if resource.authoredOn is None:
        raise FhirRejected("MedicationRequest has no authoredOn (when it was prescribed)")
    ref = (resource.groupIdentifier.value if resource.groupIdentifier else "") or _first_identifier(
        resource.identifier
    )
    details = {"medicine": medicine}
    if ref:
        details["prescription_ref"] = ref
    duration = resource.dispenseRequest.expectedSupplyDuration if resource.dispenseRequest else None
    if duration is not None and duration.value is not None:
        if (duration.code or duration.unit) not in ("d", "day", "days"):
            raise FhirRejected("expectedSupplyDuration must be in days (code 'd')")
        details["days_supply"] = int(duration.value)
    return Entry(
        "prescription_issued",
        resource.authoredOn,
        f"{medicine} prescription issued (FHIR MedicationRequest).",
        details,
    )


def _dispense_entries(resource, medicine: str) -> list[Entry]:
    if resource.status not in ("completed", "in-progress"):
        raise FhirRejected(
            f"MedicationDispense status {resource.status!r}: only an in-progress or completed "
            "dispense is recorded"
        )
    prepared = resource.whenPrepared or resource.whenHandedOver
    if prepared is None:
        raise FhirRejected("MedicationDispense has neither whenPrepared nor whenHandedOver")
    ref = ""
    for reference in resource.authorizingPrescription or []:
        if reference.identifier is not None and reference.identifier.value:
            ref = reference.identifier.value
            break
    details = {"medicine": medicine}
    if ref:
        details["prescription_ref"] = ref
    entries = [
        Entry(
            "prescription_dispensed",
            prepared,
            f"{medicine} dispensed (FHIR MedicationDispense).",
            dict(details),
        )
    ]
    if resource.whenHandedOver is not None and resource.status == "completed":
        entries.append(
            Entry(
                "prescription_collected",
                resource.whenHandedOver,
                f"{medicine} handed over (FHIR MedicationDispense).",
                dict(details),
            )
        )
    return entries


def _occurred(value):
    # FHIR dateTime: a date, a date and time with an offset, or a partial date ("2019-06"),
    # kept at the precision given.
    return value if isinstance(value, dt.date) else str(value)


def import_message(text: str | bytes, *, actor, source_agency, child_filter=None) -> list:
    """Validate and store one message; return the chronology events made.

    `child_filter`: a queryset of the children the sender may write to (the page passes
    those the pharmacist or GP works with); a child outside it is reported as unknown, so
    a rejection never confirms that a child exists.
    """
    from safeguard.chronology import services as chronology_services
    from safeguard.chronology.models import Event

    message = parse(text)
    children = child_filter if child_filter is not None else Child.objects.all()
    child = children.filter(nhs_number=message.nhs_number).first()
    if child is None:
        raise FhirRejected(f"No child with NHS number {message.nhs_number} is known to you here")
    events = []
    try:
        with transaction.atomic():
            for entry in message.entries:
                ref = entry.details.get("prescription_ref")
                if (
                    ref
                    and Event.objects.filter(
                        child=child,
                        event_type=entry.event_type,
                        details__prescription_ref=ref,
                        withdrawn=False,
                    ).exists()
                ):
                    raise FhirRejected(
                        f"{entry.event_type.replace('_', ' ').capitalize()} for prescription "
                        f"{ref} has already been received"
                    )
                events.append(
                    chronology_services.record_event(
                        actor=actor,
                        child=child,
                        event_type=entry.event_type,
                        occurred=_occurred(entry.occurred),
                        source_agency=source_agency,
                        summary=entry.summary,
                        details=entry.details,
                    )
                )
    except ValidationError as exc:
        raise FhirRejected("; ".join(exc.messages)) from None
    return events
