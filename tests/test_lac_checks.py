"""Issue 13 checks at their boundaries: the day before they fire, the day they fire, and
the record that resolves them. The case is tests/lac_data.py (Lily, born 10 May 2002,
looked after from 1 January 2018, epilepsy) loaded through the scenario loader, changed
through the services."""

import datetime as dt

import pytest

from safeguard.care import services as care
from safeguard.care.models import DeathNotification, IroDispute, PlacementPlan
from safeguard.checks.engine import get_check
from safeguard.children.models import Child
from safeguard.chronology.services import record_event
from safeguard.episodes.models import Placement
from safeguard.health import services as health
from safeguard.scenarios.loader import load
from tests.lac_data import LAC

D = dt.date
pytestmark = pytest.mark.django_db
ALIVE = LAC.split("      death:")[0]


@pytest.fixture
def lily(tmp_path):
    path = tmp_path / "lac.yaml"
    path.write_text(ALIVE, encoding="utf-8")
    load([path])
    return Child.objects.get(local_id="LAC-1")


def keys(check_id, day):
    return {f.subject_key for f in get_check(check_id).findings(day)}


def test_placement_health_information(lily):
    severn = Placement.objects.get(provider_name="Severn Lodge")
    oak = Placement.objects.get(provider_name="Oak House")
    cid = "LAC-PLACEMENT-HEALTH-INFO"
    # Oak House had the information and training before the child arrived.
    assert f"placement:{oak.pk}" not in keys(cid, D(2018, 1, 1))
    # Severn Lodge: shared on 15 September, never trained: fires from the first day.
    assert keys(cid, D(2018, 8, 31)) == set()
    assert keys(cid, D(2018, 9, 1)) == {f"placement:{severn.pk}"}
    assert f"placement:{severn.pk}" in keys(cid, D(2018, 9, 16))
    plan = PlacementPlan.objects.get(placement=severn)
    care.record_health_information_shared(actor=None, plan=plan, trained_on=D(2018, 10, 1))
    assert keys(cid, D(2018, 9, 30)) == {f"placement:{severn.pk}"}
    assert keys(cid, D(2018, 10, 1)) == set()


def test_placement_health_information_needs_a_chronic_condition(lily):
    cond = lily.conditions.get()
    health.resolve_condition(actor=None, condition=cond, resolved_on=D(2018, 8, 1))
    assert keys("LAC-PLACEMENT-HEALTH-INFO", D(2018, 9, 2)) == set()


def test_capacity_for_a_risky_decision(lily):
    cid = "CAPACITY-RISKY-DECISION"
    record_event(
        actor=None,
        child=lily,
        event_type="risky_decision",
        occurred="2018-11-10",
        source_agency=lily.placements.first().agency,
        summary="Went back to Adam",
        details={"decision": "refuse_medicine"},
    )
    # 5 days to assess: not on the 15th, from the 16th.
    assert keys(cid, D(2018, 11, 15)) == set()
    assert keys(cid, D(2018, 11, 16)) == {"decision:refuse_medicine"}
    # The assessment for returning to the adult (5 October) does not cover this decision.
    care.record_capacity_assessment(
        actor=None,
        child=lily,
        decision_kind="refuse_medicine",
        decision="Lamotrigine",
        date=D(2018, 11, 20),
        understands=True,
        retains=True,
        uses_or_weighs=True,
        communicates=True,
        outcome="has_capacity",
    )
    assert keys(cid, D(2018, 11, 19)) == {"decision:refuse_medicine"}
    assert keys(cid, D(2018, 11, 20)) == set()


def test_capacity_not_asked_under_16(lily):
    record_event(
        actor=None,
        child=lily,
        event_type="risky_decision",
        occurred="2018-03-01",
        source_agency=lily.placements.first().agency,
        summary="Refused",
        details={"decision": "refuse_treatment"},
    )
    assert keys("CAPACITY-RISKY-DECISION", D(2018, 3, 20)) == set()


def test_missed_appointments(lily):
    cid = "LAC-APPOINTMENTS-MISSED"
    # Missed 1 June and 1 October: fires on 1 October.
    assert keys(cid, D(2018, 9, 30)) == set()
    assert keys(cid, D(2018, 10, 1)) == {"appointments-missed"}
    # 12 months after 1 June the first one leaves the window.
    assert keys(cid, D(2019, 5, 31)) == {"appointments-missed"}
    assert keys(cid, D(2019, 6, 1)) == set()
    health.record_appointment(
        actor=None, child=lily, date=D(2018, 10, 20), service="adult", status="attended"
    )
    assert keys(cid, D(2018, 10, 20)) == set()


def test_transition_without_a_plan(lily):
    cid = "HEALTH-TRANSITION-NO-PLAN"
    assert keys(cid, D(2018, 9, 30)) == set()
    assert keys(cid, D(2018, 10, 1)) == {"transition"}
    assert keys(cid, D(2018, 10, 31)) == {"transition"}
    assert keys(cid, D(2018, 11, 1)) == set()  # the plan of 1 November


def test_iro_dispute_past_its_stage(lily):
    cid = "IRO-DISPUTE-OVERDUE"
    open_one = IroDispute.objects.get(resolved_on=None)
    key = f"dispute:{open_one.pk}:informal"
    # Raised 10 September; informal stage 20 days.
    assert key not in keys(cid, D(2018, 9, 30))
    assert key in keys(cid, D(2018, 10, 1))
    care.escalate_dispute(actor=None, dispute=open_one, stage="team_manager", on=D(2018, 10, 2))
    assert keys(cid, D(2018, 10, 12)) == set()
    assert keys(cid, D(2018, 10, 13)) == {f"dispute:{open_one.pk}:team_manager"}
    care.resolve_dispute(actor=None, dispute=open_one, on=D(2018, 10, 14), outcome="Agreed")
    assert keys(cid, D(2018, 10, 14)) == set()
    # The first dispute was at team manager stage for 18 days, resolved in time? No: it
    # went past 10 days (20 Feb -> 2 March) before its resolution on 10 March.
    first = IroDispute.objects.get(raised_on=D(2018, 2, 1))
    assert f"dispute:{first.pk}:team_manager" in keys(cid, D(2018, 3, 3))
    assert f"dispute:{first.pk}:team_manager" not in keys(cid, D(2018, 3, 10))


def test_iro_dispute_thresholds_are_configurable(lily, settings):
    settings.SAFEGUARD_CHECKS = {"IRO-DISPUTE-OVERDUE": {"informal_days": 40}}
    open_one = IroDispute.objects.get(resolved_on=None)
    assert f"dispute:{open_one.pk}:informal" not in keys("IRO-DISPUTE-OVERDUE", D(2018, 10, 20))


def test_pep_not_reviewed_in_the_term(lily):
    cid = "LAC-PEP-NOT-REVIEWED"
    # Summer term from 1 April, due 56 days in (27 May); the review of 1 May counts.
    assert keys(cid, D(2018, 6, 1)) == set()
    # Autumn term from 1 September: due 27 October, nothing recorded.
    assert keys(cid, D(2018, 10, 27)) == set()
    assert keys(cid, D(2018, 10, 28)) == {"term:2018-autumn"}
    care.record_pep(actor=None, child=lily, kind="review", date=D(2018, 11, 2))
    assert keys(cid, D(2018, 11, 2)) == set()


def test_out_of_full_time_education(tmp_path):
    path = tmp_path / "young.yaml"
    path.write_text(
        ALIVE.replace("date_of_birth: 2002-05-10", "date_of_birth: 2004-05-10").replace(
            "date: 2018-10-05, assessor", "date: 2020-10-05, assessor"
        ),
        encoding="utf-8",
    )
    load([path])
    child = Child.objects.get(local_id="LAC-1")
    cid = "LAC-NOT-FULL-TIME-EDUCATION"
    setting = child.education_settings.get(name="Town College")
    assert keys(cid, D(2018, 8, 31)) == set()
    assert keys(cid, D(2018, 9, 1)) == {f"setting:{setting.pk}"}
    care.end_education_setting(actor=None, setting=setting, end_date=D(2018, 10, 1))
    care.record_education_setting(
        actor=None, child=child, setting_type="school", start_date=D(2018, 10, 1)
    )
    assert keys(cid, D(2018, 10, 1)) == set()


def test_out_of_area_without_the_host_authority_told(lily):
    cid = "LAC-OUT-OF-AREA-NOT-NOTIFIED"
    severn = Placement.objects.get(provider_name="Severn Lodge")
    # Started Saturday 1 September: 5 working days is Friday 7 September.
    assert keys(cid, D(2018, 9, 7)) == set()
    assert keys(cid, D(2018, 9, 8)) == {f"placement:{severn.pk}"}
    assert keys(cid, D(2018, 9, 20)) == set()  # told on 20 September


def test_needs_assessment(lily):
    cid = "LEAVING-CARE-NEEDS-ASSESSMENT"
    lily.leaving_care_records.all()  # the assessment of 1 July is in the fixture
    assert keys(cid, D(2018, 8, 11)) == set()


def test_needs_assessment_due_three_months_after_16(tmp_path):
    path = tmp_path / "na.yaml"
    assessment = "{kind: needs_assessment, date: 2018-07-01, personal_adviser_name: Pat Adviser}"
    path.write_text(
        ALIVE.replace(assessment + "\n        - ", ""),
        encoding="utf-8",
    )
    load([path])
    cid = "LEAVING-CARE-NEEDS-ASSESSMENT"
    # 16 on 10 May 2018, eligible by then (looked after from 1 January + 91 days): due
    # 10 August.
    assert keys(cid, D(2018, 8, 10)) == set()
    assert keys(cid, D(2018, 8, 11)) == {"needs-assessment"}
    child = Child.objects.get(local_id="LAC-1")
    care.record_leaving_care(actor=None, child=child, kind="needs_assessment", date=D(2018, 8, 20))
    assert keys(cid, D(2018, 8, 20)) == set()


def test_pathway_plan_reviews(lily):
    cid = "LEAVING-CARE-PATHWAY-REVIEW"
    assert keys(cid, D(2019, 2, 1)) == set()
    assert keys(cid, D(2019, 2, 2)) == {"pathway:2018-08-01"}
    care.record_leaving_care(actor=None, child=lily, kind="pathway_review", date=D(2019, 2, 5))
    assert keys(cid, D(2019, 2, 5)) == set()


def test_a_held_looked_after_review_reviews_the_pathway_plan(lily):
    """While she is looked after, the CLA review (meetings' record) reviews the plan."""
    from tests.meetings_helpers import meeting

    cid = "LEAVING-CARE-PATHWAY-REVIEW"
    meeting("cla_review", lily)  # scheduled, never held: not a review
    assert keys(cid, D(2019, 2, 2)) == {"pathway:2018-08-01"}
    meeting("cla_review", lily, held_on=D(2018, 12, 3))
    assert keys(cid, D(2019, 2, 2)) == set()
    assert keys(cid, D(2019, 6, 3)) == set()
    assert keys(cid, D(2019, 6, 4)) == {"pathway:2018-12-03"}


def test_unregistered_supported_accommodation_from_october_2023(tmp_path):
    path = tmp_path / "later.yaml"
    path.write_text(
        ALIVE.replace("date_of_birth: 2002-05-10", "date_of_birth: 2007-05-10").replace(
            "date: 2018-10-05, assessor", "date: 2023-10-05, assessor"
        ),
        encoding="utf-8",
    )
    load([path])
    severn = Placement.objects.get(provider_name="Severn Lodge")
    cid = "LAC-16-17-UNREGISTERED-SUPPORTED"
    assert keys(cid, D(2023, 10, 27)) == set()
    assert keys(cid, D(2023, 10, 28)) == {f"placement:{severn.pk}"}
    # Under 16 in H5 until 10 May 2023: other arrangements.
    other = "LAC-UNDER-16-OTHER-ARRANGEMENTS"
    assert keys(other, D(2023, 5, 9)) == {f"placement:{severn.pk}"}
    assert keys(other, D(2023, 5, 10)) == set()
    assert keys(cid, D(2025, 5, 10)) == set()  # 18


def test_under_16_in_other_arrangements_only_from_september_2021(tmp_path):
    path = tmp_path / "young.yaml"
    path.write_text(
        ALIVE.replace("date_of_birth: 2002-05-10", "date_of_birth: 2004-05-10").replace(
            "date: 2018-10-05, assessor", "date: 2020-10-05, assessor"
        ),
        encoding="utf-8",
    )
    load([path])
    assert keys("LAC-UNDER-16-OTHER-ARRANGEMENTS", D(2018, 10, 1)) == set()


def test_death_notifications_overdue_per_recipient(tmp_path):
    path = tmp_path / "lac.yaml"
    path.write_text(LAC, encoding="utf-8")
    load([path])
    cid = "DEATH-NOTIFICATION-OVERDUE"
    dad = DeathNotification.objects.get(recipient_name="David Test (Father)")
    assert keys(cid, D(2019, 1, 10)) == set()
    # Everyone due the next day (parents) or the next working day is late from the 12th.
    late = keys(cid, D(2019, 1, 12))
    assert (
        "notify:parent:David Test (Father)" in late
        and "notify:national_panel:Child Safeguarding Practice Review Panel" not in late
    )
    assert len(late) == 7  # father, Ofsted, provider, IRO, 3 agencies (mum was told)
    panel = DeathNotification.objects.get(recipient="national_panel")
    assert panel.due_date == D(2019, 1, 17)
    assert f"notify:national_panel:{panel.recipient_name}" not in keys(cid, D(2019, 1, 17))
    assert f"notify:national_panel:{panel.recipient_name}" in keys(cid, D(2019, 1, 18))
    care.record_notification_done(actor=None, notification=dad, done_on=D(2019, 1, 13))
    assert "notify:parent:David Test (Father)" in keys(cid, D(2019, 1, 12))
    assert "notify:parent:David Test (Father)" not in keys(cid, D(2019, 1, 13))
