"""Each check fires, does not fire, and clears, at its boundary dates."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from safeguard.checks.calendar import ensure_calendar
from safeguard.checks.engine import get_check
from safeguard.checks.models import CalendarDay
from safeguard.checks.services import evaluate
from safeguard.children.services import register_child
from safeguard.core.dates import add_months
from safeguard.core.workdays import add_working_days, is_working_day
from safeguard.episodes.services import end_episode, record_episode
from tests import factories
from tests.checks_helpers import (
    D,
    adult_of_concern,
    chronic_medicine,
    event,
    health_assessment,
    looked_after_child,
    placement,
)

pytestmark = pytest.mark.django_db


def keys(check_id, as_of, child_ids=None):
    return {(f.child_id, f.subject_key) for f in get_check(check_id).findings(as_of, child_ids)}


def finding(check_id, as_of, child):
    found = [f for f in get_check(check_id).findings(as_of) if f.child_id == child.pk]
    assert len(found) == 1, found
    return found[0]


# --- Working-day calendar ---------------------------------------------------------------


def test_calendar_table_matches_holidays_package():
    ensure_calendar()  # a transactional test run earlier may have flushed the table
    easter_2017 = CalendarDay.objects.get(date=D(2017, 4, 14))
    assert not easter_2017.is_working_day
    assert easter_2017.holiday_name == "Good Friday"
    assert CalendarDay.objects.get(date=D(2017, 4, 13)).is_working_day
    assert CalendarDay.objects.filter(date__year=2017, is_working_day=False).count() == (
        105 + 8  # weekend days + eight England and Wales bank holidays
    )
    assert not is_working_day(D(2017, 5, 1))  # early May bank holiday


def test_an_emptied_calendar_is_refilled_before_checks_run():
    # An empty calendar would make every working-day rule find nothing: silently wrong.
    child = looked_after_child(start=D(2017, 1, 9))
    CalendarDay.objects.all().delete()
    found = evaluate(D(2017, 2, 7), [child.pk])["LAC-HEALTH-ASSESSMENT"]
    assert [f.due_date for f in found.values()] == [D(2017, 2, 6)]
    assert CalendarDay.objects.filter(date=D(2017, 4, 14), is_working_day=False).exists()


def test_add_working_days_skips_weekends_and_bank_holidays():
    assert add_working_days(D(2017, 1, 9), 20) == D(2017, 2, 6)
    # Good Friday, Easter Monday and the May bank holiday all fall inside.
    assert add_working_days(D(2017, 4, 3), 20) == D(2017, 5, 4)
    assert add_working_days(D(2017, 4, 15), 1) == D(2017, 4, 18)  # from a Saturday in Easter


def test_add_working_days_by_lookup_is_the_day_by_day_count():
    """`add_working_days` looks the answer up in the calendar's working days; it is the
    day-by-day count for every day of 2016-2025 and up to the calendar's end (where both
    refuse a result past it)."""
    import datetime as dt

    from safeguard.core.workdays import CALENDAR_LAST, CalendarRangeError, is_working_day

    def walked(day, n):
        current, counted = day, 0
        while counted < n:
            current += dt.timedelta(days=1)
            counted += is_working_day(current)
        return current if current <= CALENDAR_LAST else "outside"

    def looked_up(day, n):
        try:
            return add_working_days(day, n)
        except CalendarRangeError:
            return "outside"

    days = [D(2016, 1, 1) + dt.timedelta(days=i) for i in range(3653)]
    days += [CALENDAR_LAST - dt.timedelta(days=i) for i in range(40)]
    for day in days:
        for n in (1, 2, 5, 20):
            assert looked_up(day, n) == walked(day, n), (day, n)


def test_add_months_clips_to_month_end():
    assert add_months(D(2018, 8, 31), 6) == D(2019, 2, 28)
    assert add_months(D(2019, 8, 31), 6) == D(2020, 2, 29)
    assert add_months(D(2019, 1, 15), 12) == D(2020, 1, 15)


# --- Health assessment ------------------------------------------------------------------

HA = "LAC-HEALTH-ASSESSMENT"


def test_initial_health_assessment_due_20_working_days_after_becoming_looked_after():
    child = looked_after_child(start=D(2017, 1, 9))
    assert keys(HA, D(2017, 2, 6)) == set()
    f = finding(HA, D(2017, 2, 7), child)
    assert (f.subject_key, f.due_date) == ("initial", D(2017, 2, 6))
    assert "due by 6 February 2017" in f.detail


def test_initial_health_assessment_counts_working_days_over_easter():
    child = looked_after_child(start=D(2017, 4, 3))
    assert keys(HA, D(2017, 5, 4)) == set()
    assert finding(HA, D(2017, 5, 5), child).due_date == D(2017, 5, 4)


def test_initial_health_assessment_clears_when_recorded_and_ignores_later_records():
    child = looked_after_child(start=D(2017, 1, 9))
    health_assessment(child, D(2017, 2, 20), kind="initial")
    assert keys(HA, D(2017, 2, 19)) == {(child.pk, "initial")}  # not yet assessed that day
    assert keys(HA, D(2017, 2, 20)) == set()


def test_no_health_assessment_check_for_child_not_looked_after():
    child = factories.child(date_of_birth=D(2005, 1, 1))
    record_episode(actor=None, child=child, kind="child_in_need", start_date=D(2017, 1, 9))
    assert keys(HA, D(2018, 1, 1)) == set()


def test_review_every_12_months_from_age_5():
    child = looked_after_child(start=D(2017, 1, 9))  # born 2001: 15 at the assessment
    health_assessment(child, D(2017, 2, 20), kind="initial")
    assert keys(HA, D(2018, 2, 20)) == set()
    f = finding(HA, D(2018, 2, 21), child)
    assert (f.subject_key, f.due_date) == ("review-after:2017-02-20", D(2018, 2, 20))
    health_assessment(child, D(2018, 5, 14))
    assert keys(HA, D(2018, 5, 14)) == set()
    assert finding(HA, D(2019, 5, 15), child).subject_key == "review-after:2018-05-14"


def test_review_every_6_months_under_5_with_month_end_clipping():
    child = looked_after_child(start=D(2018, 1, 8), dob=D(2015, 3, 1), legal_status="C2")
    health_assessment(child, D(2018, 8, 31), kind="initial")
    assert keys(HA, D(2019, 2, 28)) == set()
    f = finding(HA, D(2019, 3, 1), child)
    assert f.due_date == D(2019, 2, 28)
    assert "every 6 months under age 5" in f.detail


def test_review_interval_follows_age_at_last_assessment():
    # Assessed the day before the fifth birthday: 6 months; on the birthday: 12 months.
    younger = looked_after_child(start=D(2018, 1, 8), dob=D(2013, 6, 10), legal_status="C2")
    older = looked_after_child(start=D(2018, 1, 8), dob=D(2013, 6, 9), legal_status="C2")
    health_assessment(younger, D(2018, 6, 9), kind="initial")
    health_assessment(older, D(2018, 6, 9), kind="initial")
    assert keys(HA, D(2018, 12, 10)) == {(younger.pk, "review-after:2018-06-09")}


def test_health_assessment_threshold_from_settings(settings):
    looked_after_child(start=D(2017, 1, 9))
    settings.SAFEGUARD_CHECKS = {HA: {"initial_working_days": 15}}
    assert get_check(HA).findings(D(2017, 1, 31))[0].due_date == D(2017, 1, 30)


def test_unknown_threshold_in_settings_is_an_error(settings):
    settings.SAFEGUARD_CHECKS = {HA: {"initial_days": 15}}
    with pytest.raises(ImproperlyConfigured, match="unknown threshold 'initial_days'"):
        get_check(HA).threshold("initial_working_days")


def test_health_assessment_period_of_care_continues_across_legal_status_change():
    child = looked_after_child(start=D(2017, 1, 9), legal_status="V2")
    first = child.episodes.get()
    end_episode(actor=None, episode=first, end_date=D(2017, 1, 20))
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2017, 1, 20), legal_status="C1"
    )
    assert finding(HA, D(2017, 2, 7), child).due_date == D(2017, 2, 6)


# --- Social worker visits ---------------------------------------------------------------

SW = "LAC-SW-VISITS"


def test_first_visit_within_a_week_of_placement():
    child = looked_after_child(start=D(2018, 1, 1), legal_status="C2")
    pl = placement(child, D(2018, 1, 1))
    assert keys(SW, D(2018, 1, 8)) == set()
    f = finding(SW, D(2018, 1, 9), child)
    assert (f.subject_key, f.due_date, f.record_link) == (
        f"placement:{pl.pk}",
        D(2018, 1, 8),
        "chronology",
    )
    event(child, "social_worker_visit", D(2018, 1, 9))
    assert keys(SW, D(2018, 1, 9)) == set()


def test_six_weekly_visits_in_placements_first_year():
    child = looked_after_child(start=D(2018, 1, 1), legal_status="C2")
    placement(child, D(2018, 1, 1), intended_until_18=True)
    event(child, "social_worker_visit", D(2018, 1, 5))
    assert keys(SW, D(2018, 2, 16)) == set()
    assert finding(SW, D(2018, 2, 17), child).due_date == D(2018, 2, 16)


def test_three_monthly_after_first_year_when_placement_is_to_last_until_18():
    child = looked_after_child(start=D(2017, 1, 1), legal_status="C2")
    placement(child, D(2017, 1, 1), intended_until_18=True)
    event(child, "social_worker_visit", D(2018, 3, 1))
    assert keys(SW, D(2018, 6, 1)) == set()
    assert finding(SW, D(2018, 6, 2), child).due_date == D(2018, 6, 1)


def test_six_weekly_after_first_year_otherwise():
    child = looked_after_child(start=D(2017, 1, 1), legal_status="C2")
    placement(child, D(2017, 1, 1), intended_until_18=False)
    event(child, "social_worker_visit", D(2018, 3, 1))
    assert keys(SW, D(2018, 4, 12)) == set()
    assert finding(SW, D(2018, 4, 13), child).due_date == D(2018, 4, 12)


def test_visit_before_the_current_placement_does_not_count():
    child = looked_after_child(start=D(2017, 1, 1), legal_status="C2")
    placement(child, D(2017, 1, 1), end=D(2018, 3, 5))
    event(child, "social_worker_visit", D(2018, 3, 1))
    placement(child, D(2018, 3, 5))
    assert finding(SW, D(2018, 3, 13), child).due_date == D(2018, 3, 12)


def test_approximate_visit_date_is_flagged():
    child = looked_after_child(start=D(2018, 1, 1), legal_status="C2")
    placement(child, D(2018, 1, 1))
    event(child, "social_worker_visit", "2018-02")
    f = finding(SW, D(2018, 3, 16), child)
    assert f.approximate
    assert f.due_date == D(2018, 3, 15)
    assert "dated only as February 2018" in f.detail
    assert keys(SW, D(2018, 3, 15)) == set()


# --- Return interviews ------------------------------------------------------------------

RI = "MISSING-RETURN-INTERVIEW"


def test_return_interview_72_clock_hours():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    assert keys(RI, D(2018, 3, 7)) == set()
    # Raised on the day the deadline (8 March 14:00) falls, not the next midnight.
    f = finding(RI, D(2018, 3, 8), child)
    assert (f.subject_key, f.due_date, f.approximate) == ("episode:M1", D(2018, 3, 8), False)
    assert "by 8 March 2018 14:00" in f.detail


def test_return_at_midnight_boundary():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T00:00")
    # The deadline is midnight at the end of 7 March: raised as of 7 March.
    assert keys(RI, D(2018, 3, 6)) == set()
    assert finding(RI, D(2018, 3, 7), child).due_date == D(2018, 3, 7)


def test_late_offer_clears_and_offer_with_other_reference_does_not():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    event(child, "return_interview_offered", "2018-03-06", episode_ref="M2", outcome="held")
    assert keys(RI, D(2018, 3, 9)) == {(child.pk, "episode:M1")}
    event(child, "return_interview_offered", "2018-03-12", episode_ref="M1", outcome="held")
    assert keys(RI, D(2018, 3, 11)) == {(child.pk, "episode:M1")}
    assert keys(RI, D(2018, 3, 12)) == set()


def test_unreferenced_offer_matches_the_return_before_the_next_missing():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00")
    event(child, "missing_from_care", "2018-03-07T20:00")
    event(child, "returned_from_missing", "2018-03-08T09:00")
    event(child, "return_interview_offered", "2018-03-09T10:00", outcome="declined")
    # The offer follows the second return; the first was never offered one.
    assert keys(RI, D(2018, 3, 20)) == {(child.pk, "return:2018-03-05T14:00+00:00")}


def test_return_dated_to_the_day_counts_from_the_end_of_that_day():
    child = looked_after_child()
    event(child, "returned_from_missing", D(2018, 3, 5))
    assert keys(RI, D(2018, 3, 7)) == set()
    assert finding(RI, D(2018, 3, 8), child).due_date == D(2018, 3, 8)


def test_approximate_return_says_so_and_counts_from_end_of_period():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-06")
    assert keys(RI, D(2018, 7, 2)) == set()
    f = finding(RI, D(2018, 7, 3), child)
    assert f.approximate
    assert f.due_date == D(2018, 7, 3)
    assert "dated only as June 2018" in f.detail


def test_withdrawn_return_does_not_fire():
    from safeguard.chronology.services import withdraw_event

    child = looked_after_child()
    ret = event(child, "returned_from_missing", "2018-03-05T14:00")
    withdraw_event(actor=None, original=ret, reason="Entered on the wrong child")
    assert keys(RI, D(2018, 3, 20)) == set()


# --- Medicine collection ----------------------------------------------------------------

MED = "LAC-MEDICINE-NOT-COLLECTED"


def test_uncollected_chronic_medicine_fires_after_7_days():
    child = looked_after_child()
    placement(child, D(2017, 1, 9), provider_name="Elm Lodge")
    chronic_medicine(child, "Lamotrigine")
    event(
        child, "prescription_issued", D(2019, 3, 4), medicine="lamotrigine ", prescription_ref="R1"
    )
    assert keys(MED, D(2019, 3, 11)) == set()
    f = finding(MED, D(2019, 3, 12), child)
    assert (f.subject_key, f.due_date) == ("rx:R1", D(2019, 3, 11))
    assert "The carer (Elm Lodge) must be told" in f.detail
    assert "allocated social worker tells them" in f.detail


def test_collection_clears_matched_by_reference():
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine", via_condition=True)
    event(
        child, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine", prescription_ref="R1"
    )
    event(
        child,
        "prescription_collected",
        D(2019, 3, 13),
        medicine="Lamotrigine",
        prescription_ref="R9",
    )
    assert keys(MED, D(2019, 3, 14)) == {(child.pk, "rx:R1")}
    event(
        child,
        "prescription_collected",
        D(2019, 3, 15),
        medicine="Lamotrigine",
        prescription_ref="R1",
    )
    assert keys(MED, D(2019, 3, 15)) == set()


def test_collection_matched_by_name_without_references():
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine")
    event(child, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine")
    event(child, "prescription_collected", D(2019, 3, 1), medicine="Lamotrigine")  # earlier
    assert keys(MED, D(2019, 3, 12)) == {(child.pk, "rx:lamotrigine:2019-03-04")}
    event(child, "prescription_collected", D(2019, 3, 13), medicine="LAMOTRIGINE")
    assert keys(MED, D(2019, 3, 13)) == set()


def test_medicine_check_ignores_non_chronic_medicine_and_children_not_looked_after():
    from safeguard.health.services import record_medicine

    child = looked_after_child()
    record_medicine(actor=None, child=child, name="Amoxicillin", start_date=D(2019, 3, 4))
    event(child, "prescription_issued", D(2019, 3, 4), medicine="Amoxicillin")
    at_home = factories.child(date_of_birth=D(2005, 1, 1))
    chronic_medicine(at_home, "Lamotrigine")
    event(at_home, "prescription_issued", D(2019, 3, 4), medicine="Lamotrigine")
    assert keys(MED, D(2019, 3, 20)) == set()


def test_approximate_prescription_counts_from_end_of_month():
    child = looked_after_child()
    chronic_medicine(child, "Lamotrigine")
    event(child, "prescription_issued", "2019-03", medicine="Lamotrigine")
    assert keys(MED, D(2019, 4, 7)) == set()
    f = finding(MED, D(2019, 4, 8), child)
    assert (f.due_date, f.approximate) == (D(2019, 4, 7), True)


# --- CAWN not available -----------------------------------------------------------------

CAWN = "CAWN-NOT-AVAILABLE-S20"


def test_cawn_alert_for_16_year_old_under_s20_with_adult_of_concern():
    child = looked_after_child(legal_status="V2", dob=D(2001, 12, 3))
    rel = adult_of_concern(child, D(2018, 9, 10), name="Mark")
    assert keys(CAWN, D(2018, 9, 9)) == set()
    f = finding(CAWN, D(2018, 9, 10), child)
    assert (f.subject_key, f.due_date) == (f"adult:{rel.person_id}", D(2018, 9, 10))
    for text in [
        "Mark Adult",
        "police protection (Children Act 1989 s46)",
        "Sexual Risk Order",
        "Sexual Offences Act 2003 s122A",
        "inherent jurisdiction",
    ]:
        assert text in f.detail


def test_cawn_check_starts_on_16th_birthday():
    child = looked_after_child(legal_status="V2", dob=D(2001, 12, 3))
    adult_of_concern(child, D(2017, 6, 1))
    assert keys(CAWN, D(2017, 12, 2)) == set()
    assert finding(CAWN, D(2017, 12, 3), child).due_date == D(2017, 12, 3)
    assert keys(CAWN, D(2019, 12, 3)) == set()  # 18: no longer a child


def test_cawn_check_not_for_care_order_and_clears_when_relationship_ends():
    on_order = looked_after_child(legal_status="C2", dob=D(2001, 12, 3))
    adult_of_concern(on_order, D(2018, 9, 10))
    s20 = looked_after_child(legal_status="V2", dob=D(2001, 12, 3))
    adult_of_concern(s20, D(2018, 9, 10), end=D(2018, 10, 1))
    assert {k[0] for k in keys(CAWN, D(2018, 9, 20))} == {s20.pk}
    assert keys(CAWN, D(2018, 10, 2)) == set()


# --- NHS number -------------------------------------------------------------------------

NHS = "CPIS-NHS-NUMBER-MISSING"


def test_nhs_number_missing_for_looked_after_or_cp_plan_child():
    looked_after = looked_after_child(start=D(2017, 1, 9))
    on_plan = factories.child(date_of_birth=D(2012, 1, 1))
    record_episode(
        actor=None,
        child=on_plan,
        kind="child_protection",
        start_date=D(2018, 2, 1),
        cp_category="neglect",
    )
    with_number = looked_after_child(nhs_number=factories.VALID_NHS_NUMBERS[0])
    assert keys(NHS, D(2018, 1, 31)) == {(looked_after.pk, "nhs-number")}
    assert keys(NHS, D(2018, 2, 1)) == {(looked_after.pk, "nhs-number"), (on_plan.pk, "nhs-number")}
    assert finding(NHS, D(2018, 2, 1), on_plan).due_date == D(2018, 2, 1)
    assert with_number.pk not in {k[0] for k in keys(NHS, D(2018, 2, 1))}


def test_checks_stop_after_death():
    child = register_child(
        actor=None,
        local_id="X1",
        given_name="A",
        family_name="B",
        date_of_birth=D(2001, 12, 3),
        sex="F",
        date_of_death=D(2019, 6, 16),
    )
    record_episode(
        actor=None, child=child, kind="looked_after", start_date=D(2017, 1, 9), legal_status="V2"
    )
    assert keys(NHS, D(2019, 6, 15)) == {(child.pk, "nhs-number")}
    assert keys(NHS, D(2019, 6, 16)) == set()


def test_child_ids_restrict_evaluation():
    a = looked_after_child()
    b = looked_after_child()
    assert keys(NHS, D(2018, 1, 1), [b.pk]) == {(b.pk, "nhs-number")}
    assert keys(NHS, D(2018, 1, 1)) == {(a.pk, "nhs-number"), (b.pk, "nhs-number")}


def test_same_data_and_date_give_same_findings():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00")
    day = D(2018, 6, 1)
    from safeguard.checks.services import evaluate

    assert evaluate(day) == evaluate(day)
    assert dt.date.today() != day


def test_first_date_with_key_at_least_handles_impossible_days():
    from safeguard.checks.engine import first_date_with_key_at_least

    def key(y, m, d):
        return (y * 12 + m) * 32 + d

    assert first_date_with_key_at_least(key(2019, 2, 30)) == D(2019, 3, 1)
    assert first_date_with_key_at_least(key(2019, 12, 31)) == D(2019, 12, 31)
    assert first_date_with_key_at_least(key(2020, 2, 29)) == D(2020, 2, 29)


def test_return_interview_counts_clock_hours_across_the_change_to_gmt():
    # Clocks went back at 02:00 on Sunday 28 October 2018: 72 hours after Friday 14:00 BST
    # is Monday 13:00 GMT, not 14:00.
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-10-26T14:00")
    f = finding(RI, D(2018, 10, 29), child)
    assert f.due_date == D(2018, 10, 29)
    assert "by 29 October 2018 13:00" in f.detail
    assert keys(RI, D(2018, 10, 28)) == set()
