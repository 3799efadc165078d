from django.contrib.admin.apps import AdminConfig


class SafeguardAdminConfig(AdminConfig):
    """Django's admin, on Safeguard's admin site (see admin_site.py)."""

    default_site = "safeguard.access.admin_site.SafeguardAdminSite"
