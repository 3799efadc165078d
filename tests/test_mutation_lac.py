"""The looked-after and leaving-care checks, rule by rule (issue 15, mutation testing).

Each test states a rule of one check over the cases that decide it: the boundary day on
both sides, the record that clears it and the one that does not, the child who died, the
check restricted to some children, and the alert as the reader sees it (subject, due date,
the detail's words, the prefill). Records are written through the services.
"""

import datetime as dt

import pytest

from safeguard.care import services as care
from safeguard.care.models import DeathNotification
from safeguard.checks.engine import get_check
from safeguard.children.services import record_date_of_death
from safeguard.episodes.services import end_episode, record_episode, record_placement
from safeguard.health import services as health
from tests import factories
from tests.checks_helpers import D, event, looked_after_child

pytestmark = pytest.mark.django_db

# Defaults of the builders below.
D_2002_05_10 = D(2002, 5, 10)
D_2005_01_01 = D(2005, 1, 1)
D_2010_05_17 = D(2010, 5, 17)
D_2015_01_01 = D(2015, 1, 1)
D_2018_01_01 = D(2018, 1, 1)
D_2018_03_01 = D(2018, 3, 1)
D_2018_06_01 = D(2018, 6, 1)
D_2018_09_01 = D(2018, 9, 1)
D_2018_09_15 = D(2018, 9, 15)
D_2018_10_01 = D(2018, 10, 1)
D_2019_01_10 = D(2019, 1, 10)

DN = "DEATH-NOTIFICATION-OVERDUE"
CR = "CAPACITY-RISKY-DECISION"
IRO = "IRO-DISPUTE-OVERDUE"
US = "LAC-16-17-UNREGISTERED-SUPPORTED"
UO = "LAC-UNDER-16-OTHER-ARRANGEMENTS"
PH = "LAC-PLACEMENT-HEALTH-INFO"
AM = "LAC-APPOINTMENTS-MISSED"
ED = "LAC-NOT-FULL-TIME-EDUCATION"
PE = "LAC-PEP-NOT-REVIEWED"
NA = "LEAVING-CARE-NEEDS-ASSESSMENT"
PW = "LEAVING-CARE-PATHWAY-REVIEW"
OA = "LAC-OUT-OF-AREA-NOT-NOTIFIED"
TR = "HEALTH-TRANSITION-NO-PLAN"
PS = "PLACEMENT-STABILITY"
EX = "LAC-SCHOOL-EXCLUSION"


def findings(check_id, as_of, child_ids=None):
    return get_check(check_id).findings(as_of, child_ids)


def keys(check_id, as_of, child_ids=None):
    return {(f.child_id, f.subject_key) for f in findings(check_id, as_of, child_ids)}


def flagged(check_id, as_of, child_ids=None):
    return {f.child_id for f in findings(check_id, as_of, child_ids)}


def only(check_id, as_of, child):
    """The one finding for the child (fails if there are none or several)."""
    (finding,) = [f for f in findings(check_id, as_of) if f.child_id == child.pk]
    return finding


def died(child, on):
    return record_date_of_death(actor=None, child=child, date_of_death=on)


def place(child, start, kind="U6", end=None, **fields):
    return record_placement(
        actor=None, child=child, start_date=start, end_date=end, placement_type=kind, **fields
    )


def chronic(child, diagnosed=D_2015_01_01, **fields):
    fields.setdefault("chronic", True)
    return health.record_condition(
        actor=None, child=child, name="Epilepsy", diagnosed_on=diagnosed, **fields
    )


# --- DEATH-NOTIFICATION-OVERDUE ------------------------------------------------------------


def death(child, notified=D_2019_01_10, abuse=False):
    return care.record_death(
        actor=None,
        child=child,
        date=D(2019, 1, 10),
        notified_on=notified,
        circumstances="Died in her sleep",
        abuse_or_neglect_suspected=abuse,
    )


def test_a_death_notification_is_overdue_from_the_day_after_its_due_date_as_written():
    child = looked_after_child(given_name="Amy")
    death(child)  # Thursday 10 January 2019: Ofsted by the next working day, Friday 11th
    note = DeathNotification.objects.get(child=child)
    assert findings(DN, D(2019, 1, 11)) == []
    (finding,) = findings(DN, D(2019, 1, 12))
    assert finding.child_id == child.pk
    assert finding.subject_key == "notify:secretary_of_state:Secretary of State, through Ofsted"
    assert finding.due_date == D(2019, 1, 11)
    assert finding.prefill == {"notification": note.pk}
    assert finding.detail == (
        "After Amy's death, Secretary of State, through Ofsted (secretary of state (through "
        "ofsted)) should have been told by 11 January 2019 and this is not recorded as done. "
        "Who tells them: Allocated social worker; how: Ofsted notification form "
        "(Recommendation 10)."
    )


def test_a_death_notification_without_teller_or_means_says_not_recorded():
    child = looked_after_child(given_name="Amy")
    death(child, abuse=True)
    DeathNotification.objects.filter(child=child).update(who_tells="", how="")
    details = {f.subject_key: f.detail for f in findings(DN, D(2019, 1, 30))}
    panel = "notify:national_panel:Child Safeguarding Practice Review Panel"
    assert details[panel] == (
        "After Amy's death, Child Safeguarding Practice Review Panel (child safeguarding "
        "practice review panel) should have been told by 17 January 2019 and this is not "
        "recorded as done. Who tells them: not recorded; how: not recorded (Recommendation 10)."
    )


def test_a_death_notification_done_on_the_day_is_not_overdue_done_later_it_is_until_then():
    child = looked_after_child()
    death(child)
    note = DeathNotification.objects.get(child=child)
    care.record_notification_done(actor=None, notification=note, done_on=D(2019, 1, 14))
    assert flagged(DN, D(2019, 1, 13)) == {child.pk}
    assert flagged(DN, D(2019, 1, 14)) == set()
    assert flagged(DN, D(2019, 2, 1)) == set()


def test_a_death_learnt_of_later_is_due_from_the_day_it_was_learnt_of():
    child = looked_after_child()
    death(child, notified=D(2019, 1, 21))  # Monday: due Tuesday 22nd
    assert flagged(DN, D(2019, 1, 22)) == set()
    assert only(DN, D(2019, 1, 23), child).due_date == D(2019, 1, 22)


def test_death_notifications_restricted_to_some_children_are_only_theirs():
    one, two = looked_after_child(), looked_after_child()
    death(one)
    death(two)
    assert flagged(DN, D(2019, 1, 12)) == {one.pk, two.pk}
    assert flagged(DN, D(2019, 1, 12), [two.pk]) == {two.pk}
    assert flagged(DN, D(2019, 1, 12), []) == set()


# --- CAPACITY-RISKY-DECISION ---------------------------------------------------------------

CAPACITY_TEXT = (
    "is 16 or 17 and on {on} was recorded {label}. No assessment of her or his capacity to "
    "make that decision is recorded. From 16 the Mental Capacity Act 2005 applies: assess "
    "capacity for this specific decision (impairment, then understand, retain, use or weigh, "
    "communicate) and, if it is lacking, decide in her or his best interests "
    "(Recommendation 8)."
)


def young(dob=D_2002_05_10, **fields):
    return factories.child(date_of_birth=dob, **fields)


def decision(child, on, kind="refuse_medicine"):
    return event(child, "risky_decision", on.isoformat(), decision=kind)


def assess(child, on, kind="refuse_medicine"):
    return care.record_capacity_assessment(
        actor=None,
        child=child,
        decision_kind=kind,
        decision="The decision",
        date=on,
        understands=True,
        retains=True,
        uses_or_weighs=True,
        communicates=True,
        outcome="has_capacity",
    )


def test_a_risky_decision_is_due_an_assessment_after_the_days_allowed_as_written():
    child = young(given_name="Bea")
    decision(child, D(2018, 11, 10))
    assert findings(CR, D(2018, 11, 15)) == []
    finding = only(CR, D(2018, 11, 16), child)
    assert finding.subject_key == "decision:refuse_medicine"
    assert finding.due_date == D(2018, 11, 15)
    assert finding.record_link == "chronology"
    assert finding.prefill == {"decision_kind": "refuse_medicine"}
    assert finding.detail == "Bea " + CAPACITY_TEXT.format(
        on="10 November 2018", label="refusing medicine"
    )


def test_the_days_to_assess_capacity_are_configurable(settings):
    settings.SAFEGUARD_CHECKS = {CR: {"assessment_days": 10, "recent_days": 3}}
    child = young()
    decision(child, D(2018, 11, 10))
    assess(child, D(2018, 11, 6))  # 4 days before: too early with recent_days 3
    assert flagged(CR, D(2018, 11, 20)) == set()
    assert only(CR, D(2018, 11, 21), child).due_date == D(2018, 11, 20)
    assess(child, D(2018, 11, 7))  # 3 days before: counts
    assert flagged(CR, D(2018, 11, 21)) == set()


def test_an_assessment_counts_from_the_recent_days_before_the_decision_to_the_day():
    on = D(2018, 11, 10)
    early, in_time, later, today = young(), young(), young(), young()
    for child in (early, in_time, later, today):
        decision(child, on)
    assess(early, on - dt.timedelta(days=91))
    assess(in_time, on - dt.timedelta(days=90))
    assess(later, D(2018, 12, 2))
    assess(today, D(2018, 12, 1))
    assert flagged(CR, D(2018, 12, 1)) == {early.pk, later.pk}


def test_an_assessment_covers_only_its_own_kind_of_decision_and_child():
    child, other = young(given_name="Bea"), young()
    decision(child, D(2018, 11, 10), "return_to_adult_of_concern")
    decision(child, D(2018, 11, 12), "refuse_treatment")
    assess(child, D(2018, 11, 11), "refuse_medicine")
    assess(other, D(2018, 11, 11), "refuse_treatment")
    got = {f.subject_key: f for f in findings(CR, D(2018, 12, 1))}
    assert set(got) == {"decision:return_to_adult_of_concern", "decision:refuse_treatment"}
    assert got["decision:refuse_treatment"].due_date == D(2018, 11, 17)
    assert got["decision:return_to_adult_of_concern"].detail == "Bea " + CAPACITY_TEXT.format(
        on="10 November 2018", label="returning to an adult of concern"
    )


def test_one_capacity_alert_per_kind_from_its_first_unassessed_decision():
    child = young()
    decision(child, D(2019, 3, 1))  # recorded first, made later
    decision(child, D(2018, 12, 20))
    decision(child, D(2018, 11, 10))
    assess(child, D(2018, 11, 12))  # covers 10 November and 20 December, not 1 March
    (finding,) = findings(CR, D(2019, 4, 1))
    assert finding.due_date == D(2019, 3, 6)
    assert "on 1 March 2019 was recorded" in finding.detail
    other = young()
    decision(other, D(2018, 12, 20))
    decision(other, D(2018, 11, 10))
    assert only(CR, D(2019, 4, 1), other).due_date == D(2018, 11, 15)


def test_a_capacity_alert_is_for_a_decision_made_at_16_or_17_by_someone_still_under_18():
    child = young()  # 16 on 10 May 2018, 18 on 10 May 2020
    decision(child, D(2018, 5, 9))
    assert flagged(CR, D(2018, 6, 1)) == set()
    decision(child, D(2018, 5, 10))
    assert only(CR, D(2018, 6, 1), child).due_date == D(2018, 5, 15)
    assert flagged(CR, D(2020, 5, 9)) == {child.pk}
    assert flagged(CR, D(2020, 5, 10)) == set()


def test_a_capacity_alert_stops_when_the_young_person_died_and_is_theirs_only():
    one, two = young(), young()
    for child in (one, two):
        decision(child, D(2018, 11, 10))
    died(one, D(2018, 12, 1))
    assert flagged(CR, D(2018, 11, 30)) == {one.pk, two.pk}
    assert flagged(CR, D(2018, 12, 1)) == {two.pk}
    assert flagged(CR, D(2018, 11, 30), [one.pk]) == {one.pk}
    assert flagged(CR, D(2018, 11, 30), [two.pk]) == {two.pk}


def test_a_decision_kind_without_a_label_is_named_as_recorded():
    child = young(given_name="Bea")
    decision(child, D(2018, 11, 10), "other")
    assert only(CR, D(2018, 12, 1), child).detail == "Bea " + CAPACITY_TEXT.format(
        on="10 November 2018", label="another decision"
    )


# --- IRO-DISPUTE-OVERDUE -------------------------------------------------------------------

STAGE_DAYS = {"informal": 3, "team_manager": 4, "service_manager": 5, "director": 6}
STAGE_LABELS = {
    "informal": "Informal (with the social worker)",
    "team_manager": "Formal 1: team manager",
    "service_manager": "Formal 2: service manager",
    "director": "Formal 3: director of children's services",
}


def dispute(child, raised, stage="informal", issue="No health plan in the care plan"):
    made = care.raise_dispute(actor=None, child=child, issue=issue, raised_on=raised)
    if stage != "informal":
        made = care.escalate_dispute(actor=None, dispute=made, stage=stage, on=raised)
    return made


@pytest.mark.parametrize("stage", list(STAGE_DAYS))
def test_each_dispute_stage_has_its_own_configured_time(stage, settings):
    settings.SAFEGUARD_CHECKS = {IRO: {f"{s}_days": n for s, n in STAGE_DAYS.items()}}
    child = looked_after_child(given_name="Cal")
    made = dispute(child, D(2018, 3, 1), stage, issue="x" * 119 + "yz")
    days = STAGE_DAYS[stage]
    assert findings(IRO, D(2018, 3, 1) + dt.timedelta(days=days)) == []
    finding = only(IRO, D(2018, 3, 2) + dt.timedelta(days=days), child)
    assert finding.subject_key == f"dispute:{made.pk}:{stage}"
    assert finding.due_date == D(2018, 3, 1) + dt.timedelta(days=days)
    assert finding.prefill == {"dispute": made.pk}
    assert finding.detail == (
        f"The IRO's dispute about Cal's plan (\"{'x' * 119}y\") has been at the stage "
        f"'{STAGE_LABELS[stage]}' since 1 March 2018, more than {days} days. Resolve it or "
        "escalate it: drift in a dispute is drift in the child's plan (Recommendation 6)."
    )


def test_the_default_dispute_times_and_cafcass_without_a_limit():
    child = looked_after_child()
    informal = dispute(child, D(2018, 3, 1))
    formal = {s: dispute(child, D(2018, 3, 1), s) for s in STAGE_LABELS if s != "informal"}
    cafcass = dispute(child, D(2018, 3, 1), "cafcass")
    assert keys(IRO, D(2018, 3, 11)) == set()
    late = {(child.pk, f"dispute:{d.pk}:{s}") for s, d in formal.items()}
    assert keys(IRO, D(2018, 3, 12)) == late
    assert keys(IRO, D(2018, 3, 21)) == late
    informal_key = (child.pk, f"dispute:{informal.pk}:informal")
    assert keys(IRO, D(2018, 3, 22)) == late | {informal_key}
    assert all(f"dispute:{cafcass.pk}:" not in k for _, k in keys(IRO, D(2019, 3, 1)))


def test_a_dispute_resolved_by_the_day_is_not_overdue():
    child = looked_after_child()
    made = dispute(child, D(2018, 3, 1))
    care.resolve_dispute(actor=None, dispute=made, on=D(2018, 4, 1), outcome="Agreed")
    assert flagged(IRO, D(2018, 3, 31)) == {child.pk}
    assert flagged(IRO, D(2018, 4, 1)) == set()


def test_dispute_alerts_stop_at_death_and_are_each_childs_own():
    one, two = looked_after_child(), looked_after_child()
    dispute(one, D(2018, 3, 1))
    dispute(two, D(2018, 3, 1))
    died(one, D(2018, 4, 1))
    assert flagged(IRO, D(2018, 3, 31)) == {one.pk, two.pk}
    assert flagged(IRO, D(2018, 4, 1)) == {two.pk}
    assert flagged(IRO, D(2018, 3, 31), [one.pk]) == {one.pk}


# --- LAC-16-17-UNREGISTERED-SUPPORTED and LAC-UNDER-16-OTHER-ARRANGEMENTS ------------------

SUPPORTED_TEXT = (
    " is 16 or 17 and lives in supported accommodation ({provider}) not recorded as "
    "registered with Ofsted. Since 28 October 2023 only registered supported accommodation "
    "may be used."
)


def test_unregistered_supported_accommodation_from_28_october_2023_as_written():
    child = looked_after_child(start=D(2022, 1, 1), dob=D(2006, 1, 1), given_name="Dee")
    severn = place(child, D(2023, 1, 1), "H5", provider_name="Severn Lodge")
    assert findings(US, D(2023, 10, 27)) == []
    finding = only(US, D(2023, 10, 28), child)
    assert finding.subject_key == f"placement:{severn.pk}"
    assert finding.due_date == D(2023, 10, 28)
    assert finding.prefill == {"placement": severn.pk}
    assert finding.detail == "Dee" + SUPPORTED_TEXT.format(provider="Severn Lodge")
    # 18 on 1 January 2024.
    assert flagged(US, D(2023, 12, 31)) == {child.pk}
    assert flagged(US, D(2024, 1, 1)) == set()


def test_unregistered_supported_accommodation_is_due_from_the_latest_of_its_dates():
    later = looked_after_child(start=D(2022, 1, 1), dob=D(2006, 1, 1), given_name="Dee")
    place(later, D(2023, 11, 5), "Z12", provider_registration="unregistered")
    assert only(US, D(2023, 12, 1), later).due_date == D(2023, 11, 5)
    turns_16 = looked_after_child(start=D(2022, 1, 1), dob=D(2008, 1, 1))
    place(turns_16, D(2023, 6, 1), "H5", provider_registration="exempt")
    assert flagged(US, D(2023, 12, 31)) == {later.pk}
    assert only(US, D(2024, 1, 1), turns_16).due_date == D(2024, 1, 1)
    assert only(US, D(2023, 12, 31), later).detail == "Dee" + SUPPORTED_TEXT.format(
        provider="provider not named"
    )


def test_registered_or_other_accommodation_or_a_past_placement_is_not_unregistered_supported():
    registered = looked_after_child(start=D(2022, 1, 1), dob=D(2006, 1, 1))
    place(registered, D(2023, 1, 1), "H5", provider_registration="registered")
    other = looked_after_child(start=D(2022, 1, 1), dob=D(2006, 1, 1))
    place(other, D(2023, 1, 1), "P2")
    moved = looked_after_child(start=D(2022, 1, 1), dob=D(2006, 1, 1))
    place(moved, D(2023, 1, 1), "H5", end=D(2023, 10, 31))
    dead = looked_after_child(start=D(2022, 1, 1), dob=D(2006, 1, 1))
    place(dead, D(2023, 1, 1), "Z12")
    died(dead, D(2023, 11, 1))
    assert flagged(US, D(2023, 10, 31)) == {moved.pk, dead.pk}
    assert flagged(US, D(2023, 10, 31), [dead.pk]) == {dead.pk}
    assert flagged(US, D(2023, 11, 1)) == set()


def test_under_16_in_other_arrangements_from_9_september_2021_as_written():
    child = looked_after_child(start=D(2021, 1, 1), dob=D(2008, 1, 1), given_name="Eve")
    made = place(child, D(2021, 6, 1), "P2")
    assert findings(UO, D(2021, 9, 8)) == []
    finding = only(UO, D(2021, 9, 9), child)
    assert finding.subject_key == f"placement:{made.pk}"
    assert finding.due_date == D(2021, 9, 9)
    assert finding.prefill == {"placement": made.pk}
    assert finding.detail == (
        "Eve is under 16 and placed in other arrangements (placement type P2) since 1 June "
        "2021. Children under 16 may not be placed in other arrangements."
    )
    assert flagged(UO, D(2023, 12, 31)) == {child.pk}
    assert flagged(UO, D(2024, 1, 1)) == set()  # 16


def test_under_16_other_arrangements_by_type_due_from_the_start_theirs_only():
    z14 = looked_after_child(start=D(2021, 1, 1), dob=D(2010, 1, 1))
    made = place(z14, D(2022, 2, 1), "Z14")
    h5 = looked_after_child(start=D(2021, 1, 1), dob=D(2010, 1, 1))
    place(h5, D(2022, 2, 1), "H5")
    z12 = looked_after_child(start=D(2021, 1, 1), dob=D(2010, 1, 1))
    place(z12, D(2022, 2, 1), "Z12")
    dead = looked_after_child(start=D(2021, 1, 1), dob=D(2010, 1, 1))
    place(dead, D(2022, 2, 1), "P2")
    died(dead, D(2022, 3, 2))
    assert only(UO, D(2022, 3, 1), z14).due_date == D(2022, 2, 1)
    assert keys(UO, D(2022, 3, 1), [z14.pk]) == {(z14.pk, f"placement:{made.pk}")}
    assert flagged(UO, D(2022, 3, 1)) == {z14.pk, h5.pk, dead.pk}
    assert flagged(UO, D(2022, 3, 2)) == {z14.pk, h5.pk}


# --- LAC-PLACEMENT-HEALTH-INFO -------------------------------------------------------------

HEALTH_INFO_TEXT = (
    " has a chronic condition and was placed at {where} on {start}, but the placement plan "
    "does not record that {missing}. A placement must know how to manage the condition (a "
    "seizure plan, rescue medication, medicines) before the child arrives (Recommendation 9)."
)
NEITHER = "the health information has not been shared and the carers have not been trained"
UNTRAINED = "the carers have not been trained"


def placed_with_condition(name="Fay", start=D_2018_03_01, provider="Oak House", **condition):
    child = looked_after_child(start=D(2018, 1, 1), given_name=name)
    chronic(child, **condition)
    return child, place(child, start, provider_name=provider)


def plan(child, placement, shared=None, trained=None):
    return care.record_placement_plan(
        actor=None,
        child=child,
        placement=placement,
        requested_on=D(2018, 1, 1),
        health_needs="Seizure plan",
        health_information_shared_on=shared,
        carers_trained_on=trained,
    )


def test_placed_with_a_chronic_condition_without_health_information_as_written():
    child, made = placed_with_condition()
    assert findings(PH, D(2018, 2, 28)) == []
    finding = only(PH, D(2018, 3, 1), child)
    assert finding.subject_key == f"placement:{made.pk}"
    assert finding.due_date == D(2018, 3, 1)
    assert finding.prefill == {"placement": made.pk}
    assert finding.detail == "Fay" + HEALTH_INFO_TEXT.format(
        where="Oak House", start="1 March 2018", missing=NEITHER
    )


def test_health_information_shared_by_the_day_leaves_only_the_training():
    child, made = placed_with_condition(provider="")
    plan(child, made, shared=D(2018, 3, 5))
    assert only(PH, D(2018, 3, 4), child).detail == "Fay" + HEALTH_INFO_TEXT.format(
        where="the placement", start="1 March 2018", missing=NEITHER
    )
    assert only(PH, D(2018, 3, 5), child).detail == "Fay" + HEALTH_INFO_TEXT.format(
        where="the placement", start="1 March 2018", missing=UNTRAINED
    )


def test_health_information_needs_both_dates_by_the_day_on_the_placements_own_plan():
    child, made = placed_with_condition()
    plan(child, made, shared=D(2018, 3, 3), trained=D(2018, 3, 5))
    assert flagged(PH, D(2018, 3, 4)) == {child.pk}
    assert flagged(PH, D(2018, 3, 5)) == set()
    other, _ = placed_with_condition(start=D(2018, 2, 1))
    earlier = place(other, D(2018, 1, 1), end=D(2018, 1, 31), provider_name="Before")
    plan(other, earlier, shared=D(2018, 1, 1), trained=D(2018, 1, 1))
    assert flagged(PH, D(2018, 3, 5)) == {other.pk}
    trained_only = placed_with_condition(start=D(2018, 2, 1))
    plan(trained_only[0], trained_only[1], trained=D(2018, 2, 1))
    assert flagged(PH, D(2018, 3, 5)) == {other.pk, trained_only[0].pk}


def test_the_days_before_health_information_is_due_are_configurable(settings):
    settings.SAFEGUARD_CHECKS = {PH: {"grace_days": 3}}
    child, _ = placed_with_condition()
    assert flagged(PH, D(2018, 3, 3)) == set()
    assert only(PH, D(2018, 3, 4), child).due_date == D(2018, 3, 4)


def test_health_information_is_for_a_chronic_condition_current_on_the_day():
    later, _ = placed_with_condition(diagnosed=D(2018, 4, 1))
    undated, _ = placed_with_condition(diagnosed=None)
    passing, _ = placed_with_condition(chronic=False)
    resolved, _ = placed_with_condition(resolved_on=D(2018, 4, 1))
    assert flagged(PH, D(2018, 3, 31)) == {undated.pk, resolved.pk}
    assert flagged(PH, D(2018, 4, 1)) == {undated.pk, later.pk}


def test_health_information_is_for_a_living_looked_after_child_theirs_only():
    dead, _ = placed_with_condition()
    left, _ = placed_with_condition()
    stays, _ = placed_with_condition()
    died(dead, D(2018, 4, 1))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2018, 3, 31))
    assert flagged(PH, D(2018, 3, 31)) == {dead.pk, left.pk, stays.pk}
    assert flagged(PH, D(2018, 4, 1)) == {stays.pk}
    assert flagged(PH, D(2018, 3, 31), [left.pk]) == {left.pk}


def test_health_information_alert_ends_with_the_placement_or_the_condition():
    check = get_check(PH)
    ended, ended_placement = placed_with_condition()
    resolved, resolved_placement = placed_with_condition()
    cond = resolved.conditions.get()
    health.resolve_condition(actor=None, condition=cond, resolved_on=D(2018, 5, 1))
    open_, open_placement = placed_with_condition()
    from safeguard.episodes.services import end_placement

    end_placement(actor=None, placement=ended_placement, end_date=D(2018, 4, 30))
    gone = {
        (ended.pk, f"placement:{ended_placement.pk}"),
        (resolved.pk, f"placement:{resolved_placement.pk}"),
        (open_.pk, f"placement:{open_placement.pk}"),
    }
    assert check.more_end_reasons(D(2018, 5, 1), gone) == {
        (ended.pk, f"placement:{ended_placement.pk}"): "the placement ended",
        (resolved.pk, f"placement:{resolved_placement.pk}"): "the condition resolved",
    }
    assert check.more_end_reasons(D(2018, 4, 30), gone) == {}


# --- LAC-APPOINTMENTS-MISSED ---------------------------------------------------------------


def appointment(child, on, status="not_attended", service="specialist"):
    return health.record_appointment(
        actor=None, child=child, date=on, service=service, status=status
    )


def missing_appointments(name="Gus", dates=(D_2018_06_01, D_2018_10_01), **condition):
    child = looked_after_child(start=D(2018, 1, 1), given_name=name)
    chronic(child, **condition)
    for on in dates:
        appointment(child, on)
    return child


def test_missed_appointments_as_written_within_the_window():
    child = missing_appointments()
    assert findings(AM, D(2018, 9, 30)) == []
    finding = only(AM, D(2018, 10, 1), child)
    assert finding.subject_key == "appointments-missed"
    assert finding.due_date == D(2018, 10, 1)
    assert finding.detail == (
        "Gus has missed 2 health appointments in the last 365 days (the last on 1 October "
        "2018) and has a chronic condition. The GP, the social worker and the carer should "
        "agree how the next one will be kept: a looked-after child who is not brought is a "
        "safeguarding concern."
    )
    assert flagged(AM, D(2019, 5, 31)) == {child.pk}
    assert flagged(AM, D(2019, 6, 1)) == set()


def test_missed_appointments_threshold_and_window_are_configurable(settings):
    settings.SAFEGUARD_CHECKS = {AM: {"missed": 3, "window_days": 100}}
    child = missing_appointments(dates=(D(2018, 6, 1), D(2018, 7, 1), D(2018, 8, 1)))
    assert flagged(AM, D(2018, 7, 31)) == set()
    finding = only(AM, D(2018, 8, 1), child)
    assert "missed 3 health appointments in the last 100 days" in finding.detail
    # 1 June leaves the window of 100 days on 9 September.
    assert flagged(AM, D(2018, 9, 8)) == {child.pk}
    assert flagged(AM, D(2018, 9, 9)) == set()


def test_only_missed_appointments_count_and_one_attended_after_the_last_clears():
    brought = looked_after_child(start=D(2018, 1, 1))
    chronic(brought)
    appointment(brought, D(2018, 6, 1), "not_brought")
    appointment(brought, D(2018, 7, 1), "not_attended")
    cancelled = looked_after_child(start=D(2018, 1, 1))
    chronic(cancelled)
    appointment(cancelled, D(2018, 6, 1), "cancelled")
    appointment(cancelled, D(2018, 6, 2), "booked")
    appointment(cancelled, D(2018, 7, 1))
    assert flagged(AM, D(2018, 7, 2)) == {brought.pk}
    appointment(brought, D(2018, 7, 1), "attended", service="gp")  # the same day: not after
    assert flagged(AM, D(2018, 7, 2)) == {brought.pk}
    appointment(brought, D(2018, 7, 3), "attended", service="gp")
    assert flagged(AM, D(2018, 7, 2)) == {brought.pk}
    assert flagged(AM, D(2018, 7, 3)) == set()


def test_missed_appointments_for_a_living_looked_after_child_with_a_chronic_condition():
    dead = missing_appointments()
    left = missing_appointments()
    stays = missing_appointments()
    not_chronic = missing_appointments(chronic=False)
    died(dead, D(2018, 10, 3))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2018, 10, 2))
    assert flagged(AM, D(2018, 10, 2)) == {dead.pk, left.pk, stays.pk}
    assert flagged(AM, D(2018, 10, 3)) == {stays.pk}
    assert flagged(AM, D(2018, 10, 2), [dead.pk]) == {dead.pk}
    assert not_chronic.pk not in flagged(AM, D(2018, 10, 2))


# --- LAC-NOT-FULL-TIME-EDUCATION -----------------------------------------------------------

EDUCATION_TEXT = (
    " is of compulsory school age, looked after and {what} since {start}. The virtual "
    "school head and the social worker should secure full-time education."
)


def setting(child, kind="school", start=D_2018_09_01, **fields):
    return care.record_education_setting(
        actor=None, child=child, setting_type=kind, start_date=start, **fields
    )


@pytest.mark.parametrize(
    ("kind", "fields", "what"),
    [
        (
            "school",
            {"part_time": True, "hours_per_week": 12},
            "on a part-time timetable (12 hours a week)",
        ),
        ("college", {"part_time": True}, "on a part-time timetable"),
        ("off_roll", {}, "off-roll (no school place)"),
        ("missing", {}, "missing education"),
        ("ehe", {}, "elective home education"),
    ],
)
def test_out_of_full_time_education_as_written(kind, fields, what):
    child = looked_after_child(start=D(2018, 1, 1), dob=D(2010, 5, 17), given_name="Hal")
    made = setting(child, kind, **fields)
    assert findings(ED, D(2018, 8, 31)) == []
    finding = only(ED, D(2018, 9, 1), child)
    assert finding.subject_key == f"setting:{made.pk}"
    assert finding.due_date == D(2018, 9, 1)
    assert finding.detail == "Hal" + EDUCATION_TEXT.format(what=what, start="1 September 2018")


def test_full_time_education_or_a_setting_ended_by_the_day_is_not_reported():
    child = looked_after_child(start=D(2018, 1, 1), dob=D(2010, 5, 17))
    for kind in ("school", "special_school", "pru", "college"):
        setting(child, kind)
    ended = looked_after_child(start=D(2018, 1, 1), dob=D(2010, 5, 17))
    setting(ended, "missing", end_date=D(2018, 10, 1))
    assert flagged(ED, D(2018, 9, 30)) == {ended.pk}
    assert flagged(ED, D(2018, 10, 1)) == set()


def test_out_of_education_is_for_a_living_looked_after_child_aged_5_to_15():
    five = looked_after_child(start=D(2018, 1, 1), dob=D(2013, 9, 2))
    sixteen = looked_after_child(start=D(2018, 1, 1), dob=D(2002, 9, 2))
    dead = looked_after_child(start=D(2018, 1, 1), dob=D(2010, 5, 17))
    left = looked_after_child(start=D(2018, 1, 1), dob=D(2010, 5, 17))
    for child in (five, sixteen, dead, left):
        setting(child, "off_roll", start=D(2018, 1, 1))
    died(dead, D(2018, 9, 2))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2018, 9, 1))
    assert flagged(ED, D(2018, 9, 1)) == {sixteen.pk, dead.pk, left.pk}
    assert flagged(ED, D(2018, 9, 2)) == {five.pk}
    assert flagged(ED, D(2018, 9, 1), [dead.pk]) == {dead.pk}


# --- LAC-PEP-NOT-REVIEWED ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (D(2018, 1, 1), ("2018-spring", D(2018, 1, 1))),
        (D(2018, 3, 31), ("2018-spring", D(2018, 1, 1))),
        (D(2018, 4, 1), ("2018-summer", D(2018, 4, 1))),
        (D(2018, 8, 31), ("2018-summer", D(2018, 4, 1))),
        (D(2018, 9, 1), ("2018-autumn", D(2018, 9, 1))),
        (D(2018, 12, 31), ("2018-autumn", D(2018, 9, 1))),
    ],
)
def test_the_school_terms_by_calendar(day, term):
    from safeguard.checks.catalogue.pep_not_reviewed import term_of

    assert term_of(day) == term


def pupil_in_care(name="Ivy", start=D_2018_01_01, dob=D_2010_05_17, education=True):
    child = looked_after_child(start=start, dob=dob, given_name=name)
    if education:
        setting(child, start=D(2018, 1, 1))
    return child


def pep(child, on, kind="review"):
    return care.record_pep(actor=None, child=child, kind=kind, date=on)


def test_pep_not_reviewed_in_the_term_as_written():
    child = pupil_in_care()
    assert findings(PE, D(2018, 10, 27)) == []
    finding = only(PE, D(2018, 10, 28), child)
    assert finding.subject_key == "term:2018-autumn"
    assert finding.due_date == D(2018, 10, 27)
    assert finding.detail == (
        "Ivy's personal education plan has not been reviewed this term (since 1 September "
        "2018); it was due by 27 October 2018. The designated teacher, social worker and "
        "virtual school review it each term."
    )
    spring = only(PE, D(2019, 2, 27), child)
    assert (spring.subject_key, spring.due_date) == ("term:2019-spring", D(2019, 2, 26))
    assert findings(PE, D(2019, 2, 26)) == []


def test_a_pep_dated_in_the_term_up_to_the_day_reviews_it(settings):
    settings.SAFEGUARD_CHECKS = {PE: {"review_by_days": 30}}
    first_day, before, after, none = (pupil_in_care() for _ in range(4))
    pep(first_day, D(2018, 9, 1), "pep")
    pep(before, D(2018, 8, 31))
    pep(after, D(2018, 10, 3))
    assert findings(PE, D(2018, 10, 1)) == []
    assert flagged(PE, D(2018, 10, 2)) == {before.pk, after.pk, none.pk}
    assert only(PE, D(2018, 10, 2), none).due_date == D(2018, 10, 1)
    assert flagged(PE, D(2018, 10, 3)) == {before.pk, none.pk}


def test_a_pep_is_due_for_a_child_looked_after_since_before_the_term_aged_3_to_17():
    since_before = pupil_in_care(start=D(2018, 8, 31))
    pupil_in_care(start=D(2018, 9, 1))  # looked after from the term's first day: not due
    three = pupil_in_care(dob=D(2015, 10, 29))
    eighteen = pupil_in_care(dob=D(2000, 10, 29))
    left = pupil_in_care()
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2018, 10, 28))
    dead = pupil_in_care()
    died(dead, D(2018, 10, 29))
    assert flagged(PE, D(2018, 10, 28)) == {since_before.pk, eighteen.pk, left.pk, dead.pk}
    assert flagged(PE, D(2018, 10, 29)) == {since_before.pk, three.pk}
    assert flagged(PE, D(2018, 10, 28), [left.pk]) == {left.pk}


def test_a_pep_is_checked_only_for_a_child_whose_education_is_recorded():
    nothing = pupil_in_care(education=False)
    earlier_pep = pupil_in_care(education=False)
    pep(earlier_pep, D(2018, 2, 1), "pep")
    with_setting = pupil_in_care()
    assert nothing.pk not in flagged(PE, D(2018, 11, 1))
    assert flagged(PE, D(2018, 11, 1)) == {earlier_pep.pk, with_setting.pk}


# --- LEAVING-CARE-NEEDS-ASSESSMENT ---------------------------------------------------------


def eligible(start=D_2018_01_01, dob=D_2002_05_10, name="Jo"):
    return looked_after_child(start=start, dob=dob, given_name=name)


def test_needs_assessment_due_three_months_after_16_as_written():
    child = eligible()  # 16 on 10 May 2018, eligible from 2 April
    assert findings(NA, D(2018, 8, 10)) == []
    finding = only(NA, D(2018, 8, 11), child)
    assert finding.subject_key == "needs-assessment"
    assert finding.due_date == D(2018, 8, 10)
    assert finding.detail == (
        "Jo is an eligible child and no needs assessment is recorded; it was due by 10 "
        "August 2018. The pathway plan and the personal adviser follow from it."
    )


def test_needs_assessment_due_three_months_after_becoming_eligible_from_the_first_episode():
    late = eligible(start=D(2018, 4, 1))  # eligible 1 July: due 1 October
    assert flagged(NA, D(2018, 10, 1)) == set()
    assert only(NA, D(2018, 10, 2), late).due_date == D(2018, 10, 1)
    twice = looked_after_child(start=D(2018, 4, 1), dob=D(2002, 5, 10), legal_status="V2")
    end_episode(actor=None, episode=twice.episodes.get(), end_date=D(2018, 4, 30))
    record_episode(
        actor=None, child=twice, kind="looked_after", start_date=D(2018, 6, 1), legal_status="C2"
    )
    assert only(NA, D(2018, 10, 2), twice).due_date == D(2018, 10, 1)


def test_needs_assessment_months_and_eligibility_days_are_configurable(settings):
    settings.SAFEGUARD_CHECKS = {NA: {"months": 4, "eligible_days": 200}}
    child = eligible()  # eligible 20 July 2018 (1 January + 200 days): due 20 November
    assert flagged(NA, D(2018, 11, 20)) == set()
    assert only(NA, D(2018, 11, 21), child).due_date == D(2018, 11, 20)
    settings.SAFEGUARD_CHECKS = {NA: {"months": 4}}
    assert only(NA, D(2018, 9, 11), child).due_date == D(2018, 9, 10)
    assert flagged(NA, D(2018, 9, 10)) == set()


def test_only_a_needs_assessment_by_the_day_clears_it():
    done, later, other_kind = eligible(), eligible(), eligible()
    care.record_leaving_care(actor=None, child=done, kind="needs_assessment", date=D(2018, 9, 1))
    care.record_leaving_care(actor=None, child=later, kind="needs_assessment", date=D(2018, 9, 2))
    care.record_leaving_care(actor=None, child=other_kind, kind="pathway_plan", date=D(2018, 9, 1))
    assert flagged(NA, D(2018, 9, 1)) == {later.pk, other_kind.pk}


def test_needs_assessment_for_a_living_looked_after_16_or_17_year_old_theirs_only():
    turns_18 = eligible(dob=D(2000, 9, 2), start=D(2014, 1, 1))
    dead, left, stays = eligible(), eligible(), eligible()
    died(dead, D(2018, 9, 2))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2018, 9, 1))
    assert flagged(NA, D(2018, 9, 1)) == {turns_18.pk, dead.pk, left.pk, stays.pk}
    assert flagged(NA, D(2018, 9, 2)) == {stays.pk}
    assert flagged(NA, D(2018, 9, 1), [dead.pk]) == {dead.pk}


# --- LEAVING-CARE-PATHWAY-REVIEW -----------------------------------------------------------


def pathway(child, on, kind="pathway_plan"):
    return care.record_leaving_care(actor=None, child=child, kind=kind, date=on)


def test_pathway_plan_review_overdue_as_written():
    child = looked_after_child(start=D(2018, 1, 1), given_name="Kim")
    pathway(child, D(2018, 8, 1))
    assert findings(PW, D(2019, 2, 1)) == []
    finding = only(PW, D(2019, 2, 2), child)
    assert finding.subject_key == "pathway:2018-08-01"
    assert finding.due_date == D(2019, 2, 1)
    assert finding.detail == (
        "Kim's pathway plan was last reviewed on 1 August 2018; the next review was due by "
        "1 February 2019."
    )


def test_the_latest_pathway_plan_or_review_by_the_day_counts(settings):
    child = looked_after_child(start=D(2018, 1, 1))
    pathway(child, D(2018, 8, 1))
    pathway(child, D(2018, 9, 1), "pathway_review")
    pathway(child, D(2018, 10, 1), "needs_assessment")
    pathway(child, D(2019, 3, 5), "pathway_review")
    assert keys(PW, D(2019, 3, 2)) == {(child.pk, "pathway:2018-09-01")}
    assert keys(PW, D(2019, 3, 5)) == set()
    settings.SAFEGUARD_CHECKS = {PW: {"months": 3}}
    assert only(PW, D(2018, 12, 2), child).due_date == D(2018, 12, 1)
    assert keys(PW, D(2018, 12, 1)) == set()


def test_a_held_cla_review_after_the_plan_reviews_it_a_meeting_of_another_kind_does_not():
    from tests.meetings_helpers import meeting

    child = looked_after_child(start=D(2018, 1, 1))
    pathway(child, D(2018, 8, 1))
    meeting("cla_review", child, held_on=D(2018, 7, 1))  # before the plan
    meeting("professionals", child, held_on=D(2018, 12, 3))
    meeting("cla_review", child)  # not held
    assert keys(PW, D(2019, 2, 2)) == {(child.pk, "pathway:2018-08-01")}
    other = looked_after_child(start=D(2018, 1, 1))
    pathway(other, D(2018, 8, 1))
    meeting("cla_review", other, held_on=D(2018, 12, 3))
    assert keys(PW, D(2019, 2, 2)) == {(child.pk, "pathway:2018-08-01")}
    assert keys(PW, D(2019, 6, 4), [other.pk]) == {(other.pk, "pathway:2018-12-03")}


def test_a_pathway_review_is_due_while_looked_after_or_on_a_pathway_plan_alive():
    left = looked_after_child(start=D(2018, 1, 1))
    end_episode(actor=None, episode=left.episodes.get(), end_date=D(2019, 2, 2))
    leaver = looked_after_child(start=D(2018, 1, 1))
    end_episode(actor=None, episode=leaver.episodes.get(), end_date=D(2018, 12, 1))
    record_episode(actor=None, child=leaver, kind="pathway_plan", start_date=D(2018, 12, 2))
    dead = looked_after_child(start=D(2018, 1, 1))
    for child in (left, leaver, dead):
        pathway(child, D(2018, 8, 1))
    died(dead, D(2019, 2, 3))
    assert flagged(PW, D(2019, 2, 2)) == {left.pk, leaver.pk, dead.pk}
    assert flagged(PW, D(2019, 2, 3)) == {leaver.pk}
    assert flagged(PW, D(2019, 2, 2), [dead.pk]) == {dead.pk}


# --- LAC-OUT-OF-AREA-NOT-NOTIFIED ----------------------------------------------------------


def out_of_area(name="Lou", start=D_2018_09_01, **fields):
    child = looked_after_child(start=D(2018, 1, 1), given_name=name)
    fields.setdefault("provider_name", "Severn Lodge")
    fields.setdefault("area", "Herefordshire")
    return child, place(child, start, out_of_area=True, **fields)


def test_out_of_area_host_not_told_after_five_working_days_as_written():
    child, made = out_of_area()  # Saturday 1 September: due Friday 7 September
    assert findings(OA, D(2018, 9, 7)) == []
    finding = only(OA, D(2018, 9, 8), child)
    assert finding.subject_key == f"placement:{made.pk}"
    assert finding.due_date == D(2018, 9, 7)
    assert finding.prefill == {"placement": made.pk}
    assert finding.detail == (
        "Lou was placed out of area (Severn Lodge, Herefordshire) on 1 September 2018 and "
        "the host authority has not been told; it was due by 7 September 2018."
    )


def test_out_of_area_without_provider_or_area_and_configurable_days(settings):
    settings.SAFEGUARD_CHECKS = {OA: {"working_days": 2}}
    child, _ = out_of_area(provider_name="", area="")
    assert findings(OA, D(2018, 9, 4)) == []
    finding = only(OA, D(2018, 9, 5), child)
    assert finding.due_date == D(2018, 9, 4)
    assert finding.detail == (
        "Lou was placed out of area (placement) on 1 September 2018 and the host authority "
        "has not been told; it was due by 4 September 2018."
    )


def test_out_of_area_cleared_by_the_host_told_by_the_day_and_only_for_open_placements():
    from safeguard.episodes.services import record_host_authority_notified

    told, told_placement = out_of_area()
    record_host_authority_notified(actor=None, placement=told_placement, notified_on=D(2018, 9, 20))
    ended, _ = out_of_area(end=D(2018, 9, 19))
    dead, _ = out_of_area()
    died(dead, D(2018, 9, 20))
    local = looked_after_child(start=D(2018, 1, 1))
    place(local, D(2018, 9, 1))
    assert flagged(OA, D(2018, 9, 19)) == {told.pk, ended.pk, dead.pk}
    assert flagged(OA, D(2018, 9, 19), [ended.pk]) == {ended.pk}
    assert flagged(OA, D(2018, 9, 20)) == set()


def test_an_out_of_area_placement_outside_the_calendar_is_skipped_not_the_others():
    old = looked_after_child(start=D(1989, 1, 1), dob=D(1980, 1, 1))
    place(old, D(1989, 6, 1), out_of_area=True)
    child, _ = out_of_area()
    assert flagged(OA, D(2018, 9, 8)) == {child.pk}


# --- HEALTH-TRANSITION-NO-PLAN -------------------------------------------------------------


def transitioning(name="Mo", dob=D_2002_05_10, **condition):
    child = factories.child(date_of_birth=dob, given_name=name)
    chronic(child, **condition)
    appointment(child, D(2018, 9, 1), "attended", service="paediatric")
    appointment(child, D(2018, 11, 5), "attended", service="adult")
    appointment(child, D(2018, 10, 1), "not_attended", service="adult")
    return child


def transition_plan(child, on):
    return health.record_transition_plan(actor=None, child=child, date=on, plan="Joint clinic")


def test_moved_to_adult_services_without_a_transition_plan_as_written():
    child = transitioning()
    assert findings(TR, D(2018, 9, 30)) == []
    finding = only(TR, D(2018, 10, 1), child)
    assert finding.subject_key == "transition"
    assert finding.due_date == D(2018, 10, 1)
    assert finding.detail == (
        "Mo is 16 or 17, has a chronic condition and was seen by adult services from 1 "
        "October 2018, but no plan for the move from paediatric to adult services is "
        "recorded (who leads, what changes, a named worker)."
    )
    assert only(TR, D(2018, 12, 1), child).due_date == D(2018, 10, 1)


def test_a_transition_plan_by_the_day_clears_it_only_for_its_child():
    child, other = transitioning(), transitioning()
    transition_plan(child, D(2018, 11, 1))
    assert flagged(TR, D(2018, 10, 31)) == {child.pk, other.pk}
    assert flagged(TR, D(2018, 11, 1)) == {other.pk}
    assert flagged(TR, D(2018, 10, 31), [child.pk]) == {child.pk}


def test_transition_without_a_plan_for_a_living_16_or_17_year_old_with_a_chronic_condition():
    sixteen = transitioning(dob=D(2002, 10, 2))
    eighteen = transitioning(dob=D(2000, 10, 2))
    dead = transitioning()
    not_chronic = transitioning(chronic=False)
    died(dead, D(2018, 10, 2))
    assert flagged(TR, D(2018, 10, 1)) == {eighteen.pk, dead.pk}
    assert flagged(TR, D(2018, 10, 2)) == {sixteen.pk}
    assert not_chronic.pk not in flagged(TR, D(2018, 12, 1))


# --- PLACEMENT-STABILITY -------------------------------------------------------------------


def moving(name="Ned", dob=D_2005_01_01, starts=(D_2018_03_01, D_2018_06_01, D_2018_09_15)):
    child = looked_after_child(start=D(2018, 3, 1), legal_status="C2", dob=dob, given_name=name)
    for i, start in enumerate(starts):
        end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else None
        place(child, start, end=end, provider_name=f"P{i}")
    return child


def test_placement_stability_as_written():
    child = moving()
    finding = only(PS, D(2018, 9, 15), child)
    assert finding.subject_key == "stability"
    assert finding.due_date == D(2018, 9, 15)
    assert finding.record_link == "chronology"
    assert finding.prefill == {}
    assert finding.detail == (
        "Ned has had 3 placements in the 12 months to 15 September 2018, the latest from 15 "
        "September 2018. Each move breaks relationships, school and health care. Review what "
        "will keep this placement stable, with the IRO, and record the review."
    )


def test_placement_stability_counts_placements_current_in_the_period_to_the_day(settings):
    child = moving()
    assert flagged(PS, D(2018, 9, 14)) == set()  # the third begins the next day
    settings.SAFEGUARD_CHECKS = {PS: {"months": 3}}
    # 1 March - 31 May ends before 15 June: two placements in the 3 months to 15 September.
    assert flagged(PS, D(2018, 9, 15)) == set()
    # In the 3 months to 30 August, 1 March - 31 May ran into the period (from 30 May); in
    # those to 31 August it did not.
    settings.SAFEGUARD_CHECKS = {PS: {"months": 3, "placements": 2}}
    assert only(PS, D(2018, 8, 30), child).detail.startswith(
        "Ned has had 2 placements in the 3 months to 30 August 2018, the latest from 1 June 2018."
    )
    assert flagged(PS, D(2018, 8, 31)) == set()


def test_placement_stability_for_a_living_child_under_18_theirs_only():
    turns_18 = moving(dob=D(2000, 9, 16))
    dead = moving()
    stays = moving()
    died(dead, D(2018, 9, 16))
    assert flagged(PS, D(2018, 9, 15)) == {turns_18.pk, dead.pk, stays.pk}
    assert flagged(PS, D(2018, 9, 16)) == {stays.pk}
    assert flagged(PS, D(2018, 9, 15), [dead.pk]) == {dead.pk}


# --- LAC-SCHOOL-EXCLUSION ------------------------------------------------------------------

EXCLUSION_TEXT = (
    " is looked after and was {what} from school on {on}. The virtual school head must be "
    "involved (statutory guidance, 2018), to challenge the exclusion where right and secure "
    "education from the sixth day. Record their involvement."
)


def excluded(child, on, kind="suspension"):
    return event(child, "school_exclusion", on, exclusion_type=kind)


@pytest.mark.parametrize(
    ("kind", "what", "severity"),
    [("suspension", "suspended", None), ("permanent", "permanently excluded", "high")],
)
def test_school_exclusion_as_written(kind, what, severity):
    child = looked_after_child(start=D(2018, 3, 1), given_name="Ola")
    made = excluded(child, "2018-10-01T10:00", kind)
    assert findings(EX, D(2018, 9, 30)) == []
    finding = only(EX, D(2018, 10, 1), child)
    assert finding.subject_key == f"exclusion:{made.pk}"
    assert finding.due_date == D(2018, 10, 3)
    assert finding.severity == severity
    assert finding.record_link == "chronology"
    assert finding.detail == "Ola" + EXCLUSION_TEXT.format(what=what, on="1 October 2018")


def test_school_exclusion_days_are_configurable_and_the_virtual_school_the_same_day_counts(
    settings,
):
    settings.SAFEGUARD_CHECKS = {EX: {"days": 5}}
    child, other = looked_after_child(start=D(2018, 3, 1)), looked_after_child()
    excluded(child, "2018-10-01T10:00")
    excluded(other, "2018-10-01T10:00")
    assert only(EX, D(2018, 10, 1), child).due_date == D(2018, 10, 6)
    event(child, "virtual_school_involved", "2018-10-01T08:00", action="Call")
    event(other, "virtual_school_involved", "2018-10-03T08:00", action="Call")
    assert flagged(EX, D(2018, 10, 2)) == {other.pk}
    assert flagged(EX, D(2018, 10, 3)) == set()


def test_school_exclusion_counts_from_the_current_care_episode_only():
    child = looked_after_child(start=D(2018, 3, 1), legal_status="V2")
    end_episode(actor=None, episode=child.episodes.get(), end_date=D(2018, 6, 1))
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2018, 7, 1), legal_status="C2"
    )
    excluded(child, "2018-05-01T10:00")
    excluded(child, "2018-06-30T10:00")
    assert flagged(EX, D(2018, 8, 1)) == set()
    made = excluded(child, "2018-07-01T10:00")
    assert keys(EX, D(2018, 8, 1)) == {(child.pk, f"exclusion:{made.pk}")}


def test_school_exclusion_for_a_living_child_under_18_theirs_only():
    turns_18 = looked_after_child(start=D(2018, 3, 1), dob=D(2000, 10, 2))
    dead = looked_after_child(start=D(2018, 3, 1))
    stays = looked_after_child(start=D(2018, 3, 1))
    for child in (turns_18, dead, stays):
        excluded(child, "2018-09-28T10:00")
    died(dead, D(2018, 10, 2))
    assert flagged(EX, D(2018, 10, 1)) == {turns_18.pk, dead.pk, stays.pk}
    assert flagged(EX, D(2018, 10, 2)) == {stays.pk}
    assert flagged(EX, D(2018, 10, 1), [dead.pk]) == {dead.pk}


# --- Each young person judged on their own: one not (yet) due does not hide the next ------


def test_needs_assessment_one_not_yet_eligible_or_not_yet_due_does_not_hide_another():
    eligible(start=D(2018, 8, 1))  # eligible 31 October: not yet
    eligible(start=D(2018, 4, 1))  # due 1 October: not yet
    overdue = eligible()  # due 10 August
    assert flagged(NA, D(2018, 9, 1)) == {overdue.pk}


def test_pathway_review_one_not_yet_due_does_not_hide_another():
    recent = looked_after_child(start=D(2018, 1, 1))
    pathway(recent, D(2018, 12, 1))
    overdue = looked_after_child(start=D(2018, 1, 1))
    pathway(overdue, D(2018, 8, 1))
    assert flagged(PW, D(2019, 3, 1)) == {overdue.pk}


def test_out_of_area_one_not_yet_due_does_not_hide_another():
    out_of_area(start=D(2018, 9, 10))
    child, _ = out_of_area()
    assert flagged(OA, D(2018, 9, 12)) == {child.pk}


# --- Records of another kind, another child or after the day do not count ---------------


def test_needs_assessment_eligibility_counts_looked_after_episodes_only():
    child = eligible(start=D(2018, 4, 1))  # eligible 1 July: due 1 October
    record_episode(actor=None, child=child, kind="child_in_need", start_date=D(2017, 1, 1))
    assert flagged(NA, D(2018, 10, 1)) == set()
    assert only(NA, D(2018, 10, 2), child).due_date == D(2018, 10, 1)


def test_pathway_review_needs_a_looked_after_or_pathway_episode_open_on_the_day():
    from tests.meetings_helpers import meeting

    in_need = factories.child(date_of_birth=D(2002, 5, 10))
    record_episode(actor=None, child=in_need, kind="child_in_need", start_date=D(2018, 1, 1))
    pathway(in_need, D(2018, 5, 1))
    starts_later = looked_after_child(start=D(2018, 1, 1))
    end_episode(actor=None, episode=starts_later.episodes.get(), end_date=D(2018, 11, 1))
    record_episode(actor=None, child=starts_later, kind="pathway_plan", start_date=D(2018, 12, 1))
    pathway(starts_later, D(2018, 5, 1))
    reviewed_later = looked_after_child(start=D(2018, 1, 1))
    pathway(reviewed_later, D(2018, 5, 1))
    meeting("cla_review", reviewed_later, held_on=D(2018, 12, 3))
    assert flagged(PW, D(2018, 11, 30)) == {reviewed_later.pk}
    assert only(PW, D(2018, 11, 30), reviewed_later).due_date == D(2018, 11, 1)


def test_pep_looked_after_since_before_the_term_means_a_looked_after_episode():
    child = pupil_in_care(start=D(2018, 9, 1))
    record_episode(actor=None, child=child, kind="child_in_need", start_date=D(2018, 1, 1))
    assert flagged(PE, D(2018, 11, 1)) == set()


def test_health_information_shared_on_another_placements_plan_is_not_shared_for_this_one():
    child, current = placed_with_condition(start=D(2018, 2, 1))
    earlier = place(child, D(2018, 1, 1), end=D(2018, 1, 31), provider_name="Before")
    plan(child, earlier, shared=D(2018, 1, 1))
    assert only(PH, D(2018, 3, 5), child).detail == "Fay" + HEALTH_INFO_TEXT.format(
        where="Oak House", start="1 February 2018", missing=NEITHER
    )


def test_an_appointment_attended_by_another_child_does_not_clear_a_childs_missed_ones():
    child = missing_appointments()
    other = looked_after_child(start=D(2018, 1, 1))
    appointment(other, D(2018, 10, 5), "attended")
    assert flagged(AM, D(2018, 10, 6)) == {child.pk}


def test_a_stability_review_of_another_child_does_not_clear_a_childs_alert():
    child, other = moving(), moving()
    event(other, "placement_stability_review", "2018-09-16T10:00", outcome="Stay")
    assert flagged(PS, D(2018, 9, 16)) == {child.pk}


def test_school_exclusion_stays_through_a_change_of_legal_status():
    """A change of legal status ends one looked-after episode on the day the next starts
    (SSDA903): the child never left care, so the exclusion still needs the virtual school."""
    child = looked_after_child(start=D(2018, 3, 1), legal_status="V2")
    made = excluded(child, "2018-10-01T10:00")
    end_episode(actor=None, episode=child.episodes.get(), end_date=D(2018, 10, 5))
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2018, 10, 5), legal_status="C2"
    )
    for day in (D(2018, 10, 4), D(2018, 10, 5), D(2018, 10, 6), D(2018, 11, 1)):
        assert keys(EX, day) == {(child.pk, f"exclusion:{made.pk}")}, day


def test_pep_due_through_a_change_of_legal_status_in_the_term():
    """Looked after since before the term through a change of legal status (one episode
    ending the day the next starts): the PEP is still due; a return to care is not."""
    changed = pupil_in_care(start=D(2018, 1, 1))
    end_episode(actor=None, episode=changed.episodes.get(), end_date=D(2018, 10, 1))
    record_episode(
        actor=None,
        child=changed,
        kind="looked_after",
        start_date=D(2018, 10, 1),
        legal_status="C2",
    )
    returned = pupil_in_care(start=D(2018, 1, 1))
    end_episode(actor=None, episode=returned.episodes.get(), end_date=D(2018, 9, 30))
    record_episode(
        actor=None,
        child=returned,
        kind="looked_after",
        start_date=D(2018, 10, 1),
        legal_status="C2",
    )
    assert flagged(PE, D(2018, 10, 28)) == {changed.pk}
    assert flagged(PE, D(2018, 10, 28), [returned.pk]) == set()


# --- Rules the first mutation runs left unstated ------------------------------------------


def test_only_an_attended_appointment_after_the_last_missed_one_clears_the_alert():
    """A booked or cancelled appointment after the last one missed is not one kept: the
    alert stays until the child is seen (LAC-APPOINTMENTS-MISSED)."""
    booked = missing_appointments(name="Bo")
    appointment(booked, D(2018, 10, 5), "booked")
    cancelled = missing_appointments(name="Cy")
    appointment(cancelled, D(2018, 10, 5), "cancelled")
    seen = missing_appointments(name="Di")
    appointment(seen, D(2018, 10, 5), "attended")
    assert flagged(AM, D(2018, 10, 4)) == {booked.pk, cancelled.pk, seen.pk}
    assert flagged(AM, D(2018, 10, 6)) == {booked.pk, cancelled.pk}


def test_placement_stability_counts_each_childs_own_placements():
    """The count and the latest start are the child's own: another child's placements
    neither raise nor change a child's PLACEMENT-STABILITY alert."""
    three = moving(name="Tia")
    four = moving(name="Fox", starts=(D(2018, 3, 1), D(2018, 5, 1), D(2018, 6, 1), D(2018, 9, 1)))
    one = looked_after_child(start=D(2018, 1, 1), given_name="Uma")
    place(one, D(2018, 1, 1), provider_name="Home")
    assert flagged(PS, D(2018, 9, 15)) == {three.pk, four.pk}
    assert only(PS, D(2018, 9, 15), three).detail.startswith(
        "Tia has had 3 placements in the 12 months to 15 September 2018, the latest from 15 "
        "September 2018."
    )
    found = only(PS, D(2018, 9, 15), four)
    assert found.due_date == D(2018, 9, 1)
    assert found.detail.startswith(
        "Fox has had 4 placements in the 12 months to 15 September 2018, the latest from 1 "
        "September 2018."
    )


def test_health_information_end_reasons_are_for_the_alerts_own_placements():
    """Only the placements of the alerts that went are asked whether they ended: a child's
    earlier placement that ended, or another child's, gives no reason (and no error)."""
    check = get_check(PH)
    child, current = placed_with_condition(start=D(2018, 3, 1))
    place(child, D(2018, 1, 1), end=D(2018, 2, 28), provider_name="Before")
    other, other_placement = placed_with_condition()
    from safeguard.episodes.services import end_placement

    end_placement(actor=None, placement=other_placement, end_date=D(2018, 4, 30))
    gone = {(child.pk, f"placement:{current.pk}")}
    assert check.more_end_reasons(D(2018, 5, 1), gone) == {}
    cond = child.conditions.get()
    health.resolve_condition(actor=None, condition=cond, resolved_on=D(2018, 5, 1))
    assert check.more_end_reasons(D(2018, 5, 1), gone) == {
        (child.pk, f"placement:{current.pk}"): "the condition resolved"
    }


def test_health_information_condition_resolved_even_with_a_condition_that_is_not_chronic():
    """The duty is for a chronic condition: once it is resolved, the alert ended because the
    condition resolved, even if the child still has a condition that is not chronic."""
    check = get_check(PH)
    child, made = placed_with_condition()
    health.record_condition(
        actor=None, child=child, name="Sprained ankle", diagnosed_on=D(2018, 4, 1), chronic=False
    )
    cond = child.conditions.get(chronic=True)
    health.resolve_condition(actor=None, condition=cond, resolved_on=D(2018, 5, 1))
    gone = {(child.pk, f"placement:{made.pk}")}
    assert check.more_end_reasons(D(2018, 5, 1), gone) == {
        (child.pk, f"placement:{made.pk}"): "the condition resolved"
    }
    assert check.more_end_reasons(D(2018, 4, 30), gone) == {}


def test_needs_assessment_eligibility_counts_from_the_14th_birthday(settings):
    """A child looked after since 13 is looked after "since the 14th birthday" from that
    birthday: eligible once the configured days after it have passed. (With the default 91
    days the count's start cannot move the due date past the 16th birthday, so the days are
    made longer than a year here.)"""
    settings.SAFEGUARD_CHECKS = {NA: {"eligible_days": 400}}
    # 14 on 10 May 2016; eligible 14 June 2017, before 16 (10 May 2018): due 10 August 2018.
    child = eligible(start=D(2015, 6, 1))
    assert flagged(NA, D(2018, 8, 10)) == set()
    assert only(NA, D(2018, 8, 11), child).due_date == D(2018, 8, 10)
