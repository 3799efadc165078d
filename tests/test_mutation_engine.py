"""The checks engine's date arithmetic, stated as properties over every day of several
years (issue 15: mutation testing). Every check's deadline is built from these helpers,
and the SQL twins (`month_key`, `first_word`) must agree with the Python ones, so an
off-by-one here moves every alert.
"""

import calendar
import datetime as dt

import pytest
from django.db.models import F

from safeguard.checks.engine import (
    add_months,
    date_key,
    first_date_with_key_at_least,
    first_word,
    first_word_py,
    latest_possible_before,
    month_key,
    months_key_offset,
    period_last_day,
    years_before,
    years_later,
)
from safeguard.core.dates import Precision

D = dt.date
# Every day from 1 December 2019 to 31 March 2021: a leap day, month ends, year ends.
DAYS = [D(2019, 12, 1) + dt.timedelta(days=i) for i in range((D(2021, 4, 1) - D(2019, 12, 1)).days)]


def last_day(year, month):
    return calendar.monthrange(year, month)[1]


@pytest.mark.parametrize("months", [-25, -12, -1, 0, 1, 2, 3, 6, 11, 12, 13, 36])
def test_add_months_lands_in_that_month_on_the_same_day_or_its_last(months):
    for day in DAYS:
        got = add_months(day, months)
        year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
        assert (got.year, got.month) == (year, month + 1), (day, months)
        assert got.day == min(day.day, last_day(got.year, got.month)), (day, months)
        # The key arithmetic the SQL uses agrees: the same day number, 32 * months on.
        assert date_key(got) <= date_key(day) + months_key_offset(months)


@pytest.mark.parametrize("years", [1, 4, 18])
def test_an_anniversary_is_the_same_day_or_1_march_and_a_birthday_back_28_february(years):
    for day in DAYS:
        later, earlier = years_later(day, years), years_before(day, years)
        if (day.month, day.day) == (2, 29) and not calendar.isleap(day.year + years):
            assert later == D(day.year + years, 3, 1)
        else:
            assert later == day.replace(year=day.year + years)
        if (day.month, day.day) == (2, 29) and not calendar.isleap(day.year - years):
            assert earlier == D(day.year - years, 2, 28)
        else:
            assert earlier == day.replace(year=day.year - years)


def test_date_keys_order_as_the_dates_do_and_months_are_32_apart():
    keys = [date_key(day) for day in DAYS]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for day in DAYS:
        assert date_key(day) == (day.year * 12 + day.month) * 32 + day.day


def test_the_first_date_with_a_key_is_the_earliest_real_day_at_or_after_it():
    for year in (2019, 2020):
        for month in range(1, 13):
            for day_number in range(0, 32):
                key = (year * 12 + month) * 32 + day_number
                got = first_date_with_key_at_least(key)
                assert date_key(got) >= key, (year, month, day_number)
                assert date_key(got - dt.timedelta(days=1)) < key, (year, month, day_number)


@pytest.mark.parametrize("precision", list(Precision.values))
def test_a_periods_last_day_is_the_end_of_its_day_month_or_year(precision):
    for day in DAYS:
        start = {
            Precision.YEAR: day.replace(month=1, day=1),
            Precision.MONTH: day.replace(day=1),
        }.get(precision, day)
        got = period_last_day(start, precision)
        expected = {
            Precision.YEAR: D(day.year, 12, 31),
            Precision.MONTH: D(day.year, day.month, last_day(day.year, day.month)),
        }.get(precision, day)
        assert got == expected, (day, precision)


@pytest.mark.django_db
def test_the_sql_month_key_is_the_python_date_key():
    from safeguard.children.models import Child
    from tests import factories

    sample = [D(2019, 12, 31), D(2020, 1, 1), D(2020, 2, 29), D(2020, 3, 1), D(2021, 3, 31)]
    for day in sample:
        factories.child(date_of_birth=day)
    got = dict(
        Child.objects.annotate(k=month_key(F("date_of_birth"))).values_list("date_of_birth", "k")
    )
    assert got == {day: date_key(day) for day in sample}


TEXTS = ["Lamotrigine 100mg tablets", "  sodium  valproate ", "ASPIRIN", "   ", "one"]


@pytest.mark.django_db
def test_the_sql_first_word_is_the_python_first_word():
    from safeguard.children.models import Child
    from tests import factories

    for text in TEXTS:
        factories.child(family_name=text)
    got = set(
        Child.objects.annotate(w=first_word(F("family_name"))).values_list("family_name", "w")
    )
    assert got == {(text, first_word_py(text)) for text in TEXTS}
    assert [first_word_py(t) for t in TEXTS] == ["lamotrigine", "sodium", "aspirin", "", "one"]


@pytest.mark.django_db
def test_an_event_is_certainly_before_a_day_only_when_its_whole_period_ended_before_it():
    from safeguard.chronology.models import Event
    from tests import factories
    from tests.checks_helpers import event

    child = factories.child()
    recorded = {
        "2020-02-28": Precision.DAY,
        "2020-02-29T23:00": Precision.EXACT,
        "2020-02": Precision.MONTH,
        "2020-03": Precision.MONTH,
        "2019": Precision.YEAR,
        "2020": Precision.YEAR,
    }
    made = {text: event(child, "note", text) for text in recorded}
    for cutoff in (D(2020, 2, 29), D(2020, 3, 1), D(2020, 3, 2), D(2021, 1, 1), D(2020, 1, 1)):
        found = set(
            Event.objects.filter(child=child)
            .filter(latest_possible_before(cutoff))
            .values_list("pk", flat=True)
        )
        expected = {
            made[text].pk
            for text, precision in recorded.items()
            if period_last_day(made[text].occurred_on, precision) < cutoff
        }
        assert found == expected, cutoff


# --- Who is looked after, the text twin, and the refusals' messages (first engine run) ---


@pytest.mark.django_db
def test_looked_after_means_an_open_looked_after_episode_with_short_breaks_only_if_asked():
    from safeguard.checks.engine import looked_after_on
    from safeguard.children.models import Child
    from safeguard.episodes.services import record_episode
    from tests import factories

    as_of = D(2020, 6, 1)
    expected_all, expected_no_breaks = set(), set()
    cases = [("looked_after", status) for status in ("C2", "V2", "V3", "V4")]
    cases += [(kind, "") for kind in ("child_protection", "child_in_need", "early_help")]
    for kind, status in cases:
        child = factories.child()
        extra = {"cp_category": "neglect"} if kind == "child_protection" else {}
        record_episode(
            actor=None,
            child=child,
            kind=kind,
            start_date=D(2020, 1, 6),
            legal_status=status,
            **extra,
        )
        if kind == "looked_after":
            expected_all.add(child.pk)
            if status not in ("V3", "V4"):
                expected_no_breaks.add(child.pk)
    found = set(Child.objects.filter(looked_after_on(as_of)).values_list("pk", flat=True))
    assert found == expected_all
    found = Child.objects.filter(looked_after_on(as_of, short_breaks=False))
    assert set(found.values_list("pk", flat=True)) == expected_no_breaks


def test_the_first_word_of_no_text_is_empty():
    assert [first_word_py(t) for t in (None, "", "  ")] == ["", "", ""]


@pytest.mark.django_db
def test_an_unknown_check_threshold_or_setting_is_refused_by_name(settings):
    from django.core.exceptions import ImproperlyConfigured

    from safeguard.checks.engine import check_settings, get_check

    with pytest.raises(KeyError, match="no check 'NO-SUCH-CHECK'"):
        get_check("NO-SUCH-CHECK")
    with pytest.raises(KeyError, match="LAC-SW-VISITS has no threshold 'nope'"):
        get_check("LAC-SW-VISITS").threshold("nope")
    settings.SAFEGUARD_CHECKS = {"NO-SUCH-CHECK": {}}
    with pytest.raises(ImproperlyConfigured, match="SAFEGUARD_CHECKS: no check 'NO-SUCH-CHECK'"):
        check_settings()
    settings.SAFEGUARD_CHECKS = {"LAC-SW-VISITS": {"nope": 1}}
    with pytest.raises(ImproperlyConfigured) as refused:
        check_settings()
    assert str(refused.value) == (
        "SAFEGUARD_CHECKS['LAC-SW-VISITS']: unknown threshold 'nope' (known: "
        + ", ".join(get_check("LAC-SW-VISITS").thresholds)
        + ")"
    )
