"""Alert pages: my alerts, my team's alerts, one alert (acknowledge / close with a reason).

    My alerts       /alerts/                    checks:mine
    Team alerts     /alerts/team/[?overdue=1]   checks:team     team managers
    Alert           /alerts/<id>/               checks:detail   recipients and their team
                                                                manager
    Acknowledge     POST /alerts/<id>/acknowledge/  checks:acknowledge
    Close           POST /alerts/<id>/close/        checks:close
    Notices read    POST /notices/<child_id>/read/  checks:notices-read  my notices about
                                                                         the child, read

Alerts name a child, so an alert is shown only if the access policy lets the professional
see that child's summary, as well as being named on it (or managing a team that is).
"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from safeguard.children.models import InvolvementRole
from safeguard.core.prepared import run_prepared
from safeguard.meetings.views import my_action_rows

from .catalogue.emergency_access_review import REVIEWER_LABEL, REVIEWER_ROLE
from .catalogue.health_recommendation import OWNER_LABEL, OWNER_ROLE
from .engine import REGISTRY
from .forms import AcknowledgeForm, CloseForm
from .models import AlertEvent, AlertRecipient
from .selectors import (
    alert_rows,
    alerts_for,
    audit_alert_read,
    finished_for,
    open_alert,
    record_url,
    team_alerts,
)

ROLE_LABELS = {
    **dict(InvolvementRole.choices),
    REVIEWER_ROLE: REVIEWER_LABEL,
    OWNER_ROLE: OWNER_LABEL,
}

# "My alerts" and a team manager's team alerts, a page at a time.
MY_ALERTS_PER_PAGE = 50


@login_required
def mine(request):
    # A page of the open alerts at a time: a team manager of a large team is named on
    # hundreds, and each shown is an audited read.
    page = Paginator(alerts_for(request.user), MY_ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "checks/mine.html",
        {
            "rows": alert_rows(request, page.object_list),
            "page": page,
            "page_numbers": list(
                page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            ),
            "finished_rows": alert_rows(request, list(finished_for(request.user))),
            "is_manager": request.user.role == "team_manager" and request.user.team_id,
            # "My actions" from meetings, beside the alerts (Recommendation 3).
            "action_rows": my_action_rows(request),
        },
    )


@login_required
def team(request):
    if request.user.role != "team_manager" or not request.user.team_id:
        raise Http404("Only team managers have a team view")
    overdue_only = request.GET.get("overdue") == "1"
    page = Paginator(
        team_alerts(request.user, overdue_only=overdue_only), MY_ALERTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "checks/team.html",
        {
            "rows": alert_rows(request, page.object_list),
            "overdue_only": overdue_only,
            "overdue_query": "overdue=1" if overdue_only else "",
            "page": page,
            "page_numbers": list(
                page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            ),
        },
    )


def _detail(request, alert, *, ack_form=None, close_form=None):
    errors = []
    for form in (ack_form, close_form):
        if form is not None and form.is_bound:
            for field, messages in form.errors.items():
                errors += [{"text": m, "href": f"#id_{field}"} for m in messages]
    check = REGISTRY.get(alert.check_id)
    recipients = [
        (r.professional, r.role, ROLE_LABELS.get(r.role, r.role))
        for r in run_prepared(
            ("alert-recipients",),
            lambda p: (
                AlertRecipient.objects.filter(alert_id=p["alert_id"])
                .select_related("professional")
                .order_by("pk")
            ),
            alert_id=alert.pk,
        )
    ]
    # One owner: the first recipient in the order the check tells roles.
    order = {role: i for i, role in enumerate(check.tells if check else ())}
    ranked = sorted(recipients, key=lambda r: order.get(r[1], len(order)))
    owner = ranked[0] if ranked else None
    today = timezone.localdate()
    return render(
        request,
        "checks/detail.html",
        {
            "owner": (owner[0], owner[2]) if owner else None,
            "also_told": [(p, label) for p, _, label in ranked[1:]],
            "overdue_since": (
                alert.due_date + dt.timedelta(days=1)
                if alert.is_open and alert.due_date and alert.due_date < today
                else None
            ),
            "alert": alert,
            "check": check,
            "url": reverse("access:break-glass-review")
            if getattr(alert, "child_label", "")
            else record_url(alert),
            "resolve_url": reverse("recording:resolve-alert", args=[alert.pk]),
            "history": run_prepared(
                ("alert-history",),
                lambda p: (
                    AlertEvent.objects.filter(alert_id=p["alert_id"])
                    .select_related("actor")
                    .order_by("at", "id")
                ),
                alert_id=alert.pk,
            ),
            "unfilled": [ROLE_LABELS.get(r, r) for r in alert.unfilled_roles.split(",") if r],
            "ack_form": ack_form or AcknowledgeForm(),
            "close_form": close_form or CloseForm(),
            "errors": errors,
        },
    )


@login_required
def detail(request, alert_id: int):
    alert = open_alert(request, alert_id)
    if request.GET.get("recorded"):
        _say_outcome(request, alert)
    return _detail(request, alert)


def _say_outcome(request, alert) -> None:
    """After the alert's action was recorded (recording:event redirects here with
    ?recorded=<type>): say honestly whether the re-check, run when the record committed,
    resolved the alert."""
    from django.contrib import messages

    if alert.status == "resolved":
        messages.success(request, "Saved. The alert is resolved: the record now shows it.")
    elif alert.is_open:
        messages.warning(
            request,
            "Saved, but the alert is still open: the checks still find what it is about. "
            "Read what it asks for again, or close it with a reason if no record can "
            "resolve it.",
        )
    else:
        messages.success(request, f"Saved. The alert was already {alert.get_status_display()}.")


def _act_on_alert(request, alert_id: int, form_class, action, form_name: str):
    """Validate the form, call the service; on a problem, show the alert page with the
    error summary (200, like every other GOV.UK form here)."""
    # The service audits the acknowledgement or closure as a write; a read is recorded only
    # if the alert page is shown again (with the form's errors).
    alert = open_alert(request, alert_id, audit_read=False)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(actor=request.user, alert=alert, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.message_dict.get("status", exc.messages)[0])
        else:
            return redirect("checks:detail", alert_id=alert.pk)
    audit_alert_read(request, alert)
    return _detail(request, alert, **{form_name: form})


@login_required
@require_POST
def acknowledge(request, alert_id: int):
    from .services import acknowledge_alert

    return _act_on_alert(request, alert_id, AcknowledgeForm, acknowledge_alert, "ack_form")


@login_required
@require_POST
def close(request, alert_id: int):
    from .services import close_alert

    return _act_on_alert(request, alert_id, CloseForm, close_alert, "close_form")


@login_required
@require_POST
def notices_read(request, child_id: int):
    """Mark the professional's notices about a child read (they leave the home page)."""
    from safeguard.access.policy import visible_children

    from .services import mark_notices_read

    # 404 for a child the professional may not see, as for every page about a child.
    if not visible_children(request, area="identity").filter(pk=child_id).exists():
        raise Http404("No child found")
    mark_notices_read(request.user, child_id=child_id)
    return redirect("children:caseload")


@login_required
def delivery(request):
    """The professional's own choice of how alerts reach them by email (delivery.py),
    within what their role allows. Names no child."""
    from django.contrib import messages

    from safeguard.accounts.models import AlertDelivery
    from safeguard.core.forms import apply_service_errors, error_summary

    from .delivery import allowed_deliveries, effective_delivery, set_delivery
    from .forms import DeliveryForm

    labels = dict(AlertDelivery.choices)
    choices = [(v, labels[v]) for v in allowed_deliveries(request.user.role)]
    if request.method == "POST":
        form = DeliveryForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                set_delivery(user=request.user, choice=form.cleaned_data["alert_delivery"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Your choice is saved")
                return redirect("checks:delivery")
    else:
        form = DeliveryForm(
            initial={"alert_delivery": effective_delivery(request.user)}, choices=choices
        )
    return render(
        request,
        "checks/delivery.html",
        {
            "form": form,
            "errors": error_summary(form) if form.is_bound else [],
            "limited": len(choices) < len(AlertDelivery.choices),
            "has_email": bool(request.user.email),
        },
    )
