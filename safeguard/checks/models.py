"""Alerts raised by the checks, their history, and the working-day calendar.

An Alert is one condition (check x child x subject) a named professional must act on. It is
never deleted: the sweep resolves it when the condition clears and reopens it if it recurs,
and every transition is an AlertEvent row (append-only) saying who, when and why.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from safeguard.children.models import Child
from safeguard.core.models import AppendOnlyModel


class CalendarDay(models.Model):
    """One row per day of the England and Wales calendar (filled 1990-2040 by migration 0002).

    `working_day_index` counts the working days up to and including this date, so a
    non-working day carries the index of the working day before it. "N working days after
    X" is then the working day whose index is index(X) + N: one indexed lookup, the same on
    SQLite and PostgreSQL.
    """

    date = models.DateField(primary_key=True)
    is_working_day = models.BooleanField()
    working_day_index = models.IntegerField()
    holiday_name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        indexes = [models.Index(fields=["working_day_index", "is_working_day"])]

    def __str__(self):
        return f"{self.date} ({'working day' if self.is_working_day else 'not a working day'})"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


class AlertStatus(models.TextChoices):
    RAISED = "raised", "Raised"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved (condition cleared)"
    CLOSED = "closed", "Closed by a person"
    # The duty stopped applying (the child died, turned 18, left care...): not resolved.
    ENDED = "ended", "Ended (the duty stopped applying)"


OPEN_STATUSES = (AlertStatus.RAISED, AlertStatus.ACKNOWLEDGED)


class Alert(models.Model):
    """The current state of one condition; AlertEvent holds how it got there.

    One row per (check, child, subject): when a resolved condition recurs the row is
    reopened (and the reopening recorded), so the history of one condition stays together.
    """

    check_id = models.CharField(max_length=64)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="alerts")
    # Distinguishes several alerts of one check for one child (e.g. one per missing episode).
    subject_key = models.CharField(max_length=200)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices)
    due_date = models.DateField()
    detail = models.TextField()
    # The date the finding rests on is approximate (month or year precision).
    approximate = models.BooleanField(default=False)
    # "chronology" or "summary": which part of the child's record the alert points to.
    record_link = models.CharField(max_length=16, default="summary")
    # Values for the record that resolves it (Finding.prefill), e.g. an episode reference.
    prefill = models.JSONField(default=dict, blank=True)
    # Roles the check tells for which nobody is recorded as involved on the day.
    unfilled_roles = models.CharField(max_length=300, blank=True)
    first_raised_on = models.DateField()
    raised_on = models.DateField(help_text="The as-of date it was last raised or re-raised")
    resolved_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    # The one person who must act: the first holder of the check's roles, in order.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_alerts",
    )
    # How far up the escalation ladder it has gone (0: not escalated; see escalation.py).
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # Why the duty stopped applying, e.g. "the child died"; empty unless ENDED.
    ended_reason = models.CharField(max_length=200, blank=True)
    # Whether the last sweep still found the condition. A closed alert whose condition is
    # still present stays closed; once the condition has cleared, a recurrence reopens it.
    finding_present = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_id", "child", "subject_key"], name="alert_one_per_subject"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["child", "status"]),
        ]

    def __str__(self):
        # The child by id, not name: this string shows in the admin and in logs, where
        # children's names do not belong (docs/access.md, "The admin site").
        return f"{self.check_id} for child {self.child_id} ({self.subject_key}): {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def days_overdue_when_finished(self) -> int:
        """Days past its due date when it was resolved or ended (0 if in time): lateness
        stays visible after the alert stops being open."""
        finished = self.ended_on or self.resolved_on
        if finished is None:
            return 0
        return max(0, (finished - self.due_date).days)

    @property
    def how_finished(self) -> str:
        if self.status == AlertStatus.ENDED:
            return f"Ended: {self.ended_reason}"
        if self.status == AlertStatus.RESOLVED:
            return "Resolved by a record"
        return ""


class AlertRecipient(models.Model):
    """A named professional told about an alert, and the involvement role that made it so."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alert_recipients"
    )
    role = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "professional", "role"], name="alert_recipient_unique"
            )
        ]
        indexes = [models.Index(fields=["professional", "alert"])]

    def __str__(self):
        return f"{self.professional} ({self.role})"


class AlertEventKind(models.TextChoices):
    RAISED = "raised", "Raised"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved: the condition cleared"
    CLOSED = "closed", "Closed with a reason"
    REOPENED = "reopened", "Re-raised: the condition recurred"
    CONDITION_CLEARED = "condition_cleared", "Condition cleared after the alert was closed"
    ENDED = "ended", "Ended: the duty stopped applying"
    ESCALATED = "escalated", "Escalated: not dealt with in time"


class AlertEvent(AppendOnlyModel):
    """One transition of an alert: append-only, never changed or deleted."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="history")
    kind = models.CharField(max_length=24, choices=AlertEventKind.choices)
    as_of = models.DateField(help_text="The date the record was evaluated as of")
    at = models.DateTimeField(auto_now_add=True)
    # None when the sweep did it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alert_events",
    )
    reason = models.TextField(blank=True)
    detail = models.TextField(blank=True, help_text="The alert's detail at the time")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.alert_id} {self.kind} as of {self.as_of}"


class Notice(models.Model):
    """Something a professional must be told at once that is not an alert: a partner added
    information to a child's record (contribute-without-seeing). Shown on the recipient's
    home page under "New information from partners" until marked read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices"
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="notices")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        # No child name: this string may reach logs (see Alert.__str__).
        return f"Notice {self.pk} for user {self.recipient_id} about child {self.child_id}"


class OutboxKind(models.TextChoices):
    IMMEDIATE = "immediate", "At once (high-severity alert)"
    DIGEST = "digest", "Daily digest"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


class Outbox(models.Model):
    """A message to a professional outside Safeguard, queued in the transaction of the alert
    change that caused it (so nothing is lost when the mail server is down) and sent by
    `safeguard notify send` (checks/delivery.py). It holds no child's details, by design:
    the subject and body say only that there are alerts, and link to sign in."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outbox"
    )
    kind = models.CharField(max_length=16, choices=OutboxKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The as-of day of the sweep (immediate) or the day the digest covers up to.
    as_of = models.DateField()
    # The alerts it announces, by id (for the replay and for tracing a complaint; ids say
    # nothing about a child).
    alert_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = "outbox message"

    def __str__(self):
        return f"{self.kind} message {self.pk} to user {self.recipient_id}: {self.status}"
