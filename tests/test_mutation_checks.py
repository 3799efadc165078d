"""The "should not fire" side of the checks, and the boundaries mutation testing found
unguarded (issue 15). Each test states a rule over several cases rather than one example;
`make mutation` (docs/testing.md) shows which code changes they catch.
"""

import datetime as dt

import pytest

from safeguard.checks.engine import get_check
from safeguard.core.dates import add_months
from safeguard.episodes.services import end_episode
from tests.checks_helpers import D, event, looked_after_child, placement

pytestmark = pytest.mark.django_db

RI = "MISSING-RETURN-INTERVIEW"
SW = "LAC-SW-VISITS"


def children_flagged(check_id, as_of, child_ids=None):
    return {f.child_id for f in get_check(check_id).findings(as_of, child_ids)}


# --- Return interviews: answers that must clear a return ---------------------------------

# (return, offer) dated in each precision the format allows on the same day: an offer made
# later that day, or on a day-dated record that day, is "at or after" the return.
SAME_DAY = [
    ("2018-03-05T10:00", "2018-03-05T15:00"),  # both timed: the offer is later
    ("2018-03-05T10:00", "2018-03-05T10:00"),  # the same minute
    ("2018-03-05", "2018-03-05"),  # both dated to the day
    ("2018-03-05T10:00", "2018-03-05"),  # only one timed: dates compared
    ("2018-03-05", "2018-03-05T09:00"),
]


@pytest.mark.parametrize(("returned", "offered"), SAME_DAY)
def test_an_answer_later_on_the_day_of_the_return_answers_it(returned, offered):
    child = looked_after_child()
    event(child, "returned_from_missing", returned)
    event(child, "return_interview_offered", offered, outcome="held")
    for as_of in (D(2018, 3, 8), D(2018, 3, 9), D(2018, 4, 30)):
        assert children_flagged(RI, as_of) == set(), as_of


def test_going_missing_again_after_a_timely_answer_does_not_reopen_the_return():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00")
    event(child, "return_interview_offered", "2018-03-06T10:00", outcome="held")
    event(child, "missing_from_care", "2018-03-07T20:00")
    event(child, "returned_from_missing", "2018-03-08T10:00")
    event(child, "return_interview_offered", "2018-03-08T12:00", outcome="declined")
    for as_of in (D(2018, 3, 9), D(2018, 3, 12), D(2018, 5, 1)):
        assert children_flagged(RI, as_of) == set(), as_of


@pytest.mark.parametrize("offer_ref", [None, "M1"])
def test_an_answer_with_no_reference_or_the_same_reference_clears_a_referenced_return(
    offer_ref,
):
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    details = {"outcome": "held"} | ({"episode_ref": offer_ref} if offer_ref else {})
    event(child, "return_interview_offered", "2018-03-06T10:00", **details)
    assert children_flagged(RI, D(2018, 3, 9)) == set()


def test_an_answer_for_another_episode_does_not_clear_a_referenced_return():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    event(child, "return_interview_offered", "2018-03-06T10:00", episode_ref="M2", outcome="held")
    assert children_flagged(RI, D(2018, 3, 9)) == {child.pk}


def test_an_unreferenced_return_is_answered_only_by_a_record_at_or_after_it():
    before, after = looked_after_child(), looked_after_child()
    for child in (before, after):
        event(child, "returned_from_missing", "2018-03-05T14:00")
    event(before, "return_interview_offered", "2018-03-04", outcome="held")
    event(after, "return_interview_offered", "2018-03-06", outcome="held")
    assert children_flagged(RI, D(2018, 3, 9)) == {before.pk}


def test_a_return_interview_alert_is_not_raised_before_its_deadline_day():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00")
    for day in range(5, 8):
        assert children_flagged(RI, D(2018, 3, day)) == set(), day
    assert children_flagged(RI, D(2018, 3, 8)) == {child.pk}


# --- Statutory visits: the placement's first year ---------------------------------------

STARTS = [D(2018, 1, 8), D(2018, 1, 31), D(2019, 6, 30), D(2020, 2, 29)]


@pytest.mark.parametrize("start", STARTS, ids=str)
def test_a_visit_in_the_last_days_of_the_first_year_is_on_the_six_week_rule(start):
    # The first year ends on the same day number 12 months later (or the month's last day).
    # A visit the day before it is a first-year visit: due 6 weeks later, even when the
    # placement is to last until 18 (3-monthly only after the first year).
    child = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2")
    placement(child, start, intended_until_18=True)
    year_end = add_months(start, 12)
    visit = year_end - dt.timedelta(days=1)
    event(child, "social_worker_visit", visit)
    due = visit + dt.timedelta(weeks=6)
    assert children_flagged(SW, due, [child.pk]) == set()
    assert children_flagged(SW, due + dt.timedelta(days=1), [child.pk]) == {child.pk}


@pytest.mark.parametrize("start", STARTS, ids=str)
def test_a_visit_after_the_first_year_of_a_placement_to_18_lasts_three_months(start):
    child = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2")
    placement(child, start, intended_until_18=True)
    visit = add_months(start, 12) + dt.timedelta(days=1)
    event(child, "social_worker_visit", visit)
    due = add_months(visit, 3)
    assert children_flagged(SW, due, [child.pk]) == set()
    assert children_flagged(SW, due + dt.timedelta(days=1), [child.pk]) == {child.pk}


def test_no_visit_alert_once_the_child_has_left_care_even_with_a_placement_left_open():
    child = looked_after_child(start=D(2018, 1, 8), dob=D(2008, 5, 1), legal_status="C2")
    placement(child, D(2018, 1, 8))
    event(child, "social_worker_visit", D(2018, 1, 10))
    assert children_flagged(SW, D(2018, 3, 1)) == {child.pk}
    end_episode(actor=None, episode=child.episodes.get(), end_date=D(2018, 2, 1))
    for as_of in (D(2018, 3, 1), D(2018, 6, 1), D(2019, 1, 1)):
        assert children_flagged(SW, as_of) == set(), as_of


def test_no_first_visit_alert_within_the_first_week_of_a_placement():
    child = looked_after_child(start=D(2018, 1, 8), dob=D(2008, 5, 1), legal_status="C2")
    placement(child, D(2018, 1, 8))
    for day in range(8, 16):
        assert children_flagged(SW, D(2018, 1, day)) == set(), day
    assert children_flagged(SW, D(2018, 1, 16)) == {child.pk}


# --- Return interviews: the day the alert is raised, for every precision of the return ---

# (return as recorded, the last day with no alert, the day it is raised)
RETURN_DEADLINES = [
    ("2018-03-05T14:00", D(2018, 3, 7), D(2018, 3, 8)),  # timed: 72 hours from the minute
    ("2018-03-05T23:30", D(2018, 3, 7), D(2018, 3, 8)),  # late evening: due late on day 3
    ("2018-03-05", D(2018, 3, 7), D(2018, 3, 8)),  # a day: from the end of that day
    ("2018-03", D(2018, 4, 2), D(2018, 4, 3)),  # a month: from the end of the month
    ("2017", D(2018, 1, 2), D(2018, 1, 3)),  # a year: from the end of the year
]


@pytest.mark.parametrize(("returned", "quiet_until", "raised_on"), RETURN_DEADLINES)
def test_a_missed_return_interview_is_raised_on_its_deadline_day_whatever_the_precision(
    returned, quiet_until, raised_on
):
    child = looked_after_child()
    event(child, "returned_from_missing", returned)
    assert children_flagged(RI, quiet_until) == set()
    (f,) = get_check(RI).findings(raised_on)
    assert (f.child_id, f.due_date) == (child.pk, raised_on)
    assert f.approximate == (len(returned) < 10)
    assert children_flagged(RI, raised_on + dt.timedelta(days=30)) == {child.pk}


def test_another_child_going_missing_does_not_undo_this_childs_answer():
    child, other = looked_after_child(), looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00")
    event(other, "missing_from_care", "2018-03-06T08:00")
    event(child, "return_interview_offered", "2018-03-06T10:00", outcome="held")
    assert children_flagged(RI, D(2018, 3, 9), [child.pk]) == set()


_ASK = (
    "No independent return interview offer with its outcome is recorded; it was due within "
    "72 hours, by {deadline} (UK time). Offer an independent return interview and record the "
    "offer and what came of it (held, declined by the child, or not possible)."
)


def test_the_return_interview_alert_says_when_what_was_due_and_what_to_do():
    # The alert is what a person reads: its wording is part of the rule.
    timed, dated, approximate = (looked_after_child(given_name=n) for n in ("Amy", "Bea", "Cat"))
    event(timed, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    day = event(dated, "returned_from_missing", "2018-03-05")
    month = event(approximate, "returned_from_missing", "2018-03")
    found = {f.child_id: f for f in get_check(RI).findings(D(2018, 4, 10))}
    assert found[timed.pk].detail == (
        "Amy returned from missing at 5 March 2018 14:00 (episode M1). "
        + _ASK.format(deadline="8 March 2018 14:00")
    )
    assert found[timed.pk].prefill == {"episode_ref": "M1"}
    assert found[timed.pk].subject_key == "episode:M1"
    assert found[dated.pk].subject_key == "return:2018-03-05T00:00+00:00"
    assert found[dated.pk].detail == (
        "Bea returned from missing on 5 March 2018. " + _ASK.format(deadline="9 March 2018 00:00")
    )
    assert found[dated.pk].prefill == {"return_event": str(day.pk)}
    assert found[approximate.pk].detail == (
        "Cat returned from missing on March 2018. "
        + _ASK.format(deadline="4 April 2018 00:00")
        + " The return is dated only as March 2018: the deadline is counted from the end of "
        "that period, so the real deadline may have been earlier."
    )
    assert found[approximate.pk].prefill == {"return_event": str(month.pk)}
    assert {f.record_link for f in found.values()} == {"chronology"}


def test_a_return_not_yet_due_does_not_hide_a_later_one_that_is():
    # An approximate return sorts first (the start of its month) but falls due last.
    approximate, timed = looked_after_child(), looked_after_child()
    event(approximate, "returned_from_missing", "2018-03")
    event(timed, "returned_from_missing", "2018-03-05T14:00")
    assert children_flagged(RI, D(2018, 3, 8)) == {timed.pk}


def test_a_dated_return_not_yet_due_does_not_hide_a_timed_one_at_the_same_moment():
    # Both sort at 6 March 00:00; the day-dated one (recorded first) counts from the end of
    # its day, so only the timed one is due on 8 March.
    dated, timed = looked_after_child(), looked_after_child()
    event(dated, "returned_from_missing", "2018-03-06")
    event(timed, "returned_from_missing", "2018-03-06T00:00")
    assert children_flagged(RI, D(2018, 3, 8)) == {timed.pk}


# --- Statutory visits: which rule, which visit, and what the alert says -------------------


@pytest.mark.parametrize("to_18", [True, False], ids=["to-18", "not-to-18"])
@pytest.mark.parametrize("start", STARTS, ids=str)
def test_after_the_first_year_the_interval_depends_on_whether_the_placement_lasts_to_18(
    start, to_18
):
    child = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2")
    placement(child, start, intended_until_18=to_18)
    visit = add_months(start, 12) + dt.timedelta(days=1)
    event(child, "social_worker_visit", visit)
    due = add_months(visit, 3) if to_18 else visit + dt.timedelta(weeks=6)
    assert children_flagged(SW, due, [child.pk]) == set()
    (f,) = get_check(SW).findings(due + dt.timedelta(days=1), [child.pk])
    rule = "every 3 months: the placement is to last until 18" if to_18 else "every 6 weeks"
    assert (f.due_date, f"({rule})." in f.detail) == (due, True)


def test_the_latest_visit_since_the_placement_began_is_the_one_that_counts():
    start = D(2018, 1, 8)
    child = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2")
    placement(child, start)
    # Recorded out of order: the latest visit decides, whatever order they were recorded.
    for day in (D(2018, 2, 20), D(2018, 1, 10), D(2018, 2, 1)):
        event(child, "social_worker_visit", day)
    due = D(2018, 2, 20) + dt.timedelta(weeks=6)
    assert children_flagged(SW, due, [child.pk]) == set()
    (f,) = get_check(SW).findings(due + dt.timedelta(days=1), [child.pk])
    assert f.due_date == due and "last recorded visit was 20 February 2018" in f.detail


@pytest.mark.parametrize(("offset", "counts"), [(-1, False), (0, True), (1, True)])
def test_only_a_visit_on_or_after_the_placement_start_counts_for_it(offset, counts):
    start = D(2018, 1, 8)
    child = looked_after_child(start=D(2017, 6, 1), dob=D(2010, 5, 1), legal_status="C2")
    placement(child, start)
    event(child, "social_worker_visit", start + dt.timedelta(days=offset))
    # Without a visit that counts, the first-visit rule is broken from day 8 after the start,
    # and the alert counts from the placement's start, not from the earlier visit.
    found = get_check(SW).findings(start + dt.timedelta(days=8), [child.pk])
    assert {f.child_id for f in found} == (set() if counts else {child.pk})
    for f in found:
        assert f.due_date == start + dt.timedelta(days=7)
        assert "no visit is recorded since" in f.detail


def test_the_visit_alert_says_what_was_due_by_when_under_which_rule():
    # The alert is what a person reads: its wording is part of the rule.
    start = D(2018, 1, 8)
    never, first_year, approximate = (
        looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2", given_name=n)
        for n in ("Amy", "Bea", "Cat")
    )
    for child in (never, first_year, approximate):
        placement(child, start)
    event(first_year, "social_worker_visit", D(2018, 1, 10))
    event(approximate, "social_worker_visit", "2018-02")
    found = {f.child_id: f for f in get_check(SW).findings(D(2018, 4, 1))}
    assert found[never.pk].detail == (
        "Amy's placement started on 8 January 2018 and no visit is recorded since: one was "
        "due by 15 January 2018 (within 7 days). Visit the child and record it in the "
        "chronology."
    )
    assert found[never.pk].due_date == D(2018, 1, 15)
    assert found[first_year.pk].detail == (
        "Bea's last recorded visit was 10 January 2018; the next was due by 21 February 2018 "
        "(every 6 weeks in the placement's first year). Visit the child and record it in the "
        "chronology."
    )
    assert found[approximate.pk].detail == (
        "Cat's last recorded visit was February 2018; the next was due by 15 March 2018 "
        "(every 6 weeks in the placement's first year). The last visit is dated only as "
        "February 2018: the due date counts from the start of that period, so check the "
        "visit's real date. Visit the child and record it in the chronology."
    )
    assert [found[c.pk].approximate for c in (never, first_year, approximate)] == [
        False,
        False,
        True,
    ]
    for child in (never, first_year, approximate):
        f = found[child.pk]
        assert f.subject_key == f"placement:{child.placements.get().pk}"
        assert f.record_link == "chronology"


def test_a_visit_alert_ends_because_the_placement_ended_only_when_it_did():
    from safeguard.episodes.services import end_placement

    start = D(2018, 1, 8)
    ended, still = (
        looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2") for _ in "ab"
    )
    first = placement(ended, start)
    placement(still, start)
    end_placement(actor=None, placement=first, end_date=D(2018, 3, 1))
    placement(ended, D(2018, 3, 2), provider_name="Elm House")
    gone = [(c.pk, f"placement:{c.placements.order_by('pk').first().pk}") for c in (ended, still)]
    gone.append((still.pk, "other:1"))
    reasons = get_check(SW).more_end_reasons(D(2018, 3, 5), gone)
    assert reasons == {gone[0]: "the placement ended"}


# --- Statutory visits: the rule's edges found by the first mutation run -----------------


@pytest.mark.parametrize("start", [s for s in STARTS if add_months(s, 12).day == s.day], ids=str)
def test_a_visit_on_the_placements_first_anniversary_is_after_the_first_year(start):
    # The first year ends on the same day number 12 months later: a visit that day is on the
    # rule after the first year, in the query and in the alert's due date and wording alike.
    child = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2")
    placement(child, start, intended_until_18=True)
    visit = add_months(start, 12)
    event(child, "social_worker_visit", visit)
    due = add_months(visit, 3)
    assert children_flagged(SW, due, [child.pk]) == set()
    (f,) = get_check(SW).findings(due + dt.timedelta(days=1), [child.pk])
    assert f.due_date == due
    assert "(every 3 months: the placement is to last until 18)." in f.detail


def test_no_visit_alert_after_the_child_died():
    start = D(2018, 1, 8)
    alive = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2")
    died = looked_after_child(
        start=start, dob=D(2010, 5, 1), legal_status="C2", date_of_death=D(2018, 3, 1)
    )
    for child in (alive, died):
        placement(child, start)
    assert children_flagged(SW, D(2018, 2, 28)) == {alive.pk, died.pk}
    for as_of in (D(2018, 3, 1), D(2018, 6, 1)):
        assert children_flagged(SW, as_of) == {alive.pk}, as_of


def test_the_visit_check_restricted_to_some_children_finds_only_theirs():
    start = D(2018, 1, 8)
    a, b = (looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2") for _ in "ab")
    for child in (a, b):
        placement(child, start)
    as_of = D(2018, 2, 1)
    assert children_flagged(SW, as_of) == {a.pk, b.pk}
    assert children_flagged(SW, as_of, [a.pk]) == {a.pk}
    assert children_flagged(SW, as_of, [b.pk]) == {b.pk}
    assert children_flagged(SW, as_of, []) == set()


def test_each_placement_is_judged_by_its_own_childs_care_whatever_the_row_numbers():
    # The query joins a placement to its child's episodes; a placement whose row number is
    # another child's (or nobody's) must still be judged by its own child's care.
    start = D(2018, 1, 8)
    foster = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2")
    at_home = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C1")
    other = looked_after_child(start=D(2016, 1, 4), dob=D(2009, 5, 1), legal_status="C2")
    children = {foster.pk, at_home.pk, other.pk}
    # Earlier placements of another child, until the next two row numbers are no child's.
    week = 0
    while True:
        first = D(2016, 1, 4) + dt.timedelta(weeks=week)
        p = placement(other, first, end=first + dt.timedelta(days=6))
        week += 1
        if not ({p.pk + 1, p.pk + 2} & children):
            break
    placement(foster, start)
    placement(at_home, start, placement_type="P1")
    event(at_home, "social_worker_visit", D(2018, 1, 10))
    for child in (foster, at_home):
        assert child.placements.get().pk not in children
    found = {f.child_id: f for f in get_check(SW).findings(D(2018, 1, 18))}
    assert set(found) == {foster.pk, at_home.pk}
    assert found[foster.pk].due_date == D(2018, 1, 15)
    # Placed with a parent: weekly until the first review, 20 working days after care began.
    assert found[at_home.pk].due_date == D(2018, 1, 17)
    assert "first review is due on 5 February 2018" in found[at_home.pk].detail


def test_only_a_placement_with_a_parent_is_on_the_weekly_rule_whatever_the_thresholds(settings):
    # With the weekly interval set longer than the first year's, a foster placement is still
    # on the first-year rule: the weekly rule is for a child placed with a parent only.
    settings.SAFEGUARD_CHECKS = {
        SW: {"with_parent_weekly_days": 14, "first_year_weeks": 1},
    }
    start = D(2018, 1, 8)
    foster = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C2")
    at_home = looked_after_child(start=start, dob=D(2010, 5, 1), legal_status="C1")
    placement(foster, start)
    placement(at_home, start, placement_type="P1")
    for child in (foster, at_home):
        event(child, "social_worker_visit", D(2018, 1, 10))
    assert children_flagged(SW, D(2018, 1, 17)) == set()
    assert children_flagged(SW, D(2018, 1, 18)) == {foster.pk}
    assert children_flagged(SW, D(2018, 1, 24)) == {foster.pk}
    assert children_flagged(SW, D(2018, 1, 25)) == {foster.pk, at_home.pk}
