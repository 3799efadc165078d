"""The front-door and child protection checks, stated as rules (issue 15): each test says
what a check reports (whom, which record, by when, in what words) and what it does not,
over several cases, so that `make mutation` (docs/testing.md) finds a change to any of them.
"""

import datetime as dt

import pytest

from safeguard.checks.engine import Finding, get_check
from safeguard.core.workdays import add_working_days
from safeguard.frontdoor import services
from tests import factories
from tests.test_frontdoor_checks import PLAN_START, contact, decide, plan

pytestmark = pytest.mark.django_db
D = dt.date
MON = D(2024, 1, 15)  # a Monday with no bank holiday near

REFERRAL = "FD-REFERRAL-DECISION"
ASSESSMENT = "FD-ASSESSMENT-45WD"
SEEN_ALONE = "FD-ASSESSMENT-SEEN-ALONE"
CP_VISITS = "FD-CP-VISITS"
NOT_SEEN = "FD-VISITS-NOT-SEEN"
FLAGGED = "FD-FLAGGED-ADULT-IN-HOUSEHOLD"
NEW_ADULT = "FD-NEW-ADULT-NO-CHECKS"
INJURY = "FD-NON-MOBILE-INJURY"
REPEAT_NFA = "FD-REPEAT-NFA"
CLOSED = "FD-CLOSED-WITH-OPEN-WORK"
MALICIOUS = "FD-MALICIOUS-NOT-SPOKEN"
ABSENCE = "FD-ABSENCE-NO-COVER"


def found(check_id, as_of, child_ids=None):
    return get_check(check_id).findings(as_of, child_ids)


def flagged(check_id, as_of, child_ids=None):
    return {f.child_id for f in found(check_id, as_of, child_ids)}


def died(child, on):
    child.date_of_death = on
    child.save(update_fields=["date_of_death"])
    return child


def day(n):
    return dt.timedelta(days=n)


# --- FD-REFERRAL-DECISION -----------------------------------------------------------------


def test_an_undecided_contact_is_reported_whole_the_day_after_its_deadline():
    child = factories.child(given_name="Amy")
    c = contact(child, kind="referral")
    assert found(REFERRAL, D(2024, 1, 16)) == []
    (f,) = found(REFERRAL, D(2024, 1, 17))
    assert f == Finding(
        child_id=child.pk,
        subject_key=f"contact:{c.pk}",
        due_date=D(2024, 1, 16),
        detail=(
            "A referral about Amy was received on 15 January 2024 and has no decision. It "
            "was due by 16 January 2024 (1 working day). Decide the response and record it."
        ),
    )
    assert f.prefill == {"contact": c.pk}
    assert f.record_link == "summary"


def test_the_decision_deadline_in_several_working_days_is_worded_in_days(settings):
    settings.SAFEGUARD_CHECKS = {REFERRAL: {"working_days": 2}}
    child = factories.child(given_name="Ben")
    contact(child)  # a contact, not a referral
    assert found(REFERRAL, D(2024, 1, 17)) == []
    (f,) = found(REFERRAL, D(2024, 1, 18))
    assert f.due_date == D(2024, 1, 17)
    assert f.detail == (
        "A contact about Ben was received on 15 January 2024 and has no decision. It was "
        "due by 17 January 2024 (2 working days). Decide the response and record it."
    )


def test_a_contact_decided_on_or_before_the_day_is_not_reported_and_one_decided_later_is():
    child = factories.child()
    c = contact(child)
    decide(c, D(2024, 1, 19))
    assert flagged(REFERRAL, D(2024, 1, 18)) == {child.pk}
    assert flagged(REFERRAL, D(2024, 1, 19)) == set()
    assert flagged(REFERRAL, D(2024, 1, 22)) == set()


def test_undecided_contacts_of_the_children_asked_about_only_and_never_after_death():
    a, b, dead, later_dead = (factories.child() for _ in range(4))
    for child in (a, b, dead, later_dead):
        contact(child)
    died(dead, D(2024, 1, 17))
    died(later_dead, D(2024, 1, 18))
    as_of = D(2024, 1, 17)
    assert flagged(REFERRAL, as_of) == {a.pk, b.pk, later_dead.pk}
    assert flagged(REFERRAL, as_of, [a.pk]) == {a.pk}
    assert flagged(REFERRAL, as_of, [b.pk, dead.pk]) == {b.pk}
    assert flagged(REFERRAL, as_of, []) == set()


# --- FD-ASSESSMENT-45WD -------------------------------------------------------------------


def assessment(child, started=MON, **fields):
    return services.record_assessment(actor=None, child=child, started_on=started, **fields)


def complete(a, on, **fields):
    fields.setdefault("not_seen_alone_reason", "Baby")
    return services.update_assessment(
        actor=None, assessment=a, completed_on=on, outcome="nfa", factors=["21"], **fields
    )


def test_an_open_assessment_is_reported_whole_after_45_working_days_from_the_referral():
    child = factories.child(given_name="Cara")
    c = contact(child, kind="referral", received=D(2024, 1, 8))
    decide(c, D(2024, 1, 9), decision="assessment")
    worker = factories.user("fd-cara-sw")
    a = assessment(child, started=MON, contact=c, worker=worker)
    due = add_working_days(D(2024, 1, 8), 45)  # from the referral, not the start
    assert found(ASSESSMENT, due) == []
    (f,) = found(ASSESSMENT, due + day(1))
    assert f == Finding(
        child_id=child.pk,
        subject_key=f"assessment:{a.pk}",
        due_date=due,
        detail=(
            f"Cara's assessment (referral 8 January 2024) is not completed. It was due by "
            f"{due:%-d %B %Y}, 45 working days after the referral; its worker is fd-cara-sw. "
            "Complete it, or record why it is taking longer."
        ),
    )
    assert f.prefill == {"assessment": a.pk}


def test_an_assessment_with_no_referral_counts_from_its_start_and_says_it_has_no_worker():
    child = factories.child(given_name="Dan")
    a = assessment(child, started=MON)
    due = add_working_days(MON, 45)
    assert found(ASSESSMENT, due) == []
    (f,) = found(ASSESSMENT, due + day(1))
    assert f.due_date == due and f.subject_key == f"assessment:{a.pk}"
    assert f.detail == (
        f"Dan's assessment (referral 15 January 2024) is not completed. It was due by "
        f"{due:%-d %B %Y}, 45 working days after the referral; it has no worker. "
        "Complete it, or record why it is taking longer."
    )


def test_an_assessment_counts_from_the_day_it_exists_until_the_day_it_is_completed():
    child = factories.child()
    c = contact(child, kind="referral", received=D(2023, 6, 1))
    due = add_working_days(D(2023, 6, 1), 45)
    start = due + day(20)
    a = assessment(child, started=start, contact=c)
    assert flagged(ASSESSMENT, start - day(1)) == set()  # not started yet
    assert flagged(ASSESSMENT, start) == {child.pk}  # started that day, already late
    complete(a, start + day(3))
    assert flagged(ASSESSMENT, start + day(2)) == {child.pk}
    assert flagged(ASSESSMENT, start + day(3)) == set()
    assert flagged(ASSESSMENT, start + day(30)) == set()


def test_overdue_assessments_of_the_children_asked_about_only_and_never_after_death():
    a, b, dead = (factories.child() for _ in range(3))
    for child in (a, b, dead):
        assessment(child)
    as_of = add_working_days(MON, 46)
    died(dead, as_of)
    assert flagged(ASSESSMENT, as_of) == {a.pk, b.pk}
    assert flagged(ASSESSMENT, as_of, [b.pk, dead.pk]) == {b.pk}
    died(dead, as_of + day(1))
    assert flagged(ASSESSMENT, as_of, [dead.pk]) == {dead.pk}


# --- FD-ASSESSMENT-SEEN-ALONE -------------------------------------------------------------


def test_completed_without_seeing_the_child_alone_is_reported_whole_from_the_day_completed():
    not_seen = factories.child(given_name="Eve")
    seen_not_alone = factories.child(given_name="Fay")
    alone = factories.child()
    reason = factories.child()
    a1 = complete(assessment(not_seen), D(2024, 2, 1), not_seen_alone_reason="")
    a2 = complete(
        assessment(seen_not_alone),
        D(2024, 2, 2),
        not_seen_alone_reason="",
        child_seen_on=D(2024, 1, 20),
        seen_alone=False,
    )
    complete(
        assessment(alone),
        D(2024, 2, 1),
        not_seen_alone_reason="",
        child_seen_on=D(2024, 1, 20),
        seen_alone=True,
    )
    complete(assessment(reason), D(2024, 2, 1), not_seen_alone_reason="Too young")
    assert found(SEEN_ALONE, D(2024, 1, 31)) == []
    assert found(SEEN_ALONE, D(2024, 2, 1)) == [
        Finding(
            child_id=not_seen.pk,
            subject_key=f"assessment:{a1.pk}",
            due_date=D(2024, 2, 1),
            detail=(
                "Eve's assessment was completed on 1 February 2024 without the child being "
                "seen, and no reason is recorded. Record why, or see the child alone."
            ),
        )
    ]
    (f,) = found(SEEN_ALONE, D(2024, 2, 2), [seen_not_alone.pk, alone.pk, reason.pk])
    assert f == Finding(
        child_id=seen_not_alone.pk,
        subject_key=f"assessment:{a2.pk}",
        due_date=D(2024, 2, 2),
        detail=(
            "Fay's assessment was completed on 2 February 2024 without the child seen "
            "alone, and no reason is recorded. Record why, or see the child alone."
        ),
    )
    assert f.prefill == {"assessment": a2.pk}
    assert flagged(SEEN_ALONE, D(2024, 2, 2)) == {not_seen.pk, seen_not_alone.pk}
    assert flagged(SEEN_ALONE, D(2024, 2, 2), [not_seen.pk]) == {not_seen.pk}


def test_seen_alone_is_not_asked_of_a_dead_child():
    child = factories.child()
    complete(assessment(child), D(2024, 2, 1), not_seen_alone_reason="")
    died(child, D(2024, 2, 3))
    assert flagged(SEEN_ALONE, D(2024, 2, 2)) == {child.pk}
    assert flagged(SEEN_ALONE, D(2024, 2, 3)) == set()


# --- FD-MALICIOUS-NOT-SPOKEN --------------------------------------------------------------


def public_contact(child, relationship="", received=MON):
    return contact(
        child,
        received=received,
        source="1A",
        referrer_agency=None,
        referrer_relationship=relationship,
    )


def test_a_malicious_judgement_without_speaking_to_the_referrer_is_reported_whole():
    aunt = factories.child(given_name="Gus")
    anon = factories.child(given_name="Hal")
    c1 = public_contact(aunt, "relative")
    c2 = public_contact(anon, "anonymous", received=D(2024, 1, 10))
    decide(c1, D(2024, 1, 16), judged_malicious=True)
    decide(c2, D(2024, 1, 17), judged_malicious=True)
    # A record from before the referrer's relationship was asked for (the form now
    # requires it when there is no agency): described as a member of the public.
    type(c2).objects.filter(pk=c2.pk).update(referrer_relationship="")
    assert found(MALICIOUS, D(2024, 1, 15)) == []
    assert found(MALICIOUS, D(2024, 1, 16)) == [
        Finding(
            child_id=aunt.pk,
            subject_key=f"contact:{c1.pk}",
            due_date=D(2024, 1, 16),
            detail=(
                "A contact about Gus received on 15 January 2024 from a relative was judged "
                "malicious and closed without the referrer being spoken to. Speak to them "
                "before dismissing what they said, and record it."
            ),
        )
    ]
    (f,) = found(MALICIOUS, D(2024, 1, 17), [anon.pk])
    assert f.prefill == {"contact": c2.pk} and f.due_date == D(2024, 1, 17)
    assert f.detail.startswith(
        "A contact about Hal received on 10 January 2024 from a member of the public was "
    )


def test_only_an_nfa_judged_malicious_unspoken_public_contact_of_a_living_child_is_reported():
    kinds = {}
    for name, decision, malicious, spoken in (
        ("reported", "nfa", True, False),
        ("other-decision", "early_help", False, False),
        ("not-malicious", "nfa", False, False),
        ("spoken", "nfa", True, True),
    ):
        child = factories.child()
        decide(
            public_contact(child, "neighbour"),
            MON,
            decision=decision,
            judged_malicious=malicious,
            referrer_spoken_to=spoken,
        )
        kinds[name] = child.pk
    dead = factories.child()
    decide(public_contact(dead, "neighbour"), MON, judged_malicious=True)
    died(dead, D(2024, 1, 20))
    assert flagged(MALICIOUS, D(2024, 1, 19)) == {kinds["reported"], dead.pk}
    assert flagged(MALICIOUS, D(2024, 1, 20)) == {kinds["reported"]}
    assert flagged(MALICIOUS, D(2024, 1, 19), [dead.pk]) == {dead.pk}
    assert flagged(MALICIOUS, D(2024, 1, 19), [kinds["spoken"]]) == set()


# --- FD-REPEAT-NFA ------------------------------------------------------------------------


def nfa(child, on, decision="nfa"):
    return decide(contact(child, received=on), on, decision=decision)


def test_repeated_nfa_is_reported_whole_with_the_count_and_the_window():
    child = factories.child(given_name="Ivy")
    for on in (D(2023, 3, 2), D(2023, 9, 1), D(2024, 1, 10), D(2024, 2, 1)):
        nfa(child, on)
    as_of = D(2024, 2, 20)
    since = as_of - day(364)
    assert since == D(2023, 2, 21)
    assert found(REPEAT_NFA, as_of) == [
        Finding(
            child_id=child.pk,
            subject_key="repeat-nfa",
            due_date=D(2024, 2, 1),
            detail=(
                "4 contacts about Ivy since 21 February 2023 were closed with no further "
                "action, the latest on 1 February 2024. A manager should review them together "
                "(the cumulative picture) and record the review."
            ),
            record_link="chronology",
        )
    ]


def test_the_nfa_window_counts_back_from_the_day_inclusive_and_only_nfa_decisions():
    child = factories.child()
    nfa(child, D(2023, 2, 21))
    nfa(child, D(2023, 9, 1))
    nfa(child, D(2023, 10, 1), decision="early_help")
    nfa(child, D(2024, 2, 20))
    # 20 February 2024: the window is 21 February 2023 to 20 February 2024, both counted.
    assert flagged(REPEAT_NFA, D(2024, 2, 20)) == {child.pk}
    assert "3 contacts" in found(REPEAT_NFA, D(2024, 2, 20))[0].detail
    assert flagged(REPEAT_NFA, D(2024, 2, 19)) == set()  # the third is decided tomorrow
    assert flagged(REPEAT_NFA, D(2024, 2, 21)) == set()  # the first has left the window


def test_the_nfa_count_and_window_are_configurable(settings):
    settings.SAFEGUARD_CHECKS = {REPEAT_NFA: {"contacts": 2, "window_days": 30}}
    child = factories.child()
    nfa(child, D(2024, 1, 2))
    nfa(child, D(2024, 1, 31))
    (f,) = found(REPEAT_NFA, D(2024, 1, 31))
    assert f.detail.startswith("2 contacts about Test since 2 January 2024 ")
    assert flagged(REPEAT_NFA, D(2024, 2, 1)) == set()


def test_each_child_counts_only_their_own_nfa_contacts():
    a, b = factories.child(), factories.child()
    for on in (D(2024, 1, 2), D(2024, 1, 9)):
        nfa(a, on)
    for on in (D(2024, 1, 3), D(2024, 1, 10), D(2024, 1, 11)):
        nfa(b, on)
    assert flagged(REPEAT_NFA, D(2024, 1, 12)) == {b.pk}
    nfa(a, D(2024, 1, 12))
    assert flagged(REPEAT_NFA, D(2024, 1, 12)) == {a.pk, b.pk}
    assert flagged(REPEAT_NFA, D(2024, 1, 12), [a.pk]) == {a.pk}
    died(a, D(2024, 1, 12))
    assert flagged(REPEAT_NFA, D(2024, 1, 12)) == {b.pk}
    assert flagged(REPEAT_NFA, D(2024, 1, 11), [a.pk]) == set()  # two NFAs by then


def test_a_review_on_or_after_the_latest_nfa_clears_it_and_only_for_that_child():
    from tests.checks_helpers import event

    a, b = factories.child(), factories.child()
    for child in (a, b):
        for on in (D(2024, 1, 2), D(2024, 1, 9), D(2024, 1, 16)):
            nfa(child, on)
    event(a, "cumulative_review", D(2024, 1, 16))  # the day of the latest
    event(b, "cumulative_review", D(2024, 1, 15))  # before the latest: not a review of it
    assert flagged(REPEAT_NFA, D(2024, 1, 20)) == {b.pk}
    nfa(a, D(2024, 1, 22))
    (f,) = found(REPEAT_NFA, D(2024, 1, 22), [a.pk])
    assert f.due_date == D(2024, 1, 22)


# --- FD-CLOSED-WITH-OPEN-WORK -------------------------------------------------------------


def close(child, on):
    return services.close_case(actor=None, child=child, closed_on=on, reason="Closed")


def test_a_case_closed_with_work_open_is_reported_whole_with_what_was_open():
    from tests.meetings_helpers import concern

    child = factories.child(given_name="Jo")
    a = assessment(child)
    cn = concern(child, D(2024, 1, 20))
    closure = close(child, D(2024, 2, 1))
    assert found(CLOSED, D(2024, 1, 31)) == []
    (f,) = found(CLOSED, D(2024, 2, 1))
    assert f == Finding(
        child_id=child.pk,
        subject_key=f"closure:{closure.pk}",
        due_date=D(2024, 2, 1),
        detail=(
            f"Jo's case was closed on 1 February 2024 while work was open ({a}; {cn}). "
            "Complete or close what is still open, or reopen the case."
        ),
    )
    assert f.prefill == {}


def test_work_recorded_after_the_closure_but_dated_before_it_is_still_open_work():
    child = factories.child(given_name="Kit")
    close(child, D(2024, 2, 1))
    assert found(CLOSED, D(2024, 2, 5)) == []
    assessment(child, started=D(2024, 1, 20))
    (f,) = found(CLOSED, D(2024, 2, 5))
    assert f.detail == (
        "Kit's case was closed on 1 February 2024 while work was open. Complete or close "
        "what is still open, or reopen the case."
    )


def test_only_work_started_by_the_closure_and_still_open_on_the_day_counts():
    on_the_day, after, done = factories.child(), factories.child(), factories.child()
    assessment(on_the_day, started=D(2024, 2, 1))
    assessment(after, started=D(2024, 2, 2))
    complete(assessment(done, started=D(2024, 1, 20)), D(2024, 2, 3))
    for child in (on_the_day, after, done):
        close(child, D(2024, 2, 1))
    assert flagged(CLOSED, D(2024, 2, 2)) == {on_the_day.pk, done.pk}
    assert flagged(CLOSED, D(2024, 2, 3)) == {on_the_day.pk}
    assert flagged(CLOSED, D(2024, 2, 3), [after.pk, done.pk]) == set()
    assert flagged(CLOSED, D(2024, 2, 2), [done.pk]) == {done.pk}
    died(on_the_day, D(2024, 2, 3))
    assert flagged(CLOSED, D(2024, 2, 2)) == {on_the_day.pk, done.pk}
    assert flagged(CLOSED, D(2024, 2, 3)) == set()


def test_concerns_raised_by_the_closure_and_still_open_count():
    from safeguard.meetings.services import close_concern
    from tests.meetings_helpers import concern

    raised_on_day, raised_after, closed = factories.child(), factories.child(), factories.child()
    concern(raised_on_day, D(2024, 2, 1))
    concern(raised_after, D(2024, 2, 2))
    c = concern(closed, D(2024, 1, 10))
    for child in (raised_on_day, raised_after, closed):
        close(child, D(2024, 2, 1))
    close_concern(actor=None, concern=c, closed_on=D(2024, 2, 4), reason="Resolved")
    assert flagged(CLOSED, D(2024, 2, 3)) == {raised_on_day.pk, closed.pk}
    assert flagged(CLOSED, D(2024, 2, 4)) == {raised_on_day.pk}


def test_meeting_actions_held_by_the_closure_and_still_open_count_for_their_child():
    from safeguard.meetings.services import add_action, complete_action
    from tests.meetings_helpers import meeting

    owner = factories.user("fd-owner")
    a, b, c, late = (factories.child() for _ in range(4))
    m = meeting("strategy_discussion", [a, b], held_on=D(2024, 1, 20), attended=("csc",))
    for_all = add_action(
        actor=None, meeting=m, description="All", owner=owner, due_on=D(2024, 3, 1)
    )
    add_action(
        actor=None, meeting=m, description="B only", owner=owner, due_on=D(2024, 3, 1), child=b
    )
    m2 = meeting("strategy_discussion", [c], held_on=D(2024, 1, 22), attended=("csc",))
    add_action(actor=None, meeting=m2, description="C", owner=owner, due_on=D(2024, 3, 1))
    m3 = meeting("strategy_discussion", [late], held_on=D(2024, 2, 2), attended=("csc",))
    add_action(actor=None, meeting=m3, description="Late", owner=owner, due_on=D(2024, 3, 1))
    for child in (a, b, c, late):
        close(child, D(2024, 2, 1))
    assert flagged(CLOSED, D(2024, 2, 3)) == {a.pk, b.pk, c.pk}
    complete_action(actor=None, action=for_all, completed_on=D(2024, 2, 5), evidence="Done")
    # a's only action is done; b still has its own.
    assert flagged(CLOSED, D(2024, 2, 4)) == {a.pk, b.pk, c.pk}
    assert flagged(CLOSED, D(2024, 2, 5)) == {b.pk, c.pk}


def test_only_the_latest_closure_by_the_day_is_judged():
    twice, reopened = factories.child(), factories.child()
    a = assessment(twice, started=D(2024, 1, 10))
    close(twice, D(2024, 2, 1))
    complete(a, D(2024, 2, 10))
    close(twice, D(2024, 2, 12))
    assessment(reopened, started=D(2024, 1, 10))
    first = close(reopened, D(2024, 2, 1))
    same_day = close(reopened, D(2024, 2, 1))
    close(reopened, D(2024, 3, 1))  # a later closure not yet made on the day
    assert flagged(CLOSED, D(2024, 2, 5)) == {twice.pk, reopened.pk}
    # 12 February: the closure judged is the second, made when nothing was open.
    assert flagged(CLOSED, D(2024, 2, 12)) == {reopened.pk}
    (f,) = found(CLOSED, D(2024, 2, 12))
    assert f.subject_key == f"closure:{same_day.pk}" != f"closure:{first.pk}"


# --- FD-ABSENCE-NO-COVER ------------------------------------------------------------------


def allocated(child, worker, role="allocated_social_worker", start=PLAN_START, end=None):
    from tests.checks_helpers import involve

    return involve(child, worker, role, start=start, end=end)


def away(worker, start=MON, end=None, covered_by=None):
    absence = services.record_absence(
        actor=None, professional=worker, kind="sickness", start_date=start, end_date=end
    )
    if covered_by is not None:
        absence = services.end_absence(
            actor=None, absence=absence, end_date=end, covered_by=covered_by
        )
    return absence


def test_an_absent_worker_without_cover_is_reported_whole():
    child = factories.child(given_name="Lou")
    plan(child)
    worker = factories.user("fd-sam", first_name="Sam", last_name="Jones")
    allocated(child, worker)
    absence = away(worker)
    due = add_working_days(MON, 3)
    assert due == D(2024, 1, 18)
    assert found(ABSENCE, due) == []
    (f,) = found(ABSENCE, due + day(1))
    assert f == Finding(
        child_id=child.pk,
        subject_key=f"absence:{absence.pk}",
        due_date=due,
        detail=(
            "Lou's allocated social worker, Sam Jones, has been away since 15 January 2024 "
            "and nobody is recorded as covering. Cover was due by 18 January 2024."
        ),
    )
    assert f.prefill == {"absence": absence.pk}


def test_the_earliest_uncovered_absence_on_the_day_is_the_one_reported(settings):
    settings.SAFEGUARD_CHECKS = {ABSENCE: {"working_days": 1}}
    child = factories.child()
    plan(child)
    worker = factories.user("fd-two")
    allocated(child, worker)
    later = away(worker, start=D(2024, 1, 10))
    earlier = away(worker, start=D(2024, 1, 8))
    away(worker, start=D(2024, 1, 3), end=D(2024, 1, 30), covered_by=factories.user("fd-c1"))
    away(worker, start=D(2024, 1, 4), end=D(2024, 1, 5))  # over before the day
    (f,) = found(ABSENCE, D(2024, 1, 12))
    assert f.subject_key == f"absence:{earlier.pk}" and f.due_date == D(2024, 1, 9)
    assert f.prefill == {"absence": earlier.pk}
    services.end_absence(
        actor=None, absence=earlier, end_date=None, covered_by=factories.user("fd-c2")
    )
    (f,) = found(ABSENCE, D(2024, 1, 12))
    assert f.subject_key == f"absence:{later.pk}" and f.due_date == D(2024, 1, 11)
    assert found(ABSENCE, D(2024, 1, 11)) == []


def test_of_two_uncovered_absences_from_the_same_day_the_first_recorded_is_reported(settings):
    settings.SAFEGUARD_CHECKS = {ABSENCE: {"working_days": 1}}
    child = factories.child()
    plan(child)
    worker = factories.user("fd-same-day")
    allocated(child, worker)
    first = away(worker, start=D(2024, 1, 8))
    away(worker, start=D(2024, 1, 8), end=D(2024, 1, 31))
    for _ in range(3):  # the same subject every sweep (the alert keeps its identity)
        (f,) = found(ABSENCE, D(2024, 1, 12))
        assert f.subject_key == f"absence:{first.pk}" and f.prefill == {"absence": first.pk}
        assert f.due_date == D(2024, 1, 9)


def test_only_the_allocated_social_worker_of_a_living_child_on_a_plan_counts():
    worker = factories.user("fd-away")
    other = factories.user("fd-other")
    on_cp, on_cin, no_plan, manager_only, ended, others, dead = (
        factories.child() for _ in range(7)
    )
    plan(on_cp)
    plan(on_cin, kind="child_in_need")
    for child in (manager_only, ended, others, dead):
        plan(child)
    for child in (on_cp, on_cin, no_plan, dead):
        allocated(child, worker)
    allocated(manager_only, worker, role="team_manager")
    allocated(ended, worker, end=D(2024, 1, 19))
    allocated(others, other)
    away(worker)
    as_of = D(2024, 1, 19)
    died(dead, D(2024, 1, 20))
    assert flagged(ABSENCE, as_of) == {on_cp.pk, on_cin.pk, dead.pk, ended.pk}
    assert flagged(ABSENCE, D(2024, 1, 20)) == {on_cp.pk, on_cin.pk}
    assert flagged(ABSENCE, D(2024, 1, 20), [on_cin.pk, ended.pk, dead.pk]) == {on_cin.pk}


# --- FD-NON-MOBILE-INJURY -----------------------------------------------------------------


def injury(child, noticed=MON, mobile=False, **fields):
    return services.record_injury(
        actor=None,
        child=child,
        noticed_on=noticed,
        agency=factories.agency("fd-hv", kind="nhs_trust"),
        kind=fields.pop("kind", "bruise"),
        body_site=fields.pop("body_site", "cheek"),
        child_mobile=mobile,
        **fields,
    )


def test_an_injury_to_a_non_mobile_baby_is_reported_whole_naming_what_is_missing():
    from tests.meetings_helpers import meeting

    baby = factories.child(given_name="Mia")
    i = injury(baby, kind="burn", body_site="left hand")
    assert found(INJURY, MON) == []
    (f,) = found(INJURY, MON + day(1))
    assert f == Finding(
        child_id=baby.pk,
        subject_key=f"injury:{i.pk}",
        due_date=MON,
        detail=(
            "Mia is not mobile and a burn (left hand) was noticed on 15 January 2024. There "
            "is no record of a strategy discussion or a child protection medical. Follow the "
            "bruising protocol: refer, hold a strategy discussion and arrange a paediatric "
            "child protection medical."
        ),
    )
    assert f.prefill == {"injury": i.pk}
    meeting("strategy_discussion", baby, held_on=MON, attended=("csc",))
    (f,) = found(INJURY, MON + day(1))
    assert "There is no record of a child protection medical. Follow" in f.detail
    services.record_medical(actor=None, injury=i, medical_requested_on=MON + day(2))
    assert flagged(INJURY, MON + day(1)) == {baby.pk}  # requested later
    assert flagged(INJURY, MON + day(2)) == set()


def test_the_injury_deadline_is_configurable_in_days(settings):
    settings.SAFEGUARD_CHECKS = {INJURY: {"days": 2}}
    baby = factories.child()
    injury(baby)
    assert flagged(INJURY, MON + day(2)) == set()
    (f,) = found(INJURY, MON + day(3))
    assert f.due_date == MON + day(2)


def test_injuries_of_the_non_mobile_children_asked_about_only_and_never_after_death():
    a, b, dead, mobile = (factories.child() for _ in range(4))
    for child in (a, b, dead):
        injury(child)
    injury(mobile, mobile=True)
    died(dead, MON + day(2))
    assert flagged(INJURY, MON + day(1)) == {a.pk, b.pk, dead.pk}
    assert flagged(INJURY, MON + day(2)) == {a.pk, b.pk}
    assert flagged(INJURY, MON + day(2), [b.pk, dead.pk, mobile.pk]) == {b.pk}


# --- FD-NEW-ADULT-NO-CHECKS and FD-FLAGGED-ADULT-IN-HOUSEHOLD --------------------------------


def member(child, given="Pete", family="Partner", joined=MON, left=None, is_adult=True):
    from safeguard.children.services import record_person, record_relationship

    person = record_person(actor=None, given_name=given, family_name=family)
    record_relationship(actor=None, child=child, person=person, relationship="partner")
    m = services.add_household_member(
        actor=None,
        child=child,
        person=person,
        relationship="partner",
        joined_on=joined,
        adult=is_adult,
    )
    if left:
        m = services.household_member_left(actor=None, member=m, left_on=left)
    return m


def check_on(child, person, on, risk=None):
    c = services.request_adult_check(
        actor=None, child=child, person=person, kind="police", requested_on=on
    )
    if risk is not None:
        c = services.record_check_result(
            actor=None, check=c, result_on=on, result="Result", risk_to_children=risk
        )
    return c


def test_a_new_adult_with_no_checks_is_reported_whole():
    child = factories.child(given_name="Ned")
    plan(child)
    m = member(child, given="Rob", family="Stone")
    due = add_working_days(MON, 5)
    assert found(NEW_ADULT, due) == []
    (f,) = found(NEW_ADULT, due + day(1))
    assert f == Finding(
        child_id=child.pk,
        subject_key=f"household:{m.pk}",
        due_date=due,
        detail=(
            "Rob Stone came to live with Ned on 15 January 2024 and no police or other "
            f"agency check on them is requested. Checks were due by {due:%-d %B %Y}."
        ),
    )
    assert f.prefill == {"household_member": m.pk}


def test_only_a_check_on_this_adult_for_this_child_since_they_joined_and_by_the_day_counts():
    as_of = add_working_days(MON, 6)
    cases = {}
    for name in ("none", "before", "on_join", "later", "other_child", "other_person", "ok"):
        child = factories.child()
        plan(child)
        cases[name] = (child, member(child))
    sibling = factories.child()
    stranger = member(factories.child())
    check_on(cases["before"][0], cases["before"][1].person, MON - day(1))
    check_on(cases["on_join"][0], cases["on_join"][1].person, MON)
    check_on(cases["later"][0], cases["later"][1].person, as_of + day(1))
    check_on(sibling, cases["other_child"][1].person, MON + day(1))
    check_on(cases["other_person"][0], stranger.person, MON + day(1))
    check_on(cases["ok"][0], cases["ok"][1].person, as_of)
    expected = {cases[n][0].pk for n in ("none", "before", "later", "other_child", "other_person")}
    assert flagged(NEW_ADULT, as_of) == expected
    ids = [cases[n][0].pk for n in ("none", "ok")]
    assert flagged(NEW_ADULT, as_of, ids) == {cases["none"][0].pk}


def test_a_new_adult_counts_from_the_plan_start_while_they_live_there():
    start = D(2024, 1, 10)
    on_start, before, child_member, left_on_day, left_after, no_plan, dead = (
        factories.child() for _ in range(7)
    )
    for child in (on_start, before, child_member, left_on_day, left_after, dead):
        plan(child, kind="child_in_need", start=start)
    member(on_start, joined=start)
    member(before, joined=start - day(1))
    member(child_member, joined=start, is_adult=False)
    as_of = add_working_days(start, 6)
    member(left_on_day, joined=start, left=as_of)
    member(left_after, joined=start, left=as_of + day(1))
    member(no_plan, joined=start)
    member(dead, joined=start)
    died(dead, as_of)
    assert flagged(NEW_ADULT, as_of) == {on_start.pk, left_after.pk}
    died(dead, as_of + day(1))
    assert flagged(NEW_ADULT, as_of, [dead.pk]) == {dead.pk}


def test_a_new_adult_counts_from_the_childs_own_plan_and_only_a_plan_at_home():
    from safeguard.episodes.services import record_episode

    early, late, both, in_care = (factories.child() for _ in range(4))
    plan(early, kind="child_in_need", start=D(2024, 1, 2))
    plan(late, kind="child_in_need", start=D(2024, 1, 10))  # another child's, later
    plan(both, kind="child_in_need", start=D(2024, 1, 2))
    plan(both, start=D(2024, 1, 10))  # a child protection plan as well
    # Looked after, with no plan at home: not on a plan.
    record_episode(
        actor=None, child=in_care, kind="looked_after", start_date=D(2024, 1, 2), legal_status="C2"
    )
    member(early, joined=D(2024, 1, 5))
    member(late, joined=D(2024, 1, 12))
    member(both, joined=D(2024, 1, 12))
    member(in_care, joined=D(2024, 1, 5))
    assert flagged(NEW_ADULT, D(2024, 1, 25)) == {early.pk, late.pk, both.pk}
    worker = factories.user("fd-away-care")
    allocated(in_care, worker)
    away(worker)
    assert flagged(ABSENCE, D(2024, 1, 19), [in_care.pk]) == set()


def test_a_flagged_adult_in_the_household_is_reported_whole():
    child = factories.child(given_name="Ola")
    plan(child)
    m = member(child, given="Vic", family="Hart", joined=D(2024, 1, 10))
    check_on(child, m.person, MON, risk=True)
    assert found(FLAGGED, MON - day(1)) == []
    expected = Finding(
        child_id=child.pk,
        subject_key=f"household:{m.pk}",
        due_date=MON,
        detail=(
            "Vic Hart, living with Ola since 10 January 2024, has a recorded history of "
            "violence or offences against children. Consider a strategy discussion and a "
            "safety plan."
        ),
    )
    assert found(FLAGGED, MON) == [expected]
    (f,) = found(FLAGGED, MON + day(5))
    assert f.due_date == MON + day(5)
    assert f.prefill == {}


def test_a_flagged_adult_who_joins_later_is_due_the_day_they_join_and_named_without_gaps():
    child = factories.child(given_name="Pip")
    plan(child)
    m = member(child, given="Vic", family="", joined=D(2024, 2, 1))
    check_on(factories.child(), m.person, MON, risk=True)
    assert found(FLAGGED, D(2024, 1, 31)) == []
    (f,) = found(FLAGGED, D(2024, 2, 1))
    assert f.due_date == D(2024, 2, 1)
    assert f.detail.startswith("Vic, living with Pip since 1 February 2024, has a recorded ")


def test_only_a_risk_found_on_this_adult_by_the_day_flags_a_living_child_on_a_plan():
    as_of = D(2024, 2, 1)
    cases = {}
    for name in ("flagged", "no_risk", "later", "other_person", "no_plan", "cin", "dead"):
        child = factories.child()
        if name != "no_plan":
            plan(child, kind="child_in_need" if name == "cin" else "child_protection")
        cases[name] = (child, member(child))
    stranger = member(factories.child())
    for name in ("flagged", "no_plan", "cin", "dead"):
        check_on(cases[name][0], cases[name][1].person, MON, risk=True)
    check_on(cases["no_risk"][0], cases["no_risk"][1].person, MON, risk=False)
    check_on(cases["later"][0], cases["later"][1].person, as_of + day(1), risk=True)
    check_on(cases["other_person"][0], stranger.person, MON, risk=True)
    died(cases["dead"][0], as_of)
    assert flagged(FLAGGED, as_of) == {cases["flagged"][0].pk, cases["cin"][0].pk}
    assert flagged(FLAGGED, as_of, [cases["cin"][0].pk]) == {cases["cin"][0].pk}
    assert flagged(FLAGGED, as_of - day(1), [cases["dead"][0].pk]) == {cases["dead"][0].pk}


# --- FD-CP-VISITS -------------------------------------------------------------------------


def visit(child, occurred, outcome="seen"):
    from tests.checks_helpers import event

    if outcome is None:  # recorded before visits had an outcome: a visit made
        return event(child, "social_worker_visit", occurred)
    return event(child, "social_worker_visit", occurred, outcome=outcome)


def test_a_cp_visit_overdue_since_the_plan_started_is_reported_whole():
    child = factories.child(given_name="Quin")
    plan(child, start=MON)
    due = add_working_days(MON, 10)
    assert due == D(2024, 1, 29)
    assert found(CP_VISITS, due) == []
    assert found(CP_VISITS, due + day(1)) == [
        Finding(
            child_id=child.pk,
            subject_key="cp-visit",
            due_date=due,
            detail=(
                "Quin is on a child protection plan; the plan started on 15 January 2024 and "
                "a visit seeing them was due by 29 January 2024 (every 10 working days). "
                "Visit and record it."
            ),
            record_link="chronology",
        )
    ]


def test_a_cp_visit_counts_from_the_latest_visit_seeing_the_child_since_the_plan_began():
    child = factories.child(given_name="Rae")
    visit(child, MON - day(3))  # before the plan: not a visit under it
    plan(child, start=MON)
    assert flagged(CP_VISITS, D(2024, 1, 30)) == {child.pk}
    visit(child, MON)  # the day the plan started
    (f,) = found(CP_VISITS, D(2024, 1, 30))
    assert f.due_date == D(2024, 1, 29)
    assert f.detail == (
        "Rae is on a child protection plan; Rae was last seen on 15 January 2024 and a visit "
        "seeing them was due by 29 January 2024 (every 10 working days). Visit and record it."
    )
    visit(child, D(2024, 1, 22), outcome=None)
    visit(child, D(2024, 1, 18))
    visit(child, D(2024, 1, 25), outcome="refused")
    due = add_working_days(D(2024, 1, 22), 10)
    assert flagged(CP_VISITS, due) == set()
    (f,) = found(CP_VISITS, due + day(1))
    assert f.due_date == due and "Rae was last seen on 22 January 2024 " in f.detail


def test_only_a_living_child_on_a_cp_plan_is_visited_on_this_clock_and_only_by_own_visits():
    on_cp, on_cin, none, ended, dead, visited = (factories.child() for _ in range(6))
    plan(on_cp, start=MON)
    plan(on_cin, kind="child_in_need", start=MON)
    for child in (ended, dead, visited):
        plan(child, start=MON)
    from safeguard.episodes.services import end_episode

    end_episode(actor=None, episode=ended.episodes.get(), end_date=D(2024, 1, 30))
    visit(visited, D(2024, 1, 25))
    visit(none, D(2024, 1, 25))
    as_of = D(2024, 1, 31)
    died(dead, as_of)
    assert flagged(CP_VISITS, as_of) == {on_cp.pk}
    assert flagged(CP_VISITS, as_of - day(1)) == {on_cp.pk, ended.pk, dead.pk}
    assert flagged(CP_VISITS, as_of - day(1), [ended.pk, visited.pk]) == {ended.pk}


# --- FD-VISITS-NOT-SEEN -------------------------------------------------------------------


def test_two_visits_in_a_row_without_seeing_the_child_are_reported_whole():
    child = factories.child(given_name="Sol")
    plan(child, kind="child_in_need")
    visit(child, D(2024, 1, 10), outcome="not_seen")
    visit(child, D(2024, 1, 17), outcome="no_access")
    assert found(NOT_SEEN, D(2024, 1, 16)) == []
    assert found(NOT_SEEN, D(2024, 1, 20)) == [
        Finding(
            child_id=child.pk,
            subject_key="visits-not-seen",
            due_date=D(2024, 1, 17),
            detail=(
                "The last two visits to Sol (10 January 2024 and 17 January 2024, the last no "
                "access) did not see them. Escalate to your manager and see the child."
            ),
            record_link="chronology",
        )
    ]


def test_only_the_latest_two_visits_count_in_the_order_they_happened():
    gap, before, last_seen = factories.child(), factories.child(), factories.child()
    for child in (gap, before, last_seen):
        plan(child)
    # not seen, seen, not seen: the latest two are not both unseen.
    visit(gap, D(2024, 1, 3), outcome="not_seen")
    visit(gap, D(2024, 1, 10))
    visit(gap, D(2024, 1, 17), outcome="not_seen")
    # recorded out of order: the seen visit is the latest.
    visit(last_seen, D(2024, 1, 17))
    visit(last_seen, D(2024, 1, 3), outcome="not_seen")
    visit(last_seen, D(2024, 1, 10), outcome="not_seen")
    # seen long ago, then two unseen.
    visit(before, D(2024, 1, 3))
    visit(before, D(2024, 1, 17), outcome="refused")
    visit(before, D(2024, 1, 10), outcome="no_access")
    assert flagged(NOT_SEEN, D(2024, 1, 20)) == {before.pk}
    (f,) = found(NOT_SEEN, D(2024, 1, 20))
    assert "(10 January 2024 and 17 January 2024, the last refused)" in f.detail
    assert flagged(NOT_SEEN, D(2024, 1, 12)) == {last_seen.pk}


def test_visits_at_the_same_moment_are_in_the_order_they_were_recorded():
    seen_last, unseen_last = factories.child(), factories.child()
    for child in (seen_last, unseen_last):
        plan(child)
        visit(child, "2024-01-10T10:00", outcome="not_seen")
    visit(seen_last, "2024-01-17T10:00", outcome="not_seen")
    visit(seen_last, "2024-01-17T10:00")
    visit(unseen_last, "2024-01-17T10:00")
    visit(unseen_last, "2024-01-17T10:00", outcome="no_access")
    assert flagged(NOT_SEEN, D(2024, 1, 20)) == set()
    visit(unseen_last, "2024-01-17T10:00", outcome="not_seen")
    (f,) = found(NOT_SEEN, D(2024, 1, 20))
    assert f.child_id == unseen_last.pk
    assert "(17 January 2024 and 17 January 2024, the last not seen)" in f.detail


def test_unseen_visits_count_for_a_living_child_on_a_plan_and_only_their_own():
    cp, cin, none, dead, sibling = (factories.child() for _ in range(5))
    plan(cp)
    plan(cin, kind="child_in_need")
    plan(dead)
    plan(sibling)
    for child in (cp, cin, none, dead):
        visit(child, D(2024, 1, 10), outcome="not_seen")
        visit(child, D(2024, 1, 17), outcome="not_seen")
    visit(sibling, D(2024, 1, 15))
    visit(sibling, D(2024, 1, 18), outcome="not_seen")
    died(dead, D(2024, 1, 20))
    assert flagged(NOT_SEEN, D(2024, 1, 19)) == {cp.pk, cin.pk, dead.pk}
    assert flagged(NOT_SEEN, D(2024, 1, 20)) == {cp.pk, cin.pk}
    assert flagged(NOT_SEEN, D(2024, 1, 19), [cin.pk, none.pk, sibling.pk]) == {cin.pk}


def test_the_cp_visit_clock_starts_with_the_child_protection_plan_not_a_later_cin_plan():
    child = factories.child()
    plan(child, start=PLAN_START)
    plan(child, kind="child_in_need", start=D(2024, 1, 10))
    due = add_working_days(PLAN_START, 10)
    assert flagged(CP_VISITS, due) == set()
    (f,) = found(CP_VISITS, due + day(1))
    assert f.due_date == due and "the plan started on 2 January 2024 " in f.detail


def test_the_visit_before_the_latest_is_the_one_just_before_it_in_time_not_in_recording():
    child = factories.child()
    plan(child)
    visit(child, D(2024, 1, 10), outcome="not_seen")
    visit(child, D(2024, 1, 3))  # recorded late: seen, but before the unseen visit
    visit(child, D(2024, 1, 17), outcome="no_access")
    (f,) = found(NOT_SEEN, D(2024, 1, 20))
    assert f.child_id == child.pk
    assert "(10 January 2024 and 17 January 2024, the last no access)" in f.detail


def test_a_new_adult_with_one_name_is_named_without_a_trailing_space():
    child = factories.child(given_name="Tam")
    plan(child)
    member(child, given="Rob", family="")
    (f,) = found(NEW_ADULT, add_working_days(MON, 6))
    assert f.detail.startswith("Rob came to live with Tam on 15 January 2024 and no police ")


def test_the_latest_closure_is_the_latest_by_date_whatever_order_they_were_recorded_in():
    child = factories.child()
    assessment(child, started=D(2024, 1, 10))
    latest = close(child, D(2024, 2, 10))
    close(child, D(2024, 2, 1))  # recorded afterwards, dated earlier
    (f,) = found(CLOSED, D(2024, 2, 12))
    assert f.subject_key == f"closure:{latest.pk}" and f.due_date == D(2024, 2, 10)
