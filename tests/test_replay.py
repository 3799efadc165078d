"""The Sarah replay: when Safeguard's checks would have spoken in the reviewed case."""

import csv
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from safeguard.checks.replay import replay, replay_daily
from safeguard.scenarios.loader import parse_files
from tests.checks_helpers import D

ROOT = Path(__file__).resolve().parent.parent
SARAH = ROOT / "scenarios" / "sarah.yaml"


@pytest.fixture(scope="module")
def sarah_rows(django_db_setup, django_db_blocker):
    from django.db import connection, transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            rows = replay(parse_files([SARAH]))
            transaction.set_rollback(True)
        connection.close()
    return rows


def changes(rows, check_id):
    return [(r.date, r.change, r.subject_key, r.due_date) for r in rows if r.check_id == check_id]


def test_sarah_health_assessment_alerts(sarah_rows):
    # Initial assessment late by two weeks; the review due 20 February 2018 was done on
    # 14 May 2018; the next, due 14 May 2019, never happened. Her death ends them.
    assert changes(sarah_rows, "LAC-HEALTH-ASSESSMENT") == [
        (D(2017, 2, 7), "raised", "initial", D(2017, 2, 6)),
        (D(2017, 2, 20), "resolved", "initial", D(2017, 2, 6)),
        (D(2018, 2, 21), "raised", "review-after:2017-02-20", D(2018, 2, 20)),
        (D(2018, 5, 14), "resolved", "review-after:2017-02-20", D(2018, 2, 20)),
        (D(2019, 5, 15), "raised", "review-after:2018-05-14", D(2019, 5, 14)),
        (D(2019, 6, 16), "resolved", "review-after:2018-05-14", D(2019, 5, 14)),
    ]


def test_sarah_return_interview_alerts(sarah_rows):
    # M1 offered next day: no alert. M2 returned 23 Sept 11:15, offered 28 Sept (late).
    # M3 returned 20 Jan 2019 16:30, never offered. M4 offered within a day.
    assert changes(sarah_rows, "MISSING-RETURN-INTERVIEW") == [
        (D(2018, 9, 27), "raised", "episode:SARAH-M2", D(2018, 9, 26)),
        (D(2018, 9, 28), "resolved", "episode:SARAH-M2", D(2018, 9, 26)),
        (D(2019, 1, 24), "raised", "episode:SARAH-M3", D(2019, 1, 23)),
        (D(2019, 6, 16), "resolved", "episode:SARAH-M3", D(2019, 1, 23)),
    ]


def test_sarah_medicine_collection_alerts(sarah_rows):
    assert changes(sarah_rows, "LAC-MEDICINE-NOT-COLLECTED") == [
        (D(2019, 3, 12), "raised", "rx:SARAH-RX-04", D(2019, 3, 11)),
        (D(2019, 5, 28), "raised", "rx:SARAH-RX-07", D(2019, 5, 27)),
        (D(2019, 6, 16), "resolved", "rx:SARAH-RX-04", D(2019, 3, 11)),
        (D(2019, 6, 16), "resolved", "rx:SARAH-RX-07", D(2019, 5, 27)),
    ]
    raised = next(r for r in sarah_rows if r.subject_key == "rx:SARAH-RX-04")
    assert "The carer (Severn Lodge supported living) must be told" in raised.detail


def test_sarah_cawn_alert(sarah_rows):
    # Male A recorded as an adult of concern on 14 September 2018; Sarah was 16 and s20.
    rows = changes(sarah_rows, "CAWN-NOT-AVAILABLE-S20")
    assert [(d, c, due) for d, c, _, due in rows] == [
        (D(2018, 9, 14), "raised", D(2018, 9, 14)),
        (D(2019, 6, 16), "resolved", D(2018, 9, 14)),
    ]
    raised = next(r for r in sarah_rows if r.check_id == "CAWN-NOT-AVAILABLE-S20")
    assert "Male A is recorded as an adult of concern" in raised.detail


def test_sarah_social_worker_visit_alerts(sarah_rows):
    raised = [d for d, c, _, _ in changes(sarah_rows, "LAC-SW-VISITS") if c != "resolved"]
    assert raised == [
        D(2018, 1, 4),
        D(2018, 3, 29),
        D(2018, 6, 30),
        D(2018, 9, 26),
        D(2019, 1, 19),
        D(2019, 3, 8),
        D(2019, 6, 8),
    ]


def test_no_nhs_number_alert_for_sarah(sarah_rows):
    assert changes(sarah_rows, "CPIS-NHS-NUMBER-MISSING") == []


SMALL = textwrap.dedent(
    """\
    safeguard_scenario: 1
    title: Small replay scenario
    partnership:
      agencies:
        - {code: la, name: Local Authority, kind: childrens_social_care}
      professionals:
        - {username: sw.one, given_name: Sam, family_name: One, agency: la, role: social_worker}
    children:
      - local_id: SMALL-1
        given_name: Amy
        family_name: Small
        date_of_birth: 2002-03-01
        sex: F
        local_authority: la
        people:
          - {id: adult-x, given_name: Adult, family_name: X, relationship: adult_of_concern,
             start: 2018-05-02, end: 2018-06-20}
        episodes:
          - {kind: looked_after, legal_status: V2, start: 2018-03-01, end: 2018-09-30}
        placements:
          - {type: U6, start: 2018-03-01, end: 2018-09-30}
        involvements:
          - {professional: sw.one, role: allocated_social_worker, start: 2018-03-01}
        health:
          assessments:
            - {kind: initial, date: 2018-04-20}
        events:
          - {type: social_worker_visit, occurred: 2018-03-05, source: la, summary: Visit}
          - {type: returned_from_missing, occurred: 2018-04-02T10:00, source: la, summary: Back}
          - {type: return_interview_offered, occurred: 2018-04-10, source: la, summary: Offered}
          - {type: social_worker_visit, occurred: 2018-06-01, source: la, summary: Visit}
    """
)


@pytest.mark.django_db
def test_fast_replay_equals_day_by_day_walk(tmp_path):
    from django.db import transaction

    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    results = []
    for walk in (replay, replay_daily):
        with transaction.atomic():
            rows = walk(parse_files([path]))
            transaction.set_rollback(True)
        # Subject keys can hold row ids, which PostgreSQL does not reuse after a rollback.
        results.append([(r.date, r.change, r.check_id, r.due_date, r.detail) for r in rows])
    fast, daily = results
    assert fast == daily
    assert ("CAWN-NOT-AVAILABLE-S20", "resolved") in {(c, ch) for _, ch, c, _, _ in fast}
    assert len(fast) == 11


def test_replay_command_uses_a_scratch_database_and_writes_csv(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    configured = tmp_path / "configured.sqlite3"
    out = tmp_path / "alerts.csv"
    env = {
        **os.environ,
        "SAFEGUARD_MODE": "test",
        "DATABASE_URL": f"sqlite:///{configured}",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "safeguard.cli", "replay", str(scenario), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert not configured.exists(), "replay must never open the configured database"
    lines = proc.stdout.splitlines()
    assert lines[0] == f"Replayed {scenario} from 2018-03-01 to 2018-09-30"
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["date"], r["change"], r["check_id"], r["due_date"]) for r in rows] == [
        ("2018-03-01", "raised", "CPIS-NHS-NUMBER-MISSING", "2018-03-01"),
        # 20 working days after Thursday 1 March 2018: Thursday 29 March (before Easter).
        ("2018-03-30", "raised", "LAC-HEALTH-ASSESSMENT", "2018-03-29"),
        # No looked-after review in the same 20 working days (CPPCR reg 33).
        ("2018-03-30", "raised", "LAC-REVIEW", "2018-03-29"),
        # Returned Easter Monday 10:00 (BST); 72 hours is Thursday 5 April 10:00.
        ("2018-04-06", "raised", "MISSING-RETURN-INTERVIEW", "2018-04-05"),
        ("2018-04-10", "resolved", "MISSING-RETURN-INTERVIEW", "2018-04-05"),
        # Visit 5 March + 6 weeks.
        ("2018-04-17", "raised", "LAC-SW-VISITS", "2018-04-16"),
        ("2018-04-20", "resolved", "LAC-HEALTH-ASSESSMENT", "2018-03-29"),
        ("2018-05-02", "raised", "CAWN-NOT-AVAILABLE-S20", "2018-05-02"),
        ("2018-06-01", "resolved", "LAC-SW-VISITS", "2018-04-16"),
        ("2018-06-21", "resolved", "CAWN-NOT-AVAILABLE-S20", "2018-05-02"),
        ("2018-07-14", "reopened", "LAC-SW-VISITS", "2018-07-13"),
    ]
    assert rows[3]["subject_key"] == "return:2018-04-02T10:00+01:00"
    assert lines[-2].startswith("7 raised, 4 cleared (")


def test_replay_command_reports_scenario_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("safeguard_scenario: 1\ntitle: x\nchildren: 3\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "safeguard.cli", "replay", str(bad)],
        capture_output=True,
        text=True,
        env={**os.environ, "SAFEGUARD_MODE": "test", "DATABASE_URL": "sqlite:////nonexistent/x"},
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert "Nothing was replayed." in proc.stderr


def dated(sarah_rows, check_id):
    """(date, change, due) of a check's transitions (subject keys hold database ids)."""
    return [(d, c, due) for d, c, _, due in changes(sarah_rows, check_id)]


def test_sarah_recommendation_2_strategy_discussion_alerts(sarah_rows):
    # Found at Male A's flat on Sunday 23 September 2018: a strategy discussion was due on
    # Monday 24th; it came on 18 October, with social care and police only. The high-risk
    # Get Safe grading of 18 February 2019 never had one.
    assert dated(sarah_rows, "CP-STRATEGY-DISCUSSION") == [
        (D(2018, 9, 25), "raised", D(2018, 9, 24)),
        (D(2018, 10, 18), "resolved", D(2018, 9, 24)),
        (D(2019, 2, 20), "raised", D(2019, 2, 19)),
        (D(2019, 6, 16), "resolved", D(2019, 2, 19)),
    ]
    assert dated(sarah_rows, "CP-STRATEGY-ATTENDANCE") == [
        (D(2018, 10, 18), "raised", D(2018, 10, 18)),
        (D(2019, 6, 16), "resolved", D(2018, 10, 18)),
    ]
    raised = next(r for r in sarah_rows if r.check_id == "CP-STRATEGY-ATTENDANCE")
    assert "without health, the placement" in raised.detail
    # The missing review of 4 October and the MACE of 7 March recorded significant harm and
    # were used in place of child protection procedures.
    assert dated(sarah_rows, "MACE-NO-STRATEGY-DISCUSSION") == [
        (D(2018, 10, 6), "raised", D(2018, 10, 5)),
        (D(2018, 10, 18), "resolved", D(2018, 10, 5)),
        (D(2019, 3, 9), "raised", D(2019, 3, 8)),
        (D(2019, 6, 16), "resolved", D(2019, 3, 8)),
    ]


def test_sarah_recommendation_3_mace_alerts(sarah_rows):
    assert dated(sarah_rows, "MACE-NOT-CONVENED") == [
        (D(2019, 3, 5), "raised", D(2019, 3, 4)),
        (D(2019, 3, 7), "resolved", D(2019, 3, 4)),
    ]
    assert dated(sarah_rows, "MEETING-MINUTES-OUTSTANDING") == [
        (D(2019, 3, 15), "raised", D(2019, 3, 14)),
        (D(2019, 6, 16), "resolved", D(2019, 3, 14)),
    ]
    assert dated(sarah_rows, "MEETING-ACTION-OVERDUE") == [
        (D(2018, 11, 1), "raised", D(2018, 10, 31)),
        (D(2019, 2, 18), "resolved", D(2018, 10, 31)),
        (D(2019, 3, 22), "raised", D(2019, 3, 21)),
        (D(2019, 6, 16), "resolved", D(2019, 3, 21)),
    ]


def test_sarah_recommendation_6_looked_after_review_alerts(sarah_rows):
    # Her reviews were held on time (no LAC-REVIEW alert), but the April 2018 review was
    # held with the health assessment out of date, the October 2018 review had two
    # professionals and no reports, and the epilepsy plan milestone drifted.
    assert dated(sarah_rows, "LAC-REVIEW") == []
    assert dated(sarah_rows, "LAC-REVIEW-HEALTH-OUT-OF-DATE") == [
        (D(2018, 4, 12), "raised", D(2018, 4, 12)),
        (D(2018, 5, 14), "resolved", D(2018, 4, 12)),
    ]
    assert dated(sarah_rows, "LAC-REVIEW-ATTENDANCE") == [
        (D(2018, 10, 11), "raised", D(2018, 10, 11)),
        (D(2019, 4, 4), "resolved", D(2018, 10, 11)),
    ]
    assert dated(sarah_rows, "PLAN-MILESTONE-DRIFT") == [
        (D(2019, 1, 1), "raised", D(2018, 12, 3)),
        (D(2019, 4, 4), "resolved", D(2018, 12, 3)),
    ]
