"""Meetings pages. They live in the meetings app because they write only meetings records
(concerns, meetings, attendance, actions, enquiries) through meetings.services and read
nothing above it; the recording layer maps the meeting checks' alerts here
(recording/resolutions.py). A page opened from an alert carries ?alert=<id> only to return
to the alert after saving.

    Record a concern            /children/<id>/concerns/new/        meetings:record-concern
    Record a s47 enquiry        /children/<id>/s47/new/             meetings:record-s47
    A meeting                   /meetings/<id>/                     meetings:meeting
    Record it held              /meetings/<id>/held/                meetings:hold
    Record its minutes          /meetings/<id>/minutes/             meetings:minutes
    Add an action               /meetings/<id>/actions/new/         meetings:add-action
    Move a meeting              /meetings/<id>/move/                meetings:move
    Cancel a meeting            /meetings/<id>/cancel/              meetings:cancel
    Complete an action          /actions/<id>/complete/             meetings:complete-action
    Close a concern             /concerns/<id>/close/               meetings:close-concern
    Conclude a s47 enquiry      /s47/<id>/conclude/                 meetings:conclude-s47
    Set a plan milestone        /children/<id>/milestones/new/      meetings:record-milestone
    Review a milestone          /milestones/<id>/review/            meetings:review-milestone
    Minutes outstanding (chair) /meetings/minutes-outstanding/      meetings:minutes-outstanding

Three pages with meetings URL names read the checks, so they sit in the layer above
(docs/architecture.md, "Layers"): the child's meetings and plans (meetings:child, which
sends an action or minutes alert on to its page) and scheduling a meeting
(meetings:schedule, which takes the kind from the alert's check) in
recording/meeting_pages.py, and the looked-after reviews due (meetings:reviews-due, from
the LAC-REVIEW rules) in casework/views.py. They use `_may_write` and `_render_form`.

A meeting can be about several children (MACE). A meeting page opens if the professional
may see at least one of them, shows only those they may see (each checked with the access
policy and its read audited), and actions about a child they may not see are left out.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from safeguard.access import audit, roles
from safeguard.access.models import AuditAction
from safeguard.access.policy import (
    open_child_for_write,
    session_verified,
    visible_children,
)
from safeguard.accounts.models import User
from safeguard.children.models import Involvement
from safeguard.core.forms import apply_service_errors, error_summary, posted

from . import selectors, services
from .forms import (
    ActionForm,
    CancelForm,
    CloseConcernForm,
    CompleteActionForm,
    ConcernForm,
    ConcludeS47Form,
    HoldForm,
    MilestoneForm,
    MinutesForm,
    MoveForm,
    ReviewMilestoneForm,
    S47Form,
)
from .models import (
    Action,
    Concern,
    ConcernStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Milestone,
    MilestoneStatus,
    S47Enquiry,
    StrategyOutcome,
)


def _may_write(request, what: str) -> bool:
    return session_verified(request) and roles.may_write(request.user.role, what)


def _after_saving(request, default_url):
    alert_id = request.GET.get("alert")
    if alert_id:
        # Back to the alert: the child was re-evaluated when the write committed.
        return redirect("checks:detail", alert_id=alert_id)
    return redirect(default_url)


def _open_meeting(request, meeting_id, *, area: str, write: str = ""):
    """The meeting and the children of it the professional may see (reads audited); 404
    if none (or if the role may not make this write)."""
    if write and not _may_write(request, write):
        raise Http404("No meeting found")
    meeting = get_object_or_404(
        Meeting.objects.select_related("chair", "trigger_concern"), pk=meeting_id
    )
    children = list(
        visible_children(request, area=area).filter(meeting_links__meeting=meeting).order_by("pk")
    )
    if not children:
        raise Http404("No meeting found")
    audit.record_reads(request, children, area=area, action=AuditAction.VIEW)
    return meeting, children


def _render_form(request, template, form, **context):
    errors = error_summary(form) if form.is_bound else []
    return render(request, template, {"form": form, "errors": errors, **context})


# --- A child's concerns and enquiries -----------------------------------------------------


@login_required
def record_concern(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:concern")
    form = ConcernForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.user.agency_id is None:
                raise ValidationError("Your account has no agency: ask an administrator")
            services.record_concern(
                actor=request.user,
                children=[child],
                source_agency=request.user.agency,
                **{k: data[k] for k in ("kind", "risk_level", "category", "raised_on", "summary")},
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _after_saving(request, reverse("meetings:child", args=[child.pk]))
    return _render_form(request, "meetings/concern_form.html", form, child=child)


@login_required
def record_s47(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:meeting")
    discussions = Meeting.objects.filter(
        links__child=child,
        kind=MeetingKind.STRATEGY_DISCUSSION,
        status=MeetingStatus.HELD,
        strategy_outcome=StrategyOutcome.SECTION_47,
    )
    form = S47Form(posted(request), discussions=discussions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_s47(
                actor=request.user,
                child=child,
                strategy_discussion=discussions.get(pk=data["strategy_discussion"]),
                started_on=data["started_on"],
                completed_on=data["completed_on"],
                outcome=data["outcome"],
                lead=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _after_saving(request, reverse("meetings:child", args=[child.pk]))
    return _render_form(request, "meetings/s47_form.html", form, child=child)


# --- One meeting -------------------------------------------------------------------------


@login_required
def meeting_detail(request, meeting_id: int):
    meeting, children = _open_meeting(request, meeting_id, area="summary")
    visible_ids = {c.pk for c in children}
    actions = [
        a
        for a in meeting.actions.select_related("owner", "child")
        if a.child_id is None or a.child_id in visible_ids
    ]
    return render(
        request,
        "meetings/meeting.html",
        {
            "meeting": meeting,
            "children": children,
            "hidden_children": meeting.links.count() - len(children),
            "attendances": meeting.attendances.select_related("agency", "professional").order_by(
                "pk"
            ),
            "actions": actions,
            "may_write": _may_write(request, "record:meeting"),
            "alert_id": request.GET.get("alert", ""),
            "today": timezone.localdate(),
        },
    )


def _query(request):
    return f"?alert={request.GET['alert']}" if request.GET.get("alert") else ""


@login_required
def hold(request, meeting_id: int):
    meeting, children = _open_meeting(request, meeting_id, area="identity", write="record:meeting")
    form = HoldForm(posted(request), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.hold_meeting(
                actor=request.user,
                meeting=meeting,
                held_on=form.cleaned_data["held_on"],
                attendance=form.attendance(),
                **form.outcome(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, {"attendance": "extra_agency"})
        else:
            return _after_saving(request, reverse("meetings:meeting", args=[meeting.pk]))
    return _render_form(
        request, "meetings/hold_form.html", form, meeting=meeting, children=children
    )


@login_required
def minutes(request, meeting_id: int):
    meeting, children = _open_meeting(request, meeting_id, area="identity", write="record:meeting")
    form = MinutesForm(posted(request), initial={"minutes": meeting.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_minutes(
                actor=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _after_saving(request, reverse("meetings:meeting", args=[meeting.pk]))
    return _render_form(
        request, "meetings/minutes_form.html", form, meeting=meeting, children=children
    )


@login_required
def add_action(request, meeting_id: int):
    meeting, children = _open_meeting(request, meeting_id, area="identity", write="record:meeting")
    owners = User.objects.filter(
        pk__in=meeting.attendances.filter(professional__isnull=False).values("professional")
    ) | User.objects.filter(pk=request.user.pk)
    form = ActionForm(posted(request), owners=owners.distinct().select_related("agency"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_action(
                actor=request.user,
                meeting=meeting,
                description=data["description"],
                owner=User.objects.get(pk=data["owner"]),
                due_on=data["due_on"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("meetings:meeting", meeting_id=meeting.pk)
    return _render_form(
        request, "meetings/action_form.html", form, meeting=meeting, children=children
    )


@login_required
def complete_action(request, action_id: int):
    if not _may_write(request, "record:action"):
        raise Http404("No action found")
    action = get_object_or_404(Action.objects.select_related("meeting", "owner"), pk=action_id)
    about = (
        [action.child_id]
        if action.child_id
        else list(action.meeting.links.values_list("child_id", flat=True))
    )
    children = list(visible_children(request, area="identity").filter(pk__in=about).order_by("pk"))
    if not children:
        raise Http404("No action found")
    audit.record_reads(request, children, area="identity", action=AuditAction.VIEW)
    form = CompleteActionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_action(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _after_saving(request, reverse("meetings:meeting", args=[action.meeting_id]))
    return _render_form(
        request, "meetings/complete_action_form.html", form, action=action, children=children
    )


@login_required
def move(request, meeting_id: int):
    meeting, children = _open_meeting(request, meeting_id, area="identity", write="record:meeting")
    local = timezone.localtime(meeting.scheduled_for)
    form = MoveForm(
        posted(request),
        initial={"date": local.date(), "time": f"{local:%H:%M}", "place": meeting.place},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.move_meeting(
                actor=request.user,
                meeting=meeting,
                scheduled_for=form.scheduled_for(),
                reason=form.cleaned_data["reason"],
                place=form.cleaned_data["place"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, {"scheduled_for": "date", "status": "reason"})
        else:
            return _after_saving(request, reverse("meetings:meeting", args=[meeting.pk]))
    return _render_form(
        request, "meetings/move_form.html", form, meeting=meeting, children=children
    )


@login_required
def cancel(request, meeting_id: int):
    meeting, children = _open_meeting(request, meeting_id, area="identity", write="record:meeting")
    form = CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_meeting(
                actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, {"status": "reason", "status_reason": "reason"})
        else:
            return _after_saving(request, reverse("meetings:meeting", args=[meeting.pk]))
    return _render_form(
        request, "meetings/cancel_form.html", form, meeting=meeting, children=children
    )


@login_required
def close_concern(request, concern_id: int):
    """A concern can be about several children: it opens if the professional may see one."""
    if not _may_write(request, "record:concern"):
        raise Http404("No concern found")
    concern = get_object_or_404(Concern.objects.select_related("source_agency"), pk=concern_id)
    children = list(
        visible_children(request, area="identity").filter(concern_links__concern=concern)
    )
    if not children:
        raise Http404("No concern found")
    audit.record_reads(request, children, area="identity", action=AuditAction.VIEW)
    form = CloseConcernForm(posted(request))
    if request.method == "POST" and form.is_valid() and concern.status == ConcernStatus.OPEN:
        try:
            services.close_concern(actor=request.user, concern=concern, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc, {"closed_reason": "reason"})
        else:
            return _after_saving(request, reverse("meetings:child", args=[children[0].pk]))
    elif request.method == "POST" and concern.status != ConcernStatus.OPEN:
        form.add_error(None, f"This concern was already closed on {concern.closed_on}")
    return _render_form(
        request, "meetings/close_concern_form.html", form, concern=concern, children=children
    )


@login_required
def conclude_s47(request, enquiry_id: int):
    enquiry = get_object_or_404(S47Enquiry, pk=enquiry_id)
    child = open_child_for_write(request, enquiry.child_id, what="record:meeting")
    form = ConcludeS47Form(posted(request))
    if request.method == "POST" and form.is_valid():
        if enquiry.completed_on:
            form.add_error(None, f"This enquiry already concluded on {enquiry.completed_on}")
        else:
            try:
                services.conclude_s47(actor=request.user, enquiry=enquiry, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return _after_saving(request, reverse("meetings:child", args=[child.pk]))
    return _render_form(
        request, "meetings/conclude_s47_form.html", form, enquiry=enquiry, child=child
    )


@login_required
def record_milestone(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:meeting")
    today = timezone.localdate()
    plans = list(selectors.current_plans(child, today).exclude(kind="early_help"))
    owners = (
        User.objects.filter(
            pk__in=Involvement.objects.current(today).filter(child=child).values("professional")
        )
        .select_related("agency")
        .order_by("last_name")
    )
    form = MilestoneForm(posted(request), plans=plans, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_milestone(
                actor=request.user,
                child=child,
                episode=next(e for e in plans if e.pk == data["episode"]),
                description=data["description"],
                set_on=today,
                due_on=data["due_on"],
                owner=owners.filter(pk=data["owner"]).first() if data["owner"] else None,
                owner_name="" if data["owner"] else data["owner_name"].strip(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, {"set_on": "due_on"})
        else:
            return _after_saving(request, reverse("meetings:child", args=[child.pk]))
    return _render_form(
        request, "meetings/milestone_form.html", form, child=child, no_plan=not plans
    )


@login_required
def review_milestone(request, milestone_id: int):
    milestone = get_object_or_404(Milestone.objects.select_related("episode"), pk=milestone_id)
    child = open_child_for_write(request, milestone.child_id, what="record:meeting")
    meetings = Meeting.objects.filter(links__child=child, status=MeetingStatus.HELD).order_by(
        "-held_on"
    )
    form = ReviewMilestoneForm(posted(request), meetings=meetings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if milestone.status != MilestoneStatus.OPEN:
            form.add_error(None, f"This milestone was already reviewed on {milestone.reviewed_on}")
        else:
            try:
                services.review_milestone(
                    actor=request.user,
                    milestone=milestone,
                    status=data["status"],
                    reviewed_on=data["reviewed_on"],
                    meeting=meetings.filter(pk=data["meeting"]).first()
                    if data["meeting"]
                    else None,
                    notes=data["notes"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc, {"reviewed_at": "meeting"})
            else:
                return _after_saving(request, reverse("meetings:child", args=[child.pk]))
    return _render_form(
        request, "meetings/review_milestone_form.html", form, milestone=milestone, child=child
    )


# --- Lists ----------------------------------------------------------------------------------


def _visible_names(request, meetings):
    """{meeting id: [children the professional may see]} for a list of meetings."""
    links = {}
    for m in meetings:
        links[m.pk] = []
    visible = visible_children(request, area="identity").filter(meeting_links__meeting__in=meetings)
    from .models import MeetingChild

    shown = {c.pk: c for c in visible}
    for link in MeetingChild.objects.filter(meeting__in=meetings, child_id__in=shown):
        links[link.meeting_id].append(shown[link.child_id])
    audit.record_reads(request, shown.values(), area="identity", action=AuditAction.SEARCH_RESULT)
    return links


@login_required
def minutes_outstanding(request):
    meetings = list(selectors.minutes_outstanding(request.user))
    names = _visible_names(request, meetings)
    # Only meetings whose minutes page this professional can open: one about children they
    # may no longer see (their involvement ended, e.g. at the child's death) is the case
    # holder's to finish, and is not offered here.
    rows = [{"meeting": m, "children": names[m.pk]} for m in meetings if names[m.pk]]
    return render(request, "meetings/minutes_outstanding.html", {"rows": rows})


def my_action_rows(request):
    """The professional's open actions, each with the children of it they may see (for
    "My actions" beside their alerts)."""
    actions = selectors.my_actions_list(request.user)
    meetings = list({a.meeting_id: a.meeting for a in actions}.values())
    names = _visible_names(request, meetings) if meetings else {}
    today = timezone.localdate()
    rows = []
    for a in actions:
        kids = [c for c in names.get(a.meeting_id, []) if a.child_id in (None, c.pk)]
        # The completion page opens only through a child the owner may see: an action
        # about children they do not (or no longer) work with is still theirs to know
        # about, but it is shown without the link that would refuse them.
        rows.append(
            {"action": a, "children": kids, "overdue": a.due_on < today, "may_open": bool(kids)}
        )
    return rows
