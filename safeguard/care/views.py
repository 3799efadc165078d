"""The IRO service's dispute dashboard: counts, no child named (capability iro_dashboard)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from safeguard.access import roles
from safeguard.access.policy import session_verified

from .selectors import dispute_dashboard


@login_required
def iro_dashboard(request):
    if not session_verified(request) or not roles.has_capability(
        request.user.role, "iro_dashboard"
    ):
        raise PermissionDenied
    today = timezone.localdate()
    return render(
        request, "care/iro_dashboard.html", {"d": dispute_dashboard(today), "today": today}
    )
