"""Delivery: alerts reach people outside Safeguard, by email, without the child's details.

Two kinds of message, both queued in the `Outbox`:

- **At once**, for a high-severity alert that is raised, re-raised or escalated: queued by
  the sweep (`queue_immediate`) inside the transaction of the alert change, so a message
  exists exactly when the change does and nothing is lost if the mail server is down.
- **A daily digest** of the other new alerts (`queue_digests`, run by
  `safeguard notify digest` from cron once a day).

`safeguard notify send` (cron, every few minutes) sends what is queued through Django's mail
framework (EMAIL_BACKEND, EMAIL_HOST...; docs/configuration.md), or through GOV.UK Notify
when SAFEGUARD_NOTIFY_API_KEY is set (`deliver`). A failed send stays queued
with its error and is retried with exponential backoff; after SAFEGUARD_NOTIFY_MAX_ATTEMPTS
it is marked failed, which an administrator sees in the admin (Outbox, no child fields).

A message never names the child or says anything about them, not even the check's title
(a title such as "medicine not collected" says something about a child): it says there are
alerts and links to the page to sign in to them.

Each professional chooses how (accounts.User.alert_delivery) within what their role allows:
those who hold a case (social worker, team manager, IRO, exploitation worker) must get
high-severity alerts at once, so they cannot choose a digest only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import AlertDelivery, Role

from .models import (
    OPEN_STATUSES,
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRecipient,
    Outbox,
    OutboxKind,
    OutboxStatus,
    Severity,
)

logger = logging.getLogger(__name__)

# Roles that hold a case: a high-severity alert must reach them at once.
MUST_GET_HIGH_AT_ONCE = (
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.IRO,
    Role.EXPLOITATION_WORKER,
)
# Alert history kinds that are news to the people told.
NEWS = (AlertEventKind.RAISED, AlertEventKind.REOPENED, AlertEventKind.ESCALATED)
# First retry after this many minutes, doubling each time, at most MAX_BACKOFF.
BACKOFF_MINUTES = 5
MAX_BACKOFF = dt.timedelta(hours=6)


def allowed_deliveries(role: str) -> list[str]:
    """The delivery choices a role allows, in AlertDelivery order."""
    return [
        value
        for value in AlertDelivery.values
        if not (value == AlertDelivery.DIGEST_ONLY and role in MUST_GET_HIGH_AT_ONCE)
    ]


def effective_delivery(user) -> str:
    """The user's choice, or the default if their role no longer allows it."""
    if user.alert_delivery in allowed_deliveries(user.role):
        return user.alert_delivery
    return AlertDelivery.IMMEDIATE_AND_DIGEST


def set_delivery(*, user, choice: str) -> None:
    from django.core.exceptions import ValidationError

    if choice not in allowed_deliveries(user.role):
        raise ValidationError(
            {"alert_delivery": "Select how you want to be told about alerts"}
            if choice not in AlertDelivery.values
            else {
                "alert_delivery": "Your role must get high-severity alerts at once: choose "
                "one of the other options"
            }
        )
    user.alert_delivery = choice
    user.save(update_fields=["alert_delivery"])


def _link(path: str) -> str:
    return settings.SAFEGUARD_BASE_URL.rstrip("/") + path


def immediate_message(alert_ids: list[int], escalated: int) -> tuple[str, str]:
    """One message per person per sweep, however many alerts it raised for them."""
    n = len(alert_ids)
    if n == 1:
        subject = "A high-severity Safeguard alert needs you"
        reason = (
            "A high-severity alert has been escalated to you because it was not dealt with in time."
            if escalated
            else "A high-severity alert has been raised for you to act on."
        )
        path = reverse("checks:detail", args=[alert_ids[0]])
    else:
        subject = f"{n} high-severity Safeguard alerts need you"
        reason = f"{n} high-severity alerts need you to act on them." + (
            f" {escalated} of them escalated to you because not dealt with in time."
            if escalated
            else ""
        )
        path = reverse("checks:mine")
    body = (
        f"{reason}\n\n"
        f"Sign in to Safeguard to see {'it' if n == 1 else 'them'}:\n{_link(path)}\n\n"
        "This email does not say who the alert is about. Do not reply to it.\n"
        f"{_preferences_footer()}"
    )
    return subject, body


def digest_message(new: int, escalated: int, open_total: int) -> tuple[str, str]:
    subject = f"You have {new} new Safeguard alert{'s' if new != 1 else ''}"
    lines = [
        f"You have {new} new alert{'s' if new != 1 else ''} in Safeguard since the last digest."
    ]
    if escalated:
        lines.append(f"{escalated} of them escalated to you because not dealt with in time.")
    lines.append(f"You have {open_total} open alert{'s' if open_total != 1 else ''} in all.")
    body = (
        "\n".join(lines)
        + f"\n\nSign in to Safeguard to see them:\n{_link(reverse('checks:mine'))}\n\n"
        "This email does not say who the alerts are about. Do not reply to it.\n"
        f"{_preferences_footer()}"
    )
    return subject, body


def _preferences_footer() -> str:
    return f"Choose how you are told about alerts: {_link(reverse('checks:delivery'))}"


def queue_immediate(as_of: dt.date, transitions, escalated_people) -> list[Outbox]:
    """Queue at-once messages for the sweep's high-severity raisings and escalations.

    `transitions` are the sweep's Transitions; `escalated_people` maps an alert id to the
    people an escalation added. Must run inside the sweep's transaction."""
    from django.contrib.auth import get_user_model

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("queue_immediate must run inside the transaction of the alert change")
    raised_ids = {
        t.alert_id
        for t in transitions
        if t.kind in (AlertEventKind.RAISED, AlertEventKind.REOPENED)
    }
    candidate_ids = raised_ids | set(escalated_people)
    if not candidate_ids:
        return []
    high = set(
        Alert.objects.filter(pk__in=sorted(candidate_ids), severity=Severity.HIGH).values_list(
            "pk", flat=True
        )
    )
    wanted: dict[tuple[int, int], bool] = {}  # (user, alert) -> escalated
    for alert_id, prof in AlertRecipient.objects.filter(
        alert_id__in=sorted(raised_ids & high)
    ).values_list("alert_id", "professional_id"):
        wanted.setdefault((prof, alert_id), False)
    for alert_id, people in escalated_people.items():
        if alert_id in high:
            for prof in people:
                wanted[(prof, alert_id)] = True
    if not wanted:
        return []
    User = get_user_model()
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in=sorted({p for p, _ in wanted}), is_active=True).only(
            "pk", "role", "alert_delivery"
        )
    }
    per_user: dict[int, dict[int, bool]] = defaultdict(dict)
    for (prof, alert_id), escalated in wanted.items():
        per_user[prof][alert_id] = escalated
    messages = []
    for prof, alerts in sorted(per_user.items()):
        user = users.get(prof)
        if user is None or effective_delivery(user) == AlertDelivery.DIGEST_ONLY:
            continue
        subject, body = immediate_message(sorted(alerts), sum(alerts.values()))
        messages.append(
            Outbox(
                recipient_id=prof,
                kind=OutboxKind.IMMEDIATE,
                subject=subject,
                body=body,
                as_of=as_of,
                alert_ids=sorted(alerts),
            )
        )
    return Outbox.objects.bulk_create(messages, batch_size=500)


def queue_digests(as_of: dt.date) -> list[Outbox]:
    """Queue each professional's digest of the alerts new to them since the last digest (or
    the day before as_of): raised, re-raised or escalated, on alerts they are told of. High-
    severity ones are left out for those who had them at once. Nothing is queued for someone
    with nothing new, and a second run for the same day queues nothing more."""
    from django.contrib.auth import get_user_model

    if Outbox.objects.filter(kind=OutboxKind.DIGEST, as_of__gte=as_of).exists():
        return []
    last = Outbox.objects.filter(kind=OutboxKind.DIGEST).aggregate(d=Max("as_of"))["d"]
    since = last if last is not None else as_of - dt.timedelta(days=1)
    # One query: each recipient's new alert history in the window, with the severity.
    rows = (
        AlertEvent.objects.filter(kind__in=NEWS, as_of__gt=since, as_of__lte=as_of)
        .filter(alert__recipients__isnull=False)
        .values_list("alert__recipients__professional_id", "alert_id", "alert__severity", "kind")
        .distinct()
    )
    news: dict[int, dict[int, tuple[str, bool]]] = defaultdict(dict)
    for prof, alert_id, severity, kind in rows:
        _, escalated = news[prof].get(alert_id, (severity, False))
        news[prof][alert_id] = (severity, escalated or kind == AlertEventKind.ESCALATED)
    if not news:
        return []
    User = get_user_model()
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in=sorted(news), is_active=True).only(
            "pk", "role", "alert_delivery"
        )
    }
    open_counts = dict(
        AlertRecipient.objects.filter(
            professional_id__in=sorted(users), alert__status__in=OPEN_STATUSES
        )
        .values_list("professional_id")
        .annotate(n=Count("alert", distinct=True))
        .values_list("professional_id", "n")
    )
    messages = []
    for prof, alerts in sorted(news.items()):
        user = users.get(prof)
        if user is None:
            continue
        choice = effective_delivery(user)
        if choice == AlertDelivery.HIGH_ONLY:
            continue
        if choice == AlertDelivery.IMMEDIATE_AND_DIGEST:
            alerts = {a: v for a, v in alerts.items() if v[0] != Severity.HIGH}
        if not alerts:
            continue
        escalated = sum(1 for _, esc in alerts.values() if esc)
        subject, body = digest_message(len(alerts), escalated, open_counts.get(prof, 0))
        messages.append(
            Outbox(
                recipient_id=prof,
                kind=OutboxKind.DIGEST,
                subject=subject,
                body=body,
                as_of=as_of,
                alert_ids=sorted(alerts),
            )
        )
    with transaction.atomic():
        return Outbox.objects.bulk_create(messages, batch_size=500)


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=BACKOFF_MINUTES * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver(message: Outbox, address: str) -> None:
    """Send one message: through GOV.UK Notify when SAFEGUARD_NOTIFY_API_KEY is set (its
    maintained client, `notifications-python-client`; an email template whose subject is
    ((subject)) and body ((body))), otherwise through Django's mail framework. Raises on
    failure."""
    if settings.SAFEGUARD_NOTIFY_API_KEY:
        if not settings.SAFEGUARD_NOTIFY_TEMPLATE_ID:
            raise ValueError("SAFEGUARD_NOTIFY_TEMPLATE_ID is not set (GOV.UK Notify template)")
        from notifications_python_client.notifications import NotificationsAPIClient

        client = NotificationsAPIClient(
            settings.SAFEGUARD_NOTIFY_API_KEY,
            base_url=settings.SAFEGUARD_NOTIFY_BASE_URL,
            timeout=settings.EMAIL_TIMEOUT,
        )
        client.send_email_notification(
            email_address=address,
            template_id=settings.SAFEGUARD_NOTIFY_TEMPLATE_ID,
            personalisation={"subject": message.subject, "body": message.body},
            # Notify shows the reference to the service's team: the outbox id, nothing more.
            reference=f"safeguard-outbox-{message.pk}",
        )
        return
    EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    ).send()


def send_queued(now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send the queued messages that are due. Each message is claimed under a row lock in
    its own transaction (two overlapping runs never send one twice on PostgreSQL) and
    marked sent, or left queued with its error and a later next attempt, or failed after
    SAFEGUARD_NOTIFY_MAX_ATTEMPTS."""
    now = now or timezone.now()
    max_attempts = settings.SAFEGUARD_NOTIFY_MAX_ATTEMPTS
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    due = list(
        Outbox.objects.filter(status=OutboxStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        with transaction.atomic():
            message = (
                Outbox.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=pk, status=OutboxStatus.QUEUED)
                .first()
            )
            if message is None:
                continue  # another run has it
            message.attempts += 1
            address = message.recipient.email
            try:
                if not address:
                    raise ValueError("the account has no email address")
                deliver(message, address)
            except Exception as exc:  # any failure: keep the message, say why
                message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                give_up = not address or message.attempts >= max_attempts
                message.status = OutboxStatus.FAILED if give_up else OutboxStatus.QUEUED
                message.next_attempt_at = now + backoff(message.attempts)
                counts["failed" if give_up else "retrying"] += 1
                logger.warning("notify: message %s not sent: %s", pk, message.last_error)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = timezone.now()
                counts["sent"] += 1
            message.save(
                update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"]
            )
    return counts
