"""Recording pages (the layer above the domain apps).

Resolve an alert  /alerts/<id>/resolve/   recording:resolve-alert  redirects to the page
                                                                    that makes the record
                                                                    the alert asks for
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from safeguard.checks.engine import REGISTRY
from safeguard.checks.selectors import open_alert

from .resolutions import resolution_url


@login_required
def resolve_alert(request, alert_id: int):
    alert = open_alert(request, alert_id)
    check = REGISTRY.get(alert.check_id)
    if check is None:
        # A check since retired from the catalogue names no record: the alert page offers
        # closing it with a reason.
        return redirect("checks:detail", alert_id=alert.pk)
    return redirect(resolution_url(alert, check))
