"""Grants that widen access (restricted-record naming, break-glass) and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from safeguard.children.models import Child
from safeguard.core.models import AppendOnlyModel


class GrantQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class RestrictedAccess(models.Model):
    """Names a professional who may see a restricted child's record.

    A restricted record (a staff member's child, an adoption-sensitive record) is visible
    only to the people named here; an involvement alone is not enough. The grant is the
    professional's relationship with the child, so it also stands in for an involvement.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="restricted_grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="restricted_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "restricted access grants"
        indexes = [models.Index(fields=["user", "child"])]

    def __str__(self):
        return f"{self.user} named on restricted record {self.child_id}"


BREAK_GLASS_HOURS = 4


class BreakGlassAccess(models.Model):
    """Emergency access without involvement, given with a reason, for a few hours.

    Never for restricted records. Each grant has a reviewer who sees it on the break-glass
    review page (overdue after SAFEGUARD_EMERGENCY_REVIEW_HOURS) and is written to the
    audit trail with its reason.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="break_glass_grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Who must review it, chosen when it is granted (access.services.reviewer_for): the
    # team manager, else a service-level reviewer, else the safeguarding lead. Null only
    # on grants made before reviewers were assigned.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="emergency_reviews",
    )

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "child", "expires_at"])]

    def __str__(self):
        return f"Break-glass by {self.user} on record {self.child_id}"


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    SEARCH_RESULT = "search_result", "Listed in search or caseload"
    EXPORT = "export", "Exported"
    API = "api", "API read"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    CORRECT = "correct", "Corrected"
    WITHDRAW = "withdraw", "Withdrawn"
    LOOKUP = "lookup", "Looked up by NHS number or ID for emergency access"
    BREAK_GLASS = "break_glass", "Break-glass access"
    RESTRICTED_GRANT = "restricted_grant", "Named on restricted record"


class AuditEntry(AppendOnlyModel):
    """One read or write of a child's record. Append-only and hash-chained.

    The trail is partitioned into lanes (settings.SAFEGUARD_AUDIT_LANES), each its own
    chain, so that concurrent writers do not queue on one lock. `hash` is HMAC-SHA256,
    keyed by the audit key named by `key_id` (a setting, never in the database), over the
    canonical JSON of the fields below including `prev_hash`, the hash of the lane's
    previous entry (see safeguard.access.audit.entry_payload; `hash_version` 1, entries
    written before lanes, covers every field but `lane` and `hash_version`, and they are
    all in lane 1). `seq` numbers a lane's entries with no gaps, so a deleted row shows as
    a gap and an edited row as a hash mismatch; the global order for display is `id`.
    On PostgreSQL a trigger refuses UPDATE and DELETE of these rows (migration 0003).
    """

    # The entry's number in its lane (1, 2, 3, ... with no gaps); unique with `lane`.
    seq = models.BigIntegerField()
    # Which lane's chain the entry is in (1 .. SAFEGUARD_AUDIT_LANES).
    lane = models.PositiveSmallIntegerField(default=1)
    # Which fields the hash covers: 1 before lanes (no lane), 2 since.
    hash_version = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    # The actor's username when the entry was written, or "system".
    actor_label = models.CharField(max_length=150)
    # How the read or write came in: "web", "api", "scenario-loader", "command", ...
    via = models.CharField(max_length=64)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    area = models.CharField(max_length=32, blank=True)
    # Why the professional could see the child: involvement, team, restricted-grant,
    # break-glass (reads only).
    basis = models.CharField(max_length=32, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    model = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Writes: {"field": {"before": ..., "after": ...}} for each changed field.
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    # Which audit key signed the entry (settings.SAFEGUARD_AUDIT_KEY_ID when written), so
    # entries written before a key rotation still verify with the retired key.
    key_id = models.CharField(max_length=32, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        constraints = [
            models.UniqueConstraint(fields=["lane", "seq"], name="access_auditentry_lane_seq")
        ]
        indexes = [
            models.Index(fields=["child", "at"]),
            models.Index(fields=["actor", "at"]),
        ]

    def __str__(self):
        return f"#{self.lane}.{self.seq} {self.actor_label} {self.action} child {self.child_id}"


class AuditChainHead(models.Model):
    """A chain's head: a lane's (id 1 .. SAFEGUARD_AUDIT_LANES) or the anchors' (id 0).

    A writer locks one lane's head for the rest of its transaction (`SELECT ... FOR UPDATE
    SKIP LOCKED` picks a free one on PostgreSQL); on SQLite the IMMEDIATE transaction mode
    (settings.py) already serialises writers at BEGIN. `seq` and `last_hash` are the
    chain's last entry (0 and the genesis hash when it has none).
    """

    ANCHORS = 0

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self):
        if self.pk == self.ANCHORS:
            return f"Audit anchor chain head at #{self.seq}"
        return f"Audit lane {self.pk} head at #{self.seq}"


class AuditAnchor(AppendOnlyModel):
    """Every lane's head at one moment, itself hash-chained: what ties the lanes together.

    Written when a lane's first entry is appended and whenever a lane passes a multiple of
    SAFEGUARD_AUDIT_CHECKPOINT_EVERY (and by `safeguard audit checkpoint`), in the
    writer's transaction. `heads` is {lane: [seq, hash]} for every lane with entries; the
    checkpoint file line written with it names it, so a lane's entries cannot be removed
    or rewritten up to what an anchor recorded without `audit verify` showing it. `hash`
    is HMAC-SHA256 with the audit key over the canonical JSON of the other fields
    (safeguard.access.audit.anchor_payload). Append-only, also in PostgreSQL (migration
    0005).
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    # The lane whose writer wrote the anchor (0 for `audit checkpoint`).
    lane = models.PositiveSmallIntegerField()
    heads = models.JSONField()
    key_id = models.CharField(max_length=32)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self):
        return f"Audit anchor #{self.seq}"
