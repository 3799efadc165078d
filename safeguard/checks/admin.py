"""Alerts in the admin: read-only. Alerts change only through the sweep and the alert pages,
and are never deleted (their history is the audit of what the system said and who acted)."""

from django.contrib import admin

from .models import Alert, AlertEvent, Outbox


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "as_of", "at", "actor")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    # Child by id only, and no search by name: the admin shows no child's name
    # (docs/access.md, "The admin site"); alerts are read on the alert pages.
    list_display = ("check_id", "child_id", "subject_key", "status", "severity", "due_date")
    list_filter = ("check_id", "status", "severity")
    search_fields = ("child__local_id", "subject_key")
    # The detail and reasons describe the child's situation: read them on the alert pages.
    exclude = ("child", "detail")
    readonly_fields = (
        "check_id",
        "child_id",
        "subject_key",
        "severity",
        "status",
        "due_date",
        "approximate",
        "record_link",
        "unfilled_roles",
        "first_raised_on",
        "raised_on",
        "resolved_on",
        "closed_on",
        "ended_on",
        "ended_reason",
        "finding_present",
    )
    inlines = [AlertEventInline]


@admin.register(Outbox)
class OutboxAdmin(ReadOnly):
    """Alert emails and whether they went: an administrator sees failures here. A message
    holds no child's details (delivery.py), so it may be shown whole."""

    list_display = ("pk", "recipient", "kind", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind")
    readonly_fields = (
        "recipient",
        "kind",
        "status",
        "attempts",
        "last_error",
        "as_of",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "subject",
        "body",
    )
    actions = ["retry_now"]

    def has_change_permission(self, request, obj=None):
        # Needed for the action; every field stays read-only.
        return request.user.is_superuser or request.user.role == "administrator"

    @admin.action(description="Send again at the next run (failed or waiting messages)")
    def retry_now(self, request, queryset):
        from django.utils import timezone

        from .models import OutboxStatus

        n = queryset.exclude(status=OutboxStatus.SENT).update(
            status=OutboxStatus.QUEUED, next_attempt_at=timezone.now()
        )
        self.message_user(request, f"{n} message(s) will be sent at the next run")
