"""FHIR R4 MedicationRequest / MedicationDispense messages: valid ones stored as the
chronology's prescription entries, each invalid one rejected with why and nothing stored."""

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.accounts.models import Agency
from safeguard.chronology.models import Event
from safeguard.recording.fhir import FhirRejected, import_message
from safeguard.scenarios.loader import load
from tests.lac_data import LAC

pytestmark = pytest.mark.django_db
NHS = "https://fhir.nhs.uk/Id/nhs-number"

REQUEST = {
    "resourceType": "MedicationRequest",
    "id": "rx-1",
    "status": "active",
    "intent": "order",
    "groupIdentifier": {"value": "RX-100"},
    "medicationCodeableConcept": {
        "coding": [
            {
                "system": "https://dmd.nhs.uk",
                "code": "39112311000001103",
                "display": "Lamotrigine 100mg tablets",
            }
        ],
        "text": "Lamotrigine",
    },
    "subject": {"identifier": {"system": NHS, "value": "9434765919"}},
    "authoredOn": "2018-11-05",
    "dispenseRequest": {
        "expectedSupplyDuration": {
            "value": 28,
            "unit": "days",
            "system": "http://unitsofmeasure.org",
            "code": "d",
        }
    },
}
DISPENSE = {
    "resourceType": "MedicationDispense",
    "status": "completed",
    "medicationCodeableConcept": {"text": "Lamotrigine"},
    "subject": {"identifier": {"system": NHS, "value": "9434765919"}},
    "authorizingPrescription": [{"identifier": {"value": "RX-100"}}],
    "whenPrepared": "2018-11-06T10:00:00+00:00",
    "whenHandedOver": "2018-11-08T16:30:00+00:00",
}


@pytest.fixture
def child(tmp_path):
    path = tmp_path / "lac.yaml"
    path.write_text(LAC.split("      death:")[0], encoding="utf-8")
    load([path])
    return Agency.objects.get(code="ph1")


def _import(message, agency):
    return import_message(json.dumps(message), actor=None, source_agency=agency)


def test_a_prescription_becomes_prescription_issued(child):
    (event,) = _import(REQUEST, child)
    assert event.event_type == "prescription_issued"
    assert event.details == {
        "medicine": "Lamotrigine",
        "prescription_ref": "RX-100",
        "days_supply": 28,
    }
    assert event.occurred_on.isoformat() == "2018-11-05"


def test_a_dispense_handed_over_is_dispensed_and_collected(child):
    _import(REQUEST, child)
    dispensed, collected = _import(DISPENSE, child)
    assert (dispensed.event_type, collected.event_type) == (
        "prescription_dispensed",
        "prescription_collected",
    )
    assert collected.details["prescription_ref"] == "RX-100"
    assert collected.occurred_on.isoformat() == "2018-11-08"


def _without(message, *path):
    out = copy.deepcopy(message)
    target = out
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return out


def _with(message, **changes):
    return {**copy.deepcopy(message), **changes}


REJECTIONS = [
    ("not json", "{not json", "not JSON"),
    ("no resourceType", json.dumps({"status": "active"}), "no resourceType"),
    ("other resource", json.dumps({"resourceType": "Patient"}), "'Patient' is not accepted"),
    (
        "invalid status",
        json.dumps(_with(REQUEST, status="sideways")),
        "MedicationRequest status 'sideways'",
    ),
    (
        "unknown element",
        json.dumps(_with(REQUEST, dosage="twice")),
        "Not a valid FHIR R4 MedicationRequest",
    ),
    (
        "no subject",
        json.dumps(_without(REQUEST, "subject")),
        "Not a valid FHIR R4 MedicationRequest: subject",
    ),
    (
        "other identifier system",
        json.dumps(
            _with(REQUEST, subject={"identifier": {"system": "urn:x", "value": "9434765919"}})
        ),
        "has no NHS number identifier",
    ),
    (
        "bad check digit",
        json.dumps(_with(REQUEST, subject={"identifier": {"system": NHS, "value": "9434765918"}})),
        "not a valid NHS number",
    ),
    (
        "unknown child",
        json.dumps(_with(REQUEST, subject={"identifier": {"system": NHS, "value": "4010232137"}})),
        "No child with NHS number 4010232137",
    ),
    (
        "no medicine",
        json.dumps(_with(REQUEST, medicationCodeableConcept={"coding": []})),
        "names no medicine",
    ),
    ("no authoredOn", json.dumps(_without(REQUEST, "authoredOn")), "no authoredOn"),
    ("cancelled", json.dumps(_with(REQUEST, status="cancelled")), "only an active or completed"),
    (
        "dispense without dates",
        json.dumps(_without(_without(DISPENSE, "whenPrepared"), "whenHandedOver")),
        "neither whenPrepared nor whenHandedOver",
    ),
    (
        "before birth",
        json.dumps(_with(REQUEST, authoredOn="2001-01-01")),
        "before the child was born",
    ),
]


@pytest.mark.parametrize("text,reason", [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS])
def test_each_rejection_says_why_and_stores_nothing(child, text, reason):
    before = Event.objects.count()
    with pytest.raises(FhirRejected) as caught:
        import_message(text, actor=None, source_agency=child)
    assert reason in caught.value.reason
    assert Event.objects.count() == before


def test_a_repeat_is_rejected_and_a_half_duplicate_dispense_stores_nothing(child):
    _import(REQUEST, child)
    with pytest.raises(FhirRejected, match="already been received"):
        _import(REQUEST, child)
    # The dispensing was received, the hand-over not: the second message repeats the first
    # entry, so neither of its entries is stored.
    _import(_without(DISPENSE, "whenHandedOver") | {"status": "in-progress"}, child)
    before = Event.objects.count()
    with pytest.raises(FhirRejected, match="Prescription dispensed for prescription RX-100"):
        _import(DISPENSE, child)
    assert Event.objects.count() == before
    assert not Event.objects.filter(event_type="prescription_collected").exists()


def test_the_command_imports_and_reports_rejections(child, tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(REQUEST))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"resourceType": "Observation"}))
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("fhir_import", str(good), str(bad), "--source", "ph1")
    out = capsys.readouterr()
    assert "good.json: stored prescription_issued for child LAC-1" in out.out
    assert "bad.json: rejected: 'Observation' is not accepted" in out.err
    assert Event.objects.filter(event_type="prescription_issued").count() == 1
