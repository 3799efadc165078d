"""Every front-door check at its boundary: the day before it fires, the day it fires, and
the record that resolves it."""

import datetime as dt

import pytest

from safeguard.checks.engine import catalogue, get_check
from safeguard.children.services import record_person, record_relationship
from safeguard.core.workdays import add_working_days
from safeguard.episodes.services import end_episode, record_episode
from safeguard.frontdoor import services
from tests import factories
from tests.checks_helpers import event, involve
from tests.meetings_helpers import meeting

pytestmark = pytest.mark.django_db
D = dt.date
MON = D(2024, 1, 15)  # a Monday with no bank holiday near
PLAN_START = D(2024, 1, 2)


def fires(check_id, as_of, child):
    return [f for f in get_check(check_id).findings(as_of) if f.child_id == child.pk]


def contact(child, received=MON, **fields):
    fields.setdefault("source", "2A")
    fields.setdefault("referrer_agency", factories.agency("fd-school", kind="school"))
    return services.record_contact(
        actor=None, child=child, received_on=received, summary="Report", **fields
    )


def decide(c, on, decision="nfa", **fields):
    return services.decide_contact(
        actor=None, contact=c, decision=decision, decision_reason="Reason", decided_on=on, **fields
    )


def plan(child, kind="child_protection", start=PLAN_START):
    extra = {"cp_category": "neglect"} if kind == "child_protection" else {"primary_need": "N1"}
    return record_episode(actor=None, child=child, kind=kind, start_date=start, **extra)


def adult(child, name="Pete", joined=MON, left=None):
    person = record_person(actor=None, given_name=name, family_name="Partner")
    record_relationship(actor=None, child=child, person=person, relationship="partner")
    member = services.add_household_member(
        actor=None, child=child, person=person, relationship="partner", joined_on=joined
    )
    if left:
        services.household_member_left(actor=None, member=member, left_on=left)
    return person


# --- FD-REFERRAL-DECISION -----------------------------------------------------------------


def test_referral_decision_due_within_one_working_day():
    child = factories.child()
    c = contact(child, kind="referral")
    assert not fires("FD-REFERRAL-DECISION", D(2024, 1, 16), child)  # the deadline day
    (found,) = fires("FD-REFERRAL-DECISION", D(2024, 1, 17), child)
    assert found.due_date == D(2024, 1, 16) and found.prefill == {"contact": c.pk}
    decide(c, D(2024, 1, 18), decision="assessment")
    assert not fires("FD-REFERRAL-DECISION", D(2024, 1, 18), child)
    # Replayed before the decision was made, it was still undecided.
    assert fires("FD-REFERRAL-DECISION", D(2024, 1, 17), child)


def test_referral_decision_counts_working_days_over_a_weekend():
    child = factories.child()
    contact(child, received=D(2024, 1, 19))  # Friday: due Monday
    assert not fires("FD-REFERRAL-DECISION", D(2024, 1, 22), child)
    assert fires("FD-REFERRAL-DECISION", D(2024, 1, 23), child)


# --- FD-ASSESSMENT-45WD -------------------------------------------------------------------


def test_assessment_due_45_working_days_after_the_referral():
    child = factories.child()
    c = contact(child, kind="referral")
    decide(c, D(2024, 1, 16), decision="assessment")
    a = services.record_assessment(actor=None, child=child, contact=c, started_on=D(2024, 1, 17))
    due = add_working_days(MON, 45)
    assert not fires("FD-ASSESSMENT-45WD", due, child)
    (found,) = fires("FD-ASSESSMENT-45WD", due + dt.timedelta(days=1), child)
    assert found.due_date == due
    # A worker change leaves it open: still overdue.
    services.update_assessment(actor=None, assessment=a, worker=factories.user("fd-new"))
    assert fires("FD-ASSESSMENT-45WD", due + dt.timedelta(days=1), child)
    services.update_assessment(
        actor=None,
        assessment=a,
        completed_on=due + dt.timedelta(days=3),
        outcome="nfa",
        factors=["21"],
        child_seen_on=D(2024, 1, 18),
        seen_alone=True,
    )
    assert not fires("FD-ASSESSMENT-45WD", due + dt.timedelta(days=3), child)


# --- FD-REPEAT-NFA ------------------------------------------------------------------------


def test_third_nfa_in_twelve_months_asks_for_a_manager_review():
    child = factories.child()
    for received in (D(2023, 3, 1), D(2023, 9, 1)):
        decide(contact(child, received=received), received)
    third = contact(child, received=D(2024, 2, 1))
    assert not fires("FD-REPEAT-NFA", D(2024, 2, 1), child)
    decide(third, D(2024, 2, 1))
    (found,) = fires("FD-REPEAT-NFA", D(2024, 2, 1), child)
    assert "3 contacts" in found.detail
    # 12 months: on 1 March 2024 the first (1 March 2023) is out of the 365-day window.
    assert fires("FD-REPEAT-NFA", D(2024, 2, 28), child)
    assert not fires("FD-REPEAT-NFA", D(2024, 3, 1), child)
    event(child, "cumulative_review", D(2024, 2, 5))
    assert fires("FD-REPEAT-NFA", D(2024, 2, 4), child)
    assert not fires("FD-REPEAT-NFA", D(2024, 2, 5), child)


# --- FD-MALICIOUS-NOT-SPOKEN --------------------------------------------------------------


def test_malicious_contact_from_a_relative_without_speaking_to_them():
    child = factories.child()
    c = contact(child, source="1A", referrer_agency=None, referrer_relationship="relative")
    assert not fires("FD-MALICIOUS-NOT-SPOKEN", D(2024, 1, 16), child)
    decide(c, D(2024, 1, 16), judged_malicious=True)
    assert not fires("FD-MALICIOUS-NOT-SPOKEN", D(2024, 1, 15), child)
    assert fires("FD-MALICIOUS-NOT-SPOKEN", D(2024, 1, 16), child)
    decide(c, D(2024, 1, 17), judged_malicious=True, referrer_spoken_to=True, expected_version=2)
    assert not fires("FD-MALICIOUS-NOT-SPOKEN", D(2024, 1, 17), child)


def test_malicious_judgement_on_an_agency_contact_is_not_this_check():
    child = factories.child()
    decide(contact(child), D(2024, 1, 16), judged_malicious=True)
    assert not fires("FD-MALICIOUS-NOT-SPOKEN", D(2024, 1, 16), child)


# --- FD-ASSESSMENT-SEEN-ALONE -------------------------------------------------------------


def test_completed_without_the_child_seen_alone_and_no_reason():
    child = factories.child()
    a = services.record_assessment(actor=None, child=child, started_on=MON)
    services.update_assessment(
        actor=None,
        assessment=a,
        child_seen_on=D(2024, 1, 17),
        seen_alone=False,
        completed_on=D(2024, 2, 1),
        outcome="nfa",
        factors=["21"],
    )
    assert not fires("FD-ASSESSMENT-SEEN-ALONE", D(2024, 1, 31), child)
    assert fires("FD-ASSESSMENT-SEEN-ALONE", D(2024, 2, 1), child)
    services.update_assessment(
        actor=None, assessment=a, not_seen_alone_reason="Too young to be seen apart"
    )
    assert not fires("FD-ASSESSMENT-SEEN-ALONE", D(2024, 2, 1), child)


# --- household ----------------------------------------------------------------------------


def test_new_adult_on_a_plan_needs_checks_within_5_working_days():
    child = factories.child()
    plan(child)
    person = adult(child)
    due = add_working_days(MON, 5)
    assert not fires("FD-NEW-ADULT-NO-CHECKS", due, child)
    (found,) = fires("FD-NEW-ADULT-NO-CHECKS", due + dt.timedelta(days=1), child)
    assert found.due_date == due
    services.request_adult_check(
        actor=None, child=child, person=person, kind="police", requested_on=due
    )
    assert not fires("FD-NEW-ADULT-NO-CHECKS", due + dt.timedelta(days=1), child)


def test_only_an_adult_who_joined_during_the_plan_is_new():
    child = factories.child()
    adult(child, name="Before", joined=D(2023, 6, 1))
    assert not fires("FD-NEW-ADULT-NO-CHECKS", D(2024, 1, 10), child)  # no plan
    plan(child, kind="child_in_need", start=D(2024, 1, 12))
    adult(child, name="During", joined=MON)
    due = add_working_days(MON, 5)
    assert not fires("FD-NEW-ADULT-NO-CHECKS", due, child)
    (found,) = fires("FD-NEW-ADULT-NO-CHECKS", due + dt.timedelta(days=1), child)
    assert "During" in found.detail


def test_an_adult_who_left_is_not_flagged_for_later_days():
    child = factories.child()
    plan(child)
    person = adult(child, joined=MON, left=D(2024, 3, 1))
    services.record_check_result(
        actor=None,
        check=services.request_adult_check(
            actor=None, child=child, person=person, kind="police", requested_on=D(2024, 1, 16)
        ),
        result_on=D(2024, 1, 20),
        result="Assault on a child, 2015",
        risk_to_children=True,
    )
    assert not fires("FD-FLAGGED-ADULT-IN-HOUSEHOLD", D(2024, 1, 19), child)  # not known yet
    assert fires("FD-FLAGGED-ADULT-IN-HOUSEHOLD", D(2024, 1, 20), child)
    assert fires("FD-FLAGGED-ADULT-IN-HOUSEHOLD", D(2024, 2, 29), child)
    assert not fires("FD-FLAGGED-ADULT-IN-HOUSEHOLD", D(2024, 3, 1), child)
    assert not fires("FD-NEW-ADULT-NO-CHECKS", D(2024, 3, 5), child)


def test_a_flag_found_for_another_child_counts_in_this_household():
    sibling, child = factories.child(), factories.child()
    plan(child)
    person = adult(child)
    check = services.request_adult_check(
        actor=None, child=sibling, person=person, kind="police", requested_on=D(2023, 1, 1)
    )
    services.record_check_result(
        actor=None, check=check, result_on=D(2023, 1, 5), result="Offences", risk_to_children=True
    )
    assert fires("FD-FLAGGED-ADULT-IN-HOUSEHOLD", MON, child)
    assert not fires("FD-FLAGGED-ADULT-IN-HOUSEHOLD", MON - dt.timedelta(days=1), child)
    end_episode(actor=None, episode=child.episodes.get(), end_date=D(2024, 2, 1))
    assert not fires("FD-FLAGGED-ADULT-IN-HOUSEHOLD", D(2024, 2, 2), child)


# --- visits -------------------------------------------------------------------------------


def test_cp_visit_every_10_working_days_counting_only_visits_that_saw_the_child():
    child = factories.child()
    plan(child, start=MON)
    first_due = add_working_days(MON, 10)
    assert not fires("FD-CP-VISITS", first_due, child)
    assert fires("FD-CP-VISITS", first_due + dt.timedelta(days=1), child)
    event(child, "social_worker_visit", D(2024, 1, 22), outcome="seen", seen_alone=True)
    due = add_working_days(D(2024, 1, 22), 10)
    assert not fires("FD-CP-VISITS", due, child)
    event(child, "social_worker_visit", D(2024, 1, 30), outcome="no_access")
    (found,) = fires("FD-CP-VISITS", due + dt.timedelta(days=1), child)
    assert found.due_date == due


def test_cp_visit_interval_is_configurable(settings):
    settings.SAFEGUARD_CHECKS = {"FD-CP-VISITS": {"working_days": 5}}
    child = factories.child()
    plan(child, start=MON)
    assert fires("FD-CP-VISITS", add_working_days(MON, 5) + dt.timedelta(days=1), child)


def test_two_visits_in_a_row_without_seeing_the_child():
    child = factories.child()
    plan(child, kind="child_in_need")
    event(child, "social_worker_visit", D(2024, 1, 10), outcome="seen")
    event(child, "social_worker_visit", D(2024, 1, 17), outcome="no_access", reason="No answer")
    assert not fires("FD-VISITS-NOT-SEEN", D(2024, 1, 20), child)
    event(child, "social_worker_visit", D(2024, 1, 24), outcome="refused")
    assert not fires("FD-VISITS-NOT-SEEN", D(2024, 1, 23), child)
    (found,) = fires("FD-VISITS-NOT-SEEN", D(2024, 1, 24), child)
    assert found.due_date == D(2024, 1, 24)
    event(child, "social_worker_visit", D(2024, 1, 26), outcome="seen")
    assert not fires("FD-VISITS-NOT-SEEN", D(2024, 1, 26), child)


def test_absent_worker_without_cover():
    child = factories.child()
    plan(child)
    worker = factories.user("fd-sw")
    involve(child, worker, "allocated_social_worker", start=D(2024, 1, 2))
    absence = services.record_absence(
        actor=None, professional=worker, kind="sickness", start_date=MON
    )
    due = add_working_days(MON, 3)
    assert not fires("FD-ABSENCE-NO-COVER", due, child)
    (found,) = fires("FD-ABSENCE-NO-COVER", due + dt.timedelta(days=1), child)
    assert found.prefill == {"absence": absence.pk}
    services.end_absence(
        actor=None, absence=absence, end_date=None, covered_by=factories.user("fd-cover")
    )
    assert not fires("FD-ABSENCE-NO-COVER", due + dt.timedelta(days=1), child)


def test_absence_that_ended_does_not_fire():
    child = factories.child()
    plan(child)
    worker = factories.user("fd-sw")
    involve(child, worker, "allocated_social_worker", start=D(2024, 1, 2))
    services.record_absence(
        actor=None, professional=worker, kind="leave", start_date=MON, end_date=D(2024, 1, 26)
    )
    assert fires("FD-ABSENCE-NO-COVER", D(2024, 1, 26), child)
    assert not fires("FD-ABSENCE-NO-COVER", D(2024, 1, 27), child)


# --- injuries -----------------------------------------------------------------------------


def injury(child, mobile=False, noticed=MON, **fields):
    return services.record_injury(
        actor=None,
        child=child,
        noticed_on=noticed,
        agency=factories.agency("fd-hv", kind="nhs_trust"),
        kind="bruise",
        body_site="cheek",
        child_mobile=mobile,
        **fields,
    )


def test_bruise_to_a_non_mobile_baby_needs_strategy_discussion_and_medical():
    baby = factories.child()
    i = injury(baby)
    assert not fires("FD-NON-MOBILE-INJURY", MON, baby)
    (found,) = fires("FD-NON-MOBILE-INJURY", MON + dt.timedelta(days=1), baby)
    assert "a strategy discussion or a child protection medical" in found.detail
    services.record_medical(actor=None, injury=i, medical_requested_on=MON)
    (found,) = fires("FD-NON-MOBILE-INJURY", MON + dt.timedelta(days=1), baby)
    assert "a strategy discussion." in found.detail
    # The front door deciding to hold one is not one held.
    c = contact(baby, received=MON)
    decide(c, MON, decision="strategy_discussion")
    assert fires("FD-NON-MOBILE-INJURY", MON + dt.timedelta(days=1), baby)
    meeting("strategy_discussion", baby, held_on=MON + dt.timedelta(days=1))
    assert not fires("FD-NON-MOBILE-INJURY", MON + dt.timedelta(days=1), baby)
    # A discussion held before the injury was noticed does not count for it.
    later = injury(baby, noticed=MON + dt.timedelta(days=7))
    services.record_medical(actor=None, injury=later, medical_requested_on=later.noticed_on)
    (found,) = fires("FD-NON-MOBILE-INJURY", MON + dt.timedelta(days=8), baby)
    assert found.subject_key == f"injury:{later.pk}"


def test_injury_to_a_mobile_child_is_not_this_check():
    child = factories.child()
    injury(child, mobile=True)
    assert not fires("FD-NON-MOBILE-INJURY", MON + dt.timedelta(days=5), child)


# --- case closure -------------------------------------------------------------------------


def test_case_closed_with_an_assessment_open():
    child = factories.child()
    a = services.record_assessment(actor=None, child=child, started_on=MON)
    services.close_case(actor=None, child=child, closed_on=D(2024, 2, 1), reason="Moved")
    assert not fires("FD-CLOSED-WITH-OPEN-WORK", D(2024, 1, 31), child)
    (found,) = fires("FD-CLOSED-WITH-OPEN-WORK", D(2024, 2, 1), child)
    assert str(a) in found.detail
    services.update_assessment(
        actor=None,
        assessment=a,
        completed_on=D(2024, 2, 5),
        outcome="nfa",
        factors=["21"],
        not_seen_alone_reason="Moved before seen",
    )
    assert fires("FD-CLOSED-WITH-OPEN-WORK", D(2024, 2, 4), child)
    assert not fires("FD-CLOSED-WITH-OPEN-WORK", D(2024, 2, 5), child)


def test_case_closed_after_the_work_was_done_is_fine():
    child = factories.child()
    a = services.record_assessment(actor=None, child=child, started_on=MON)
    services.update_assessment(
        actor=None,
        assessment=a,
        completed_on=D(2024, 1, 30),
        outcome="nfa",
        factors=["21"],
        not_seen_alone_reason="Baby",
    )
    services.close_case(actor=None, child=child, closed_on=D(2024, 2, 1), reason="Done")
    assert not fires("FD-CLOSED-WITH-OPEN-WORK", D(2024, 2, 1), child)


# --- every front-door check's resolution is a page someone it tells may write -------------


@pytest.mark.parametrize("check_id", sorted(c.id for c in catalogue() if c.id.startswith("FD-")))
def test_someone_the_check_tells_may_write_the_record_that_resolves_it(check_id):
    from safeguard.access import roles
    from safeguard.access.rules import ACCESS_RULES
    from safeguard.recording.resolutions import RECORD_PAGES
    from tests.test_resolutions import SIGN_IN_ROLE

    check = get_check(check_id)
    told = [SIGN_IN_ROLE[r] for r in check.tells if r in SIGN_IN_ROLE]
    record = check.resolution.record
    if record.startswith("event:"):  # a chronology entry (a visit, a cumulative review)
        code = record.split(":", 1)[1]
        assert any(roles.may_write_event_type(role, code) for role in told), (
            f"{check_id}: none of {told} may record {code!r}"
        )
        return
    page = RECORD_PAGES[record]
    what = ACCESS_RULES[page].write
    assert what.startswith("record:"), f"{check_id}: {page} writes {what!r}"
    assert any(roles.may_write(role, what) for role in told), (
        f"{check_id}: none of {told} may write {what} ({page})"
    )
