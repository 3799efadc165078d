# ruff: noqa: E501 (scenario YAML in flow style reads best on one line)
"""Concerns, meetings, enquiries, actions and milestones: the services and the scenario
format (loaded, checked, and round-tripped through the loader)."""

import textwrap

import pytest
from django.core.exceptions import ValidationError

from safeguard.access.models import AuditEntry
from safeguard.core import changes
from safeguard.meetings import services
from safeguard.meetings.models import Action, Attendance, Concern, Meeting, Milestone, S47Enquiry
from safeguard.scenarios.loader import ScenarioError, load
from tests import factories
from tests.meetings_helpers import FULL_STRATEGY, D, agency, at, concern, meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced(monkeypatch):
    """Children announced as changed (the listener list, as the checks engine hears it)."""
    heard = []
    monkeypatch.setattr(changes, "_listeners", [heard.append])
    return heard


def test_a_mace_about_three_children_is_a_write_to_each_record(
    announced, django_capture_on_commit_callbacks
):
    kids = [factories.child() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        m = meeting("mace", kids, D(2024, 6, 3), ("csc", "police"), significant_harm_risk=True)
    for kid in kids:
        writes = AuditEntry.objects.filter(child=kid, model="meetings.Meeting")
        assert writes.filter(action="create").count() == 1
        assert writes.filter(action="update").count() == 1  # held
    assert sorted(set(announced)) == sorted(k.pk for k in kids)
    assert m.status == "held" and m.significant_harm_risk
    assert {a.status for a in m.attendances.all()} == {"attended"}


def test_action_for_one_child_is_audited_against_that_child_only():
    a, b = factories.child(), factories.child()
    m = meeting("mace", [a, b], D(2024, 6, 3), ("csc",))
    owner = factories.user()
    action = services.add_action(
        actor=owner, meeting=m, description="Visit", owner=owner, due_on=D(2024, 6, 5), child=b
    )
    assert (
        AuditEntry.objects.filter(model="meetings.Action", object_id=str(action.pk)).get().child
        == b
    )
    with pytest.raises(ValidationError, match="not one this meeting is about"):
        services.add_action(
            actor=None,
            meeting=m,
            description="x",
            owner=owner,
            due_on=D(2024, 6, 5),
            child=factories.child(),
        )


def test_scheduling_and_holding_rules():
    child = factories.child()
    with pytest.raises(ValidationError, match="about one child"):
        services.schedule_meeting(
            actor=None,
            kind="cla_review",
            children=[child, factories.child()],
            scheduled_for=at(D(2024, 6, 3)),
        )
    with pytest.raises(ValidationError, match="at least one child"):
        services.schedule_meeting(
            actor=None, kind="mace", children=[], scheduled_for=at(D(2024, 6, 3))
        )
    m = meeting("strategy_discussion", child)
    with pytest.raises(ValidationError) as caught:
        services.hold_meeting(actor=None, meeting=m, held_on=D(2024, 6, 3))
    assert "strategy_outcome" in caught.value.message_dict
    assert Meeting.objects.get(pk=m.pk).status == "scheduled"  # nothing written
    with pytest.raises(ValidationError, match="Give the reason"):
        services.cancel_meeting(actor=None, meeting=m, reason=" ")
    m = services.move_meeting(
        actor=None, meeting=m, scheduled_for=at(D(2024, 6, 4)), reason="Police unavailable"
    )
    assert (m.status, m.status_reason) == ("moved", "Police unavailable")
    m = services.cancel_meeting(actor=None, meeting=m, reason="Child moved out of area")
    with pytest.raises(ValidationError, match="cancelled"):
        services.hold_meeting(actor=None, meeting=m, held_on=D(2024, 6, 4), strategy_outcome="nfa")
    with pytest.raises(ValidationError, match="Only a strategy discussion"):
        other = meeting("mace", child)
        services.hold_meeting(
            actor=None, meeting=other, held_on=D(2024, 6, 4), strategy_outcome="nfa"
        )


def test_minutes_actions_and_completion():
    child = factories.child()
    m = meeting("mace", child)
    with pytest.raises(ValidationError, match="held before its minutes"):
        services.record_minutes(actor=None, meeting=m, minutes="Too early")
    m = meeting("mace", child, D(2024, 6, 3), ("csc",))
    owner = factories.user()
    with pytest.raises(ValidationError, match="before the meeting"):
        services.add_action(
            actor=None, meeting=m, description="x", owner=owner, due_on=D(2024, 6, 1)
        )
    action = services.add_action(
        actor=None, meeting=m, description="Disrupt", owner=owner, due_on=D(2024, 6, 10)
    )
    with pytest.raises(ValidationError) as caught:
        services.complete_action(
            actor=owner, action=action, completed_on=D(2024, 6, 9), evidence=""
        )
    assert "evidence" in caught.value.message_dict
    done = services.complete_action(
        actor=owner, action=action, completed_on=D(2024, 6, 9), evidence="Visit made"
    )
    assert (done.status, done.evidence) == ("done", "Visit made")
    with pytest.raises(ValidationError, match="already closed"):
        services.complete_action(
            actor=owner, action=action, completed_on=D(2024, 6, 9), evidence="Again"
        )
    m = services.record_minutes(
        actor=owner, meeting=m, minutes="Recorded", recorded_at=at(D(2024, 6, 4))
    )
    assert m.minutes_recorded_by == owner


def test_s47_follows_a_strategy_discussion_about_the_child():
    child, other = factories.child(), factories.child()
    sd = meeting("strategy_discussion", child, D(2024, 6, 3), FULL_STRATEGY, strategy_outcome="s47")
    with pytest.raises(ValidationError, match="not about this child"):
        services.record_s47(
            actor=None, child=other, strategy_discussion=sd, started_on=D(2024, 6, 3)
        )
    with pytest.raises(ValidationError, match="before the strategy discussion"):
        services.record_s47(
            actor=None, child=child, strategy_discussion=sd, started_on=D(2024, 6, 2)
        )
    enquiry = services.record_s47(
        actor=None, child=child, strategy_discussion=sd, started_on=D(2024, 6, 3)
    )
    enquiry = services.conclude_s47(
        actor=None, enquiry=enquiry, completed_on=D(2024, 6, 14), outcome="likely_harm"
    )
    assert enquiry.get_outcome_display().startswith("Likely to suffer")


def test_milestones_belong_to_an_open_plan_of_the_child():
    from tests.checks_helpers import looked_after_child

    child = looked_after_child(start=D(2024, 1, 8))
    plan = child.episodes.get()
    with pytest.raises(ValidationError, match="not open"):
        services.record_milestone(
            actor=None,
            child=child,
            episode=plan,
            description="x",
            set_on=D(2023, 1, 1),
            due_on=D(2024, 2, 1),
        )
    with pytest.raises(ValidationError, match="another child"):
        services.record_milestone(
            actor=None,
            child=factories.child(),
            episode=plan,
            description="x",
            set_on=D(2024, 2, 1),
            due_on=D(2024, 3, 1),
        )
    m = services.record_milestone(
        actor=None,
        child=child,
        episode=plan,
        description="Epilepsy plan shared",
        set_on=D(2024, 2, 1),
        due_on=D(2024, 3, 1),
    )
    with pytest.raises(ValidationError, match="achieved"):
        services.review_milestone(actor=None, milestone=m, status="open", reviewed_on=D(2024, 3, 2))


def test_concern_needs_who_raised_it_and_its_trigger_about_the_child():
    from tests.checks_helpers import event

    child = factories.child()
    with pytest.raises(ValidationError, match="who raised"):
        services.record_concern(
            actor=None,
            children=[child],
            kind="significant_harm",
            raised_on=D(2024, 6, 3),
            summary="x",
            source_agency=agency("police"),
        )
    elsewhere = event(factories.child(), "police_incident", D(2024, 6, 3))
    with pytest.raises(ValidationError, match="another child"):
        concern(child, D(2024, 6, 3), trigger_event=elsewhere)
    assert Concern.objects.count() == 0


# --- Scenario format ---------------------------------------------------------------------------

HEAD = """\
safeguard_scenario: 1
partnership:
  agencies:
    - {code: la, name: Council, kind: childrens_social_care}
    - {code: police, name: Police, kind: police}
    - {code: nhs, name: Trust, kind: nhs_trust}
  professionals:
    - {username: sw, given_name: Sam, family_name: Worker, agency: la, role: social_worker}
    - {username: pc, given_name: Pat, family_name: Officer, agency: police, role: police_officer}
children:
  - local_id: A1
    given_name: Amy
    family_name: One
    date_of_birth: 2008-01-01
    sex: F
    local_authority: la
    episodes:
      - {kind: looked_after, legal_status: V2, start: 2024-01-08}
    events:
      - {id: found, type: police_incident, occurred: 2024-06-03T10:00, source: police, summary: Found with an adult}
  - local_id: B2
    given_name: Ben
    family_name: Two
    date_of_birth: 2009-01-01
    sex: M
    local_authority: la
"""

MEETINGS = """\
concerns:
  - {id: c1, children: [A1, B2], kind: exploitation, risk_level: high, raised: 2024-06-03, source: police, raised_by: pc, trigger: found, summary: Seen with an adult}
meetings:
  - id: mace1
    kind: mace
    children: [A1, B2]
    trigger_concern: c1
    scheduled: 2024-06-10T10:00
    invited: 2024-06-04
    chair: sw
    attendees:
      - {professional: sw, role: Chair}
      - {professional: pc, role: Police}
      - {agency: nhs, name: School nurse, status: sent_report}
    held: 2024-06-10
    significant_harm_risk: true
    decisions: Strategy discussion for A1.
    minutes: Minutes.
    minutes_recorded_by: sw
    minutes_recorded: 2024-06-12T09:00
    actions:
      - {description: Disrupt the adult, owner: pc, due: 2024-06-20, completed: 2024-06-19, evidence: Warning served}
      - {description: Visit Ben, owner: sw, due: 2024-06-14, child: B2}
  - id: sd1
    kind: strategy_discussion
    children: [A1]
    scheduled: 2024-06-11T09:00
    invited: 2024-06-07
    moved:
      - {on: 2024-06-10, to: 2024-06-11T14:00, reason: Police unavailable}
    attendees:
      - {professional: sw}
      - {professional: pc}
      - {agency: nhs, name: Named nurse}
    held: 2024-06-11
    outcome: s47
  - id: cancelled1
    kind: professionals
    children: [B2]
    scheduled: 2024-06-12T09:00
    invited: 2024-06-05
    cancelled: {on: 2024-06-11, reason: Covered by the MACE}
s47_enquiries:
  - {child: A1, strategy_discussion: sd1, started: 2024-06-11, completed: 2024-06-20, outcome: likely_harm, lead: sw}
milestones:
  - {child: A1, plan: looked_after, description: Safety plan agreed, owner: sw, set: 2024-06-10, due: 2024-06-30, reviewed: 2024-07-01, status: achieved}
"""


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_meetings_load_and_round_trip_through_the_loader(tmp_path):
    result = load([write(tmp_path, HEAD + MEETINGS)])
    assert {
        k: result.counts[k]
        for k in ("concerns", "meetings", "actions", "s47_enquiries", "milestones")
    } == {
        "concerns": 1,
        "meetings": 3,
        "actions": 2,
        "s47_enquiries": 1,
        "milestones": 1,
    }
    c = Concern.objects.get()
    assert sorted(c.children.values_list("local_id", flat=True)) == ["A1", "B2"]
    assert c.trigger_event.event_type == "police_incident" and c.raised_by.username == "pc"
    mace = Meeting.objects.get(kind="mace")
    assert (mace.status, mace.held_on, mace.trigger_concern) == ("held", D(2024, 6, 10), c)
    assert sorted(Attendance.objects.filter(meeting=mace).values_list("status", flat=True)) == [
        "attended",
        "attended",
        "sent_report",
    ]
    assert mace.minutes_recorded_by.username == "sw"
    done, open_ = Action.objects.order_by("due_on").reverse()
    assert (done.status, done.evidence, done.child) == ("done", "Warning served", None)
    assert (open_.status, open_.child.local_id) == ("open", "B2")
    sd = Meeting.objects.get(kind="strategy_discussion")
    assert (sd.status, sd.strategy_outcome, sd.status_reason) == (
        "held",
        "s47",
        "Police unavailable",
    )
    assert Meeting.objects.get(kind="professionals").status == "cancelled"
    enquiry = S47Enquiry.objects.get()
    assert (enquiry.outcome, enquiry.strategy_discussion, enquiry.lead.username) == (
        "likely_harm",
        sd,
        "sw",
    )
    milestone = Milestone.objects.get()
    assert (milestone.episode.kind, milestone.status) == ("looked_after", "achieved")


def test_operations_are_dated_when_each_step_happened(tmp_path):
    from safeguard.scenarios.loader import parse_files

    ops = parse_files([write(tmp_path, HEAD + MEETINGS)]).operations
    dated = [
        (op.kind, op.effective)
        for op in ops
        if op.kind.endswith(("meeting", "minutes", "action", "concern"))
    ]
    assert ("schedule_meeting", D(2024, 6, 4)) in dated
    assert ("hold_meeting", D(2024, 6, 10)) in dated
    assert ("record_minutes", D(2024, 6, 12)) in dated
    assert ("complete_action", D(2024, 6, 19)) in dated
    assert ("move_meeting", D(2024, 6, 10)) in dated and ("cancel_meeting", D(2024, 6, 11)) in dated
    kinds = [op.kind for op in ops if op.effective == D(2024, 6, 10)]
    assert (
        kinds.index("move_meeting") < kinds.index("hold_meeting") < kinds.index("record_milestone")
    )


@pytest.mark.parametrize(
    "old,new,where,message",
    [
        (
            "children: [A1, B2], kind: exploitation",
            "children: [A1, Z9], kind: exploitation",
            "concerns[0].children[1]",
            'unknown child local_id "Z9"',
        ),
        (
            "      - {agency: nhs, name: School nurse, status: sent_report}\n    held: 2024-06-10\n",
            "      - {agency: nhs, name: School nurse, status: sent_report}\n",
            "meetings[0].attendees[2].status",
            "only a meeting that was held has attendance",
        ),
        (
            "    held: 2024-06-11\n    outcome: s47\n",
            "    held: 2024-06-11\n",
            "meetings[1].outcome",
            "Choose the strategy discussion's outcome",
        ),
        (
            "strategy_discussion: sd1",
            "strategy_discussion: mace1",
            "s47_enquiries[0].strategy_discussion",
            '"mace1" is not a strategy discussion',
        ),
        (
            "plan: looked_after",
            "plan: child_protection",
            "milestones[0].plan",
            "no child protection plan open",
        ),
        (
            "{description: Visit Ben, owner: sw, due: 2024-06-14, child: B2}",
            "{description: Visit Ben, owner: sw, due: 2024-06-09, child: B2}",
            "meetings[0].actions[1].due",
            "is before the meeting",
        ),
    ],
)
def test_errors_name_the_file_line_and_key_and_nothing_is_loaded(
    tmp_path, old, new, where, message
):
    text = HEAD + MEETINGS
    assert old in text
    with pytest.raises(ScenarioError) as caught:
        load([write(tmp_path, text.replace(old, new, 1))])
    assert caught.value.source.yaml_path == where, str(caught.value)
    assert message in str(caught.value)
    assert caught.value.source.line
    assert not Meeting.objects.exists() and not Concern.objects.exists()


def test_docs_example_of_meetings_is_valid_yaml_for_the_schema():
    from pathlib import Path

    import yaml

    doc = (Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md").read_text()
    block = doc.split("## Concerns, meetings", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    data = yaml.safe_load(textwrap.dedent(block))
    assert set(data) == {"concerns", "meetings", "s47_enquiries", "milestones"}


def test_the_chronology_shows_concerns_meetings_and_enquiries_in_line(tmp_path):
    from safeguard.children.models import Child
    from safeguard.chronology.selectors import timeline

    load([write(tmp_path, HEAD + MEETINGS)])
    entries = [
        (e.entry_type, e.when.date(), e.summary) for e in timeline(Child.objects.get(local_id="A1"))
    ]
    kinds = [k for k, _, _ in entries]
    assert kinds.index("concern_raised") < kinds.index("meeting_held")  # in date order
    assert ("meeting_held", D(2024, 6, 11), "Strategy discussion — Section 47 enquiry") in entries
    assert any(k == "s47_enquiry" and "Likely to suffer" in s for k, _, s in entries)
    # The cancelled meeting is about B2 and was never held: not in anyone's chronology.
    assert not any("Professionals" in s for _, _, s in entries)
