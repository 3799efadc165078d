"""The meeting and plan checks fire, do not fire, and resolve at their boundary days."""

import pytest

from safeguard.checks.engine import get_check
from safeguard.episodes.services import end_episode, record_episode
from safeguard.meetings import services
from tests import factories
from tests.checks_helpers import health_assessment, looked_after_child
from tests.meetings_helpers import FULL_STRATEGY, D, concern, meeting

pytestmark = pytest.mark.django_db


def fired(check_id, as_of, child):
    return [f for f in get_check(check_id).findings(as_of) if f.child_id == child.pk]


def fires_from(check_id, child, first_day):
    """Not on the day before `first_day`, and on it."""
    from datetime import timedelta

    assert fired(check_id, first_day - timedelta(days=1), child) == []
    found = fired(check_id, first_day, child)
    assert len(found) == 1, found
    return found[0]


# --- Strategy discussions (Recommendation 2) ---------------------------------------------


def test_significant_harm_concern_needs_a_strategy_discussion_within_one_working_day():
    child = factories.child()
    c = concern(child, D(2024, 6, 7))  # Friday: due Monday 10 June
    f = fires_from("CP-STRATEGY-DISCUSSION", child, D(2024, 6, 11))
    assert f.due_date == D(2024, 6, 10) and f.subject_key == f"concern:{c.pk}"
    assert "strategy discussion" in f.detail
    # A discussion held before the concern does not answer it; one after, however late, does.
    meeting("strategy_discussion", child, D(2024, 6, 6), FULL_STRATEGY)
    assert fired("CP-STRATEGY-DISCUSSION", D(2024, 6, 11), child)
    meeting("strategy_discussion", child, D(2024, 6, 12), FULL_STRATEGY)
    assert fired("CP-STRATEGY-DISCUSSION", D(2024, 6, 11), child)  # pure in as_of
    assert fired("CP-STRATEGY-DISCUSSION", D(2024, 6, 12), child) == []


def test_exploitation_concern_needs_one_only_when_graded_high():
    medium, high = factories.child(), factories.child()
    concern(medium, D(2024, 6, 7), kind="exploitation", risk_level="medium")
    concern(high, D(2024, 6, 7), kind="exploitation", risk_level="high")
    assert fired("CP-STRATEGY-DISCUSSION", D(2024, 6, 20), medium) == []
    fires_from("CP-STRATEGY-DISCUSSION", high, D(2024, 6, 11))


def test_concern_closed_by_its_due_day_needs_no_discussion_but_closing_later_does_not_clear():
    early, late = factories.child(), factories.child()
    c1 = concern(early, D(2024, 6, 7))
    c2 = concern(late, D(2024, 6, 7))
    services.close_concern(actor=None, concern=c1, closed_on=D(2024, 6, 10), reason="Checks made")
    services.close_concern(actor=None, concern=c2, closed_on=D(2024, 6, 12), reason="Too late")
    assert fired("CP-STRATEGY-DISCUSSION", D(2024, 6, 11), early) == []
    assert fired("CP-STRATEGY-DISCUSSION", D(2024, 6, 13), late)


def test_a_concern_about_two_children_alerts_for_each_until_each_has_a_discussion():
    a, b = factories.child(), factories.child()
    concern([a, b], D(2024, 6, 7))
    meeting("strategy_discussion", a, D(2024, 6, 10), FULL_STRATEGY)
    assert fired("CP-STRATEGY-DISCUSSION", D(2024, 6, 11), a) == []
    assert fired("CP-STRATEGY-DISCUSSION", D(2024, 6, 11), b)


def test_strategy_discussion_without_police_or_health():
    full, partial = factories.child(), factories.child()
    meeting("strategy_discussion", full, D(2024, 6, 3), FULL_STRATEGY)
    meeting(
        "strategy_discussion", partial, D(2024, 6, 3), ("csc", "police"), {"health": "sent_report"}
    )
    assert fired("CP-STRATEGY-ATTENDANCE", D(2024, 6, 3), full) == []
    f = fires_from("CP-STRATEGY-ATTENDANCE", partial, D(2024, 6, 3))
    assert "without health" in f.detail
    # Reconvened with everyone: the first alert clears, the new one is fine.
    meeting("strategy_discussion", partial, D(2024, 6, 5), FULL_STRATEGY)
    assert fired("CP-STRATEGY-ATTENDANCE", D(2024, 6, 5), partial) == []


def test_gp_counts_as_health_and_a_looked_after_child_needs_the_placement():
    child = looked_after_child(start=D(2024, 1, 8))
    meeting("strategy_discussion", child, D(2024, 6, 3), ("csc", "police", "gp"))
    f = fired("CP-STRATEGY-ATTENDANCE", D(2024, 6, 3), child)[0]
    assert "held without the placement." in f.detail
    meeting("strategy_discussion", child, D(2024, 6, 4), ("csc", "police", "gp", "home"))
    assert fired("CP-STRATEGY-ATTENDANCE", D(2024, 6, 4), child) == []


def test_mace_recording_significant_harm_needs_a_strategy_discussion():
    child, other = factories.child(), factories.child()
    m = meeting(
        "mace", [child, other], D(2024, 6, 7), ("csc", "police"), significant_harm_risk=True
    )
    meeting("missing_review", factories.child(), D(2024, 6, 7), ("csc",))  # no risk recorded
    f = fires_from("MACE-NO-STRATEGY-DISCUSSION", child, D(2024, 6, 11))
    assert f.subject_key == f"meeting:{m.pk}" and f.due_date == D(2024, 6, 10)
    assert fired("MACE-NO-STRATEGY-DISCUSSION", D(2024, 6, 11), other)
    meeting("strategy_discussion", child, D(2024, 6, 11), FULL_STRATEGY)
    assert fired("MACE-NO-STRATEGY-DISCUSSION", D(2024, 6, 11), child) == []
    assert fired("MACE-NO-STRATEGY-DISCUSSION", D(2024, 6, 11), other)
    assert get_check("MACE-NO-STRATEGY-DISCUSSION").findings(D(2024, 6, 30), []) == []


def test_missing_review_recording_significant_harm_counts_too():
    child = factories.child()
    meeting("missing_review", child, D(2024, 6, 7), ("csc",), significant_harm_risk=True)
    fires_from("MACE-NO-STRATEGY-DISCUSSION", child, D(2024, 6, 11))


# --- MACE (Recommendation 3) -----------------------------------------------------------------


def test_mace_convened_within_ten_working_days_of_a_high_risk_grading():
    child = factories.child()
    concern(child, D(2024, 6, 3), kind="exploitation", risk_level="high")  # due 17 June
    f = fires_from("MACE-NOT-CONVENED", child, D(2024, 6, 18))
    assert f.due_date == D(2024, 6, 17)
    meeting("mace", child, D(2024, 6, 18), ("csc", "police"))
    assert fired("MACE-NOT-CONVENED", D(2024, 6, 18), child) == []


def test_action_overdue_from_the_day_after_due_until_completed():
    a, b = factories.child(), factories.child()
    owner = factories.user()
    m = meeting("mace", [a, b], D(2024, 6, 3), ("csc",))
    shared = services.add_action(
        actor=None, meeting=m, description="Disrupt", owner=owner, due_on=D(2024, 6, 10)
    )
    only_b = services.add_action(
        actor=None, meeting=m, description="Visit B", owner=owner, due_on=D(2024, 6, 10), child=b
    )
    f = fires_from("MEETING-ACTION-OVERDUE", a, D(2024, 6, 11))
    assert f.subject_key == f"action:{shared.pk}"
    assert {x.subject_key for x in fired("MEETING-ACTION-OVERDUE", D(2024, 6, 11), b)} == {
        f"action:{shared.pk}",
        f"action:{only_b.pk}",
    }
    services.complete_action(
        actor=None, action=shared, completed_on=D(2024, 6, 12), evidence="Done"
    )
    assert fired("MEETING-ACTION-OVERDUE", D(2024, 6, 12), a) == []
    assert fired("MEETING-ACTION-OVERDUE", D(2024, 6, 11), a)  # still late on the 11th


def test_minutes_due_within_five_working_days(settings):
    child = factories.child()
    m = meeting("mace", child, D(2024, 6, 3), ("csc",))  # due 10 June
    f = fires_from("MEETING-MINUTES-OUTSTANDING", child, D(2024, 6, 11))
    assert f.due_date == D(2024, 6, 10)
    services.record_minutes(
        actor=None, meeting=m, minutes="Recorded", recorded_at=meeting_at(D(2024, 6, 12))
    )
    assert fired("MEETING-MINUTES-OUTSTANDING", D(2024, 6, 11), child)
    assert fired("MEETING-MINUTES-OUTSTANDING", D(2024, 6, 12), child) == []
    settings.SAFEGUARD_CHECKS = {"MEETING-MINUTES-OUTSTANDING": {"working_days": 10}}
    assert fired("MEETING-MINUTES-OUTSTANDING", D(2024, 6, 11), child) == []


def meeting_at(day):
    from tests.meetings_helpers import at

    return at(day, 9)


# --- Child protection ----------------------------------------------------------------------


def test_s47_decided_needs_an_enquiry():
    child = factories.child()
    sd = meeting("strategy_discussion", child, D(2024, 6, 7), FULL_STRATEGY, strategy_outcome="s47")
    meeting("strategy_discussion", factories.child(), D(2024, 6, 7), FULL_STRATEGY)  # NFA-ish
    fires_from("CP-S47-NO-ENQUIRY", child, D(2024, 6, 11))
    services.record_s47(actor=None, child=child, strategy_discussion=sd, started_on=D(2024, 6, 11))
    assert fired("CP-S47-NO-ENQUIRY", D(2024, 6, 11), child) == []
    assert fired("CP-S47-NO-ENQUIRY", D(2024, 6, 10), child) == []


def test_initial_conference_within_15_working_days_of_the_strategy_discussion():
    child, cleared = factories.child(), factories.child()
    for c in (child, cleared):
        sd = meeting("strategy_discussion", c, D(2024, 6, 3), FULL_STRATEGY, strategy_outcome="s47")
        enquiry = services.record_s47(
            actor=None, child=c, strategy_discussion=sd, started_on=D(2024, 6, 3)
        )
        if c is cleared:
            services.conclude_s47(
                actor=None,
                enquiry=enquiry,
                completed_on=D(2024, 6, 14),
                outcome="not_substantiated",
            )
    f = fires_from("CP-INITIAL-CONFERENCE", child, D(2024, 6, 25))
    assert f.due_date == D(2024, 6, 24)
    assert fired("CP-INITIAL-CONFERENCE", D(2024, 6, 25), cleared) == []
    meeting("initial_conference", child, D(2024, 6, 25), ("csc",))
    assert fired("CP-INITIAL-CONFERENCE", D(2024, 6, 25), child) == []


def cp_plan(child, start):
    return record_episode(
        actor=None, child=child, kind="child_protection", start_date=start, cp_category="sexual"
    )


def test_review_conference_at_three_months_then_six():
    child = factories.child()
    cp_plan(child, D(2024, 1, 15))
    f = fires_from("CP-REVIEW-CONFERENCE", child, D(2024, 4, 16))
    assert f.due_date == D(2024, 4, 15)
    meeting(
        "review_conference", child, D(2024, 4, 16), ("csc",), conference_decision="continue_plan"
    )
    assert fired("CP-REVIEW-CONFERENCE", D(2024, 4, 16), child) == []
    f = fires_from("CP-REVIEW-CONFERENCE", child, D(2024, 10, 17))
    assert f.due_date == D(2024, 10, 16)


def test_review_conference_not_due_once_the_plan_ends():
    child = factories.child()
    plan = cp_plan(child, D(2024, 1, 15))
    end_episode(actor=None, episode=plan, end_date=D(2024, 3, 1), reason_ended="Plan ended")
    assert fired("CP-REVIEW-CONFERENCE", D(2024, 5, 1), child) == []


def test_first_core_group_within_ten_working_days():
    child = factories.child()
    cp_plan(child, D(2024, 6, 3))
    fires_from("CP-CORE-GROUP", child, D(2024, 6, 18))
    meeting("core_group", child, D(2024, 6, 18), ("csc",))
    assert fired("CP-CORE-GROUP", D(2024, 6, 18), child) == []


def test_child_protection_plan_over_two_years():
    child = factories.child()
    plan = cp_plan(child, D(2022, 6, 3))
    f = fires_from("CP-PLAN-OVER-2-YEARS", child, D(2024, 6, 4))
    assert f.due_date == D(2024, 6, 3)
    meeting(
        "review_conference", child, D(2024, 6, 10), ("csc",), conference_decision="continue_plan"
    )
    assert fired("CP-PLAN-OVER-2-YEARS", D(2024, 6, 10), child) == []
    other = factories.child()
    plan = cp_plan(other, D(2022, 6, 3))
    end_episode(actor=None, episode=plan, end_date=D(2024, 6, 20), reason_ended="Ended")
    assert fired("CP-PLAN-OVER-2-YEARS", D(2024, 6, 21), other) == []


# --- Looked-after reviews (CPPCR reg 33; Recommendation 6) -----------------------------------


def test_cla_reviews_20_working_days_then_3_months_then_6():
    child = looked_after_child(start=D(2024, 6, 3))
    f = fires_from("LAC-REVIEW", child, D(2024, 7, 2))
    assert f.due_date == D(2024, 7, 1)
    meeting("cla_review", child, D(2024, 7, 1), ("csc",))
    f = fires_from("LAC-REVIEW", child, D(2024, 10, 2))
    assert f.subject_key.startswith("second:") and f.due_date == D(2024, 10, 1)
    meeting("cla_review", child, D(2024, 10, 1), ("csc",))
    f = fires_from("LAC-REVIEW", child, D(2025, 4, 2))
    assert f.subject_key.startswith("subsequent:")


def test_cla_review_reviews_of_an_earlier_period_of_care_do_not_count():
    child = looked_after_child(start=D(2023, 1, 2))
    meeting("cla_review", child, D(2023, 1, 20), ("csc",))
    end_episode(actor=None, episode=child.episodes.get(), end_date=D(2023, 3, 1))
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2024, 6, 3), legal_status="C2"
    )
    fires_from("LAC-REVIEW", child, D(2024, 7, 2))


def test_review_held_while_the_health_assessment_was_out_of_date():
    in_date, out_of_date = (
        looked_after_child(start=D(2023, 1, 2)),
        looked_after_child(start=D(2023, 1, 2)),
    )
    health_assessment(in_date, D(2023, 6, 3))  # 12 months to the day: still in date
    health_assessment(out_of_date, D(2023, 6, 2))
    meeting("cla_review", in_date, D(2024, 6, 3), ("csc",))
    meeting("cla_review", out_of_date, D(2024, 6, 3), ("csc",))
    assert fired("LAC-REVIEW-HEALTH-OUT-OF-DATE", D(2024, 6, 3), in_date) == []
    f = fires_from("LAC-REVIEW-HEALTH-OUT-OF-DATE", out_of_date, D(2024, 6, 3))
    assert f.due_date == D(2024, 6, 3)
    health_assessment(out_of_date, D(2024, 6, 20))
    assert fired("LAC-REVIEW-HEALTH-OUT-OF-DATE", D(2024, 6, 20), out_of_date) == []
    assert fired("LAC-REVIEW-HEALTH-OUT-OF-DATE", D(2024, 6, 19), out_of_date)


def test_no_health_alert_for_a_review_soon_after_care_began():
    child = looked_after_child(start=D(2024, 6, 3))
    meeting("cla_review", child, D(2024, 7, 1), ("csc",))  # the 20th working day
    assert fired("LAC-REVIEW-HEALTH-OUT-OF-DATE", D(2024, 7, 1), child) == []


def test_cla_review_attendance_three_professionals_or_reports():
    two, three, reports = (looked_after_child(start=D(2024, 1, 8)) for _ in range(3))
    meeting("cla_review", two, D(2024, 6, 3), ("csc", "health"), {"school": "apologies"})
    meeting("cla_review", three, D(2024, 6, 3), ("csc", "health", "school"))
    meeting("cla_review", reports, D(2024, 6, 3), ("csc", "health"), {"school": "sent_report"})
    f = fires_from("LAC-REVIEW-ATTENDANCE", two, D(2024, 6, 3))
    assert "attended by 2 professionals" in f.detail
    assert fired("LAC-REVIEW-ATTENDANCE", D(2024, 6, 3), three) == []
    assert fired("LAC-REVIEW-ATTENDANCE", D(2024, 6, 3), reports) == []
    meeting("cla_review", two, D(2024, 9, 2), ("csc", "health", "school"))
    assert fired("LAC-REVIEW-ATTENDANCE", D(2024, 9, 2), two) == []


def test_milestone_drift_after_the_configured_days():
    child = looked_after_child(start=D(2024, 1, 8))
    plan = child.episodes.get()
    m = services.record_milestone(
        actor=None,
        child=child,
        episode=plan,
        description="Share the epilepsy plan",
        set_on=D(2024, 5, 1),
        due_on=D(2024, 6, 3),
        owner_name="LAC nurse",
    )
    f = fires_from("PLAN-MILESTONE-DRIFT", child, D(2024, 7, 2))  # 28 days' grace
    assert f.due_date == D(2024, 6, 3)
    services.review_milestone(
        actor=None, milestone=m, status="not_achieved", reviewed_on=D(2024, 7, 5)
    )
    assert fired("PLAN-MILESTONE-DRIFT", D(2024, 7, 5), child) == []
    assert fired("PLAN-MILESTONE-DRIFT", D(2024, 7, 4), child)
