"""A front-door decision of "strategy discussion" leads to the meetings app's strategy
discussion: the decision raises a concern of significant harm about the child, the
CP-STRATEGY-DISCUSSION check watches it until a strategy discussion about the child is
held, the decide page goes on to convene it, the queue keeps it in view, and the scenario
format and export-scenario carry it."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from safeguard.access.models import AuditEntry
from safeguard.checks.engine import get_check
from safeguard.core.workdays import add_working_days
from safeguard.frontdoor import services
from safeguard.frontdoor.models import Contact
from safeguard.meetings.models import Concern, MeetingKind
from safeguard.scenarios.loader import ScenarioError, load
from tests import factories
from tests.checks_helpers import involve
from tests.export_helpers import assert_same_record
from tests.meetings_helpers import meeting
from tests.test_export_scenario import exported_then_reloaded

pytestmark = pytest.mark.django_db
D = dt.date
MON = D(2024, 1, 15)
SCENARIO = Path(__file__).resolve().parent / "data" / "frontdoor.yaml"


def fires(check_id, as_of, child):
    return [f for f in get_check(check_id).findings(as_of) if f.child_id == child.pk]


def _contact(child, agency=None, **fields):
    if agency is None:
        fields.update(source="1A", referrer_relationship="relative", referrer_name="Gran")
    else:
        fields.update(source="6", referrer_agency=agency)
    return services.record_contact(
        actor=None, child=child, received_on=MON, summary="Bruise on a baby's face", **fields
    )


def _decide(contact, decision="strategy_discussion", on=MON, **fields):
    return services.decide_contact(
        actor=fields.pop("actor", None),
        contact=contact,
        decision=decision,
        decision_reason=fields.pop("reason", "Reasonable cause to suspect significant harm"),
        decided_on=on,
        **fields,
    )


def test_a_strategy_discussion_decision_raises_a_concern_about_the_child():
    child = factories.child()
    police = factories.agency("fd-police", kind="police", name="Test Police")
    contact = _decide(_contact(child, police))
    concern = contact.concern
    assert concern is not None
    assert concern.kind == "significant_harm" and concern.status == "open"
    assert concern.raised_on == MON and concern.source_agency == police
    assert list(concern.children.all()) == [child]
    assert "Front door decision: strategy discussion" in concern.summary
    assert "Reasonable cause" in concern.summary
    # Audited: the concern for the child, and the contact's link to it.
    assert AuditEntry.objects.filter(model="meetings.Concern", child=child).exists()
    assert AuditEntry.objects.filter(model="frontdoor.Contact", child=child).count() == 3
    # Deciding it again keeps the one concern.
    contact = _decide(contact, reason="Still reasonable cause")
    assert Concern.objects.count() == 1 and contact.concern == concern


def test_other_decisions_raise_no_concern():
    child = factories.child()
    contact = _decide(_contact(child, factories.agency()), decision="assessment")
    assert contact.concern is None and not Concern.objects.exists()


def test_a_public_contact_s_concern_names_the_deciders_agency():
    child = factories.child()
    manager = factories.user("fd-manager", role="team_manager")
    contact = _decide(_contact(child), actor=manager)
    assert contact.decided_by == manager
    assert contact.concern.source_agency == manager.agency
    assert contact.concern.raised_by == manager


def test_the_strategy_check_watches_the_decision_until_a_discussion_is_held():
    child = factories.child()
    contact = _decide(_contact(child, factories.agency()))
    due = add_working_days(MON, 1)
    assert not fires("CP-STRATEGY-DISCUSSION", due, child)
    [finding] = fires("CP-STRATEGY-DISCUSSION", due + dt.timedelta(days=1), child)
    assert finding.subject_key == f"concern:{contact.concern_id}"
    assert finding.prefill == {"concern": contact.concern_id}
    # Scheduled is not held; held (about the child, after the decision) clears it.
    later = MON + dt.timedelta(days=7)
    meeting(MeetingKind.STRATEGY_DISCUSSION, child)
    assert fires("CP-STRATEGY-DISCUSSION", later, child)
    meeting(MeetingKind.STRATEGY_DISCUSSION, child, held_on=MON + dt.timedelta(days=3))
    assert not fires("CP-STRATEGY-DISCUSSION", later, child)


def test_changing_the_decision_closes_the_concern_it_raised():
    child = factories.child()
    contact = _decide(_contact(child, factories.agency()))
    contact = _decide(contact, decision="assessment", reason="Parents explained; assess")
    contact.concern.refresh_from_db()
    assert contact.concern.status == "closed" and contact.concern.closed_on == MON
    assert "changed to Assessment" in contact.concern.closed_reason
    assert not fires("CP-STRATEGY-DISCUSSION", MON + dt.timedelta(days=7), child)


def _strategy_scenario(tmp_path):
    text = SCENARIO.read_text()
    old = "        decision: assessment\n        reason: Neglect indicators"
    assert old in text
    path = tmp_path / "strategy.yaml"
    new = "        decision: strategy_discussion\n        reason: Neglect indicators"
    path.write_text(text.replace(old, new))
    return path


def test_the_scenario_decision_raises_the_concern(tmp_path):
    load([_strategy_scenario(tmp_path)])
    contact = Contact.objects.get(kind="referral")
    assert contact.concern.raised_on == contact.decided_on == D(2024, 1, 16)
    assert contact.concern.source_agency.code == "fd-school"
    assert contact.concern.raised_by.username == "fd-manager"


def test_the_scenario_decision_and_its_concern_round_trip(tmp_path):
    path = _strategy_scenario(tmp_path)
    before, after, text = exported_then_reloaded([path], "FD-AMY", tmp_path)
    assert_same_record(before, after)
    assert "decision: strategy_discussion" in text
    # The concern is written with the concerns, and the contact names it: the reload links
    # the decision to it rather than raising another.
    assert "concern: FD-AMY-CN1" in text and "- id: FD-AMY-CN1" in text
    assert text.count("Front door decision: strategy discussion") == 1


def test_a_scenario_contact_naming_a_concern_links_it(tmp_path):
    text = _strategy_scenario(tmp_path).read_text()
    text = text.replace(
        "        decided_by: fd-manager\n",
        "        decided_by: fd-manager\n        concern: police-concern\n",
        1,
    )
    # (Appended to the file's own `concerns`, its last list.)
    text += (
        "  - id: police-concern\n"
        "    children: [FD-AMY]\n"
        "    kind: significant_harm\n"
        "    raised: 2024-01-16\n"
        "    summary: Bruise reported by the school\n"
        "    source: fd-police\n"
        "    raised_by_name: PC Test\n"
    )
    path = tmp_path / "linked.yaml"
    path.write_text(text)
    load([path])
    contact = Contact.objects.get(kind="referral")
    assert contact.concern.summary == "Bruise reported by the school"
    # The decision linked the named concern and raised none; the one other concern is the
    # one Amy's assessment ("strategy_discussion" outcome) raised.
    assert Concern.objects.count() == 2
    assert Concern.objects.exclude(assessments=None).get().raised_on == D(2024, 2, 20)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("concern: police-concern", "concern: nobody", 1))
    with pytest.raises(ScenarioError, match='no concern with id "nobody"'):
        load([bad])


@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_deciding_on_the_page_goes_on_to_convene_the_discussion(client):
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    child = factories.child(given_name="Ben", family_name="Example")
    involve(child, sw, "allocated_social_worker", start=child.date_of_birth)
    today = dt.date.today()
    contact = services.record_contact(
        actor=None,
        child=child,
        received_on=today,
        source="3B",
        referrer_agency=factories.agency("fd-hv", kind="nhs_trust", name="Health visiting"),
        summary="Bruise on the cheek of a four-month-old",
    )
    client.force_login(sw)
    response = client.post(
        f"/children/{child.pk}/contacts/decide/",
        {
            "which": contact.pk,
            "decision": "strategy_discussion",
            "decision_reason": "Bruising in a non-mobile baby",
            "decided_on_day": today.day,
            "decided_on_month": today.month,
            "decided_on_year": today.year,
        },
    )
    contact.refresh_from_db()
    assert contact.concern is not None
    assert response.status_code == 302
    assert response["Location"] == (
        f"/children/{child.pk}/meetings/new/?kind=strategy_discussion&concern={contact.concern_id}"
    )
    page = client.get(response["Location"]).content.decode()
    assert f'value="{contact.concern_id}" selected' in page
    assert re.search(r'value="strategy_discussion"[^>]*checked', page)
    # The queue keeps it in view until the discussion is held.
    queue = client.get("/front-door/").content.decode()
    assert "Strategy discussions decided, not yet held" in queue
    assert "Not convened" in queue and f"concern={contact.concern_id}" in queue
    scheduled = meeting(MeetingKind.STRATEGY_DISCUSSION, child, held_on=None)
    scheduled.scheduled_for = scheduled.scheduled_for.replace(year=today.year + 1)
    scheduled.save()
    queue = client.get("/front-door/").content.decode()
    assert f"/meetings/{scheduled.pk}/" in queue and "Not convened" not in queue
    meeting(MeetingKind.STRATEGY_DISCUSSION, child, held_on=today)
    queue = client.get("/front-door/").content.decode()
    assert "Every strategy discussion decided at the front door has been held." in queue


# --- an assessment concluding "strategy discussion" leads to the same thing


def _assessment(
    child, worker, outcome="strategy_discussion", completed=MON + dt.timedelta(days=10)
):
    a = services.record_assessment(actor=None, child=child, worker=worker, started_on=MON)
    return services.update_assessment(
        actor=worker,
        assessment=a,
        completed_on=completed,
        outcome=outcome,
        factors=["19C"],
    )


def test_an_assessment_outcome_of_strategy_discussion_raises_the_concern():
    child = factories.child()
    worker = factories.user("fd-assessor")
    a = _assessment(child, worker)
    concern = a.concern
    assert concern is not None and concern.kind == "significant_harm" and concern.status == "open"
    assert concern.raised_on == a.completed_on and concern.raised_by == worker
    assert concern.source_agency == worker.agency
    assert list(concern.children.all()) == [child]
    assert "Assessment outcome: strategy discussion" in concern.summary
    assert "19C" in concern.summary  # the factors identified
    assert AuditEntry.objects.filter(model="frontdoor.Assessment", child=child).count() == 3
    # Saving it again keeps the one concern; the strategy check watches it as it watches
    # the front door's decision (one service, services._strategy_concern).
    a = services.update_assessment(actor=worker, assessment=a, not_seen_alone_reason="")
    assert Concern.objects.count() == 1 and a.concern == concern
    due = add_working_days(a.completed_on, 1)
    assert not fires("CP-STRATEGY-DISCUSSION", due, child)
    [finding] = fires("CP-STRATEGY-DISCUSSION", due + dt.timedelta(days=1), child)
    assert finding.subject_key == f"concern:{concern.pk}"
    meeting(MeetingKind.STRATEGY_DISCUSSION, child, held_on=a.completed_on + dt.timedelta(days=1))
    assert not fires("CP-STRATEGY-DISCUSSION", due + dt.timedelta(days=1), child)


def test_other_assessment_outcomes_raise_none_and_changing_it_closes_the_concern():
    child = factories.child()
    worker = factories.user("fd-assessor")
    assert _assessment(child, worker, outcome="cin_plan").concern is None
    assert not Concern.objects.exists()
    a = _assessment(child, worker)
    a = services.update_assessment(actor=worker, assessment=a, outcome="cin_plan")
    a.concern.refresh_from_db()
    assert a.concern.status == "closed"
    assert "outcome was changed to Child in need plan" in a.concern.closed_reason


def test_the_scenario_assessment_outcome_raises_its_concern_and_round_trips(tmp_path):
    # tests/data/frontdoor.yaml: Amy's assessment completed 2024-02-20 "strategy_discussion".
    from safeguard.frontdoor.models import Assessment

    # Without `concern`, loading the outcome raises one, as the page does.
    text = SCENARIO.read_text().replace("        concern: fd-amy-assessment\n", "")
    raised = tmp_path / "raised.yaml"
    raised.write_text(text)
    with transaction.atomic():
        load([raised])
        a = Assessment.objects.get(child__local_id="FD-AMY")
        assert a.concern.raised_on == D(2024, 2, 20) and a.concern.status == "open"
        assert a.concern.raised_by.username == "fd-worker"
        assert "Assessment outcome: strategy discussion (assessment started" in a.concern.summary
        transaction.set_rollback(True)
    # With it, the named concern is linked and no other raised; export writes the link.
    before, after, text = exported_then_reloaded([SCENARIO], "FD-AMY", tmp_path)
    a = Assessment.objects.get(child__local_id="FD-AMY")
    assert a.concern.summary.startswith("Assessment outcome: strategy discussion (neglect")
    assert Concern.objects.count() == 1
    assert_same_record(before, after)
    # Written with the concerns and named by the assessment: the reload links it.
    assert text.count("Assessment outcome: strategy discussion") == 1
    assert "    concern: FD-AMY-CN" in text


@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_completing_an_assessment_on_the_page_goes_on_to_convene_the_discussion(client):
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    child = factories.child(given_name="Bea", family_name="Example")
    involve(child, sw, "allocated_social_worker", start=child.date_of_birth)
    today = dt.date.today()
    a = services.record_assessment(actor=None, child=child, worker=sw, started_on=today)
    client.force_login(sw)
    response = client.post(
        f"/children/{child.pk}/assessments/update/",
        {
            "which": a.pk,
            "completed_on_day": today.day,
            "completed_on_month": today.month,
            "completed_on_year": today.year,
            "factors": ["18C"],
            "outcome": "strategy_discussion",
        },
    )
    a.refresh_from_db()
    assert a.concern is not None, response.content.decode()[:3000]
    assert response["Location"] == (
        f"/children/{child.pk}/meetings/new/?kind=strategy_discussion&concern={a.concern_id}"
    )
