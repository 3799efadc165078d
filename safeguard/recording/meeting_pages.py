"""The meetings pages that read the checks, composed above the meetings app. They keep the
meetings app's URL names (safeguard/urls.py adds `meetings_urlpatterns` to the meetings
namespace), so links and the access rules are unchanged.

    Child's meetings and plans  /children/<id>/meetings/     meetings:child
        opened from an alert (?alert=<id>) about an action or a meeting's minutes, it sends
        the user on to the action to complete or the minutes to record (Alert.prefill)
    Schedule a meeting          /children/<id>/meetings/new/ meetings:schedule
        opened from an alert, the kind of meeting is the one the alert's check asks for
        (its Resolution) and the concern that triggered it is chosen (Alert.prefill)

Everything else about a meeting writes and reads only meetings records and stays in the
meetings app (safeguard/meetings/views.py).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from safeguard.access import audit
from safeguard.access.models import AuditAction
from safeguard.access.policy import open_child, open_child_for_write, visible_children
from safeguard.accounts.models import User
from safeguard.checks.engine import get_check
from safeguard.checks.selectors import open_alert
from safeguard.children.models import Involvement
from safeguard.core.forms import apply_service_errors, posted
from safeguard.meetings import selectors as meeting_selectors
from safeguard.meetings import services as meeting_services
from safeguard.meetings.forms import ScheduleForm, chairs_for
from safeguard.meetings.models import Meeting, MeetingKind, MeetingStatus
from safeguard.meetings.views import _may_write, _render_form


def _alert(request):
    """The alert this page was opened from (?alert=<id>), if the user may see it."""
    alert_id = request.GET.get("alert")
    return open_alert(request, alert_id) if alert_id else None


@login_required
def child_meetings(request, child_id: int):
    child = open_child(request, child_id, area="summary")
    alert = _alert(request)
    if alert is not None and alert.child_id == child.pk:
        prefill = alert.prefill or {}
        query = f"?alert={alert.pk}"
        if "action" in prefill:
            return redirect(reverse("meetings:complete-action", args=[prefill["action"]]) + query)
        if "meeting" in prefill:
            meeting = Meeting.objects.filter(pk=prefill["meeting"]).first()
            if meeting is not None and meeting.status == MeetingStatus.HELD and not meeting.minutes:
                return redirect(reverse("meetings:minutes", args=[meeting.pk]) + query)
    return render(
        request,
        "meetings/child.html",
        {
            "child": child,
            "concerns": child.concerns.order_by("-raised_on"),
            "meetings": meeting_selectors.meetings_for_child(child),
            "plans": meeting_selectors.current_plans(child),
            "milestones": child.milestones.select_related("episode").order_by("due_on"),
            "enquiries": child.s47_enquiries.select_related("strategy_discussion"),
            "may_record_concern": _may_write(request, "record:concern"),
            "may_schedule": _may_write(request, "record:meeting"),
        },
    )


@login_required
def schedule(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:meeting")
    alert = _alert(request)
    kind = request.GET.get("kind", "")
    if alert is not None:
        record = get_check(alert.check_id).resolution.record
        kind = record.split(":", 1)[1] if record.startswith("meeting:") else kind
    today = timezone.localdate()
    involved = (
        User.objects.filter(
            pk__in=Involvement.objects.current(today).filter(child=child).values("professional")
        )
        .select_related("agency")
        .order_by("last_name")
    )
    initial = {"kind": kind if kind in MeetingKind.values else "", "chair": request.user.pk}
    if alert and (alert.prefill or {}).get("concern"):
        initial["trigger_concern"] = alert.prefill["concern"]
    elif request.GET.get("concern", "").isdigit():
        # From a front-door decision of "strategy discussion" (recording/frontdoor.py): the
        # concern the decision raised (the form offers only the child's open concerns).
        initial["trigger_concern"] = int(request.GET["concern"])
    form = ScheduleForm(
        posted(request),
        initial=initial,
        chairs=chairs_for(request.user),
        involved=involved,
        concerns=child.concerns.filter(status="open"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        children = [child]
        wanted = [x.strip() for x in data["other_children"].split(",") if x.strip()]
        if wanted:
            found = {
                c.local_id: c
                for c in visible_children(request, area="identity").filter(local_id__in=wanted)
            }
            missing = [x for x in wanted if x not in found]
            if missing:
                form.add_error("other_children", f"No child you may see has local ID {missing[0]}")
            else:
                audit.record_reads(
                    request, found.values(), area="identity", action=AuditAction.VIEW
                )
                children += list(found.values())
        if not form.errors:
            invitees = [{"professional": u} for u in involved if u.pk in data["invitees"]]
            chair = User.objects.get(pk=data["chair"])
            if chair.pk not in data["invitees"]:
                invitees.insert(0, {"professional": chair, "role": "Chair"})
            try:
                meeting = meeting_services.schedule_meeting(
                    actor=request.user,
                    kind=data["kind"],
                    children=children,
                    scheduled_for=form.scheduled_for(),
                    place=data["place"],
                    chair=chair,
                    invitees=invitees,
                    trigger_concern=child.concerns.filter(pk=data["trigger_concern"]).first(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc, {"scheduled_for": "date"})
            else:
                url = reverse("meetings:meeting", args=[meeting.pk])
                if alert is not None:
                    url += f"?alert={alert.pk}"
                return redirect(url)
    return _render_form(request, "meetings/schedule_form.html", form, child=child, alert=alert)
