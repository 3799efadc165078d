"""Property-based tests (Hypothesis): generated scenario files and form inputs never crash.

A load either succeeds or fails with a ScenarioError naming the file and line (and the
field, where the fault is in one); the database is unchanged after a refusal. Form
inputs are accepted or refused with a message, never an exception.
"""

import os
import tempfile
import unicodedata

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguard.access.forms import BreakGlassForm, EmergencyLookupForm
from safeguard.access.services import MAX_REASON_LENGTH, MIN_REASON_WORDS, check_reason
from safeguard.core.dates import FuzzyMoment, parse_fuzzy
from safeguard.core.forms import FuzzyDateField
from safeguard.scenarios.loader import ScenarioError, load
from tests.test_scenarios import GOOD, table_counts

pytestmark = pytest.mark.django_db

LINES = GOOD.splitlines(keepends=True)
VALUE_LINES = [i for i, line in enumerate(LINES) if ": " in line]

# Any code point, surrogates and controls included: what a hostile or broken file holds.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
DATE_LIKE = st.from_regex(r"\A[0-9]{1,5}(-[0-9W]{1,3}){0,2}(T[0-9:+Z.]{1,12})?\Z")
SCALARS = st.one_of(
    ANY_TEXT,
    DATE_LIKE,
    st.sampled_from(["9999-12-31", "0001-01-01", "2019-03-31T01:30", "[" * 300, "{a: [b", "''"]),
)


@st.composite
def mutated_scenarios(draw):
    """GOOD with a few lines' values replaced, lines dropped or nested, or bytes spliced."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["value", "drop", "nest", "duplicate"]))
        i = draw(st.sampled_from(VALUE_LINES))
        if kind == "value":
            key = lines[i].split(": ", 1)[0]
            value = draw(SCALARS)
            quoted = draw(st.booleans())
            if quoted:
                value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            lines[i] = f"{key}: {value}\n"
        elif kind == "drop":
            lines[i] = ""
        elif kind == "nest":
            depth = draw(st.integers(1, 1200))
            key = lines[i].split(": ", 1)[0]
            lines[i] = f"{key}: " + "[" * depth + "x" + "]" * depth + "\n"
        else:
            lines.insert(i, lines[i])
    data = "".join(lines).encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=4)) + data[at:]
    return data


def _load_or_refuse(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "fuzz.yaml")
        with open(path, "wb") as handle:
            handle.write(data)
        with transaction.atomic():
            before = table_counts()
            try:
                load([path])
            except ScenarioError as error:
                # The refusal names the file and the line; the database is unchanged.
                assert str(error).startswith(f"{path}, line "), str(error)
                assert error.source.line is not None and error.source.line >= 1
                assert error.message
                assert table_counts() == before
            transaction.set_rollback(True)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutated_scenarios())
def test_a_generated_scenario_loads_or_is_refused_with_file_and_line(data):
    _load_or_refuse(data)


def test_the_unmutated_scenario_still_loads():
    _load_or_refuse(GOOD.encode())


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, DATE_LIKE, st.integers(), st.dates(), st.datetimes()))
def test_the_date_parser_returns_a_moment_or_a_message(value):
    try:
        moment = parse_fuzzy(value)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(moment, FuzzyMoment)
        assert moment.end >= moment.start


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        ANY_TEXT, st.text(max_size=3000), st.lists(st.text(min_size=2), max_size=8).map(" ".join)
    )
)
def test_an_emergency_reason_is_normalised_or_refused(text):
    try:
        reason = check_reason(text)
    except ValidationError as exc:
        assert exc.message_dict["reason"]
    else:
        assert len(reason) <= MAX_REASON_LENGTH
        assert unicodedata.is_normalized("NFC", reason)
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in reason)
        words = [w for w in reason.split() if sum(c.isalpha() for c in w) >= 2]
        assert len(words) >= MIN_REASON_WORDS


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT, ANY_TEXT, st.sampled_from(["on", "", "yes"]))
def test_the_emergency_forms_validate_without_crashing(reason, identifier, confirm):
    form = BreakGlassForm({"reason": reason, "confirm": confirm})
    if not form.is_valid():
        assert all(messages for messages in form.errors.values())
    lookup = EmergencyLookupForm({"identifier": identifier})
    if not lookup.is_valid():
        assert lookup.errors["identifier"]


class _WhenForm(forms.Form):
    occurred = FuzzyDateField(label="When it happened")


def _when(day, month, year, time, precision):
    return _WhenForm(
        {
            "occurred_day": day,
            "occurred_month": month,
            "occurred_year": year,
            "occurred_time": time,
            "occurred_precision": precision,
        }
    )


def test_the_date_form_field_refuses_a_missing_hour_and_a_far_future_year():
    spring = _when("31", "3", "2019", "01:30", "day")
    assert not spring.is_valid()
    assert "When it happened is not a time that existed in the UK" in spring.errors["occurred"][0]
    far = _when("1", "1", "2099", "", "day")
    assert not far.is_valid()
    assert far.errors["occurred"][0].startswith("When it happened is too far in the future")


SHORT = st.one_of(st.text(max_size=6), st.from_regex(r"\A[0-9:]{0,5}\Z"))


@settings(max_examples=300, deadline=None)
@given(SHORT, SHORT, SHORT, SHORT, st.sampled_from(["day", "month", "year", "", "x"]))
def test_the_date_form_field_cleans_or_refuses_without_crashing(day, month, year, time, prec):
    form = _when(day, month, year, time, prec)
    if form.is_valid():
        assert isinstance(form.cleaned_data["occurred"], FuzzyMoment | None)
    else:
        assert form.errors["occurred"]
