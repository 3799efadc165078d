"""Issue 13 records: the scenario format round trip, the death workflow and the closed
record after death."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safeguard.care import services as care_services
from safeguard.care.models import Death, DeathNotification, IroDispute, PlacementPlan, Recipient
from safeguard.children.models import Child
from safeguard.health import services as health_services
from safeguard.scenarios.loader import ScenarioError, load
from tests.export_helpers import assert_same_record
from tests.lac_data import LAC
from tests.test_export_scenario import exported_then_reloaded

pytestmark = pytest.mark.django_db


def _load(tmp_path, text=LAC):
    path = tmp_path / "lac.yaml"
    path.write_text(text, encoding="utf-8")
    return load([path])


def test_every_care_record_round_trips_through_export(tmp_path):
    path = tmp_path / "lac.yaml"
    path.write_text(LAC, encoding="utf-8")
    before, after, text = exported_then_reloaded([path], "LAC-1", tmp_path)
    assert_same_record(before, after)
    for key in (
        "placement_plans",
        "capacity_assessments",
        "iro_disputes",
        "education",
        "peps",
        "leaving_care",
        "death",
        "appointments",
        "transition_plans",
    ):
        assert f"{key}:" in text, key


def test_an_appointment_before_the_diagnosis_loads_and_round_trips(tmp_path):
    # Tests and investigations come before a diagnosis: an appointment for the condition
    # dated before it was diagnosed is a record the pages can make, so its scenario must
    # load (the condition is known from the appointment, as from a medicine's start) and
    # export and reload the same, with the diagnosis date unchanged.
    text = LAC.replace(
        "        - {date: 2018-03-01, service: specialist, clinic: Neurology, condition: lac-epi,",
        "        - {date: 2014-11-01, service: paediatric, clinic: First fit, condition: lac-epi,\n"
        "           status: attended}\n"
        "        - {date: 2018-03-01, service: specialist, clinic: Neurology, condition: lac-epi,",
    )
    assert "First fit" in text
    path = tmp_path / "lac.yaml"
    path.write_text(text, encoding="utf-8")
    before, after, _ = exported_then_reloaded([path], "LAC-1", tmp_path)
    assert_same_record(before, after)
    child = Child.objects.get(local_id="LAC-1")
    first = child.appointments.get(clinic="First fit")
    assert first.condition.name == "Epilepsy"
    assert first.condition.diagnosed_on == dt.date(2015, 3, 1)


def test_later_dates_are_their_own_operations(tmp_path):
    result = _load(tmp_path)
    kinds = {(op.kind, op.effective) for op in result.scenario.operations}
    assert ("update_placement_plans", dt.date(2018, 9, 15)) in kinds
    assert ("escalate_dispute", dt.date(2018, 2, 20)) in kinds
    assert ("resolve_dispute", dt.date(2018, 3, 10)) in kinds
    assert ("host_authority_notified", dt.date(2018, 9, 20)) in kinds
    dispute = IroDispute.objects.get(raised_on=dt.date(2018, 2, 1))
    assert (dispute.resolved_stage, dispute.stage_since) == ("team_manager", dt.date(2018, 2, 20))
    plan = PlacementPlan.objects.get(requested_on=dt.date(2018, 8, 25))
    assert plan.placement.provider_name == "Severn Lodge"


def test_death_workflow_names_every_person_with_parental_responsibility(tmp_path):
    _load(tmp_path)
    death = Death.objects.get()
    tasks = {(n.recipient, n.recipient_name): n for n in death.notifications.all()}
    parents = sorted(name for kind, name in tasks if kind == Recipient.PARENT)
    # Both parents hold PR; the grandmother does not and is not on the list.
    assert parents == ["David Test (Father)", "Mary Test (Mother)"]
    kinds = {kind for kind, _ in tasks}
    assert kinds == {
        Recipient.PARENT,
        Recipient.SECRETARY_OF_STATE,
        Recipient.NATIONAL_PANEL,
        Recipient.RAPID_REVIEW,
        Recipient.PLACEMENT_PROVIDER,
        Recipient.IRO,
        Recipient.PARTNER_AGENCY,
    }
    # 10 January 2019 was a Thursday: 5 working days later is Thursday 17 January.
    assert tasks[
        (Recipient.NATIONAL_PANEL, "Child Safeguarding Practice Review Panel")
    ].due_date == dt.date(2019, 1, 17)
    assert tasks[(Recipient.PLACEMENT_PROVIDER, "Severn Lodge")]
    assert tasks[(Recipient.IRO, "Ira Reviewer")]
    partners = sorted(name for kind, name in tasks if kind == Recipient.PARTNER_AGENCY)
    assert partners == ["High Street Pharmacy", "Hill School", "Riverside Surgery"]
    mum = tasks[(Recipient.PARENT, "Mary Test (Mother)")]
    assert mum.done_on == dt.date(2019, 1, 10) and mum.who_tells == "Sam Worker"
    assert mum.person.given_name == "Mary"


def test_no_panel_notification_without_suspected_abuse_or_neglect(tmp_path):
    _load(
        tmp_path,
        LAC.replace("abuse_or_neglect_suspected: true", "abuse_or_neglect_suspected: false"),
    )
    kinds = set(DeathNotification.objects.values_list("recipient", flat=True))
    assert Recipient.NATIONAL_PANEL not in kinds and Recipient.RAPID_REVIEW not in kinds


def test_the_record_is_closed_to_ordinary_editing_after_death(tmp_path):
    _load(tmp_path)
    child = Child.objects.get(local_id="LAC-1")
    count = child.conditions.count()
    with pytest.raises(ValidationError, match="This record is closed"):
        health_services.record_condition(
            actor=None, child=child, name="Asthma", diagnosed_on=dt.date(2019, 1, 12)
        )
    assert child.conditions.count() == count
    # The workflow still works: a notification can be marked done.
    task = DeathNotification.objects.filter(done_on=None).first()
    care_services.record_notification_done(
        actor=None, notification=task, done_on=dt.date(2019, 1, 11)
    )
    assert DeathNotification.objects.get(pk=task.pk).done_on == dt.date(2019, 1, 11)


def test_a_notification_the_workflow_does_not_produce_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="the death workflow has no parent notification"):
        _load(tmp_path, LAC.replace("Mary Test (Mother)", "Mary Smith (Mother)"))
    assert not Child.objects.exists()


def test_capacity_lacking_needs_the_functional_test_and_a_best_interests_decision(tmp_path):
    _load(tmp_path, LAC.split("      death:")[0])
    child = Child.objects.get(local_id="LAC-1")
    with pytest.raises(ValidationError) as caught:
        care_services.record_capacity_assessment(
            actor=None,
            child=child,
            decision_kind="refuse_medicine",
            decision="Refusing Lamotrigine",
            date=dt.date(2018, 11, 1),
            impairment=True,
            understands=False,
            outcome="lacks_capacity",
        )
    assert "best_interests_decision" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        care_services.record_capacity_assessment(
            actor=None,
            child=child,
            decision_kind="refuse_medicine",
            decision="Refusing Lamotrigine",
            date=dt.date(2018, 11, 1),
            impairment=False,
            outcome="lacks_capacity",
            best_interests_decision="Give it",
        )
    assert "outcome" in caught.value.message_dict


def test_a_dispute_escalates_only_forwards(tmp_path):
    _load(tmp_path, LAC.split("      death:")[0])
    dispute = IroDispute.objects.get(resolved_on=None)
    with pytest.raises(ValidationError):
        care_services.escalate_dispute(
            actor=None, dispute=dispute, stage="informal", on=dt.date(2018, 10, 1)
        )
    dispute = care_services.escalate_dispute(
        actor=None, dispute=dispute, stage="director", on=dt.date(2018, 10, 1)
    )
    assert dispute.stage == "director"
