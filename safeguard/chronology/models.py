"""The append-only multi-agency chronology."""

import uuid

from django.conf import settings
from django.db import models

from safeguard.accounts.models import Agency
from safeguard.children.models import Child, Person
from safeguard.core.dates import Precision
from safeguard.core.models import AppendOnlyModel, AppendOnlyQuerySet


class EventQuerySet(AppendOnlyQuerySet):
    """Bulk update()/delete() are refused (inherited), as for every append-only model."""

    def current(self):
        """Entries not superseded by a correction (withdrawals are themselves entries)."""
        return self.filter(superseded_by__isnull=True, withdrawn=False)


class Event(AppendOnlyModel):
    """One thing that happened to a child, as one agency recorded it.

    Never updated or deleted: a correction is a new Event that `supersedes` the old one (a
    chain, one correction per entry), and "entered in error" is a new Event with
    `withdrawn=True`. `occurred_at` is the start of the period the date names, with its
    `precision`; `occurred_on` is its local date, kept for date arithmetic in checks.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="events")
    event_type = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    occurred_on = models.DateField()
    precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.DAY)
    recorded_at = models.DateTimeField()
    source_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="events")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recorded_events",
    )
    # Name of the recorder when they have no account (e.g. entries taken from old files).
    recorded_by_name = models.CharField(max_length=200, blank=True)
    summary = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    related_persons = models.ManyToManyField(Person, blank=True, related_name="events")
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    withdrawn = models.BooleanField(default=False)
    correction_reason = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "recorded_at", "id"]
        indexes = [
            models.Index(fields=["child", "occurred_at"]),
            models.Index(fields=["event_type", "occurred_on"]),
            models.Index(fields=["recorded_at"]),
            # The corrections alone. Almost every event supersedes nothing, and SQLite's
            # ANALYZE counts the NULLs as one value shared by every row, so it rates the
            # unique supersedes_id index useless and builds a temporary index over the whole
            # table for each "not superseded" join (36 s for one chronology of a 1,000,000
            # event caseload). A partial index holds only real corrections: both engines use
            # it for `supersedes_id = ?`, which implies NOT NULL.
            models.Index(
                fields=["supersedes"],
                condition=models.Q(supersedes__isnull=False),
                name="chronology_event_corrections",
            ),
        ]

    def __str__(self):
        return f"{self.event_type} on {self.occurred_on}: {self.summary[:60]}"
