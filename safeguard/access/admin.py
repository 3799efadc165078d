"""Read-only admin views of the audit trail and access grants (superusers, administrators)."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEntry, BreakGlassAccess, RestrictedAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    # Ids only: the admin shows nothing of a child's record. Field changes, reasons and
    # paths (a search path carries the name typed) are left out: they are read on the
    # child's audit page by managers who may see the child.
    list_display = ("lane", "seq", "at", "actor_label", "via", "action", "child_id", "area", "ip")
    list_filter = ("action", "via")
    search_fields = ("actor_label",)
    fields = list_display + (
        "basis",
        "user_agent",
        "model",
        "object_id",
        "prev_hash",
        "hash",
    )


@admin.register(BreakGlassAccess)
class BreakGlassAccessAdmin(ReadOnlyAdmin):
    # No reason: it describes the child's situation (the team manager reviews it).
    list_display = ("granted_at", "user", "child_id", "expires_at")
    fields = list_display


@admin.register(RestrictedAccess)
class RestrictedAccessAdmin(ReadOnlyAdmin):
    list_display = ("granted_at", "user", "child_id", "granted_by", "expires_at", "revoked_at")
    fields = list_display


# Administrators may remove a lost authenticator (so its owner can enrol a new one) but
# never see or change a device's secret: django-otp's own admin would show the secret and
# its QR code, letting an administrator copy anyone's second factor.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    fields = ("user", "name", "confirmed")
    readonly_fields = fields
    search_fields = ("user__username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
