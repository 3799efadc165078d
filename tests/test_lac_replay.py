"""The Sarah replay, issue 13: when the looked-after care checks would have spoken
(Recommendations 7, 8, 9 and 10), and the death workflow's tasks on their dates."""

from pathlib import Path

import pytest

from safeguard.care.models import DeathNotification
from safeguard.scenarios.loader import load
from tests.checks_helpers import D

SARAH = Path(__file__).resolve().parent.parent / "scenarios" / "sarah.yaml"


# Asks that one worker run both replay modules (`make test` runs pytest-xdist with --dist
# loadgroup), so that Sarah is replayed once; docs/testing.md says when it is honoured.
pytestmark = pytest.mark.xdist_group("sarah-replay")


@pytest.fixture
def sarah_rows(sarah_replay_rows):
    return sarah_replay_rows


def changes(rows, check_id):
    return [
        (r.date, r.change, r.subject_key.split(":")[0], r.due_date)
        for r in rows
        if r.check_id == check_id and r.change != "escalated"
    ]


def test_rec9_placements_not_equipped(sarah_rows):
    rows = changes(sarah_rows, "LAC-PLACEMENT-HEALTH-INFO")
    assert rows == [
        # Oakfield House was told but its staff never trained.
        (D(2017, 6, 12), "raised", "placement", D(2017, 6, 12)),
        (D(2018, 7, 2), "raised", "placement", D(2018, 7, 2)),
        (D(2018, 7, 3), "ended", "placement", D(2017, 6, 12)),
        # The foster carers were trained four days after she arrived.
        (D(2018, 7, 6), "resolved", "placement", D(2018, 7, 2)),
        # Severn Lodge was told nothing.
        (D(2018, 12, 3), "raised", "placement", D(2018, 12, 3)),
        (D(2019, 6, 16), "ended", "placement", D(2018, 12, 3)),
    ]
    raised = next(
        r for r in sarah_rows if r.check_id == "LAC-PLACEMENT-HEALTH-INFO" and "Severn" in r.detail
    )
    assert "the health information has not been shared" in raised.detail
    assert "Claire Bennett (designated_nurse)" in raised.told


def test_rec8_risky_decisions_without_a_capacity_assessment(sarah_rows):
    rows = [
        (r.date, r.change, r.subject_key)
        for r in sarah_rows
        if r.check_id == "CAPACITY-RISKY-DECISION" and r.change != "escalated"
    ]
    assert rows == [
        (D(2018, 9, 30), "raised", "decision:return_to_adult_of_concern"),
        (D(2019, 3, 20), "raised", "decision:refuse_medicine"),
        (D(2019, 6, 16), "ended", "decision:return_to_adult_of_concern"),
        (D(2019, 6, 16), "ended", "decision:refuse_medicine"),
    ]


def test_rec7_missed_appointments_reach_the_gp_and_social_worker(sarah_rows):
    rows = changes(sarah_rows, "LAC-APPOINTMENTS-MISSED")
    assert rows == [
        (D(2019, 2, 11), "raised", "appointments-missed", D(2019, 2, 11)),
        (D(2019, 6, 16), "ended", "appointments-missed", D(2019, 2, 11)),
    ]
    raised = next(r for r in sarah_rows if r.check_id == "LAC-APPOINTMENTS-MISSED")
    for person in ("Anil Shah (gp)", "Daniel Patel (allocated_social_worker)"):
        assert person in raised.told
    assert "the carer" in raised.detail


def test_rec10_the_father_told_late(sarah_rows):
    rows = [
        (r.date, r.change, r.subject_key, r.due_date)
        for r in sarah_rows
        if r.check_id == "DEATH-NOTIFICATION-OVERDUE" and r.change != "escalated"
    ]
    assert rows == [
        (D(2019, 6, 19), "raised", "notify:parent:Father of Sarah (Father)", D(2019, 6, 18)),
        (D(2019, 6, 20), "resolved", "notify:parent:Father of Sarah (Father)", D(2019, 6, 18)),
    ]


@pytest.mark.django_db
def test_rec10_death_workflow_tasks_and_due_dates():
    load([SARAH])
    tasks = {
        (n.recipient, n.recipient_name): (n.due_date, n.done_on)
        for n in DeathNotification.objects.all()
    }
    # Learnt of on Monday 17 June 2019: parents by the next day, the panel within 5
    # working days (24 June), the rapid review within 15 (8 July).
    assert tasks[("parent", "Mother of Sarah (Mother)")] == (D(2019, 6, 18), D(2019, 6, 17))
    assert tasks[("parent", "Father of Sarah (Father)")] == (D(2019, 6, 18), D(2019, 6, 20))
    panel = ("national_panel", "Child Safeguarding Practice Review Panel")
    assert tasks[panel] == (D(2019, 6, 24), D(2019, 6, 21))
    rapid = ("rapid_review", "Rapid review by the local safeguarding partners")
    assert tasks[rapid] == (D(2019, 7, 8), D(2019, 7, 5))
    assert tasks[("placement_provider", "Severn Lodge supported living")][0] == D(2019, 6, 18)
    assert tasks[("iro", "Susan Clarke")][0] == D(2019, 6, 18)
    assert len(tasks) == 12
