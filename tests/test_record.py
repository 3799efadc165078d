"""The child's record: models and services refuse bad input with messages that say why."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safeguard.accounts import services as account_services
from safeguard.children import services as children_services
from safeguard.children.models import Child, Person
from safeguard.chronology import services as chronology_services
from safeguard.chronology.models import Event
from safeguard.episodes import services as episode_services
from safeguard.episodes.models import Episode, Placement
from safeguard.health import services as health_services
from tests import factories

D = dt.date


def messages(exc: ValidationError) -> dict:
    return exc.message_dict


# --------------------------------------------------------------------------- children


@pytest.mark.django_db
def test_invalid_nhs_number_refused():
    with pytest.raises(ValidationError) as caught:
        factories.child(nhs_number="9434765918")
    assert messages(caught.value) == {
        "nhs_number": ["Enter a valid NHS number: 10 digits with a correct check digit"]
    }
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_printed_nhs_number_is_normalised_and_unique():
    child = factories.child(nhs_number="943 476 5919")
    assert child.nhs_number == "9434765919"
    with pytest.raises(ValidationError) as caught:
        factories.child(nhs_number="9434765919")
    assert "nhs_number" in str(caught.value) or "__all__" in messages(caught.value)


@pytest.mark.django_db
def test_invalid_upn_refused():
    with pytest.raises(ValidationError) as caught:
        factories.child(upn="A12345678901X")
    assert messages(caught.value) == {
        "upn": ["Enter a valid UPN: a check letter followed by 12 characters"]
    }


@pytest.mark.django_db
def test_date_of_death_before_birth_refused():
    child = factories.child(date_of_birth=D(2010, 5, 17))
    with pytest.raises(ValidationError) as caught:
        children_services.record_date_of_death(actor=None, child=child, date_of_death=D(2009, 1, 1))
    assert messages(caught.value) == {
        "date_of_death": ["The date of death must be after the date of birth"]
    }
    child.refresh_from_db()
    assert child.date_of_death is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "pr,basis,error",
    [
        (True, "", {"pr_basis": ["Say how this person holds parental responsibility"]}),
        (
            False,
            "birth_mother",
            {"pr_basis": ["A basis is only recorded for someone with parental responsibility"]},
        ),
        (True, "married_father", None),
        (False, "", None),
    ],
)
def test_parental_responsibility_basis_rules(pr, basis, error):
    child = factories.child()
    person = children_services.record_person(actor=None, given_name="Parent")
    fields = dict(child=child, person=person, relationship="father")
    fields.update(parental_responsibility=pr, pr_basis=basis)
    if error is None:
        rel = children_services.record_relationship(actor=None, **fields)
        assert (rel.parental_responsibility, rel.pr_basis) == (pr, basis)
    else:
        with pytest.raises(ValidationError) as caught:
            children_services.record_relationship(actor=None, **fields)
        assert messages(caught.value) == error


@pytest.mark.django_db
def test_involvement_end_before_start_and_before_birth_refused():
    child = factories.child(date_of_birth=D(2010, 5, 17))
    sw = factories.user()
    with pytest.raises(ValidationError) as caught:
        children_services.record_involvement(
            actor=None,
            child=child,
            professional=sw,
            role="allocated_social_worker",
            start_date=D(2020, 5, 1),
            end_date=D(2020, 4, 30),
        )
    assert messages(caught.value) == {
        "end_date": ["The end date must be the same as or after the start date"]
    }
    with pytest.raises(ValidationError) as caught:
        children_services.record_involvement(
            actor=None, child=child, professional=sw, role="gp", start_date=D(2009, 1, 1)
        )
    assert messages(caught.value) == {
        "start_date": ["An involvement cannot start before the child was born"]
    }
    inv = children_services.record_involvement(
        actor=None, child=child, professional=sw, role="gp", start_date=D(2011, 1, 1)
    )
    with pytest.raises(ValidationError):
        children_services.end_involvement(actor=None, involvement=inv, end_date=D(2010, 12, 31))
    inv.refresh_from_db()
    assert inv.end_date is None


# --------------------------------------------------------------------------- episodes


def _episode(child, start, end=None, kind="looked_after", **extra):
    if kind == "looked_after":
        extra.setdefault("legal_status", "V2")
    return episode_services.record_episode(
        actor=None, child=child, kind=kind, start_date=start, end_date=end, **extra
    )


@pytest.mark.django_db
def test_episode_end_before_start_refused():
    child = factories.child()
    with pytest.raises(ValidationError) as caught:
        _episode(child, D(2020, 5, 1), D(2020, 4, 1))
    assert messages(caught.value) == {
        "end_date": ["The end date must be the same as or after the start date"]
    }
    assert not Episode.objects.exists()


@pytest.mark.django_db
def test_overlapping_looked_after_episodes_refused():
    child = factories.child()
    _episode(child, D(2020, 1, 6), D(2021, 3, 1))
    with pytest.raises(ValidationError) as caught:
        _episode(child, D(2020, 11, 2), legal_status="C2")
    assert messages(caught.value) == {
        "start_date": [
            "This looked-after episode overlaps another that starts on 2020-01-06: a child is "
            "looked after under one legal status at a time (end the earlier episode on the day "
            "the new one starts)"
        ]
    }
    # An open episode overlaps everything after its start.
    other = factories.child()
    _episode(other, D(2020, 1, 6))
    with pytest.raises(ValidationError):
        _episode(other, D(2022, 1, 1), legal_status="C1")


@pytest.mark.django_db
def test_touching_looked_after_episodes_allowed():
    # SSDA903: a change of legal status ends one episode on the day the next starts.
    child = factories.child()
    first = _episode(child, D(2020, 1, 6), D(2020, 6, 1), legal_status="C1")
    second = _episode(child, D(2020, 6, 1), legal_status="C2")
    assert [e.pk for e in Episode.objects.filter(child=child)] == [first.pk, second.pk]


@pytest.mark.django_db
def test_ending_an_episode_into_the_next_one_refused():
    child = factories.child()
    first = _episode(child, D(2020, 1, 6), D(2020, 6, 1))
    _episode(child, D(2020, 6, 1))
    with pytest.raises(ValidationError):
        episode_services.end_episode(actor=None, episode=first, end_date=D(2020, 7, 1))
    first.refresh_from_db()
    assert first.end_date == D(2020, 6, 1)


@pytest.mark.django_db
def test_episode_kind_rules():
    child = factories.child()
    with pytest.raises(ValidationError) as caught:
        episode_services.record_episode(
            actor=None, child=child, kind="looked_after", start_date=D(2020, 1, 1)
        )
    assert messages(caught.value) == {
        "legal_status": ["A looked-after episode needs a legal status"]
    }
    with pytest.raises(ValidationError) as caught:
        _episode(child, D(2020, 1, 1), kind="child_protection")
    assert messages(caught.value) == {"cp_category": ["A child protection plan needs a category"]}
    with pytest.raises(ValidationError) as caught:
        _episode(child, D(2020, 1, 1), kind="child_in_need", legal_status="V2")
    assert messages(caught.value) == {
        "legal_status": ["Only looked-after episodes have a legal status"]
    }


@pytest.mark.django_db
def test_placement_outside_a_looked_after_episode_refused():
    child = factories.child()
    _episode(child, D(2020, 1, 6), D(2020, 12, 31))
    with pytest.raises(ValidationError) as caught:
        episode_services.record_placement(
            actor=None, child=child, placement_type="U6", start_date=D(2021, 1, 4)
        )
    assert messages(caught.value) == {
        "start_date": [
            "The child is not looked after on 2021-01-04: record the looked-after episode first"
        ]
    }
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_overlapping_placements_refused_and_ending_one_works():
    child = factories.child()
    _episode(child, D(2020, 1, 6))
    first = episode_services.record_placement(
        actor=None, child=child, placement_type="U6", start_date=D(2020, 1, 6)
    )
    with pytest.raises(ValidationError) as caught:
        episode_services.record_placement(
            actor=None, child=child, placement_type="K2", start_date=D(2020, 3, 1)
        )
    assert messages(caught.value) == {
        "start_date": ["This placement overlaps the placement that starts on 2020-01-06"]
    }
    episode_services.end_placement(
        actor=None, placement=first, end_date=D(2020, 3, 1), reason_changed="CARPL"
    )
    episode_services.record_placement(
        actor=None, child=child, placement_type="K2", start_date=D(2020, 3, 1)
    )
    first.refresh_from_db()
    assert (first.end_date, first.reason_changed) == (D(2020, 3, 1), "CARPL")
    with pytest.raises(ValidationError):
        episode_services.end_placement(actor=None, placement=first, end_date=D(2019, 1, 1))


# --------------------------------------------------------------------------- health


@pytest.mark.django_db
def test_medicine_and_condition_dates_and_ends():
    child = factories.child()
    condition = health_services.record_condition(
        actor=None, child=child, name="Epilepsy", diagnosed_on=D(2012, 1, 1), chronic=True
    )
    with pytest.raises(ValidationError) as caught:
        health_services.record_medicine(
            actor=None, child=child, name="X", start_date=D(2020, 1, 2), end_date=D(2020, 1, 1)
        )
    assert messages(caught.value) == {
        "end_date": ["The end date must be the same as or after the start date"]
    }
    other = factories.child()
    with pytest.raises(ValidationError) as caught:
        health_services.record_medicine(
            actor=None, child=other, name="X", condition=condition, start_date=D(2020, 1, 1)
        )
    assert messages(caught.value) == {"condition": ["That condition belongs to another child"]}
    med = health_services.record_medicine(
        actor=None, child=child, name="Lamotrigine", condition=condition, start_date=D(2012, 2, 1)
    )
    health_services.end_medicine(actor=None, medicine=med, end_date=D(2019, 6, 16))
    med.refresh_from_db()
    assert med.end_date == D(2019, 6, 16)
    with pytest.raises(ValidationError) as caught:
        health_services.resolve_condition(
            actor=None, condition=condition, resolved_on=D(2011, 1, 1)
        )
    assert messages(caught.value) == {
        "resolved_on": ["The end date must be the same as or after the start date"]
    }


# --------------------------------------------------------------------------- accounts


@pytest.mark.django_db
def test_professional_accounts():
    wcf = account_services.create_agency(
        actor=None, code="wcf", name="WCF", kind="childrens_social_care"
    )
    police = account_services.create_agency(actor=None, code="wmp", name="WMP", kind="police")
    team = account_services.create_team(actor=None, agency=wcf, code="get-safe", name="Get Safe")
    with pytest.raises(ValidationError) as caught:
        account_services.create_professional(
            actor=None,
            username="pc.x",
            first_name="P",
            last_name="X",
            agency=police,
            team=team,
            role="police_officer",
        )
    assert messages(caught.value) == {"team": ["The team 'Get Safe' is not part of WMP"]}
    real = account_services.create_professional(
        actor=None, username="sw.x", first_name="S", last_name="X", agency=wcf, role="social_worker"
    )
    assert not real.has_usable_password()
    demo = account_services.create_professional(
        actor=None,
        username="sw.y",
        first_name="S",
        last_name="Y",
        agency=wcf,
        team=team,
        role="exploitation_worker",
        password="safeguard-demo",
    )
    assert demo.check_password("safeguard-demo")
    with pytest.raises(ValidationError) as caught:
        account_services.create_agency(actor=None, code="Bad Code", name="X", kind="police")
    assert list(messages(caught.value)) == ["code"]
    with pytest.raises(ValidationError):
        account_services.create_professional(
            actor=None, username="sw.z", first_name="S", last_name="Z", agency=wcf, role="wizard"
        )


# --------------------------------------------------------------------------- append-only events


@pytest.fixture
def event(db):
    child = factories.child()
    return chronology_services.record_event(
        actor=None,
        child=child,
        event_type="police_incident",
        occurred="2019-06-16T21:55",
        source_agency=factories.agency("wmp", kind="police"),
        summary="Police attended.",
    )


@pytest.mark.django_db
def test_event_cannot_be_changed_or_deleted(event):
    event.summary = "Changed"
    with pytest.raises(ValidationError, match="Event is append-only: it cannot be changed"):
        event.save()
    with pytest.raises(ValidationError, match="Event is append-only: it cannot be deleted"):
        event.delete()
    with pytest.raises(ValidationError, match="Event is append-only: it cannot be updated"):
        Event.objects.filter(pk=event.pk).update(summary="Changed")
    with pytest.raises(ValidationError, match="Event is append-only: it cannot be deleted"):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).summary == "Police attended."


@pytest.mark.django_db
def test_event_input_rules(event):
    child, agency = event.child, event.source_agency
    cases = [
        (dict(event_type="no_such_type"), "'no_such_type' is not a known event type"),
        (dict(summary="  "), "Enter a summary of what happened"),
        (dict(occurred="2019-13"), "is not a valid date"),
        (dict(occurred="2001-01-01"), "The event is dated before the child was born"),
        (dict(recorded_at=event.occurred_at.replace(year=2018)), "cannot be recorded before"),
        (
            dict(event_type="bail_conditions_set"),
            "details.conditions: required for 'bail_conditions_set' events",
        ),
    ]
    for change, message in cases:
        fields = dict(
            child=child,
            event_type="police_incident",
            occurred="2019-06-16T21:55",
            source_agency=agency,
            summary="Something happened.",
        )
        fields.update(change)
        with pytest.raises(ValidationError, match=message):
            chronology_services.record_event(actor=None, **fields)
    assert Event.objects.count() == 1
    assert Person.objects.count() == 0
