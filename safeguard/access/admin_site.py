"""The Django admin, narrowed to account management.

Decision (docs/access.md, "The admin site"): the admin is for superusers and
administrators managing agencies, teams and accounts, behind the second factor. No model
that holds a child's record (children, episodes, health, chronology) is registered here:
those are read and written only through the pages, which go through
safeguard.access.policy and are audited. A test fails if a child-record model is
registered. The audit trail and access grants are shown read-only.
"""

from django.conf import settings
from django.contrib import admin

from .roles import has_capability


class SafeguardAdminSite(admin.AdminSite):
    site_header = "Safeguard administration"
    site_title = "Safeguard administration"

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if not (user.is_superuser or has_capability(user.role, "manage_accounts")):
            return False
        if getattr(settings, "SAFEGUARD_REQUIRE_OTP", True):
            is_verified = getattr(user, "is_verified", None)
            return bool(is_verified and is_verified())
        return True
