"""The front door records: services, the scenario format and export-scenario."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from safeguard.children.models import Child
from safeguard.frontdoor import services
from safeguard.frontdoor.models import (
    AdultCheck,
    Assessment,
    CaseClosure,
    Contact,
    HouseholdMember,
    Injury,
    WorkerAbsence,
)
from safeguard.scenarios.loader import ScenarioError, load
from tests.export_helpers import assert_same_record
from tests.test_export_scenario import exported_then_reloaded

DATA = Path(__file__).resolve().parent / "data"
SCENARIO = DATA / "frontdoor.yaml"
D = dt.date


@pytest.mark.django_db
def test_the_scenario_loads_every_front_door_record():
    result = load([SCENARIO])
    assert result.counts["contacts"] == 2
    assert result.counts["assessments"] == 1
    assert result.counts["household"] == 2
    assert result.counts["adult_checks"] == 1
    assert result.counts["injuries"] == 1
    assert result.counts["closures"] == 1
    assert result.counts["worker_absences"] == 1
    referral = Contact.objects.get(kind="referral")
    assert referral.decision == "assessment" and referral.decided_by.username == "fd-manager"
    assessment = Assessment.objects.get()
    assert assessment.contact == referral
    assert assessment.factors == ["16A", "3B"]
    assert assessment.seen_alone is False
    partner = HouseholdMember.objects.get(person__given_name="Pete")
    assert partner.left_on == D(2024, 6, 30)
    assert AdultCheck.objects.get().risk_to_children
    assert Injury.objects.get().medical_held_on == D(2024, 1, 17)
    assert WorkerAbsence.objects.get().covered_by.username == "fd-cover"
    # Closed after the assessment was completed: nothing of it was open.
    assert CaseClosure.objects.get().open_items == []


@pytest.mark.django_db
def test_the_scenario_round_trips_through_export_scenario(tmp_path):
    before, after, text = exported_then_reloaded([SCENARIO], "FD-AMY", tmp_path)
    assert_same_record(before, after)
    for key in ("contacts:", "assessments:", "household:", "adult_checks:", "injuries:"):
        assert key in text
    assert "seen_alone: false" in text


def _bad(tmp_path, old, new):
    text = SCENARIO.read_text().replace(old, new, 1)
    assert text != SCENARIO.read_text()
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


@pytest.mark.django_db
def test_a_decision_without_its_reason_is_refused_with_where(tmp_path):
    path = _bad(tmp_path, "        reason: Neglect indicators and an unexplained bruise.\n", "")
    with pytest.raises(ScenarioError) as err:
        load([path])
    assert "bad.yaml" in str(err.value) and "contacts[0]" in str(err.value)
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_an_assessment_naming_an_unknown_contact_is_refused(tmp_path):
    path = _bad(tmp_path, "      - contact: c1", "      - contact: c9")
    with pytest.raises(ScenarioError, match='no contact with id "c9"'):
        load([path])


@pytest.mark.django_db
def test_contact_rules_and_audit():
    from safeguard.access.models import AuditEntry

    load([SCENARIO])
    child = Child.objects.get(local_id="FD-AMY")
    with pytest.raises(ValidationError) as err:
        services.record_contact(
            actor=None, child=child, received_on=D(2024, 7, 1), source="1A", summary="x"
        )
    assert "referrer_relationship" in err.value.message_dict
    contact = services.record_contact(
        actor=None,
        child=child,
        received_on=D(2024, 7, 1),
        source="1D",
        referrer_relationship="neighbour",
        summary="Shouting heard",
    )
    with pytest.raises(ValidationError) as err:
        services.decide_contact(
            actor=None,
            contact=contact,
            decision="early_help",
            decision_reason="Support",
            decided_on=D(2024, 7, 2),
            judged_malicious=True,
        )
    assert "judged_malicious" in err.value.message_dict
    contact.refresh_from_db()
    assert contact.decision == ""
    services.decide_contact(
        actor=None,
        contact=contact,
        decision="early_help",
        decision_reason="Support",
        decided_on=D(2024, 7, 2),
    )
    assert (
        AuditEntry.objects.filter(model="frontdoor.Contact", object_id=str(contact.pk)).count() == 2
    )


@pytest.mark.django_db
def test_closing_a_case_keeps_what_was_open_then():
    load([SCENARIO])
    child = Child.objects.get(local_id="FD-AMY")
    open_one = services.record_assessment(actor=None, child=child, started_on=D(2024, 10, 1))
    closure = services.close_case(
        actor=None, child=child, closed_on=D(2024, 10, 5), reason="Moved away"
    )
    assert closure.open_items == [{"kind": "assessment", "id": open_one.pk, "label": str(open_one)}]
    # Completing it later does not rewrite the snapshot.
    services.update_assessment(
        actor=None, assessment=open_one, completed_on=D(2024, 10, 9), outcome="nfa", factors=["21"]
    )
    closure.refresh_from_db()
    assert len(closure.open_items) == 1


@pytest.mark.django_db
def test_census_rules_on_the_factors_identified_at_assessment():
    """CIN census validation (csc-validator-be-cin): 8614 factors only on a completed
    assessment, 8897Q a completed one has them, 8898 no code twice, 8869 21 alone; and
    only valid codes (8897Q's list, without the queried 18A and 19A)."""
    from safeguard.frontdoor.codes import AssessmentFactor, ReferralSource

    child = factories_child()
    a = services.record_assessment(actor=None, child=child, started_on=D(2024, 1, 2))

    def refused(**fields):
        with pytest.raises(ValidationError) as err:
            services.update_assessment(actor=None, assessment=a, **fields)
        return err.value.message_dict["factors"][0]

    assert "when the assessment is completed" in refused(factors=["16A"])
    done = {"completed_on": D(2024, 2, 1), "outcome": "nfa"}
    assert "21 if none" in refused(**done)
    assert "once" in refused(factors=["16A", "16A"], **done)
    assert "cannot be selected with other" in refused(factors=["21", "16A"], **done)
    assert "Unknown" in refused(factors=["18A"], **done)
    assert "Unknown" in refused(factors=["19A"], **done)
    a = services.update_assessment(actor=None, assessment=a, factors=["21"], **done)
    assert a.factor_labels == ["21 No factors identified"]
    # The census code lists as the validator has them.
    assert set(AssessmentFactor.values) == {
        *(f"{n}{x}" for n in range(1, 7) for x in "ABC"),
        "7A",
        *(f"8{x}" for x in "BCDEF"),
        *(f"{n}A" for n in range(9, 18)),
        "18B",
        "18C",
        "19B",
        "19C",
        "20",
        "21",
        "22A",
        "23A",
        "24A",
    }
    # 18 is physical abuse and 19 sexual abuse, as the DfE lists them (codes.py cites the
    # sources); child sexual exploitation is 11A.
    labels = dict(AssessmentFactor.choices)
    assert all("physical abuse" in labels[c] for c in ("18B", "18C"))
    assert all("sexual abuse" in labels[c] for c in ("19B", "19C"))
    assert "adult on child" in labels["18C"] and "child on child" in labels["19B"]
    assert labels["11A"] == "Child sexual exploitation"
    assert ReferralSource.values == [
        "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F",
        "4", "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10",
    ]  # fmt: skip


def factories_child():
    from tests import factories

    return factories.child()
