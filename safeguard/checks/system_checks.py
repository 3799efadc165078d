"""Django system checks: a mistyped SAFEGUARD_CHECKS or SAFEGUARD_ESCALATION (both JSON in
the environment, docs/configuration.md) is reported when Safeguard starts and by
`safeguard check`, not first at the nightly sweep."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def safeguard_check_settings(app_configs=None, **kwargs):
    from .engine import check_settings
    from .escalation import escalation_settings

    errors = []
    for read, setting in (
        (check_settings, "SAFEGUARD_CHECKS"),
        (escalation_settings, "SAFEGUARD_ESCALATION"),
    ):
        try:
            read()
        except ImproperlyConfigured as exc:
            errors.append(
                checks.Error(
                    str(exc), hint=f"See docs/configuration.md ({setting})", id="safeguard.E100"
                )
            )
    return errors
