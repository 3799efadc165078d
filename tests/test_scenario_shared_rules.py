"""The scenario loader and the pages share one definition of each record's rules: the
loader leaves a rule to the service (or to the model rule the service runs) and reports
the service's refusal at the file, line and key; what it must check while reading (dates
that order its operations) it checks with the same rule functions."""

from __future__ import annotations

import pytest

from safeguard.meetings.models import Concern, Meeting
from safeguard.scenarios.loader import ScenarioError, load
from tests.test_meetings import HEAD, MEETINGS, write

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "old,new,where,message",
    [
        (  # meetings.services.close_concern
            "raised_by: pc, trigger: found, summary: Seen with an adult}",
            "raised_by: pc, trigger: found, summary: Seen with an adult, closed: 2024-07-01}",
            "concerns[0].closed_reason",
            "Give the reason the concern is closed",
        ),
        (  # meetings.services.add_action
            "{description: Visit Ben, owner: sw, due: 2024-06-14, child: B2}\n  - id: sd1",
            "{description: Visit Ben, owner: sw, due: 2024-06-14, child: B2}\n"
            "      - {description: Visit, owner: sw, due: 2024-06-14, child: B2}\n  - id: sd1",
            None,
            None,
        ),
        (  # meetings.services.conclude_s47
            "completed: 2024-06-20, outcome: likely_harm, lead: sw}",
            "completed: 2024-06-20, lead: sw}",
            "s47_enquiries[0].outcome",
            "Choose the enquiry's outcome",
        ),
        (  # meetings.services.review_milestone
            "reviewed: 2024-07-01, status: achieved}",
            "reviewed: 2024-07-01}",
            "milestones[0].status",
            "Say whether the milestone was achieved",
        ),
    ],
)
def test_the_services_rules_refuse_a_scenario_at_its_line(tmp_path, old, new, where, message):
    text = HEAD + MEETINGS
    assert old in text
    if where is None:  # a sanity case: the file still loads with one more valid action
        load([write(tmp_path, text.replace(old, new, 1))])
        return
    with pytest.raises(ScenarioError) as caught:
        load([write(tmp_path, text.replace(old, new, 1))])
    assert caught.value.source.yaml_path == where, str(caught.value)
    assert message in str(caught.value)
    assert caught.value.source.line
    assert not Meeting.objects.exists() and not Concern.objects.exists()


def test_an_action_for_a_child_the_meeting_is_not_about_is_the_services_refusal(tmp_path):
    # cancelled1 is about B2 only; sd1 about A1: an action on sd1 for B2 is refused by
    # meetings.services.add_action, named at the action's child.
    text = (HEAD + MEETINGS).replace(
        "    held: 2024-06-11\n    outcome: s47\n",
        "    held: 2024-06-11\n    outcome: s47\n    actions:\n"
        "      - {description: Visit Ben, owner: sw, due: 2024-06-14, child: B2}\n",
        1,
    )
    with pytest.raises(ScenarioError) as caught:
        load([write(tmp_path, text)])
    assert caught.value.source.yaml_path == "meetings[1].actions[0].child", str(caught.value)
    assert "not one this meeting is about" in str(caught.value)


def test_the_loader_checks_recorded_after_occurred_with_the_services_rule(tmp_path, monkeypatch):
    # One rule, two callers: reading a file calls the function record_event runs.
    from safeguard.chronology import services
    from safeguard.scenarios.loader import parse_files

    calls = []
    rule = services.check_recorded_after_occurred
    monkeypatch.setattr(
        services,
        "check_recorded_after_occurred",
        lambda moment, recorded_at: calls.append(moment) or rule(moment, recorded_at),
    )
    parse_files([write(tmp_path, HEAD)])
    assert len(calls) == 1  # the one event in HEAD
