"""Alert lifecycle, recipients, incremental re-evaluation, commands and generated docs."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from safeguard.checks.docs import as_markdown
from safeguard.checks.models import Alert, AlertEvent, AlertRecipient
from safeguard.checks.selectors import alerts_for, team_alerts
from safeguard.checks.services import (
    acknowledge_alert,
    checks_suspended,
    close_alert,
    run_checks,
)
from safeguard.children.services import end_involvement
from safeguard.chronology.services import withdraw_event
from safeguard.episodes.services import record_episode
from tests import factories
from tests.checks_helpers import D, event, involve, looked_after_child

pytestmark = pytest.mark.django_db
RI = "MISSING-RETURN-INTERVIEW"


def history(alert):
    return [(e.kind, e.as_of) for e in AlertEvent.objects.filter(alert=alert).order_by("id")]


def ri_alert(child):
    return Alert.objects.get(check_id=RI, child=child)


def test_raise_acknowledge_and_auto_resolve():
    child = looked_after_child()
    sw = factories.user("sw")
    involve(child, sw, "allocated_social_worker")
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    result = run_checks(D(2018, 3, 9))
    assert [(t.kind, t.check_id) for t in result.transitions if t.check_id == RI] == [
        ("raised", RI)
    ]
    alert = ri_alert(child)
    assert (alert.status, alert.first_raised_on, alert.due_date, alert.severity) == (
        "raised",
        D(2018, 3, 9),
        D(2018, 3, 8),
        "high",
    )
    assert list(alert.recipients.values_list("professional__username", "role")) == [
        ("sw", "allocated_social_worker")
    ]
    assert set(alert.unfilled_roles.split(",")) == {
        "exploitation_worker",
        "missing_coordinator",
        "team_manager",
        "police_officer",
        "iro",
    }
    acknowledge_alert(actor=sw, alert=alert, note="Booking the interview", as_of=D(2018, 3, 9))
    run_checks(D(2018, 3, 10))  # still overdue: no change
    assert ri_alert(child).status == "acknowledged"
    event(child, "return_interview_offered", "2018-03-11", episode_ref="M1", outcome="held")
    run_checks(D(2018, 3, 11))
    alert = ri_alert(child)
    assert (alert.status, alert.resolved_on) == ("resolved", D(2018, 3, 11))
    assert history(alert) == [
        ("raised", D(2018, 3, 9)),
        ("acknowledged", D(2018, 3, 9)),
        ("resolved", D(2018, 3, 11)),
    ]
    ack = AlertEvent.objects.get(alert=alert, kind="acknowledged")
    assert (ack.actor, ack.reason) == (sw, "Booking the interview")


def test_resolved_alert_reopens_when_condition_recurs():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    offer = event(child, "return_interview_offered", "2018-03-11", episode_ref="M1", outcome="held")
    run_checks(D(2018, 3, 9))
    run_checks(D(2018, 3, 11))
    withdraw_event(actor=None, original=offer, reason="Recorded against the wrong episode")
    result = run_checks(D(2018, 3, 12))
    assert [t.kind for t in result.transitions if t.check_id == RI] == ["reopened"]
    alert = ri_alert(child)
    assert (alert.status, alert.first_raised_on, alert.raised_on, alert.resolved_on) == (
        "raised",
        D(2018, 3, 9),
        D(2018, 3, 12),
        None,
    )
    assert [k for k, _ in history(alert)] == ["raised", "resolved", "reopened"]
    assert Alert.objects.filter(check_id=RI).count() == 1


def test_closed_alert_stays_closed_while_condition_lasts_then_reopens_on_recurrence():
    child = looked_after_child(legal_status="V2", dob=D(2001, 12, 3))
    from tests.checks_helpers import adult_of_concern

    rel = adult_of_concern(child, D(2018, 9, 10))
    manager = factories.user("tm", role="team_manager")
    run_checks(D(2018, 9, 10))
    alert = Alert.objects.get(check_id="CAWN-NOT-AVAILABLE-S20")
    with pytest.raises(ValidationError) as exc:
        close_alert(actor=manager, alert=alert, reason="  ")
    assert exc.value.message_dict["reason"] == [
        "Enter why the alert is being closed (for example: considered, not needed because ...)"
    ]
    close_alert(
        actor=manager,
        alert=alert,
        reason="Considered: Sexual Risk Order applied for on 12 September",
        as_of=D(2018, 9, 12),
    )
    run_checks(D(2018, 9, 13))
    assert Alert.objects.get(pk=alert.pk).status == "closed"
    # The relationship ends, then a new one with the same adult begins.
    from safeguard.children.models import Relationship

    Relationship.objects.filter(pk=rel.pk).update(end_date=D(2018, 10, 1))
    run_checks(D(2018, 10, 2))
    Relationship.objects.filter(pk=rel.pk).update(end_date=None, start_date=D(2018, 10, 5))
    run_checks(D(2018, 10, 5))
    alert = Alert.objects.get(pk=alert.pk)
    assert alert.status == "raised"
    assert history(alert) == [
        ("raised", D(2018, 9, 10)),
        ("closed", D(2018, 9, 12)),
        ("condition_cleared", D(2018, 10, 2)),
        ("reopened", D(2018, 10, 5)),
    ]
    closed = AlertEvent.objects.get(alert=alert, kind="closed")
    assert closed.reason == "Considered: Sexual Risk Order applied for on 12 September"
    assert closed.actor == manager


def test_acknowledging_a_resolved_alert_is_refused():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00")
    run_checks(D(2018, 3, 9))
    event(child, "return_interview_offered", "2018-03-10", outcome="declined")
    run_checks(D(2018, 3, 10))
    with pytest.raises(ValidationError) as exc:
        acknowledge_alert(actor=None, alert=ri_alert(child))
    assert exc.value.message_dict["status"] == [
        "Only a raised alert can be acknowledged: this one is resolved"
    ]


def test_history_is_append_only():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00")
    run_checks(D(2018, 3, 9))
    entry = AlertEvent.objects.filter(alert__check_id=RI).get()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        AlertEvent.objects.update(reason="x")


def test_recipients_follow_current_involvements():
    child = looked_after_child()
    first, second = factories.user("first"), factories.user("second")
    involvement = involve(child, first, "allocated_social_worker")
    event(child, "returned_from_missing", "2018-03-05T14:00")
    run_checks(D(2018, 3, 9))
    end_involvement(actor=None, involvement=involvement, end_date=D(2018, 3, 9))
    involve(child, second, "allocated_social_worker", start=D(2018, 3, 10))
    run_checks(D(2018, 3, 10))
    assert list(
        AlertRecipient.objects.filter(alert=ri_alert(child)).values_list(
            "professional__username", flat=True
        )
    ) == ["second"]


def test_alerts_for_orders_by_severity_then_due_date_and_team_view():
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    manager = factories.user("tm", role="team_manager", team_obj=team)
    other_manager = factories.user("tm2", role="team_manager", team_obj=factories.team(code="b"))
    early = looked_after_child(start=D(2017, 1, 9))
    late = looked_after_child(start=D(2017, 3, 1))
    for child in (early, late):
        involve(child, sw, "allocated_social_worker")
    event(late, "returned_from_missing", "2017-03-01T10:00")
    run_checks(D(2017, 5, 1))
    listed = [(a.check_id, a.child_id, a.due_date) for a in alerts_for(sw)]
    assert listed == [
        ("LAC-HEALTH-ASSESSMENT", early.pk, D(2017, 2, 6)),
        ("LAC-REVIEW", early.pk, D(2017, 2, 6)),
        ("MISSING-RETURN-INTERVIEW", late.pk, D(2017, 3, 4)),
        ("LAC-HEALTH-ASSESSMENT", late.pk, D(2017, 3, 29)),
        ("LAC-REVIEW", late.pk, D(2017, 3, 29)),
        ("CPIS-NHS-NUMBER-MISSING", early.pk, D(2017, 1, 9)),
        ("CPIS-NHS-NUMBER-MISSING", late.pk, D(2017, 3, 1)),
    ]
    assert [a.pk for a in team_alerts(manager, on=D(2017, 5, 1))] == [a.pk for a in alerts_for(sw)]
    assert list(team_alerts(other_manager, on=D(2017, 5, 1))) == []
    overdue_on_1_march = team_alerts(manager, overdue_only=True, on=D(2017, 3, 1))
    assert [(a.check_id, a.child_id) for a in overdue_on_1_march] == [
        ("LAC-HEALTH-ASSESSMENT", early.pk),
        ("LAC-REVIEW", early.pk),
        ("CPIS-NHS-NUMBER-MISSING", early.pk),
    ]


# --- Incremental evaluation after a write commits ---------------------------------------


def test_write_re_evaluates_that_child_after_commit(django_capture_on_commit_callbacks):
    today = timezone.localdate()
    child = factories.child(date_of_birth=today - dt.timedelta(days=365 * 10))
    with django_capture_on_commit_callbacks(execute=True):
        record_episode(
            actor=None,
            child=child,
            kind="looked_after",
            start_date=today - dt.timedelta(days=60),
            legal_status="C2",
        )
    alerts = {a.check_id: a for a in Alert.objects.filter(child=child)}
    assert set(alerts) == {"CPIS-NHS-NUMBER-MISSING", "LAC-HEALTH-ASSESSMENT", "LAC-REVIEW"}
    assert alerts["LAC-HEALTH-ASSESSMENT"].first_raised_on == today


def test_on_change_switch_and_suspension(django_capture_on_commit_callbacks, settings):
    today = timezone.localdate()
    settings.SAFEGUARD_CHECKS_ON_CHANGE = False
    a = factories.child(date_of_birth=today - dt.timedelta(days=3650))
    with django_capture_on_commit_callbacks(execute=True):
        record_episode(
            actor=None, child=a, kind="looked_after", start_date=today, legal_status="C2"
        )
    assert not Alert.objects.exists()
    settings.SAFEGUARD_CHECKS_ON_CHANGE = True
    b = factories.child(date_of_birth=today - dt.timedelta(days=3650))
    with checks_suspended(sweep_after=True):
        with django_capture_on_commit_callbacks(execute=True):
            record_episode(
                actor=None, child=b, kind="looked_after", start_date=today, legal_status="C2"
            )
        assert not Alert.objects.exists()
    # One sweep at the end covers both children.
    assert set(Alert.objects.values_list("child_id", flat=True)) == {a.pk, b.pk}


def test_rolled_back_write_triggers_nothing(django_capture_on_commit_callbacks):
    from django.db import transaction

    today = timezone.localdate()
    child = factories.child(date_of_birth=today - dt.timedelta(days=3650))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                record_episode(
                    actor=None,
                    child=child,
                    kind="looked_after",
                    start_date=today,
                    legal_status="C2",
                )
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Alert.objects.exists()


# --- Commands and docs ------------------------------------------------------------------


def test_checks_run_command_prints_counts():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-03-05T14:00")
    out = StringIO()
    call_command("checks", "run", "--as-of", "2018-03-09", stdout=out)
    # The fourth is the looked-after review (meetings); the fifth (issue 13): 16 since
    # 3 December 2017 and looked after, with no needs assessment by 3 March 2018.
    assert out.getvalue().startswith(
        "Checks as of 2018-03-09: 5 findings; 5 raised, 0 reopened, 0 resolved"
    )
    assert Alert.objects.filter(child=child, check_id="LAC-REVIEW").exists()
    assert Alert.objects.filter(child=child, check_id="LEAVING-CARE-NEEDS-ASSESSMENT").exists()


def test_checks_run_rejects_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--as-of: '2018-02-30' is not a date"):
        call_command("checks", "run", "--as-of", "2018-02-30")


def test_checks_list_names_every_check_and_its_source():
    out = StringIO()
    call_command("checks", "list", stdout=out)
    text = out.getvalue()
    for check_id in [
        "LAC-HEALTH-ASSESSMENT",
        "LAC-SW-VISITS",
        "MISSING-RETURN-INTERVIEW",
        "LAC-MEDICINE-NOT-COLLECTED",
        "CAWN-NOT-AVAILABLE-S20",
        "CPIS-NHS-NUMBER-MISSING",
    ]:
        assert check_id in text
    assert "Care Planning, Placement and Case Review (England) Regulations 2010, reg 28" in text


def test_docs_checks_md_is_current():
    path = Path(__file__).resolve().parent.parent / "docs" / "checks.md"
    assert path.read_text(encoding="utf-8") == as_markdown(), (
        "docs/checks.md is out of date: run `safeguard checks docs --output docs/checks.md`"
    )


def test_many_writes_in_one_transaction_re_check_each_child_once(
    django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import transaction

    from safeguard.checks import services

    calls = []
    monkeypatch.setattr(services, "run_checks", lambda **kw: calls.append(tuple(kw["child_ids"])))
    today = timezone.localdate()
    a = factories.child(date_of_birth=today - dt.timedelta(days=3650))
    b = factories.child(date_of_birth=today - dt.timedelta(days=3650))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for child in (a, b, a):
            event(child, "note", today)
    assert calls == [(a.pk,), (b.pk,)]
    with django_capture_on_commit_callbacks(execute=True):
        event(a, "note", today)
    assert calls == [(a.pk,), (b.pk,), (a.pk,)]


def test_checks_refuse_dates_outside_the_working_day_calendar():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("checks", "run", "--as-of", "2041-01-01")
    assert str(exc.value) == (
        "Checks cannot run as of 2041-01-01: the working-day calendar covers 1990-01-01 to "
        "2040-12-31 (extend CALENDAR_LAST in safeguard/core/workdays.py and run "
        "`safeguard checks calendar`)"
    )


def test_nhs_number_alert_clears_when_the_number_is_recorded():
    from safeguard.children.models import Child

    child = looked_after_child()
    run_checks(D(2018, 1, 1))
    Child.objects.filter(pk=child.pk).update(nhs_number=factories.VALID_NHS_NUMBERS[1])
    run_checks(D(2018, 1, 2))
    alert = Alert.objects.get(check_id="CPIS-NHS-NUMBER-MISSING")
    assert (alert.status, alert.resolved_on) == ("resolved", D(2018, 1, 2))


def test_dry_run_prints_findings_and_changes_nothing():
    child = looked_after_child()
    event(child, "returned_from_missing", "2018-06", episode_ref="M9")
    out = StringIO()
    call_command("checks", "run", "--as-of", "2018-07-04", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    # With the looked-after review (meetings) and the needs assessment of a looked-after
    # 16-year-old (issue 13).
    assert lines[0] == "Checks as of 2018-07-04 (dry run, no alert changed): 5 findings"
    assert any(line.startswith("LAC-REVIEW ") for line in lines)
    assert any("LEAVING-CARE-NEEDS-ASSESSMENT" in line for line in lines)
    assert (
        f"MISSING-RETURN-INTERVIEW  child {child.pk}  episode:M9  due 2018-07-03  (approximate)"
        in lines
    )
    assert not Alert.objects.exists()
