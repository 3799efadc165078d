"""Deployment checks for access and audit (run by `safeguard check --deploy`)."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def second_factor_required(app_configs, **kwargs):
    if getattr(settings, "MODE", "production") == "production" and not getattr(
        settings, "SAFEGUARD_REQUIRE_OTP", True
    ):
        return [
            Warning(
                "SAFEGUARD_REQUIRE_OTP is off in production: professionals can sign in to "
                "children's records with a password alone",
                hint="Unset SAFEGUARD_REQUIRE_OTP (it defaults to on) - docs/security.md",
                id="safeguard.access.W001",
            )
        ]
    return []


@register(deploy=True)
def lockout_enabled(app_configs, **kwargs):
    if getattr(settings, "MODE", "production") == "production" and not getattr(
        settings, "AXES_ENABLED", True
    ):
        return [
            Warning(
                "AXES_ENABLED is off in production: repeated failed sign-ins are not locked out",
                hint="Unset AXES_ENABLED (it defaults to on) - docs/security.md",
                id="safeguard.access.W002",
            )
        ]
    return []
