"""Recording pages (the layer above the domain apps).

Resolve an alert  /alerts/<id>/resolve/   recording:resolve-alert  redirects to the page
                                                                    that makes the record
                                                                    the alert asks for
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from safeguard.checks.engine import get_check
from safeguard.checks.selectors import open_alert

from .resolutions import resolution_url


@login_required
def resolve_alert(request, alert_id: int):
    alert = open_alert(request, alert_id)
    return redirect(resolution_url(alert, get_check(alert.check_id)))
