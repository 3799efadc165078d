"""Alerts by email: queued with the alert change, sent through a real SMTP server, retried
when it is down, a daily digest for the rest, and never a word about the child."""

import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.checks.delivery import queue_digests, send_queued, set_delivery
from safeguard.checks.models import Alert, Outbox
from safeguard.checks.services import acknowledge_alert, run_checks
from tests import factories
from tests.checks_helpers import D, event, involve, looked_after_child

pytestmark = pytest.mark.django_db
RI = "MISSING-RETURN-INTERVIEW"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    settings.SAFEGUARD_BASE_URL = "https://safeguard.example"
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def case(settings):
    settings.SAFEGUARD_ESCALATION = {
        "team_manager": 2,
        "service_manager": 5,
        "service_managers": ["sm"],
    }
    team = factories.team()
    sw = factories.user("sw", team_obj=team, email="sw@example.org")
    worker = factories.user("gs", role="exploitation_worker", email="gs@example.org")
    manager = factories.user("tm", role="team_manager", team_obj=team, email="tm@example.org")
    factories.user("sm", role="team_manager", email="sm@example.org")
    child = looked_after_child(
        start=D(2018, 3, 1),
        given_name="Zerelda",
        family_name="Quillfeather",
        nhs_number="9434765919",
    )
    involve(child, sw, "allocated_social_worker")
    involve(child, worker, "exploitation_worker")
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    return {"sw": sw, "worker": worker, "manager": manager, "child": child}


def test_high_alert_is_queued_with_the_change_and_sent_over_smtp(case, smtp):
    run_checks(D(2018, 3, 8), [case["child"].pk])
    alert = Alert.objects.get(check_id=RI, child=case["child"])
    queued = Outbox.objects.filter(kind="immediate").order_by("recipient__username")
    assert [m.recipient.username for m in queued] == ["gs", "sw"]
    assert {m.status for m in queued} == {"queued"}
    counts = send_queued()
    assert counts == {"sent": 2, "retrying": 0, "failed": 0}
    assert sorted(to[0] for to, _ in smtp.messages) == ["gs@example.org", "sw@example.org"]
    _, raw = smtp.messages[0]
    assert "Subject: A high-severity Safeguard alert needs you" in raw
    assert f"https://safeguard.example/alerts/{alert.pk}/" in raw
    assert set(Outbox.objects.values_list("status", flat=True)) == {"sent"}
    # Sent once: the next run has nothing to send.
    assert send_queued() == {"sent": 0, "retrying": 0, "failed": 0}


def test_no_message_names_the_child_or_the_check(case, smtp):
    child = case["child"]
    for day in (D(2018, 3, 8), D(2018, 3, 12), D(2018, 3, 14)):
        run_checks(day, [child.pk])
    queue_digests(D(2018, 3, 14))
    send_queued()
    assert smtp.messages
    for _, raw in smtp.messages:
        text = raw.lower()
        for word in ("zerelda", "quillfeather", child.local_id.lower(), "return", "missing"):
            assert word not in text


def test_escalation_reaches_the_team_manager_at_once(case, smtp):
    child = case["child"]
    run_checks(D(2018, 3, 8), [child.pk])
    run_checks(D(2018, 3, 12), [child.pk])  # two working days unacknowledged
    to_tm = Outbox.objects.get(recipient=case["manager"], kind="immediate")
    assert "escalated to you" in to_tm.body
    # Nobody else gets a second message for the escalation.
    assert Outbox.objects.filter(kind="immediate").count() == 3


def test_smtp_down_keeps_the_message_queued_with_the_error_then_sends_it(case, smtp, settings):
    run_checks(D(2018, 3, 8), [case["child"].pk])
    settings.EMAIL_PORT = free_port()  # nothing listens there
    now = timezone.now()
    assert send_queued(now=now) == {"sent": 0, "retrying": 2, "failed": 0}
    waiting = list(Outbox.objects.all())
    assert all(m.status == "queued" and m.attempts == 1 for m in waiting)
    assert all("Connection" in m.last_error or "refused" in m.last_error for m in waiting)
    assert all(m.next_attempt_at >= now + dt.timedelta(minutes=5) for m in waiting)
    # Not due yet: a run straight away does not retry.
    settings.EMAIL_PORT = smtp.port
    assert send_queued(now=now)["sent"] == 0
    assert send_queued(now=now + dt.timedelta(minutes=6))["sent"] == 2
    assert len(smtp.messages) == 2
    assert set(Outbox.objects.values_list("status", "attempts")) == {("sent", 2)}


def test_gives_up_after_the_maximum_attempts_for_the_administrator_to_see(case, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.SAFEGUARD_NOTIFY_MAX_ATTEMPTS = 2
    run_checks(D(2018, 3, 8), [case["child"].pk])
    now = timezone.now()
    send_queued(now=now)
    assert send_queued(now=now + dt.timedelta(days=1)) == {"sent": 0, "retrying": 0, "failed": 2}
    assert set(Outbox.objects.values_list("status", flat=True)) == {"failed"}


def test_account_without_email_fails_visibly(case, smtp):
    case["worker"].email = ""
    case["worker"].save()
    run_checks(D(2018, 3, 8), [case["child"].pk])
    send_queued()
    failed = Outbox.objects.get(recipient=case["worker"])
    assert (failed.status, failed.last_error) == (
        "failed",
        "ValueError: the account has no email address",
    )


def test_digest_counts_new_alerts_not_sent_at_once(case, smtp):
    child = case["child"]
    # A second child with a medium-severity alert: no NHS number on a child protection plan.
    from safeguard.episodes.services import record_episode

    other = factories.child(nhs_number="")
    record_episode(
        actor=None,
        child=other,
        kind="child_protection",
        start_date=D(2018, 3, 1),
        cp_category="neglect",
    )
    involve(other, case["sw"], "allocated_social_worker", start=D(2018, 3, 1))
    run_checks(D(2018, 3, 8), [child.pk, other.pk])
    medium = Alert.objects.filter(child=other)
    assert medium.exists() and {a.severity for a in medium} == {"medium"}
    queue_digests(D(2018, 3, 8))
    digest = Outbox.objects.get(recipient=case["sw"], kind="digest")
    # The high alert went at once, so only the medium one is new in the digest.
    assert digest.subject == "You have 1 new Safeguard alert"
    assert "2 open alerts in all" in digest.body
    assert "https://safeguard.example/alerts/" in digest.body
    # The exploitation worker is not told of the other child's alert: no digest.
    assert not Outbox.objects.filter(recipient=case["worker"], kind="digest").exists()
    # Once a day: a second run for the day queues nothing more.
    assert queue_digests(D(2018, 3, 8)) == []


def test_digest_only_users_get_high_alerts_in_the_digest(case, smtp):
    police = factories.user("pc", role="police_officer", email="pc@example.org")
    involve(case["child"], police, "police_officer")
    set_delivery(user=police, choice="digest_only")
    run_checks(D(2018, 3, 8), [case["child"].pk])
    assert not Outbox.objects.filter(recipient=police, kind="immediate").exists()
    queue_digests(D(2018, 3, 8))
    assert Outbox.objects.get(recipient=police, kind="digest").subject == (
        "You have 1 new Safeguard alert"
    )


def test_high_only_users_get_no_digest(case, smtp):
    set_delivery(user=case["sw"], choice="high_only")
    other = factories.child(nhs_number="")
    from safeguard.episodes.services import record_episode

    record_episode(
        actor=None,
        child=other,
        kind="child_protection",
        start_date=D(2018, 3, 1),
        cp_category="neglect",
    )
    involve(other, case["sw"], "allocated_social_worker", start=D(2018, 3, 1))
    run_checks(D(2018, 3, 8), [case["child"].pk, other.pk])
    queue_digests(D(2018, 3, 8))
    assert not Outbox.objects.filter(recipient=case["sw"], kind="digest").exists()
    assert Outbox.objects.filter(recipient=case["sw"], kind="immediate").count() == 1


def test_case_holding_roles_cannot_choose_a_digest_only(case):
    with pytest.raises(ValidationError):
        set_delivery(user=case["sw"], choice="digest_only")
    with pytest.raises(ValidationError):
        set_delivery(user=case["sw"], choice="nonsense")


def test_acknowledging_sends_nothing(case, smtp):
    run_checks(D(2018, 3, 8), [case["child"].pk])
    before = Outbox.objects.count()
    acknowledge_alert(actor=case["sw"], alert=Alert.objects.get(check_id=RI), as_of=D(2018, 3, 8))
    run_checks(D(2018, 3, 9), [case["child"].pk])
    assert Outbox.objects.count() == before


def test_delivery_page_saves_the_choice_and_shows_errors(client):
    police = factories.user("pc2", role="police_officer", email="pc@example.org")
    client.force_login(police)
    page = client.get("/alerts/delivery/")
    assert page.status_code == 200
    assert "digest_only" in page.content.decode()
    bad = client.post("/alerts/delivery/", {})
    assert "There is a problem" in bad.content.decode()
    assert "Select how you want to be told about alerts" in bad.content.decode()
    assert client.post("/alerts/delivery/", {"alert_delivery": "digest_only"}).status_code == 302
    police.refresh_from_db()
    assert police.alert_delivery == "digest_only"
    sw = factories.user("sw2", email="sw@example.org")
    client.force_login(sw)
    page = client.get("/alerts/delivery/").content.decode()
    assert 'value="digest_only"' not in page
    assert client.post("/alerts/delivery/", {"alert_delivery": "digest_only"}).status_code == 200
    sw.refresh_from_db()
    assert sw.alert_delivery == "immediate_and_digest"
