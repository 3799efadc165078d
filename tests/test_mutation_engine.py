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
    # A date given as a value (a query parameter, which the SQL repeats three times), as
    # well as a column.
    from django.db.models import DateField, Value

    for day in sample:
        key = month_key(Value(day, output_field=DateField()))
        assert Child.objects.annotate(k=key).values_list("k", flat=True)[:1].get() == date_key(day)


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


@pytest.mark.parametrize("value", [-1, 1.5, "5", None, True])
def test_a_threshold_that_is_not_a_whole_number_of_0_or_more_is_refused(settings, value):
    """A negative grace (or a typed fraction or text) would make a check look past as_of."""
    from django.core.exceptions import ImproperlyConfigured

    from safeguard.checks.engine import check_settings, get_check

    settings.SAFEGUARD_CHECKS = {"MEETING-ACTION-OVERDUE": {"grace_days": 0}}
    assert check_settings() == settings.SAFEGUARD_CHECKS  # 0 is a threshold
    settings.SAFEGUARD_CHECKS = {
        "LAC-SW-VISITS": {"first_year_weeks": 6},
        "MEETING-ACTION-OVERDUE": {"grace_days": value},
    }
    with pytest.raises(ImproperlyConfigured) as refused:
        check_settings()
    assert str(refused.value) == (
        f"SAFEGUARD_CHECKS['MEETING-ACTION-OVERDUE']['grace_days']: {value!r} is not a whole "
        "number of 0 or more"
    )
    with pytest.raises(ImproperlyConfigured):
        get_check("MEETING-ACTION-OVERDUE").threshold("grace_days")


# --- Why a duty stopped applying (Check.end_reasons), generated over checks' scopes ------

# The generic reasons, in the order they are tried.
DIED, TURNED_18 = "the child died", "the child turned 18"
LEFT_CARE, SHORT_BREAKS = "the child left care", "the child moved to short breaks"
END_AS_OF = D(2020, 6, 10)
IN_CARE = (("looked_after", "C2", D(2019, 1, 7), None),)


def _ended_children():
    """Children in every situation end_reasons tells apart on END_AS_OF, each with the
    generic reasons that hold for it, in order (the first one a check covers is given)."""
    from safeguard.episodes.services import end_episode, record_episode
    from tests import factories

    before, after = END_AS_OF - dt.timedelta(days=1), END_AS_OF + dt.timedelta(days=1)

    def child(episodes=IN_CARE, died=None, **fields):
        made = factories.child(date_of_death=died, **fields)
        for kind, status, start, end in episodes:
            extra = {"cp_category": "neglect"} if kind == "child_protection" else {}
            episode = record_episode(
                actor=None, child=made, kind=kind, start_date=start, legal_status=status, **extra
            )
            if end is not None:
                end_episode(actor=None, episode=episode, end_date=end)
        return made

    la = "looked_after"
    on = END_AS_OF
    return [
        (child(), []),
        (child(died=before), [DIED]),
        (child(died=on), [DIED]),
        (child(died=after), []),
        (child(date_of_birth=D(2002, 6, 10)), [TURNED_18]),  # 18 on the day
        (child(date_of_birth=D(2002, 6, 11)), []),  # 18 the next day
        (child(date_of_birth=D(2002, 6, 9), episodes=()), [TURNED_18, LEFT_CARE]),
        (child(died=on, date_of_birth=D(2001, 1, 1)), [DIED, TURNED_18]),
        (child(died=before, episodes=()), [DIED, LEFT_CARE]),
        (child(episodes=()), [LEFT_CARE]),
        (child(episodes=[(la, "C2", D(2019, 1, 7), before)]), [LEFT_CARE]),
        (child(episodes=[(la, "C2", D(2019, 1, 7), on)]), []),  # still open on its last day
        (child(episodes=[(la, "C2", after, None)]), [LEFT_CARE]),  # not yet started
        (child(episodes=[("child_protection", "", D(2019, 1, 7), None)]), [LEFT_CARE]),
        # No date of birth (a pre-birth plan): never "turned 18", never looked after.
        (
            child(
                date_of_birth=None,
                expected_date_of_delivery=D(2030, 1, 1),
                episodes=[("child_protection", "", D(2019, 1, 7), None)],
            ),
            [LEFT_CARE],
        ),
        (child(episodes=[(la, "V3", D(2019, 1, 7), None)]), [SHORT_BREAKS]),
        (child(episodes=[(la, "V4", D(2019, 1, 7), None)]), [SHORT_BREAKS]),
        # The day one status gives way to the next, both are open: short breaks only if
        # both are short breaks.
        (child(episodes=[(la, "V3", D(2019, 1, 7), on), (la, "V4", on, None)]), [SHORT_BREAKS]),
        (child(episodes=[(la, "C2", D(2019, 1, 7), on), (la, "V3", on, None)]), []),
        (child(episodes=[(la, "V3", D(2019, 1, 7), on), (la, "C2", on, None)]), []),
    ]


def _covers(check, reason):
    return {
        DIED: True,
        TURNED_18: check.ends_at_18,
        LEFT_CARE: check.scope_looked_after,
        SHORT_BREAKS: check.scope_looked_after and check.excludes_short_breaks,
    }[reason]


@pytest.mark.django_db
def test_a_duty_ends_for_the_first_generic_reason_the_check_covers_else_for_its_own():
    """Every child and subject key gone from a check's findings: died (on or before the
    day) for every check; turned 18 for a check that ends at 18; left care (no looked-after
    episode open that day) for a looked-after check; moved to short breaks (every open
    looked-after episode a short break) for one that excludes them; the check's own reason
    (`more_end_reasons`, asked about only the keys left) for the rest; else none (resolved)."""
    import itertools

    from safeguard.checks.engine import Check

    cases = _ended_children()
    for ends_at_18, looked_after, no_breaks in itertools.product((False, True), repeat=3):

        class Ending(Check):
            id = "TEST-ENDING"

            def more_end_reasons(self, as_of, gone):
                self.asked.append((as_of, set(gone)))
                return {key: f"its own: {key[1]}" for key in gone if key[1] == "a"}

        Ending.ends_at_18, Ending.scope_looked_after = ends_at_18, looked_after
        Ending.excludes_short_breaks = no_breaks
        check = Ending()
        check.asked = []
        gone = {(made.pk, subject) for made, _ in cases for subject in ("a", "b")}
        expected, rest = {}, set()
        for made, reasons in cases:
            generic = next((r for r in reasons if _covers(check, r)), None)
            for subject in ("a", "b"):
                if generic:
                    expected[(made.pk, subject)] = generic
                else:
                    rest.add((made.pk, subject))
                    if subject == "a":
                        expected[(made.pk, subject)] = f"its own: {subject}"
        flags = (ends_at_18, looked_after, no_breaks)
        assert check.end_reasons(END_AS_OF, gone) == expected, flags
        assert check.asked == [(END_AS_OF, rest)], flags


@pytest.mark.django_db
def test_only_keys_gone_are_given_reasons_and_the_check_is_asked_only_about_the_rest():
    from safeguard.checks.engine import Check

    cases = _ended_children()
    died = [made for made, reasons in cases if reasons[:1] == [DIED]]
    asked = []

    class Ending(Check):
        id = "TEST-ENDING"
        scope_looked_after = True

        def more_end_reasons(self, as_of, gone):
            asked.append(set(gone))
            return {}

    check = Ending()
    # Every key has a generic reason: the check is not asked about any.
    gone = {(died[0].pk, "x")}
    assert check.end_reasons(END_AS_OF, gone) == {(died[0].pk, "x"): DIED}
    assert asked == []
    assert check.end_reasons(END_AS_OF, set()) == {}
    # A check that has no reasons of its own (the default) ends nothing else.
    still = next(made for made, reasons in cases if not reasons)
    plain = type("Plain", (Check,), {"id": "TEST-PLAIN", "scope_looked_after": True})()
    assert plain.end_reasons(END_AS_OF, {(still.pk, "x"), (died[1].pk, "y")}) == {
        (died[1].pk, "y"): DIED
    }


# --- register: the refusals of a malformed check -----------------------------------------


@pytest.fixture
def registry():
    """The catalogue's registry, restored after the test (which registers test checks)."""
    from safeguard.checks import engine

    saved = dict(engine.REGISTRY)
    yield engine.REGISTRY
    engine.REGISTRY.clear()
    engine.REGISTRY.update(saved)


def _check_class(**attrs):
    from safeguard.checks.engine import Check, Resolution, Source
    from safeguard.checks.models import Severity

    valid = {
        "id": "TEST-WELL-FORMED",
        "severity": Severity.HIGH,
        "sources": (Source("Children Act 1989", "s 22"),),
        "resolution": Resolution("Record a visit", "event:sw_visit"),
        "tells": ("allocated_social_worker", "iro"),
    }
    valid.update(attrs)
    return type("Made", (Check,), valid)


def test_a_well_formed_check_is_registered_under_its_id(registry):
    from safeguard.checks.engine import get_check, register
    from safeguard.checks.models import Severity

    for severity in Severity.values:
        made = _check_class(id=f"TEST-{severity}", severity=severity)
        assert register(made) is made
        assert type(registry[f"TEST-{severity}"]) is made
        assert type(get_check(f"TEST-{severity}")) is made
    # Every involvement role may be told.
    from safeguard.children.models import InvolvementRole

    made = _check_class(id="TEST-ALL-ROLES", tells=tuple(InvolvementRole.values))
    assert register(made) is made and type(registry["TEST-ALL-ROLES"]) is made


@pytest.mark.parametrize(
    "attrs, message",
    [
        ({"id": ""}, "check id '' is empty or registered twice"),
        ({"id": "LAC-SW-VISITS"}, "check id 'LAC-SW-VISITS' is empty or registered twice"),
        ({"severity": "urgent"}, "TEST-WELL-FORMED: unknown severity 'urgent'"),
        ({"severity": "High"}, "TEST-WELL-FORMED: unknown severity 'High'"),
        ({"sources": ()}, "TEST-WELL-FORMED: every check names its source"),
        ({"resolution": None}, "TEST-WELL-FORMED: every check names the record that resolves it"),
        (
            {"tells": ("nobody", "allocated_social_worker", "aardvark")},
            "TEST-WELL-FORMED: unknown involvement roles ['aardvark', 'nobody']",
        ),
    ],
)
def test_a_malformed_check_is_refused_with_its_reason_and_not_registered(registry, attrs, message):
    from django.core.exceptions import ImproperlyConfigured

    from safeguard.checks.engine import register

    before = dict(registry)
    with pytest.raises(ImproperlyConfigured) as refused:
        register(_check_class(**attrs))
    assert str(refused.value) == message
    assert registry == before


def test_a_check_id_is_registered_once(registry):
    from django.core.exceptions import ImproperlyConfigured

    from safeguard.checks.engine import register

    first = _check_class()
    register(first)
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        register(_check_class())
    assert type(registry["TEST-WELL-FORMED"]) is first


# --- What a check says about itself: its sources and the roles it tells ------------------


@pytest.mark.parametrize(
    "source, text",
    [
        (("Children Act 1989",), "Children Act 1989"),
        (("Children Act 1989", "s 22"), "Children Act 1989, s 22"),
        (
            ("Working Together 2023", "", True),
            "Working Together 2023 (unconfirmed: a configurable default, not read in the "
            "primary text)",
        ),
        (
            ("CPPCR 2010", "reg 28", True, "a note is not part of the text"),
            "CPPCR 2010, reg 28 (unconfirmed: a configurable default, not read in the "
            "primary text)",
        ),
    ],
)
def test_a_source_reads_instrument_then_provision_and_says_when_it_is_unconfirmed(source, text):
    from safeguard.checks.engine import Source

    assert str(Source(*source)) == text


def test_the_roles_told_are_labelled_in_the_order_told_and_an_unknown_code_as_itself():
    from safeguard.checks.engine import Check
    from safeguard.children.models import InvolvementRole

    roles = list(reversed(InvolvementRole.values))
    told = type("Told", (Check,), {"tells": (*roles, "unlisted")})
    labels = dict(InvolvementRole.choices)
    assert told.role_labels() == [str(labels[r]) for r in roles] + ["unlisted"]
    assert told.role_labels()[-2:] == ["Allocated social worker", "unlisted"]
    assert all(type(label) is str for label in told.role_labels())
    assert Check.role_labels() == []


# --- prepared_rows: what the compiled query is keyed by, and the id sets bound late -------


@pytest.mark.django_db
def test_a_prepared_query_is_one_per_check_name_day_thresholds_and_key(registry, settings):
    """Whatever the SQL depends on is in the cache key: the check, the query's name, the
    as-of date, the check's threshold overrides and the `key` it gives. Two calls that
    differ in any one of them each get the rows of their own query, not the first one's."""
    from safeguard.checks.engine import Threshold, register
    from safeguard.children.models import Child
    from tests import factories

    births = [D(2008, 1, 1), D(2010, 1, 1), D(2012, 1, 1), D(2014, 1, 1)]
    pks = [
        factories.child(date_of_birth=day, family_name=f"F{i}").pk for i, day in enumerate(births)
    ]
    every = Child.objects.filter(pk__in=pks)

    def made(check_id):
        cls = _check_class(id=check_id, thresholds={"years": Threshold(8, "age at least")})
        register(cls)
        return registry[check_id]

    one, two = made("TEST-PREP-ONE"), made("TEST-PREP-TWO")

    def born_by(check, as_of, key=0):
        def build(child_ids):
            limit = years_before(as_of, check.threshold("years") + key)
            qs = check.restrict(every.filter(date_of_birth__lte=limit), child_ids, "pk")
            return qs.order_by("pk").values_list("pk", flat=True)

        return check.prepared_rows("born", as_of, None, build, key=(key,))

    assert born_by(one, D(2018, 6, 1)) == pks[:2]
    assert born_by(one, D(2022, 6, 1)) == pks[:4]  # the day
    assert born_by(two, D(2018, 6, 1)) == pks[:2]
    assert born_by(one, D(2022, 6, 1), key=4) == pks[:2]  # the key
    settings.SAFEGUARD_CHECKS = {"TEST-PREP-ONE": {"years": 12}}
    assert born_by(one, D(2022, 6, 1)) == pks[:2]  # the thresholds
    assert born_by(two, D(2022, 6, 1)) == pks[:4]  # the check: two keeps its default
    # The query's name: the same check and day, another query.
    names = one.prepared_rows(
        "names",
        D(2022, 6, 1),
        None,
        lambda ids: every.order_by("pk").values_list("family_name", flat=True),
    )
    assert names == ["F0", "F1", "F2", "F3"]


@pytest.mark.django_db
def test_the_extra_id_sets_are_given_to_the_builder_by_name_and_bound_on_each_run():
    """`prepared_rows(..., person_ids=...)`: each further set of ids reaches the builder
    under its own name, and a second run with other ids (the same compiled query) finds
    the rows of those ids."""
    from safeguard.checks.engine import Check
    from safeguard.children.models import Child
    from tests import factories

    pks = [factories.child(family_name=f"F{i}").pk for i in range(5)]
    check = type("Prep", (Check,), {"id": "TEST-PREP"})()

    def build(child_ids, wanted_ids, unwanted_ids):
        qs = Child.objects.filter(pk__in=wanted_ids).exclude(pk__in=unwanted_ids)
        return check.restrict(qs, child_ids, "pk").order_by("pk").values_list("pk", flat=True)

    def run(child_ids, wanted, unwanted):
        return check.prepared_rows(
            "q", D(2020, 1, 1), child_ids, build, wanted_ids=wanted, unwanted_ids=unwanted
        )

    assert run(None, [pks[2], pks[0], pks[2], pks[1]], {pks[1]}) == [pks[0], pks[2]]
    assert run(None, {pks[3], pks[4]}, {pks[3]}) == [pks[4]]
    assert run([pks[0], pks[3]], set(pks), {pks[4]}) == [pks[0], pks[3]]
    assert run([pks[1]], {pks[1]}, {pks[2]}) == [pks[1]]


@pytest.mark.django_db
def test_an_unknown_threshold_is_named_first_alphabetically_with_the_known_ones_or_none(settings):
    from django.core.exceptions import ImproperlyConfigured

    from safeguard.checks.engine import check_settings

    settings.SAFEGUARD_CHECKS = {"FD-VISITS-NOT-SEEN": {"zeta": 1, "alpha": 2, "mid": 3}}
    with pytest.raises(ImproperlyConfigured) as refused:
        check_settings()
    assert str(refused.value) == (
        "SAFEGUARD_CHECKS['FD-VISITS-NOT-SEEN']: unknown threshold 'alpha' (known: none)"
    )
    # Known thresholds are accepted, and given back as configured.
    settings.SAFEGUARD_CHECKS = {"FD-REPEAT-NFA": {"window_days": 9}, "FD-VISITS-NOT-SEEN": {}}
    assert check_settings() == {"FD-REPEAT-NFA": {"window_days": 9}, "FD-VISITS-NOT-SEEN": {}}
