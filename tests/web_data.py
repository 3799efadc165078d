"""A small partnership for the page tests (unit and browser), written through the services.

Kept independent of the scenario loader (built separately) so page tests do not depend on
it. `build()` returns a namespace of the records the tests refer to.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from safeguard.accounts.models import AgencyKind
from safeguard.children.models import InvolvementRole, PRBasis, RelationshipType
from safeguard.children.services import (
    record_involvement,
    record_person,
    record_relationship,
)
from safeguard.chronology.services import correct_event, record_event, withdraw_event
from safeguard.episodes.models import EpisodeKind
from safeguard.episodes.services import record_episode, record_placement
from safeguard.health.models import HealthAssessmentKind
from safeguard.health.services import (
    record_condition,
    record_health_assessment,
    record_medicine,
)
from tests import factories

PASSWORD = "correct-horse-battery"


def build() -> SimpleNamespace:
    today = timezone.localdate()
    w = SimpleNamespace(today=today)
    w.council = factories.agency(
        "wcf", AgencyKind.CHILDRENS_SOCIAL_CARE, "Westshire Children's Services"
    )
    w.police = factories.agency("west-police", AgencyKind.POLICE, "Westshire Police")
    w.hospital = factories.agency("west-nhs", AgencyKind.NHS_TRUST, "Westshire Hospitals NHS Trust")
    w.team = factories.team(w.council, "looked-after", "Looked After Children Team")

    w.sw = factories.user(
        "sam.walker",
        agency_obj=w.council,
        team_obj=w.team,
        first_name="Sam",
        last_name="Walker",
        job_title="Social worker",
    )
    w.manager = factories.user(
        "tia.manager",
        role="team_manager",
        agency_obj=w.council,
        team_obj=w.team,
        first_name="Tia",
        last_name="Manager",
    )
    w.officer = factories.user(
        "pc.hale", role="police_officer", agency_obj=w.police, first_name="Pat", last_name="Hale"
    )

    w.sarah = factories.child(
        "WCF-00123",
        given_name="Sarah",
        family_name="Smith",
        date_of_birth=dt.date(2001, 12, 3),
        nhs_number="943 476 5919",
        ethnicity="WBRI",
        upn="",
    )
    w.tom = factories.child(
        "WCF-00456",
        given_name="Tom",
        family_name="Brown",
        date_of_birth=dt.date(2014, 5, 1),
        sex="M",
        nhs_number="9434765870",
    )
    w.olive = factories.child(
        "WCF-00789", given_name="Olive", family_name="Green", date_of_birth=dt.date(2012, 2, 29)
    )
    w.peter = factories.child(
        "WCF-00999", given_name="Peter", family_name="Smithson", date_of_birth=dt.date(2015, 7, 9)
    )

    # Involvements: Sam works with Sarah and Tom now, worked with Olive until last year;
    # Peter is the manager's only.
    def involve(child, who, role, start, end=None):
        return record_involvement(
            actor=None, child=child, professional=who, role=role, start_date=start, end_date=end
        )

    involve(w.sarah, w.sw, InvolvementRole.ALLOCATED_SOCIAL_WORKER, dt.date(2017, 1, 10))
    involve(w.tom, w.sw, InvolvementRole.ALLOCATED_SOCIAL_WORKER, today - dt.timedelta(days=90))
    involve(w.tom, w.sw, InvolvementRole.EXPLOITATION_WORKER, today - dt.timedelta(days=30))
    involve(
        w.olive,
        w.sw,
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        dt.date(2020, 1, 1),
        today - dt.timedelta(days=365),
    )
    involve(w.peter, w.manager, InvolvementRole.TEAM_MANAGER, dt.date(2022, 1, 1))
    involve(w.sarah, w.manager, InvolvementRole.TEAM_MANAGER, dt.date(2018, 1, 1))
    involve(w.sarah, w.officer, InvolvementRole.POLICE_OFFICER, dt.date(2019, 6, 1))

    # Plans: Sarah looked after under s20 in foster care; Tom on a child protection plan.
    record_episode(
        actor=None,
        child=w.sarah,
        kind=EpisodeKind.CHILD_IN_NEED,
        start_date=dt.date(2016, 2, 1),
        end_date=dt.date(2017, 1, 10),
        agency=w.council,
    )
    record_episode(
        actor=None,
        child=w.sarah,
        kind=EpisodeKind.LOOKED_AFTER,
        legal_status="V2",
        start_date=dt.date(2017, 1, 10),
        agency=w.council,
    )
    record_placement(
        actor=None,
        child=w.sarah,
        start_date=dt.date(2019, 1, 5),
        placement_type="U6",
        provider_name="Mr and Mrs Oak",
        area="Westshire",
        agency=w.council,
    )
    record_episode(
        actor=None,
        child=w.tom,
        kind=EpisodeKind.CHILD_PROTECTION,
        cp_category="neglect",
        start_date=today - dt.timedelta(days=60),
        agency=w.council,
    )

    # People: mother with parental responsibility, and an adult of concern.
    w.mother = record_person(actor=None, given_name="Jane", family_name="Smith")
    w.adult = record_person(actor=None, given_name="Mark", family_name="Stone")
    record_relationship(
        actor=None,
        child=w.sarah,
        person=w.mother,
        relationship=RelationshipType.MOTHER,
        parental_responsibility=True,
        pr_basis=PRBasis.BIRTH_MOTHER,
    )
    record_relationship(
        actor=None,
        child=w.sarah,
        person=w.adult,
        relationship=RelationshipType.ADULT_OF_CONCERN,
        notes="on police bail not to contact Sarah",
    )

    # Health.
    epilepsy = record_condition(
        actor=None,
        child=w.sarah,
        name="Frontal lobe epilepsy",
        diagnosed_on=dt.date(2010, 1, 1),
        diagnosed_precision="year",
        chronic=True,
        agency=w.hospital,
    )
    record_medicine(
        actor=None,
        child=w.sarah,
        name="Lamotrigine",
        dose="100 mg twice daily",
        condition=epilepsy,
        prescriber_name="Dr Ash",
        start_date=dt.date(2017, 3, 1),
        long_term=True,
    )
    record_medicine(
        actor=None,
        child=w.sarah,
        name="Carbamazepine",
        start_date=dt.date(2011, 1, 1),
        end_date=dt.date(2016, 12, 31),
    )
    record_health_assessment(
        actor=None,
        child=w.sarah,
        kind=HealthAssessmentKind.REVIEW,
        date=dt.date(2019, 3, 4),
        assessor_name="Nurse Birch",
        agency=w.hospital,
    )

    # Chronology events across agencies, including approximate, corrected and withdrawn.
    w.missing = record_event(
        actor=None,
        child=w.sarah,
        event_type="missing_from_care",
        occurred="2019-06",
        source_agency=w.council,
        summary="Went missing from placement several times this month",
        recorded_by=w.sw,
    )
    w.incident = record_event(
        actor=None,
        child=w.sarah,
        event_type="police_incident",
        occurred="2019-06-16T21:40",
        source_agency=w.police,
        summary="Police called to an address where Sarah was found with Mark Stone",
        details={"incident_ref": "WP-1906-0042"},
        recorded_by=w.officer,
    )
    w.seizure = record_event(
        actor=None,
        child=w.sarah,
        event_type="seizure",
        occurred="2019-06-16",
        source_agency=w.hospital,
        summary="Seizure at an adult's address; ambulance called",
        recorded_by_name="Dr Elm",
    )
    w.formula = record_event(
        actor=None,
        child=w.sarah,
        event_type="note",
        occurred="2019-07-01",
        source_agency=w.council,
        summary='=HYPERLINK("http://evil.example","click")',
        recorded_by=w.sw,
    )
    w.wrong_date = record_event(
        actor=None,
        child=w.sarah,
        event_type="ae_attendance",
        occurred="2019-05-02",
        source_agency=w.hospital,
        summary="A&E attendance after a fall",
        recorded_by_name="Dr Elm",
    )
    w.corrected = correct_event(
        actor=None,
        original=w.wrong_date,
        reason="Wrong date copied from the discharge letter",
        occurred="2019-05-03",
    )
    w.mistake = record_event(
        actor=None,
        child=w.sarah,
        event_type="school_exclusion",
        occurred="2019-04-01",
        source_agency=w.council,
        summary="Suspended from school",
        recorded_by=w.sw,
    )
    w.withdrawal = withdraw_event(
        actor=w.sw, original=w.mistake, reason="Recorded on the wrong child's file"
    )
    return w
