"""The meeting and plan checks: rules mutation testing found unguarded (issue 15).

Each test states a rule over several cases (both sides of a boundary, the "should not
fire" side, a child restriction, a dead child, an ended plan) rather than one example.
"""

import pytest

from safeguard.checks.engine import get_check
from safeguard.core.workdays import add_working_days
from safeguard.episodes.models import Episode
from safeguard.episodes.services import record_episode
from safeguard.meetings import services
from tests import factories
from tests.checks_helpers import health_assessment, looked_after_child
from tests.meetings_helpers import FULL_STRATEGY, D, at, concern, meeting

pytestmark = pytest.mark.django_db

MACE_SD = "MACE-NO-STRATEGY-DISCUSSION"
SD_ATTENDANCE = "CP-STRATEGY-ATTENDANCE"
SD_DUE = "CP-STRATEGY-DISCUSSION"
DRIFT = "PLAN-MILESTONE-DRIFT"
MACE_CONVENED = "MACE-NOT-CONVENED"
LAC_REVIEW = "LAC-REVIEW"
LAC_ATTENDANCE = "LAC-REVIEW-ATTENDANCE"
LAC_HEALTH = "LAC-REVIEW-HEALTH-OUT-OF-DATE"
ICPC = "CP-INITIAL-CONFERENCE"
RCPC = "CP-REVIEW-CONFERENCE"
CORE_GROUP = "CP-CORE-GROUP"
PLAN_2Y = "CP-PLAN-OVER-2-YEARS"
S47 = "CP-S47-NO-ENQUIRY"
ACTIONS = "MEETING-ACTION-OVERDUE"
MINUTES = "MEETING-MINUTES-OUTSTANDING"


def findings(check_id, as_of, child_ids=None):
    return get_check(check_id).findings(as_of, child_ids)


def flagged(check_id, as_of, child_ids=None):
    return {f.child_id for f in findings(check_id, as_of, child_ids)}


def sd(child, day, attended=FULL_STRATEGY, **kwargs):
    return meeting("strategy_discussion", child, day, attended, **kwargs)


# --- MACE-NO-STRATEGY-DISCUSSION ------------------------------------------------------------


def test_a_risk_meeting_alert_names_the_meeting_the_child_and_the_due_day():
    amira = factories.child(given_name="Amira")
    mace = meeting("mace", amira, D(2024, 6, 7), ("csc",), significant_harm_risk=True)
    jo = factories.child(given_name="Jo")
    review = meeting("missing_review", jo, D(2024, 6, 6), ("csc",), significant_harm_risk=True)
    found = {f.child_id: f for f in findings(MACE_SD, D(2024, 6, 11))}
    assert set(found) == {amira.pk, jo.pk}
    f = found[amira.pk]
    assert (f.subject_key, f.due_date, f.prefill) == (
        f"meeting:{mace.pk}",
        D(2024, 6, 10),
        {"meeting": mace.pk},
    )
    assert f.detail == (
        "The MACE (multi-agency child exploitation) meeting on 7 June 2024 recorded a risk "
        "of significant harm to Amira, and no strategy discussion followed (due by "
        "10 June 2024). A MACE or missing meeting must not be used in place of child "
        "protection procedures (Recommendation 2)."
    )
    g = found[jo.pk]
    assert (g.subject_key, g.due_date, g.prefill) == (
        f"meeting:{review.pk}",
        D(2024, 6, 7),
        {"meeting": review.pk},
    )
    assert g.detail.startswith(
        "The Missing-from-care review meeting on 6 June 2024 recorded a risk of significant "
        "harm to Jo, and no strategy discussion followed (due by 7 June 2024)."
    )


def test_a_risk_meeting_is_answered_by_a_discussion_on_or_after_its_day_only():
    before, same_day, after, none = (factories.child() for _ in range(4))
    for child in (before, same_day, after, none):
        meeting("mace", child, D(2024, 6, 7), ("csc",), significant_harm_risk=True)
    sd(before, D(2024, 6, 6))
    sd(same_day, D(2024, 6, 7))
    sd(after, D(2024, 6, 12))
    assert flagged(MACE_SD, D(2024, 6, 10)) == set()  # the due day itself
    assert flagged(MACE_SD, D(2024, 6, 11)) == {before.pk, after.pk, none.pk}
    assert flagged(MACE_SD, D(2024, 6, 12)) == {before.pk, none.pk}


def test_a_risk_meeting_without_significant_harm_needs_no_discussion():
    child = factories.child()
    meeting("mace", child, D(2024, 6, 7), ("csc",), significant_harm_risk=False)
    meeting("professionals", child, D(2024, 6, 7), ("csc",), significant_harm_risk=True)
    assert flagged(MACE_SD, D(2024, 7, 30)) == set()


def test_a_risk_meeting_due_day_follows_the_working_days_setting(settings):
    child = factories.child()
    meeting("mace", child, D(2024, 6, 7), ("csc",), significant_harm_risk=True)
    settings.SAFEGUARD_CHECKS = {MACE_SD: {"working_days": 3}}  # Fri + 3 = Wed 12 June
    assert flagged(MACE_SD, D(2024, 6, 12)) == set()
    [f] = findings(MACE_SD, D(2024, 6, 13))
    assert f.due_date == D(2024, 6, 12) and "(due by 12 June 2024)" in f.detail


def test_a_risk_meeting_alert_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (factories.child() for _ in range(4))
    for child in (kept, other, died, dies_later):
        meeting("mace", child, D(2024, 6, 7), ("csc",), significant_harm_risk=True)
    for child, day in ((died, D(2024, 6, 11)), (dies_later, D(2024, 6, 12))):
        child.date_of_death = day
        child.save()
    assert flagged(MACE_SD, D(2024, 6, 11)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(MACE_SD, D(2024, 6, 11), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(MACE_SD, D(2024, 6, 11), [other.pk]) == {other.pk}


# --- CP-STRATEGY-ATTENDANCE ----------------------------------------------------------------


def test_a_strategy_discussion_lists_every_missing_agency_in_order():
    cases = {
        (): "children's social care, police, health",
        ("police", "health"): "children's social care",
        ("csc", "health"): "police",
        ("csc", "police"): "health",
        ("csc",): "police, health",
        ("police",): "children's social care, health",
    }
    made = {}
    for attended, missing in cases.items():
        child = factories.child(given_name="Dee")
        made[child.pk] = (sd(child, D(2024, 6, 3), attended), missing)
    full = factories.child()
    sd(full, D(2024, 6, 3))
    found = {f.child_id: f for f in findings(SD_ATTENDANCE, D(2024, 6, 3))}
    assert set(found) == set(made)
    for child_id, (m, missing) in made.items():
        f = found[child_id]
        assert (f.subject_key, f.due_date, f.prefill) == (
            f"meeting:{m.pk}",
            D(2024, 6, 3),
            {"meeting": m.pk},
        )
        assert f.detail == (
            f"The strategy discussion about Dee on 3 June 2024 was held without {missing}. "
            "Working Together 2023 expects social care, police and health as a minimum: "
            "reconvene it with them."
        )
    assert flagged(SD_ATTENDANCE, D(2024, 6, 2)) == set()


def test_a_report_or_apologies_is_not_attendance_at_a_strategy_discussion():
    children = {status: factories.child() for status in ("sent_report", "apologies", "absent")}
    for status, child in children.items():
        sd(child, D(2024, 6, 3), ("csc", "police"), statuses={"health": status})
    assert flagged(SD_ATTENDANCE, D(2024, 6, 3)) == {c.pk for c in children.values()}


def _placement_flagged(child, day, attended, speaker=None):
    m = sd(child, day, attended)
    if speaker:
        m.attendances.filter(role=speaker).update(placement=True)
    return m


def test_a_child_looked_after_on_the_day_needs_the_placement_too():
    la = looked_after_child_from(D(2024, 6, 3))  # care began that day
    ended_that_day = looked_after_child_from(D(2024, 1, 8))
    ended_before = looked_after_child_from(D(2024, 1, 8))
    Episode.objects.filter(child=ended_that_day).update(end_date=D(2024, 6, 3))
    Episode.objects.filter(child=ended_before).update(end_date=D(2024, 6, 2))
    starts_after = looked_after_child_from(D(2024, 6, 4))
    home, carer, none = (looked_after_child_from(D(2024, 1, 8)) for _ in range(3))
    for child in (la, ended_that_day, ended_before, starts_after, none):
        sd(child, D(2024, 6, 3))
    sd(home, D(2024, 6, 3), (*FULL_STRATEGY, "home"))
    _placement_flagged(carer, D(2024, 6, 3), (*FULL_STRATEGY, "school"), speaker="school")
    found = {f.child_id: f for f in findings(SD_ATTENDANCE, D(2024, 6, 5))}
    assert set(found) == {la.pk, ended_that_day.pk, none.pk}
    assert found[la.pk].detail.endswith(
        "was held without the placement. Working Together 2023 expects social care, police "
        "and health as a minimum and, for a looked-after child, the placement: reconvene it "
        "with them."
    )
    # A school attendee not marked as the placement does not speak for it.
    other = looked_after_child_from(D(2024, 1, 8))
    sd(other, D(2024, 6, 3), (*FULL_STRATEGY, "school"))
    assert other.pk in flagged(SD_ATTENDANCE, D(2024, 6, 5))


def test_only_a_later_strategy_discussion_replaces_one_held_without_an_agency():
    same_day, later, earlier = (factories.child() for _ in range(3))
    for child in (same_day, later, earlier):
        sd(child, D(2024, 6, 4), ("csc", "police"))
    sd(same_day, D(2024, 6, 4))
    sd(later, D(2024, 6, 6))
    sd(earlier, D(2024, 6, 3))
    assert flagged(SD_ATTENDANCE, D(2024, 6, 5)) == {same_day.pk, later.pk, earlier.pk}
    assert flagged(SD_ATTENDANCE, D(2024, 6, 6)) == {same_day.pk, earlier.pk}


def test_strategy_attendance_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (factories.child() for _ in range(4))
    for child in (kept, other, died, dies_later):
        sd(child, D(2024, 6, 3), ("csc",))
    for child, day in ((died, D(2024, 6, 5)), (dies_later, D(2024, 6, 6))):
        child.date_of_death = day
        child.save()
    assert flagged(SD_ATTENDANCE, D(2024, 6, 5)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(SD_ATTENDANCE, D(2024, 6, 5), [kept.pk, died.pk]) == {kept.pk}


def looked_after_child_from(start):
    return looked_after_child(start=start)


# --- CP-STRATEGY-DISCUSSION -----------------------------------------------------------------


def test_a_concern_alert_names_the_concern_the_child_and_the_due_day(settings):
    harm = factories.child(given_name="Kai")
    high = factories.child(given_name="Lou")
    c1 = concern(harm, D(2024, 6, 7))  # Friday: due Monday 10 June
    c2 = concern(high, D(2024, 6, 7), kind="exploitation", risk_level="high")
    found = {f.child_id: f for f in findings(SD_DUE, D(2024, 6, 11))}
    assert set(found) == {harm.pk, high.pk}
    for child, c, what in (
        (harm, c1, "significant harm"),
        (high, c2, "exploitation graded high risk"),
    ):
        f = found[child.pk]
        assert (f.subject_key, f.due_date, f.prefill) == (
            f"concern:{c.pk}",
            D(2024, 6, 10),
            {"concern": c.pk},
        )
        assert f.detail == (
            f"A concern of {what} about {child.given_name} was raised on 7 June 2024 "
            "(\u201cFound at the flat of an adult of concern\u201d). No strategy discussion is "
            "recorded; one was due by 10 June 2024 (1 working day). Convene it with "
            "children's social care, police and health (Working Together 2023; Children Act "
            "1989 s47)."
        )
    settings.SAFEGUARD_CHECKS = {SD_DUE: {"working_days": 2}}
    assert flagged(SD_DUE, D(2024, 6, 11)) == set()
    f = findings(SD_DUE, D(2024, 6, 12), [harm.pk])[0]
    assert f.due_date == D(2024, 6, 11)
    assert "one was due by 11 June 2024 (2 working days)." in f.detail


def test_a_concern_needs_a_discussion_only_for_significant_harm_or_high_risk():
    fires = [
        concern(factories.child(), D(2024, 6, 7)),
        concern(factories.child(), D(2024, 6, 7), risk_level="low"),
        concern(factories.child(), D(2024, 6, 7), kind="exploitation", risk_level="high"),
    ]
    quiet = [
        concern(factories.child(), D(2024, 6, 7), kind="exploitation", risk_level=level)
        for level in ("", "low", "medium")
    ]
    expected = {c.children.get().pk for c in fires}
    assert flagged(SD_DUE, D(2024, 6, 11)) == expected
    assert all(c.children.get().pk not in expected for c in quiet)


def test_a_concern_is_judged_only_from_the_day_it_was_raised():
    child = factories.child()
    concern(child, D(2024, 6, 20))  # raised later: not yet known on the days asked
    assert flagged(SD_DUE, D(2024, 6, 19)) == set()
    assert flagged(SD_DUE, D(2024, 6, 21)) == set()  # due that day
    assert flagged(SD_DUE, D(2024, 6, 24)) == {child.pk}


def test_a_concern_is_answered_by_a_discussion_on_or_after_the_day_it_was_raised():
    before, same_day, late, scheduled = (factories.child() for _ in range(4))
    for child in (before, same_day, late, scheduled):
        concern(child, D(2024, 6, 7))
    sd(before, D(2024, 6, 6))
    sd(same_day, D(2024, 6, 7))
    sd(late, D(2024, 6, 12))
    meeting("strategy_discussion", scheduled)  # scheduled, never held
    assert flagged(SD_DUE, D(2024, 6, 11)) == {before.pk, late.pk, scheduled.pk}
    assert flagged(SD_DUE, D(2024, 6, 12)) == {before.pk, scheduled.pk}


def test_a_concern_closed_by_its_due_day_needs_none_closed_after_it_still_does():
    on_due, day_after, later = (factories.child() for _ in range(3))
    for child, closed in (
        (on_due, D(2024, 6, 10)),
        (day_after, D(2024, 6, 11)),
        (later, D(2024, 6, 20)),
    ):
        c = concern(child, D(2024, 6, 7))
        services.close_concern(actor=None, concern=c, closed_on=closed, reason="Checked")
    for as_of in (D(2024, 6, 11), D(2024, 6, 12), D(2024, 6, 25)):
        assert flagged(SD_DUE, as_of) == {day_after.pk, later.pk}, as_of


def test_a_concern_alert_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (factories.child() for _ in range(4))
    concern([kept, other, died, dies_later], D(2024, 6, 7))
    for child, day in ((died, D(2024, 6, 11)), (dies_later, D(2024, 6, 12))):
        child.date_of_death = day
        child.save()
    assert flagged(SD_DUE, D(2024, 6, 11)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(SD_DUE, D(2024, 6, 11), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(SD_DUE, D(2024, 6, 11), []) == set()


# --- PLAN-MILESTONE-DRIFT -------------------------------------------------------------------


PLAN_START, SET_ON, LONG_IN_CARE, BORN = D(2024, 1, 8), D(2024, 5, 1), D(2023, 1, 9), D(2012, 3, 4)


def plan_of(kind, start=PLAN_START, **child_fields):
    child = factories.child(**child_fields)
    extra = {"looked_after": {"legal_status": "V2"}, "child_protection": {"cp_category": "sexual"}}
    extra = extra.get(kind, {})
    return record_episode(actor=None, child=child, kind=kind, start_date=start, **extra)


def milestone(plan, due, set_on=SET_ON, description="Share the epilepsy plan"):
    return services.record_milestone(
        actor=None,
        child=plan.child,
        episode=plan,
        description=description,
        set_on=set_on,
        due_on=due,
        owner_name="LAC nurse",
    )


def test_a_drifting_milestone_alert_names_the_milestone_the_plan_and_the_grace(settings):
    found = {}
    for kind, label in (
        ("child_in_need", "child in need"),
        ("child_protection", "child protection"),
        ("looked_after", "looked after"),
    ):
        plan = plan_of(kind, given_name="Rae")
        found[plan.child_id] = (milestone(plan, D(2024, 6, 3)), label)
    assert flagged(DRIFT, D(2024, 7, 1)) == set()  # 28 days after the due day
    result = {f.child_id: f for f in findings(DRIFT, D(2024, 7, 2))}
    assert set(result) == set(found)
    for child_id, (m, label) in found.items():
        f = result[child_id]
        assert (f.subject_key, f.due_date, f.prefill) == (
            f"milestone:{m.pk}",
            D(2024, 6, 3),
            {"milestone": m.pk},
        )
        assert f.detail == (
            f"\u201cShare the epilepsy plan\u201d, a milestone of Rae's {label} plan, was due "
            "by 3 June 2024 and has not been reviewed (28 days' grace)."
        )
    settings.SAFEGUARD_CHECKS = {DRIFT: {"drift_days": 10}}
    assert flagged(DRIFT, D(2024, 6, 13)) == set()
    [f, *_] = findings(DRIFT, D(2024, 6, 14))
    assert f.detail.endswith("has not been reviewed (10 days' grace).")


def test_a_milestone_reviewed_by_the_day_asked_is_not_drift_one_reviewed_later_is():
    plans = [plan_of("child_protection") for _ in range(3)]
    ms = [milestone(p, D(2024, 6, 3)) for p in plans]
    for m, day, status in (
        (ms[0], D(2024, 7, 9), "achieved"),
        (ms[1], D(2024, 7, 10), "not_achieved"),
        (ms[2], D(2024, 7, 11), "achieved"),
    ):
        services.review_milestone(actor=None, milestone=m, status=status, reviewed_on=day)
    assert flagged(DRIFT, D(2024, 7, 8)) == {p.child_id for p in plans}
    assert flagged(DRIFT, D(2024, 7, 10)) == {plans[2].child_id}
    assert flagged(DRIFT, D(2024, 7, 11)) == set()


def test_a_milestone_of_a_plan_that_ended_before_the_day_asked_is_not_drift():
    ends_that_day, ended_before, ends_after, open_plan = (
        plan_of("child_in_need") for _ in range(4)
    )
    for plan in (ends_that_day, ended_before, ends_after, open_plan):
        milestone(plan, D(2024, 6, 3))
    for plan, end in (
        (ends_that_day, D(2024, 7, 10)),
        (ended_before, D(2024, 7, 9)),
        (ends_after, D(2024, 7, 11)),
    ):
        Episode.objects.filter(pk=plan.pk).update(end_date=end)
    assert flagged(DRIFT, D(2024, 7, 10)) == {
        ends_that_day.child_id,
        ends_after.child_id,
        open_plan.child_id,
    }


def test_a_drifting_milestone_is_for_the_children_asked_and_alive():
    plans = [plan_of("child_protection") for _ in range(4)]
    kept, other, died, dies_later = (p.child for p in plans)
    for plan in plans:
        milestone(plan, D(2024, 6, 3))
    for child, day in ((died, D(2024, 7, 10)), (dies_later, D(2024, 7, 11))):
        child.date_of_death = day
        child.save()
    assert flagged(DRIFT, D(2024, 7, 10)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(DRIFT, D(2024, 7, 10), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(DRIFT, D(2024, 7, 10), []) == set()


# --- MACE-NOT-CONVENED ----------------------------------------------------------------------


def high_risk(child, day):
    return concern(child, day, kind="exploitation", risk_level="high")


def test_a_mace_alert_names_the_concern_the_child_and_the_due_day(settings):
    child = factories.child(given_name="Zed")
    c = high_risk(child, D(2024, 6, 3))  # Monday: 10 working days is Monday 17 June
    assert flagged(MACE_CONVENED, D(2024, 6, 17)) == set()
    [f] = findings(MACE_CONVENED, D(2024, 6, 18))
    assert (f.child_id, f.subject_key, f.due_date, f.prefill) == (
        child.pk,
        f"concern:{c.pk}",
        D(2024, 6, 17),
        {"concern": c.pk},
    )
    assert f.detail == (
        "Zed's exploitation risk was graded high on 3 June 2024. No MACE meeting is "
        "recorded; one was due by 17 June 2024 (10 working days)."
    )
    settings.SAFEGUARD_CHECKS = {MACE_CONVENED: {"working_days": 2}}
    assert flagged(MACE_CONVENED, D(2024, 6, 5)) == set()
    [f] = findings(MACE_CONVENED, D(2024, 6, 6))
    assert f.due_date == D(2024, 6, 5) and "(2 working days)" in f.detail


def test_a_mace_is_needed_only_for_exploitation_graded_high():
    high = factories.child()
    high_risk(high, D(2024, 6, 3))
    concern(factories.child(), D(2024, 6, 3), risk_level="high")  # significant harm
    for level in ("", "low", "medium"):
        concern(factories.child(), D(2024, 6, 3), kind="exploitation", risk_level=level)
    assert flagged(MACE_CONVENED, D(2024, 7, 30)) == {high.pk}


def test_a_mace_is_needed_only_from_the_day_the_risk_was_graded():
    child = factories.child()
    high_risk(child, D(2024, 6, 20))
    assert flagged(MACE_CONVENED, D(2024, 6, 19)) == set()
    assert flagged(MACE_CONVENED, D(2024, 7, 4)) == set()  # due that day
    assert flagged(MACE_CONVENED, D(2024, 7, 5)) == {child.pk}


def test_a_mace_on_or_after_the_grading_answers_it():
    before, same_day, late, other_kind = (factories.child() for _ in range(4))
    for child in (before, same_day, late, other_kind):
        high_risk(child, D(2024, 6, 3))
    meeting("mace", before, D(2024, 5, 31), ("csc",))
    meeting("mace", same_day, D(2024, 6, 3), ("csc",))
    meeting("mace", late, D(2024, 6, 19), ("csc",))
    meeting("missing_review", other_kind, D(2024, 6, 5), ("csc",))
    assert flagged(MACE_CONVENED, D(2024, 6, 18)) == {before.pk, late.pk, other_kind.pk}
    assert flagged(MACE_CONVENED, D(2024, 6, 19)) == {before.pk, other_kind.pk}


def test_a_grading_closed_by_its_due_day_needs_no_mace_closed_after_it_still_does():
    on_due, day_after, later = (factories.child() for _ in range(3))
    for child, closed in (
        (on_due, D(2024, 6, 17)),
        (day_after, D(2024, 6, 18)),
        (later, D(2024, 6, 30)),
    ):
        c = high_risk(child, D(2024, 6, 3))
        services.close_concern(actor=None, concern=c, closed_on=closed, reason="Checked")
    for as_of in (D(2024, 6, 18), D(2024, 6, 19), D(2024, 7, 5)):
        assert flagged(MACE_CONVENED, as_of) == {day_after.pk, later.pk}, as_of


def test_a_mace_alert_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (factories.child() for _ in range(4))
    for child in (kept, other, died, dies_later):
        high_risk(child, D(2024, 6, 3))
    for child, day in ((died, D(2024, 6, 18)), (dies_later, D(2024, 6, 19))):
        child.date_of_death = day
        child.save()
    assert flagged(MACE_CONVENED, D(2024, 6, 18)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(MACE_CONVENED, D(2024, 6, 18), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(MACE_CONVENED, D(2024, 6, 18), []) == set()


# --- LAC-REVIEW-ATTENDANCE ------------------------------------------------------------------


def cla_review(child, day, attended=("csc", "health", "school"), statuses=None):
    return meeting("cla_review", child, day, attended, statuses)


def test_a_review_attended_by_too_few_with_no_report_names_the_count(settings):
    cases = {
        (): "0 professionals",
        ("csc",): "1 professional",
        ("csc", "health"): "2 professionals",
    }
    made = {}
    for attended, words in cases.items():
        child = looked_after_child_from(D(2024, 1, 8))
        made[child.pk] = (cla_review(child, D(2024, 6, 3), attended, {"gp": "apologies"}), words)
    for attended in (("csc", "health", "school"), ("csc", "health", "school", "gp")):
        cla_review(looked_after_child_from(D(2024, 1, 8)), D(2024, 6, 3), attended)
    assert flagged(LAC_ATTENDANCE, D(2024, 6, 2)) == set()
    found = {f.child_id: f for f in findings(LAC_ATTENDANCE, D(2024, 6, 3))}
    assert set(found) == set(made)
    for child_id, (m, words) in made.items():
        f = found[child_id]
        assert (f.subject_key, f.due_date, f.prefill) == (
            f"meeting:{m.pk}",
            D(2024, 6, 3),
            {"meeting": m.pk},
        )
        name = f.detail.split("'s ")[0]
        assert f.detail == (
            f"{name}'s looked-after review on 3 June 2024 was attended by {words} and no "
            "reports were submitted (at least 3, or reports, expected)."
        )
    settings.SAFEGUARD_CHECKS = {LAC_ATTENDANCE: {"min_professionals": 2}}
    found = {f.child_id: f for f in findings(LAC_ATTENDANCE, D(2024, 6, 3))}
    assert len(found) == 2
    assert all(f.detail.endswith("(at least 2, or reports, expected).") for f in found.values())


def test_a_report_from_any_absent_invitee_answers_a_thin_review_apologies_do_not():
    report, apologies, absent, invited = (looked_after_child_from(D(2024, 1, 8)) for _ in range(4))
    cla_review(report, D(2024, 6, 3), ("csc",), {"gp": "apologies", "school": "sent_report"})
    cla_review(apologies, D(2024, 6, 3), ("csc",), {"gp": "apologies"})
    cla_review(absent, D(2024, 6, 3), ("csc",), {"gp": "absent"})
    cla_review(invited, D(2024, 6, 3), ("csc",), {"gp": "invited"})
    assert flagged(LAC_ATTENDANCE, D(2024, 6, 3)) == {apologies.pk, absent.pk, invited.pk}


def test_only_a_later_review_replaces_a_thin_one():
    same_day, later, earlier = (looked_after_child_from(D(2024, 1, 8)) for _ in range(3))
    for child in (same_day, later, earlier):
        cla_review(child, D(2024, 6, 4), ("csc",))
    cla_review(same_day, D(2024, 6, 4))
    cla_review(later, D(2024, 6, 6))
    cla_review(earlier, D(2024, 6, 3))
    assert flagged(LAC_ATTENDANCE, D(2024, 6, 5)) == {same_day.pk, later.pk, earlier.pk}
    assert flagged(LAC_ATTENDANCE, D(2024, 6, 6)) == {same_day.pk, earlier.pk}


def test_review_attendance_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (looked_after_child_from(D(2024, 1, 8)) for _ in range(4))
    for child in (kept, other, died, dies_later):
        cla_review(child, D(2024, 6, 3), ("csc",))
    for child, day in ((died, D(2024, 6, 5)), (dies_later, D(2024, 6, 6))):
        child.date_of_death = day
        child.save()
    assert flagged(LAC_ATTENDANCE, D(2024, 6, 5)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(LAC_ATTENDANCE, D(2024, 6, 5), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(LAC_ATTENDANCE, D(2024, 6, 5), []) == set()


# --- LAC-REVIEW-HEALTH-OUT-OF-DATE ----------------------------------------------------------


def assessed(child, day):
    return health_assessment(child, day)


def la_child(start=LONG_IN_CARE, dob=BORN, **fields):
    return looked_after_child(start=start, dob=dob, **fields)


def test_a_review_alert_for_an_out_of_date_health_assessment_names_the_review():
    child = la_child(given_name="Ana")
    m = cla_review(child, D(2024, 6, 3))
    assert flagged(LAC_HEALTH, D(2024, 6, 2)) == set()
    [f] = findings(LAC_HEALTH, D(2024, 6, 3))
    assert (f.child_id, f.subject_key, f.due_date, f.prefill) == (
        child.pk,
        f"meeting:{m.pk}",
        D(2024, 6, 3),
        {},
    )
    assert f.detail == (
        "Ana's looked-after review on 3 June 2024 was held while the health assessment was "
        "out of date (none in the time allowed before the review). Arrange the assessment "
        "and record it."
    )


def test_a_review_soon_after_care_began_needs_no_assessment_yet(settings):
    start = D(2024, 5, 6)
    expected = add_working_days(start, 20)
    on_day, after = la_child(start=start), la_child(start=start)
    cla_review(on_day, expected)
    cla_review(after, add_working_days(expected, 1))
    assert flagged(LAC_HEALTH, D(2024, 8, 1)) == {after.pk}
    settings.SAFEGUARD_CHECKS = {LAC_HEALTH: {"initial_working_days": 19}}
    assert flagged(LAC_HEALTH, D(2024, 8, 1)) == {on_day.pk, after.pk}


def test_the_working_days_count_from_the_latest_episode_open_on_the_review_day():
    changed = la_child(start=D(2023, 1, 9))
    Episode.objects.filter(child=changed).update(end_date=D(2024, 6, 3))
    record_episode(
        actor=None, child=changed, kind="looked_after", start_date=D(2024, 6, 3), legal_status="C2"
    )
    cla_review(changed, D(2024, 6, 3))  # both episodes open that day: the newer one counts
    left = la_child(start=D(2023, 1, 9))
    Episode.objects.filter(child=left).update(end_date=D(2024, 6, 2))
    cla_review(left, D(2024, 6, 3))  # no longer looked after
    ends_that_day = la_child(start=D(2023, 1, 9))
    Episode.objects.filter(child=ends_that_day).update(end_date=D(2024, 6, 3))
    cla_review(ends_that_day, D(2024, 6, 3))
    cp_only = factories.child()
    record_episode(
        actor=None,
        child=cp_only,
        kind="child_protection",
        start_date=D(2023, 1, 9),
        cp_category="sexual",
    )
    cla_review(cp_only, D(2024, 6, 3))
    assert flagged(LAC_HEALTH, D(2024, 6, 10)) == {ends_that_day.pk}


def test_an_assessment_within_12_months_or_6_under_five_keeps_a_review_in_date():
    # (date of birth, assessment) -> out of date at a review on 3 June 2024
    cases = {
        (D(2012, 3, 4), D(2023, 6, 3)): False,  # 12 months to the day
        (D(2012, 3, 4), D(2023, 6, 2)): True,
        (D(2012, 3, 4), D(2024, 6, 3)): False,  # on the day of the review
        (D(2012, 3, 4), D(2024, 6, 4)): True,  # after it: only clears from its own day
        (D(2020, 6, 4), D(2023, 12, 3)): False,  # under five: 6 months to the day
        (D(2020, 6, 4), D(2023, 12, 2)): True,
        (D(2019, 6, 3), D(2023, 7, 1)): False,  # five that day: 12 months
        (D(2019, 6, 4), D(2023, 7, 1)): True,  # five the next day: 6 months
    }
    children = {}
    for (dob, on), out in cases.items():
        child = la_child(dob=dob)
        assessed(child, on)
        cla_review(child, D(2024, 6, 3))
        children[child.pk] = out
    expected = {pk for pk, out in children.items() if out}
    assert flagged(LAC_HEALTH, D(2024, 6, 3)) == expected
    # The assessment after the review clears it from its own day.
    cleared = {pk for pk, (_, on) in zip(children, cases, strict=True) if on == D(2024, 6, 4)}
    assert len(cleared) == 1
    assert flagged(LAC_HEALTH, D(2024, 6, 4)) == expected - cleared


def test_a_review_health_alert_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (la_child() for _ in range(4))
    for child in (kept, other, died, dies_later):
        cla_review(child, D(2024, 6, 3))
    for child, day in ((died, D(2024, 6, 5)), (dies_later, D(2024, 6, 6))):
        child.date_of_death = day
        child.save()
    assert flagged(LAC_HEALTH, D(2024, 6, 5)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(LAC_HEALTH, D(2024, 6, 5), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(LAC_HEALTH, D(2024, 6, 5), []) == set()


# --- Child protection: s47, initial and review conferences, core group, long plans ----------


def s47_sd(children, day):
    return meeting("strategy_discussion", children, day, FULL_STRATEGY, strategy_outcome="s47")


def enquiry(child, sd_meeting, started, **extra):
    return services.record_s47(
        actor=None, child=child, strategy_discussion=sd_meeting, started_on=started, **extra
    )


def cp_plan_for(child, start):
    return record_episode(
        actor=None, child=child, kind="child_protection", start_date=start, cp_category="sexual"
    )


def test_an_s47_alert_names_the_discussion_the_child_and_the_due_day(settings):
    child = factories.child(given_name="Ola")
    m = s47_sd(child, D(2024, 6, 7))  # Friday: due Monday 10 June
    assert flagged(S47, D(2024, 6, 10)) == set()
    [f] = findings(S47, D(2024, 6, 11))
    assert (f.child_id, f.subject_key, f.due_date, f.prefill) == (
        child.pk,
        f"meeting:{m.pk}",
        D(2024, 6, 10),
        {"meeting": m.pk},
    )
    assert f.detail == (
        "The strategy discussion on 7 June 2024 decided on a section 47 enquiry about Ola; "
        "none is recorded (due to start by 10 June 2024)."
    )
    settings.SAFEGUARD_CHECKS = {S47: {"working_days": 2}}
    assert flagged(S47, D(2024, 6, 11)) == set()
    assert findings(S47, D(2024, 6, 12))[0].due_date == D(2024, 6, 11)


def test_an_s47_decision_is_answered_only_by_that_childs_enquiry_from_that_discussion():
    own, sibling, other_sd, later, quiet = (factories.child() for _ in range(5))
    pair = s47_sd([own, sibling], D(2024, 6, 7))
    enquiry(own, pair, D(2024, 6, 10))
    earlier = s47_sd(other_sd, D(2024, 6, 3))
    s47_sd(other_sd, D(2024, 6, 7))
    enquiry(other_sd, earlier, D(2024, 6, 4))  # answers the earlier discussion only
    mine = s47_sd(later, D(2024, 6, 7))
    enquiry(later, mine, D(2024, 6, 12))
    meeting("strategy_discussion", quiet, D(2024, 6, 7), FULL_STRATEGY, strategy_outcome="nfa")
    assert flagged(S47, D(2024, 6, 11)) == {sibling.pk, other_sd.pk, later.pk}
    assert flagged(S47, D(2024, 6, 12)) == {sibling.pk, other_sd.pk}
    assert flagged(S47, D(2024, 6, 12), [own.pk, sibling.pk]) == {sibling.pk}


def test_an_s47_alert_is_not_raised_for_a_child_who_has_died():
    died, dies_later = factories.child(), factories.child()
    s47_sd([died, dies_later], D(2024, 6, 7))
    for child, day in ((died, D(2024, 6, 11)), (dies_later, D(2024, 6, 12))):
        child.date_of_death = day
        child.save()
    assert flagged(S47, D(2024, 6, 11)) == {dies_later.pk}
    assert flagged(S47, D(2024, 6, 11), []) == set()


def test_an_initial_conference_alert_names_the_enquiry_and_the_due_day(settings):
    child = factories.child(given_name="Pat")
    m = s47_sd(child, D(2024, 6, 3))
    e = enquiry(child, m, D(2024, 6, 4))
    assert flagged(ICPC, D(2024, 6, 24)) == set()  # 15 working days: Monday 24 June
    [f] = findings(ICPC, D(2024, 6, 25))
    assert (f.child_id, f.subject_key, f.due_date, f.prefill) == (
        child.pk,
        f"s47:{e.pk}",
        D(2024, 6, 24),
        {"s47": e.pk},
    )
    assert f.detail == (
        "The section 47 enquiry about Pat began at the strategy discussion on 3 June 2024. "
        "No initial child protection conference is recorded; it was due by 24 June 2024 "
        "(15 working days)."
    )
    settings.SAFEGUARD_CHECKS = {ICPC: {"working_days": 5}}
    assert flagged(ICPC, D(2024, 6, 10)) == set()
    [f] = findings(ICPC, D(2024, 6, 11))
    assert f.due_date == D(2024, 6, 10) and f.detail.endswith("(5 working days).")


def test_an_initial_conference_is_not_needed_once_an_enquiry_concluded_without_one():
    outcomes = {
        "substantiated": False,
        "not_substantiated": False,
        "likely_harm": True,
    }
    made = {}
    for outcome, needed in outcomes.items():
        for completed, known in ((D(2024, 6, 25), True), (D(2024, 6, 26), False)):
            child = factories.child()
            e = enquiry(child, s47_sd(child, D(2024, 6, 3)), D(2024, 6, 3))
            services.conclude_s47(actor=None, enquiry=e, completed_on=completed, outcome=outcome)
            made[child.pk] = needed or not known
    open_one = factories.child()
    enquiry(open_one, s47_sd(open_one, D(2024, 6, 3)), D(2024, 6, 3))
    made[open_one.pk] = True
    assert flagged(ICPC, D(2024, 6, 25)) == {pk for pk, fires in made.items() if fires}


def test_an_initial_conference_is_needed_only_once_the_enquiry_has_started():
    child = factories.child()
    m = s47_sd(child, D(2024, 6, 3))
    enquiry(child, m, D(2024, 6, 26))  # recorded as starting late
    assert flagged(ICPC, D(2024, 6, 25)) == set()
    assert flagged(ICPC, D(2024, 6, 26)) == {child.pk}


def test_an_initial_conference_on_or_after_the_discussion_answers_the_enquiry():
    before, same_day, late = (factories.child() for _ in range(3))
    for child in (before, same_day, late):
        enquiry(child, s47_sd(child, D(2024, 6, 3)), D(2024, 6, 3))
    meeting("initial_conference", before, D(2024, 5, 31), ("csc",))
    meeting("initial_conference", same_day, D(2024, 6, 3), ("csc",))
    meeting("initial_conference", late, D(2024, 6, 26), ("csc",))
    assert flagged(ICPC, D(2024, 6, 25)) == {before.pk, late.pk}
    assert flagged(ICPC, D(2024, 6, 26)) == {before.pk}


def test_an_initial_conference_alert_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (factories.child() for _ in range(4))
    for child in (kept, other, died, dies_later):
        enquiry(child, s47_sd(child, D(2024, 6, 3)), D(2024, 6, 3))
    for child, day in ((died, D(2024, 6, 25)), (dies_later, D(2024, 6, 26))):
        child.date_of_death = day
        child.save()
    assert flagged(ICPC, D(2024, 6, 25)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(ICPC, D(2024, 6, 25), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(ICPC, D(2024, 6, 25), []) == set()


def review_conf(child, day):
    return meeting("review_conference", child, day, ("csc",), conference_decision="continue_plan")


def test_a_review_conference_alert_names_the_plan_start_or_the_last_review(settings):
    first = factories.child(given_name="Sam")
    plan = cp_plan_for(first, D(2024, 1, 15))
    assert flagged(RCPC, D(2024, 4, 15)) == set()
    [f] = findings(RCPC, D(2024, 4, 16))
    assert (f.child_id, f.subject_key, f.due_date, f.prefill) == (
        first.pk,
        "after:2024-01-15",
        D(2024, 4, 15),
        {},
    )
    assert f.detail == (
        "Sam has a child protection plan; the plan began on 15 January 2024. A review "
        "conference was due by 15 April 2024 and none is recorded."
    )
    review_conf(first, D(2024, 3, 1))
    review_conf(first, D(2024, 4, 10))
    assert flagged(RCPC, D(2024, 10, 10)) == set()
    [f] = findings(RCPC, D(2024, 10, 11))
    assert (f.subject_key, f.due_date) == ("after:2024-04-10", D(2024, 10, 10))
    assert f.detail == (
        "Sam has a child protection plan; the last review conference on 10 April 2024. A "
        "review conference was due by 10 October 2024 and none is recorded."
    )
    settings.SAFEGUARD_CHECKS = {RCPC: {"first_months": 1, "then_months": 2}}
    assert flagged(RCPC, D(2024, 6, 10)) == set()
    assert findings(RCPC, D(2024, 6, 11))[0].due_date == D(2024, 6, 10)
    assert plan.child_id == first.pk


def test_a_review_conference_before_the_plan_began_does_not_count():
    earlier, first_months = factories.child(), factories.child()
    review_conf(earlier, D(2024, 1, 10))
    cp_plan_for(earlier, D(2024, 1, 15))
    cp_plan_for(first_months, D(2024, 1, 15))
    review_conf(first_months, D(2024, 1, 15))  # held the day the plan began
    assert flagged(RCPC, D(2024, 4, 16)) == {earlier.pk}
    assert flagged(RCPC, D(2024, 7, 16)) == {earlier.pk, first_months.pk}


def test_a_review_conference_is_due_only_while_a_protection_plan_is_open():
    ends_that_day, ended, looked_after = factories.child(), factories.child(), None
    for child in (ends_that_day, ended):
        cp_plan_for(child, D(2024, 1, 15))
    Episode.objects.filter(child=ends_that_day).update(end_date=D(2024, 5, 1))
    Episode.objects.filter(child=ended).update(end_date=D(2024, 4, 30))
    looked_after = looked_after_child_from(D(2024, 1, 15))
    assert flagged(RCPC, D(2024, 5, 1)) == {ends_that_day.pk}
    assert looked_after.pk not in flagged(RCPC, D(2024, 9, 1))


def test_a_review_conference_alert_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (factories.child() for _ in range(4))
    for child in (kept, other, died, dies_later):
        cp_plan_for(child, D(2024, 1, 15))
    for child, day in ((died, D(2024, 4, 16)), (dies_later, D(2024, 4, 17))):
        child.date_of_death = day
        child.save()
    assert flagged(RCPC, D(2024, 4, 16)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(RCPC, D(2024, 4, 16), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(RCPC, D(2024, 4, 16), []) == set()


def test_a_core_group_alert_names_the_plan_and_the_due_day(settings):
    child = factories.child(given_name="Tam")
    plan = cp_plan_for(child, D(2024, 6, 3))  # 10 working days: Monday 17 June
    assert flagged(CORE_GROUP, D(2024, 6, 17)) == set()
    [f] = findings(CORE_GROUP, D(2024, 6, 18))
    assert (f.child_id, f.subject_key, f.due_date, f.prefill) == (
        child.pk,
        f"plan:{plan.pk}",
        D(2024, 6, 17),
        {},
    )
    assert f.detail == (
        "Tam's child protection plan began on 3 June 2024. No core group meeting is "
        "recorded; the first was due by 17 June 2024."
    )
    settings.SAFEGUARD_CHECKS = {CORE_GROUP: {"working_days": 2}}
    assert flagged(CORE_GROUP, D(2024, 6, 5)) == set()
    assert findings(CORE_GROUP, D(2024, 6, 6))[0].due_date == D(2024, 6, 5)


def test_a_core_group_on_or_after_the_plan_began_answers_it_while_the_plan_is_open():
    before, same_day, late, ends_that_day, ended = (factories.child() for _ in range(5))
    for child in (before, same_day, late, ends_that_day, ended):
        cp_plan_for(child, D(2024, 6, 3))
    meeting("core_group", before, D(2024, 5, 31), ("csc",))
    meeting("core_group", same_day, D(2024, 6, 3), ("csc",))
    meeting("core_group", late, D(2024, 6, 19), ("csc",))
    Episode.objects.filter(child=ends_that_day).update(end_date=D(2024, 6, 18))
    Episode.objects.filter(child=ended).update(end_date=D(2024, 6, 17))
    looked_after = looked_after_child_from(D(2024, 6, 3))
    assert flagged(CORE_GROUP, D(2024, 6, 18)) == {before.pk, late.pk, ends_that_day.pk}
    assert flagged(CORE_GROUP, D(2024, 6, 19)) == {before.pk}
    assert looked_after.pk not in flagged(CORE_GROUP, D(2024, 7, 1))


def test_a_core_group_alert_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (factories.child() for _ in range(4))
    for child in (kept, other, died, dies_later):
        cp_plan_for(child, D(2024, 6, 3))
    for child, day in ((died, D(2024, 6, 18)), (dies_later, D(2024, 6, 19))):
        child.date_of_death = day
        child.save()
    assert flagged(CORE_GROUP, D(2024, 6, 18)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(CORE_GROUP, D(2024, 6, 18), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(CORE_GROUP, D(2024, 6, 18), []) == set()


def test_a_long_plan_alert_names_the_plan_and_its_anniversary(settings):
    child = factories.child(given_name="Uma")
    plan = cp_plan_for(child, D(2022, 6, 3))
    assert flagged(PLAN_2Y, D(2024, 6, 3)) == set()
    [f] = findings(PLAN_2Y, D(2024, 6, 4))
    assert (f.child_id, f.subject_key, f.due_date, f.prefill) == (
        child.pk,
        f"plan:{plan.pk}",
        D(2024, 6, 3),
        {},
    )
    assert f.detail == (
        "Uma's child protection plan began on 3 June 2022 and has lasted more than 2 years. "
        "Consider it at a review conference."
    )
    settings.SAFEGUARD_CHECKS = {PLAN_2Y: {"years": 1}}
    assert flagged(PLAN_2Y, D(2023, 6, 3)) == set()
    [f] = findings(PLAN_2Y, D(2023, 6, 4))
    assert f.due_date == D(2023, 6, 3) and "more than 1 years" in f.detail


def test_a_long_plan_is_answered_by_a_review_conference_on_or_after_its_anniversary():
    before, on_day, after, ends_that_day, ended = (factories.child() for _ in range(5))
    for child in (before, on_day, after, ends_that_day, ended):
        cp_plan_for(child, D(2022, 6, 3))
    review_conf(before, D(2024, 6, 2))
    review_conf(on_day, D(2024, 6, 3))
    review_conf(after, D(2024, 6, 20))
    Episode.objects.filter(child=ends_that_day).update(end_date=D(2024, 6, 10))
    Episode.objects.filter(child=ended).update(end_date=D(2024, 6, 9))
    looked_after = looked_after_child_from(D(2022, 6, 3))
    assert flagged(PLAN_2Y, D(2024, 6, 10)) == {before.pk, after.pk, ends_that_day.pk}
    assert flagged(PLAN_2Y, D(2024, 6, 20)) == {before.pk}
    assert looked_after.pk not in flagged(PLAN_2Y, D(2024, 7, 1))


def test_a_long_plan_alert_is_for_the_children_asked_and_alive():
    kept, other, died, dies_later = (factories.child() for _ in range(4))
    for child in (kept, other, died, dies_later):
        cp_plan_for(child, D(2022, 6, 3))
    for child, day in ((died, D(2024, 6, 10)), (dies_later, D(2024, 6, 11))):
        child.date_of_death = day
        child.save()
    assert flagged(PLAN_2Y, D(2024, 6, 10)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(PLAN_2Y, D(2024, 6, 10), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(PLAN_2Y, D(2024, 6, 10), []) == set()


# --- LAC-REVIEW -----------------------------------------------------------------------------


def test_the_first_review_is_due_20_working_days_into_the_period_of_care(settings):
    child = la_child(start=D(2024, 6, 3), given_name="Vic")
    assert flagged(LAC_REVIEW, D(2024, 7, 1)) == set()
    [f] = findings(LAC_REVIEW, D(2024, 7, 2))
    assert (f.child_id, f.subject_key, f.due_date, f.prefill) == (
        child.pk,
        "first:2024-06-03",
        D(2024, 7, 1),
        {},
    )
    assert f.detail == (
        "Vic became looked after on 3 June 2024. The first review was due by 1 July 2024 "
        "and none is recorded (CPPCR 2010 reg 33)."
    )
    settings.SAFEGUARD_CHECKS = {LAC_REVIEW: {"first_working_days": 5}}
    assert flagged(LAC_REVIEW, D(2024, 6, 10)) == set()
    assert findings(LAC_REVIEW, D(2024, 6, 11))[0].due_date == D(2024, 6, 10)


def test_the_second_review_is_due_3_months_after_the_first_then_every_6(settings):
    child = la_child(start=D(2024, 6, 3), given_name="Wyn")
    cla_review(child, D(2024, 6, 28))
    assert flagged(LAC_REVIEW, D(2024, 9, 28)) == set()
    [f] = findings(LAC_REVIEW, D(2024, 9, 29))
    assert (f.subject_key, f.due_date) == ("second:2024-06-28", D(2024, 9, 28))
    assert f.detail == (
        "Wyn last had a looked-after review on 28 June 2024. The second review was due by "
        "28 September 2024 and none is recorded (CPPCR 2010 reg 33)."
    )
    cla_review(child, D(2024, 9, 20))
    cla_review(child, D(2024, 12, 2))  # early: the next is 6 months from this one
    assert flagged(LAC_REVIEW, D(2025, 6, 2)) == set()
    [f] = findings(LAC_REVIEW, D(2025, 6, 3))
    assert (f.subject_key, f.due_date) == ("subsequent:2024-12-02", D(2025, 6, 2))
    assert f.detail.startswith(
        "Wyn last had a looked-after review on 2 December 2024. The subsequent review was "
        "due by 2 June 2025"
    )
    settings.SAFEGUARD_CHECKS = {LAC_REVIEW: {"second_months": 1, "then_months": 2}}
    assert flagged(LAC_REVIEW, D(2025, 2, 2)) == set()
    assert findings(LAC_REVIEW, D(2025, 2, 3))[0].due_date == D(2025, 2, 2)
    late = la_child(start=D(2024, 6, 3))
    cla_review(late, D(2024, 6, 28))
    assert findings(LAC_REVIEW, D(2024, 7, 29), [late.pk])[0].due_date == D(2024, 7, 28)


def test_a_second_review_at_the_end_of_a_month_is_due_at_the_end_of_the_third():
    child = la_child(start=D(2024, 8, 1))
    cla_review(child, D(2024, 8, 31))
    assert flagged(LAC_REVIEW, D(2024, 11, 30)) == set()
    [f] = findings(LAC_REVIEW, D(2024, 12, 1))
    assert f.due_date == D(2024, 11, 30)


def test_only_reviews_of_the_current_period_held_by_the_day_count():
    before, on_start, future = (la_child(start=D(2024, 6, 3)) for _ in range(3))
    cla_review(before, D(2024, 6, 2))
    cla_review(on_start, D(2024, 6, 3))
    cla_review(future, D(2024, 7, 5))
    found = {f.child_id: f for f in findings(LAC_REVIEW, D(2024, 7, 2))}
    assert set(found) == {before.pk, future.pk}
    assert found[before.pk].subject_key == "first:2024-06-03"
    # A change of legal status continues the period of care.
    changed = la_child(start=D(2024, 1, 8))
    cla_review(changed, D(2024, 1, 20))
    Episode.objects.filter(child=changed).update(end_date=D(2024, 3, 1))
    record_episode(
        actor=None, child=changed, kind="looked_after", start_date=D(2024, 3, 1), legal_status="C2"
    )
    [f] = findings(LAC_REVIEW, D(2024, 4, 21), [changed.pk])
    assert (f.subject_key, f.due_date) == ("second:2024-01-20", D(2024, 4, 20))


def test_a_review_is_due_only_while_the_child_is_looked_after_and_alive():
    kept, other, died, dies_later, left, leaves_that_day = (
        la_child(start=D(2024, 6, 3)) for _ in range(6)
    )
    Episode.objects.filter(child=left).update(end_date=D(2024, 7, 1))
    Episode.objects.filter(child=leaves_that_day).update(end_date=D(2024, 7, 2))
    for child, day in ((died, D(2024, 7, 2)), (dies_later, D(2024, 7, 3))):
        child.date_of_death = day
        child.save()
    assert flagged(LAC_REVIEW, D(2024, 7, 2)) == {
        kept.pk,
        other.pk,
        dies_later.pk,
        leaves_that_day.pk,
    }
    assert flagged(LAC_REVIEW, D(2024, 7, 2), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(LAC_REVIEW, D(2024, 7, 2), []) == set()


# --- MEETING-ACTION-OVERDUE -----------------------------------------------------------------


def action(m, due, child=None, description="Disrupt the address", owner=None):
    owner = owner or factories.user(first_name="Nia", last_name="Hale")
    return services.add_action(
        actor=None, meeting=m, description=description, owner=owner, due_on=due, child=child
    )


def test_an_overdue_action_alert_names_the_action_the_meeting_and_the_owner(settings):
    a, b = factories.child(), factories.child()
    m = meeting("mace", [a, b], D(2024, 6, 3), ("csc",))
    act = action(m, D(2024, 6, 10))
    assert flagged(ACTIONS, D(2024, 6, 10)) == set()
    found = findings(ACTIONS, D(2024, 6, 11))
    assert {f.child_id for f in found} == {a.pk, b.pk}
    for f in found:
        assert (f.subject_key, f.due_date, f.prefill) == (
            f"action:{act.pk}",
            D(2024, 6, 10),
            {"action": act.pk},
        )
        assert f.detail == (
            "\u201cDisrupt the address\u201d, agreed at the MACE (multi-agency child "
            "exploitation) meeting on 3 June 2024, was due by 10 June 2024 and is not "
            "recorded as done. Owner: Nia Hale."
        )
    settings.SAFEGUARD_CHECKS = {ACTIONS: {"grace_days": 2}}
    assert flagged(ACTIONS, D(2024, 6, 12)) == set()
    assert flagged(ACTIONS, D(2024, 6, 13)) == {a.pk, b.pk}


def test_an_action_is_overdue_until_the_day_it_is_completed_for_its_own_children():
    a, b, c = factories.child(), factories.child(), factories.child()
    m = meeting("mace", [a, b], D(2024, 6, 3), ("csc",))
    only_b = action(m, D(2024, 6, 10), child=b)
    done = action(m, D(2024, 6, 10))
    services.complete_action(actor=None, action=done, completed_on=D(2024, 6, 9), evidence="Ok")
    late = action(meeting("mace", c, D(2024, 6, 3), ("csc",)), D(2024, 6, 10))
    services.complete_action(actor=None, action=late, completed_on=D(2024, 6, 12), evidence="Ok")
    found = findings(ACTIONS, D(2024, 6, 11))
    assert {(f.child_id, f.subject_key) for f in found} == {
        (b.pk, f"action:{only_b.pk}"),
        (c.pk, f"action:{late.pk}"),
    }
    assert flagged(ACTIONS, D(2024, 6, 12)) == {b.pk}
    assert flagged(ACTIONS, D(2024, 6, 11), [a.pk, c.pk]) == {c.pk}
    assert flagged(ACTIONS, D(2024, 6, 11), []) == set()


def test_an_overdue_action_alert_is_not_raised_for_a_child_who_has_died():
    died, dies_later = factories.child(), factories.child()
    action(meeting("mace", [died, dies_later], D(2024, 6, 3), ("csc",)), D(2024, 6, 10))
    for child, day in ((died, D(2024, 6, 11)), (dies_later, D(2024, 6, 12))):
        child.date_of_death = day
        child.save()
    assert flagged(ACTIONS, D(2024, 6, 11)) == {dies_later.pk}


# --- MEETING-MINUTES-OUTSTANDING ------------------------------------------------------------


def test_a_minutes_alert_names_the_meeting_and_the_due_day(settings):
    a, b = factories.child(), factories.child()
    m = meeting("mace", [a, b], D(2024, 6, 3), ("csc",))  # 5 working days: Monday 10 June
    assert flagged(MINUTES, D(2024, 6, 10)) == set()
    found = findings(MINUTES, D(2024, 6, 11))
    assert {f.child_id for f in found} == {a.pk, b.pk}
    for f in found:
        assert (f.subject_key, f.due_date, f.prefill) == (
            f"meeting:{m.pk}",
            D(2024, 6, 10),
            {"meeting": m.pk},
        )
        assert f.detail == (
            "The minutes of the MACE (multi-agency child exploitation) meeting on 3 June 2024 "
            "are not recorded; they were due by 10 June 2024 (5 working days)."
        )
    settings.SAFEGUARD_CHECKS = {MINUTES: {"working_days": 2}}
    assert flagged(MINUTES, D(2024, 6, 5)) == set()
    [f, _] = findings(MINUTES, D(2024, 6, 6))
    assert f.due_date == D(2024, 6, 5) and f.detail.endswith("(2 working days).")


def test_minutes_recorded_by_the_end_of_the_day_asked_clear_the_alert():
    late_that_day, next_morning, never = (factories.child() for _ in range(3))
    held = {
        c: meeting("core_group", c, D(2024, 6, 3), ("csc",))
        for c in (late_that_day, next_morning, never)
    }
    for child, when in (
        (late_that_day, at(D(2024, 6, 12), 23)),
        (next_morning, at(D(2024, 6, 13), 0)),
    ):
        services.record_minutes(
            actor=None, meeting=held[child], minutes="Minutes", recorded_at=when
        )
    assert flagged(MINUTES, D(2024, 6, 11)) == {late_that_day.pk, next_morning.pk, never.pk}
    assert flagged(MINUTES, D(2024, 6, 12)) == {next_morning.pk, never.pk}
    assert flagged(MINUTES, D(2024, 6, 13)) == {never.pk}


def test_minutes_are_due_only_for_a_meeting_held_by_the_day_and_a_child_alive():
    kept, other, died, dies_later, scheduled = (factories.child() for _ in range(5))
    for child in (kept, other, died, dies_later):
        meeting("mace", child, D(2024, 6, 3), ("csc",))
    meeting("mace", scheduled)
    for child, day in ((died, D(2024, 6, 11)), (dies_later, D(2024, 6, 12))):
        child.date_of_death = day
        child.save()
    assert flagged(MINUTES, D(2024, 6, 11)) == {kept.pk, other.pk, dies_later.pk}
    assert flagged(MINUTES, D(2024, 6, 11), [kept.pk, died.pk]) == {kept.pk}
    assert flagged(MINUTES, D(2024, 6, 11), []) == set()


def test_the_second_review_waits_for_its_own_months_whatever_the_later_interval(settings):
    settings.SAFEGUARD_CHECKS = {LAC_REVIEW: {"second_months": 3, "then_months": 1}}
    child = la_child(start=D(2024, 6, 3))
    cla_review(child, D(2024, 6, 28))
    for as_of in (D(2024, 7, 29), D(2024, 8, 29), D(2024, 9, 28)):
        assert flagged(LAC_REVIEW, as_of) == set(), as_of
    [f] = findings(LAC_REVIEW, D(2024, 9, 29))
    assert (f.subject_key, f.due_date) == ("second:2024-06-28", D(2024, 9, 28))


def test_an_episode_beginning_after_the_review_does_not_count_for_it():
    child = la_child(start=LONG_IN_CARE)
    Episode.objects.filter(child=child).update(end_date=D(2024, 6, 3))
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2024, 6, 4), legal_status="C2"
    )
    cla_review(child, D(2024, 6, 3))  # looked after since 2023: an assessment was due
    assert flagged(LAC_HEALTH, D(2024, 6, 5)) == {child.pk}
