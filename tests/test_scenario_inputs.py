"""Scenario inputs that used to crash the loader, and dates the format does not allow.

Each one must be refused with a message naming the file and the line (and the field where
there is one), never a traceback, and leave the database unchanged.
"""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.core.dates import DateError, parse_date, parse_date_or_time, parse_fuzzy
from safeguard.scenarios.loader import ScenarioError, load
from tests.test_scenarios import GOOD, line_of, table_counts, write

pytestmark = pytest.mark.django_db


def refused(tmp_path, text=None, data=None):
    path = tmp_path / "scenario.yaml"
    if data is not None:
        path.write_bytes(data)
    else:
        write(tmp_path, text)
    before = table_counts()
    with pytest.raises(ScenarioError) as caught:
        load([path])
    assert table_counts() == before
    assert str(caught.value).startswith(f"{path}, line ")
    return caught.value


def test_nesting_a_thousand_deep_is_refused_with_a_line(tmp_path):
    text = GOOD + "extra: " + "[" * 1000 + "]" * 1000 + "\n"
    error = refused(tmp_path, text)
    assert error.source.line == text.count("\n")
    assert "nest" in error.message


def test_nesting_a_thousand_deep_in_block_style_is_refused(tmp_path):
    deep = "".join(" " * i + "a:\n" for i in range(1000))
    error = refused(tmp_path, GOOD + "extra:\n" + deep)
    assert error.source.line is not None


def test_a_lone_surrogate_escape_is_refused_naming_line_and_field(tmp_path):
    text = GOOD.replace("summary: Reported missing.", 'summary: "Reported \\ud800 missing."')
    error = refused(tmp_path, text)
    assert error.source.line == line_of(text, "Reported \\ud800")
    assert error.field == "summary" and "U+D800" in error.message


def test_an_escaped_nul_in_a_value_is_refused(tmp_path):
    text = GOOD.replace("given_name: Alex", 'given_name: "Al\\0ex"')
    error = refused(tmp_path, text)
    assert (error.source.line, error.field) == (line_of(text, 'given_name: "Al'), "given_name")


def test_year_9999_is_refused_not_an_overflow(tmp_path):
    text = GOOD.replace("end: 2020-07-01", "end: 9999-12-31")
    error = refused(tmp_path, text)
    assert error.source.line == line_of(text, "end: 9999-12-31")
    assert '"9999-12-31" is too far in the future' in error.message


def test_invalid_utf8_is_refused_with_its_line(tmp_path):
    data = GOOD.replace("Reported missing.", "Reported XX missing.").encode()
    data = data.replace(b"XX", b"\xff\xfe")
    error = refused(tmp_path, data=data)
    assert error.source.line == line_of(GOOD, "Reported missing.")
    assert "not valid UTF-8 (byte 0xff at column" in error.message


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_refused_with_line_and_column(tmp_path, char):
    text = GOOD.replace("title: Test partnership", f"title: Test{char}partnership")
    error = refused(tmp_path, text)
    assert error.source.line == 2
    assert f"U+{ord(char):04X} at column 12" in error.message


@pytest.mark.parametrize(
    "field,old,new,message",
    [
        ("occurred", "occurred: 2020-03-01T22:00", "occurred: 2019-W24", "not a valid date"),
        ("occurred", "occurred: 2020-03-01T22:00", "occurred: 20190616", "not a valid date"),
        ("occurred", "occurred: 2020-03-01T22:00", "occurred: 2020-03-01T22:00:3", "not a valid"),
        ("occurred", "occurred: 2020-03-01T22:00", "occurred: 2020-03-01T22:00+01:00", "offset"),
        ("occurred", "occurred: 2020-03-01T22:00", "occurred: 2020-03-01T22:00+05:30", "offset"),
        ("occurred", "occurred: 2020-03-01T22:00", "occurred: 2019-03-31T01:30", "clocks went"),
        ("occurred", "occurred: 2020-03-01T22:00", "occurred: 2100-01-01", "too far in the future"),
        ("recorded", "recorded: 2020-03-02", "recorded: 2020-03-02T10:00Z", "not a valid"),
        ("recorded", "recorded: 2020-03-02", "recorded: 2019-03-31T01:15", "clocks went forward"),
        ("date_of_birth", "date_of_birth: 2008-05-17", "date_of_birth: 0001-05-17", "past"),
        ("date_of_birth", "date_of_birth: 2008-05-17", "date_of_birth: 2008-W20-1", "not a valid"),
        ("diagnosed", "diagnosed: 2012", "diagnosed: 1066", "too far in the past"),
    ],
)
def test_dates_outside_the_documented_forms_are_refused(tmp_path, field, old, new, message):
    text = GOOD.replace(old, new, 1)
    error = refused(tmp_path, text)
    assert error.field == field
    assert error.source.line == line_of(text, new)
    assert message in error.message


def test_the_documented_forms_still_parse():
    assert parse_fuzzy("2019").precision == "year"
    assert parse_fuzzy("2019-06").precision == "month"
    assert parse_fuzzy("2019-06-16").date == dt.date(2019, 6, 16)
    exact = parse_fuzzy("2019-06-16T21:40")
    assert timezone.localtime(exact.start).strftime("%H:%M") == "21:40"
    # The repeated hour when the clocks go back exists: its first occurrence (BST).
    autumn = parse_date_or_time("2019-10-27T01:30")
    assert autumn.utcoffset() == dt.timedelta(hours=1)
    assert parse_date("2019-06-16") == dt.date(2019, 6, 16)
    # Seconds and the UK's own offset, as export-scenario writes them (lossless reload).
    precise = parse_fuzzy("2019-06-16T21:40:05.123")
    assert (precise.start.second, precise.start.microsecond) == (5, 123000)
    second_0130 = parse_date_or_time("2019-10-27T01:30+00:00")
    assert second_0130.utcoffset() == dt.timedelta(0)
    assert second_0130 - autumn == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "text",
    ["2019-W24", "2019-W24-1", "20190616", "2019-06-16T21:40:0", "2019-06-16T21:40+0100",
     "2019-06-16 21:40", "2019-6-16", " 2019-06-16x", "2019-06-16T2140"],
)  # fmt: skip
def test_undocumented_forms_are_refused_by_the_parser(text):
    with pytest.raises(ValueError, match="not a valid date"):
        parse_fuzzy(text)


@pytest.mark.parametrize("text", ["1899-12-31", "0001", "2100-01-01", "9999-12-31"])
def test_implausible_dates_are_refused_with_the_reason(text):
    with pytest.raises(DateError, match="too far in the"):
        parse_fuzzy(text)
