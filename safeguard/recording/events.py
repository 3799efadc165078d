"""Recording chronology events through the pages.

    What to record   /children/<id>/record/                        recording:event-types
    Record an event  /children/<id>/record/<event_type>/[?alert=N] recording:event
    Correct          /children/<id>/chronology/<event_id>/correct/  recording:correct-event
    Withdraw         /children/<id>/chronology/<event_id>/withdraw/ recording:withdraw-event

Writing needs the role's permission for the event type's category (access.roles.WRITES)
and the same relationship with the child as reading (policy.open_child_for_write); a
refusal is a 404 and nothing is written. The forms come from the event-type registry
(recording/forms.py), so every type has a page and the partners' frequent ones are short.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from safeguard.access import roles
from safeguard.access.policy import open_child, open_child_for_write, session_verified
from safeguard.accounts.models import Role
from safeguard.chronology.event_types import CATEGORIES, EVENT_TYPES
from safeguard.chronology.models import Event
from safeguard.chronology.services import correct_event, record_event, withdraw_event
from safeguard.core.dates import FuzzyMoment
from safeguard.core.forms import error_summary, posted

from .forms import WithdrawForm, correction_form_class, event_form_class
from .quick import quick_for

# The partners' frequent events, first on "What do you want to record?" for each role.
FREQUENT: dict[str, tuple[str, ...]] = {
    Role.POLICE_OFFICER: (
        "missing_from_care",
        "returned_from_missing",
        "police_incident",
        "arrest",
        "bail_conditions_set",
    ),
    Role.PHARMACIST: (
        "prescription_dispensed",
        "prescription_collected",
        "prescription_not_collected",
    ),
    Role.GP: ("prescription_issued", "prescription_not_collected", "health_appointment"),
    Role.SCHOOL_SAFEGUARDING_LEAD: ("school_absence", "school_exclusion", "concern_raised"),
    Role.HEALTH_PRACTITIONER: ("ae_attendance", "seizure", "hospital_admission"),
    Role.EXPLOITATION_WORKER: (
        "social_worker_visit",
        "return_interview_offered",
        "return_interview_completed",
        "exploitation_concern",
    ),
    Role.SOCIAL_WORKER: (
        "social_worker_visit",
        "return_interview_offered",
        "return_interview_completed",
        "concern_raised",
    ),
    Role.TEAM_MANAGER: ("social_worker_visit", "concern_raised"),
    Role.IRO: ("note",),
}


def writable_types(role: str) -> list:
    """Event types the role may write, in registry order."""
    return [t for t in EVENT_TYPES.values() if roles.may_write(role, f"event:{t.category}")]


def _open_for_any_event(request, child_id):
    role = getattr(request.user, "role", "")
    categories = [w for w in roles.EVENT_CATEGORY_WRITES if roles.may_write(role, w)]
    if not categories or not session_verified(request):
        raise Http404("No child found")
    return open_child_for_write(request, child_id, what=categories[0])


@login_required
def event_types(request, child_id: int):
    child = _open_for_any_event(request, child_id)
    role = request.user.role
    types = writable_types(role)
    frequent = [EVENT_TYPES[c] for c in FREQUENT.get(role, ()) if EVENT_TYPES[c] in types]
    groups = [
        (label, [t for t in types if t.category == code])
        for code, label in CATEGORIES.items()
        if any(t.category == code for t in types)
    ]
    return render(
        request,
        "recording/event_types.html",
        {
            "child": child,
            "frequent": frequent,
            "groups": groups,
            "quick_entries": quick_for(role),
        },
    )


def _alert_for(request, child):
    """The alert named in ?alert=, if the user may see it and it is about this child."""
    alert_id = request.GET.get("alert")
    if not alert_id:
        return None
    from safeguard.checks.selectors import open_alert

    alert = open_alert(request, alert_id)
    if alert.child_id != child.pk:
        raise Http404("No alert found")
    return alert


@login_required
def record(request, child_id: int, event_type: str):
    return record_page(request, child_id, event_type)


def record_page(request, child_id: int, event_type: str, *, form_class=None, quick=None):
    """Record one event: the type's full generated form, or a quick page's short one."""
    etype = EVENT_TYPES.get(event_type)
    if etype is None:
        raise Http404("No such kind of event")
    child = open_child_for_write(request, child_id, what=f"event:{etype.category}")
    alert = _alert_for(request, child)
    form_class = form_class or event_form_class(event_type)
    check = None
    if alert is not None:
        from safeguard.checks.engine import REGISTRY

        check = REGISTRY.get(alert.check_id)
    if request.method == "POST":
        form = form_class(request.POST, child=child)
        if form.is_valid():
            if request.user.agency_id is None:
                form.add_error(None, "Your account has no agency: ask an administrator to set it")
            else:
                try:
                    record_event(
                        actor=request.user,
                        child=child,
                        source_agency=request.user.agency,
                        recorded_by=request.user,
                        **form.cleaned_event(),
                    )
                except ValidationError as exc:
                    form.apply_service_errors(exc)
                else:
                    if alert is not None:
                        # The child's checks re-run once the write commits; the alert page,
                        # on the next request, says whether this resolved the alert.
                        url = reverse("checks:detail", args=[alert.pk])
                        return redirect(f"{url}?recorded={etype.code}")
                    messages.success(request, f"{etype.label} recorded for {child.full_name}.")
                    if "chronology" in roles.areas_for(request.user.role):
                        return redirect("chronology:chronology", child_id=child.pk)
                    return redirect("children:summary", child_id=child.pk)
    else:
        form = form_class(child=child, prefill=alert.prefill if alert else None)
    return render(
        request,
        "recording/event_form.html",
        {
            "child": child,
            "event_type": etype,
            "category": CATEGORIES[etype.category],
            "form": form,
            "errors": error_summary(form),
            "alert": alert,
            "check": check,
            "quick": quick,
        },
    )


# --- corrections and withdrawals -------------------------------------------------------


def _open_event(request, child_id: int, event_id: int) -> Event:
    """The latest version of an entry, if the user may write its category and read the
    child's chronology; 404 otherwise."""
    try:
        event = Event.objects.select_related("child").get(pk=event_id, child_id=child_id)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise Http404("No entry found") from None
    etype = EVENT_TYPES.get(event.event_type)
    category = etype.category if etype else "other"
    open_child_for_write(request, child_id, what=f"event:{category}")
    areas = roles.areas_for(request.user.role)
    from safeguard.access.policy import TIMELINE_CATEGORY_AREAS

    if TIMELINE_CATEGORY_AREAS.get(category, "chronology") not in areas:
        raise Http404("No entry found")
    open_child(request, child_id, area="chronology")
    if event.withdrawn or Event.objects.filter(supersedes=event).exists():
        raise Http404("This entry has been corrected or withdrawn: change the latest version")
    return event


@login_required
def correct(request, child_id: int, event_id: int):
    original = _open_event(request, child_id, event_id)
    form_class = correction_form_class(original.event_type)
    initial = {
        "occurred": FuzzyMoment(original.occurred_at, original.precision),
        "summary": original.summary,
        **{f"detail_{k}": v for k, v in original.details.items()},
        "related_persons": [str(p.pk) for p in original.related_persons.all()],
    }
    if request.method == "POST":
        form = form_class(request.POST, child=original.child)
        if form.is_valid():
            changes = form.cleaned_event()
            changes.pop("event_type")
            try:
                correct_event(
                    actor=request.user,
                    original=original,
                    reason=form.cleaned_data["reason"],
                    **changes,
                )
            except ValidationError as exc:
                form.apply_service_errors(exc)
                if "correction_reason" in getattr(exc, "message_dict", {}):
                    form.add_error("reason", exc.message_dict["correction_reason"][0])
            else:
                messages.success(
                    request, "Entry corrected. The original is kept, marked as corrected."
                )
                return redirect("chronology:chronology", child_id=child_id)
    else:
        form = form_class(child=original.child, initial=initial)
    return render(
        request,
        "recording/correct_event.html",
        {
            "child": original.child,
            "original": original,
            "event_type": EVENT_TYPES.get(original.event_type),
            "form": form,
            "errors": error_summary(form),
        },
    )


@login_required
def withdraw(request, child_id: int, event_id: int):
    original = _open_event(request, child_id, event_id)
    form = WithdrawForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            withdraw_event(
                actor=request.user, original=original, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error("reason" if hasattr(exc, "error_dict") else None, exc.messages[0])
        else:
            messages.success(
                request, "Entry withdrawn. It stays in the chronology, marked as withdrawn."
            )
            return redirect("chronology:chronology", child_id=child_id)
    return render(
        request,
        "recording/withdraw_event.html",
        {
            "child": original.child,
            "original": original,
            "event_type": EVENT_TYPES.get(original.event_type),
            "form": form,
            "errors": error_summary(form),
        },
    )
