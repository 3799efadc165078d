"""Pages that write the structured record: register a child, identity, people around the
child, involvements (and requests to be involved), episodes, placements, health and
referrals.

Each page opens the child for writing (`open_child_for_write`: the role may write that
kind of record and may see the child; 404 otherwise), parses a GOV.UK form, and calls one
domain service; a service ValidationError goes back on the form (error summary + inline)
and nothing is saved. After a save the user returns to the child's summary with a
confirmation; with `?alert=<id>` the form is pre-filled from the alert (Alert.prefill) and
the confirmation says whether the alert has now resolved.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from safeguard.access import roles
from safeguard.access.models import AuditEntry
from safeguard.access.policy import (
    allowed_areas,
    open_child,
    open_child_for_write,
    session_verified,
)
from safeguard.access.versions import field_label, shown
from safeguard.accounts.models import Role
from safeguard.children import services as children_services
from safeguard.children.models import (
    Child,
    Involvement,
    InvolvementRequest,
    InvolvementRole,
    Relationship,
    RequestStatus,
)
from safeguard.core.forms import apply_service_errors, error_summary, posted
from safeguard.episodes import services as episode_services
from safeguard.episodes.models import Episode, Placement
from safeguard.frontdoor import access as front_door_access
from safeguard.health import services as health_services
from safeguard.health.models import Condition, Medicine

from . import record_forms as f

# --- shared ---------------------------------------------------------------------------


def _alert_for(request, child):
    """The open alert named by ?alert= about this child, or None (ignored if not theirs)."""
    alert_id = request.GET.get("alert")
    if not alert_id:
        return None
    from safeguard.checks.models import Alert
    from safeguard.checks.selectors import may_see_alert

    alert = Alert.objects.filter(pk=alert_id, child=child).first()
    if alert is None or not may_see_alert(request.user, alert):
        return None
    return alert


def _alert_intro(alert) -> str:
    if alert is None:
        return ""
    from safeguard.checks.engine import get_check

    try:
        action = get_check(alert.check_id).resolution.label
    except (KeyError, AttributeError):
        return "Saving this record may resolve the alert you came from."
    return f"The alert you came from asks you to: {action}. Save it here to resolve the alert."


def _saved(request, child, message, alert=None):
    """Back to the summary with a confirmation (and what became of the alert)."""
    if alert is not None:
        alert.refresh_from_db()
        if alert.status == "resolved":
            message += " The alert is resolved."
        else:
            message += " The alert is still open: check what else it needs."
    messages.success(request, message)
    return redirect("children:summary", child.pk)


def _page(request, form, title, child=None, template="recording/record_form.html", **extra):
    context = {"form": form, "title": title, "child": child, "errors": error_summary(form)}
    context.update(extra)
    return render(request, template, context)


def _attempt(form, save, field_map=None):
    """Run the service; on a ValidationError put it on the form and return None."""
    try:
        with transaction.atomic():
            return save() or True
    except ValidationError as exc:
        apply_service_errors(form, exc, field_map)
        return None


# --- register and identity ---------------------------------------------------------------

_IDENTITY_NAMES = children_services.IDENTITY_FIELDS
# Identity fields stored as NULL when blank (the rest are blank strings).
_NULLABLE = {"date_of_birth", "expected_date_of_delivery"}


@login_required
def register_child(request):
    if not session_verified(request) or not roles.may_write(request.user.role, "record:child"):
        raise Http404("Not found")
    form = f.RegisterChildForm(posted(request))
    matches, hidden_match = [], False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = children_services.possible_duplicates(
            nhs_number=data["nhs_number"],
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
        )
        from safeguard.access.policy import visible_children

        visible = set(visible_children(request, area="identity").values_list("pk", flat=True))
        found = list(duplicates)
        matches = [c for c in found if c.pk in visible]
        hidden_match = any(c.pk not in visible for c in found)
        if found and not data["confirmed_new"]:
            # Shown once: saving again (confirmed_new) makes the new record.
            form = f.RegisterChildForm(request.POST | {"confirmed_new": "on"})
            form.is_valid()
        else:
            role = (
                InvolvementRole.TEAM_MANAGER
                if request.user.role == Role.TEAM_MANAGER
                else InvolvementRole.ALLOCATED_SOCIAL_WORKER
            )
            fields = {n: data[n] for n in _IDENTITY_NAMES if data.get(n) is not None}
            child = _attempt(
                form,
                lambda: children_services.register_child_and_allocate(
                    actor=request.user,
                    involvement_role=role,
                    local_id=data["local_id"],
                    **fields,
                ),
            )
            if child:
                return _saved(request, child, f"{child.full_name}’s record was made.")
    return _page(
        request,
        form,
        "Register a child",
        template="recording/register_child.html",
        matches=matches,
        hidden_match=hidden_match,
        button="Check and register",
    )


def _identity_history(child) -> list:
    entries = AuditEntry.objects.filter(
        child=child, model="children.Child", action__in=["create", "update"]
    ).order_by("-id")[:100]
    out = []
    for entry in entries:
        entry.changed = [
            f"{field_label(Child, name)}: {shown(c.get('before'))} → {shown(c.get('after'))}"
            for name, c in entry.changes.items()
            if name not in ("version",)
        ]
        out.append(entry)
    return out


@login_required
def identity(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:identity")
    alert = _alert_for(request, child)
    initial = {n: getattr(child, n) for n in _IDENTITY_NAMES} | {"version": child.version}
    form = f.IdentityForm(posted(request), initial=initial)
    if alert is not None:
        form.fields["nhs_number"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            n: (data[n] if data[n] is not None else ("" if n not in _NULLABLE else None))
            for n in _IDENTITY_NAMES
        }
        saved = _attempt(
            form,
            lambda: children_services.update_identity(
                actor=request.user, child=child, expected_version=data["version"], **fields
            ),
        )
        if saved:
            return _saved(request, child, "Identity details saved.", alert)
    return _page(
        request,
        form,
        "Identity details",
        child,
        template="recording/identity.html",
        history=_identity_history(child),
        intro=_alert_intro(alert),
    )


# --- people --------------------------------------------------------------------------------


@login_required
def person_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:people")
    form = f.PersonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = {
            k: d[k] if d[k] is not None else None
            for k in ("given_name", "family_name", "known_as", "date_of_birth", "sex")
        }
        rel = {k[4:]: d[k] for k in d if k.startswith("rel_")}
        saved = _attempt(
            form,
            lambda: children_services.record_person_with_relationship(
                actor=request.user, child=child, person=person, relationship=rel
            ),
            {k[4:]: k for k in f.PersonForm.base_fields if k.startswith("rel_")},
        )
        if saved:
            return _saved(request, child, f"{person['given_name']} was added.")
    return _page(request, form, "Add a person in the child’s life", child)


def _end_page(request, child, *, title, rows, label, form_class, save, empty):
    """Choose one of `rows` and end it. A versioned row's choice carries the version the
    user saw ("pk:version"), so ending it after someone else changed it is refused."""
    chosen = request.POST.get("which", "")
    choices = []
    for r in rows:
        value = f"{r.pk}:{getattr(r, 'version', '')}"
        if chosen.partition(":")[0] == str(r.pk):
            value = chosen  # keep the version the user saw, for the service to check
        choices.append((value, label(r)))
    form = form_class(posted(request), choices=choices)
    if request.method == "POST" and form.is_valid():
        pk, _, version = form.cleaned_data["which"].partition(":")
        row = next(r for r in rows if str(r.pk) == pk)
        data = form.cleaned_data | {"version": version or None}
        if _attempt(form, lambda: save(row, data)):
            return _saved(request, child, f"{label(row)}: ended.")
    return _page(request, form, title, child, nothing_to_do=empty if not rows else "")


@login_required
def relationship_end(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:people")
    rows = list(
        Relationship.objects.filter(child=child, end_date__isnull=True).select_related("person")
    )
    return _end_page(
        request,
        child,
        title="End a relationship",
        rows=rows,
        label=lambda r: f"{r.person} ({r.get_relationship_display()})",
        form_class=f.EndForm,
        save=lambda r, d: children_services.end_relationship(
            actor=request.user, relationship=r, end_date=d["end_date"]
        ),
        empty="No current relationships are recorded.",
    )


# --- involvements --------------------------------------------------------------------------


@login_required
def involvement_add(request, child_id: int):
    # A page the front door uses (access/rules.py front_door=True): its manager allocates a
    # child on its list whom nobody is involved with yet.
    child = front_door_access.open_child_for_write(request, child_id, what="record:involvement")
    form = f.InvolvementForm(posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _attempt(
            form,
            lambda: children_services.record_involvement(
                actor=request.user,
                child=child,
                professional=d["professional"],
                role=d["role"],
                start_date=d["start_date"],
            ),
        ):
            message = f"{d['professional']} is now involved."
            if "identity" not in allowed_areas(request, child):
                messages.success(request, message)
                return redirect("frontdoor:queue")
            return _saved(request, child, message)
    return _page(request, form, "Allocate a professional", child)


@login_required
def involvement_end(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:involvement")
    rows = list(
        Involvement.objects.current(timezone.localdate())
        .filter(child=child, end_date__isnull=True)
        .select_related("professional")
    )
    return _end_page(
        request,
        child,
        title="End an involvement",
        rows=rows,
        label=lambda r: f"{r.professional} ({r.get_role_display()} from {r.start_date:%-d %B %Y})",
        form_class=f.EndForm,
        save=lambda r, d: children_services.end_involvement(
            actor=request.user,
            involvement=r,
            end_date=d["end_date"],
            expected_version=d.get("version"),
        ),
        empty="Nobody is involved without an end date.",
    )


@login_required
def involvement_request(request, child_id: int):
    # Anyone who may see the child's identity may ask (search finds only those children).
    child = open_child(request, child_id, area="identity")
    form = f.InvolvementRequestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _attempt(
            form,
            lambda: children_services.request_involvement(
                actor=request.user, child=child, role=d["role"], reason=d["reason"]
            ),
        ):
            return _saved(request, child, "Your request was sent to the allocated worker.")
    return _page(request, form, "Ask to be involved", child, button="Send the request")


def may_decide_requests(user, child) -> bool:
    """The allocated social worker, or a role that allocates involvements (team manager)."""
    if roles.may_write(user.role, "record:involvement"):
        return True
    return (
        Involvement.objects.current(timezone.localdate())
        .filter(child=child, professional=user, role=InvolvementRole.ALLOCATED_SOCIAL_WORKER)
        .exists()
    )


@login_required
def involvement_request_decide(request, child_id: int):
    child = open_child(request, child_id, area="identity")
    if not may_decide_requests(request.user, child):
        raise Http404("No child found")
    rows = list(
        InvolvementRequest.objects.filter(child=child, status=RequestStatus.PENDING)
        .select_related("requester", "requester__agency")
        .order_by("requested_at")
    )
    choices = [
        (
            str(r.pk),
            f"{r.requester} ({r.requester.agency or 'no agency'}) as "
            f"{r.get_role_display()}: {r.reason}",
        )
        for r in rows
    ]
    form = f.DecideRequestForm(posted(request), choices=choices)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        row = next(r for r in rows if str(r.pk) == d["which"])
        if _attempt(
            form,
            lambda: children_services.decide_involvement_request(
                actor=request.user, request=row, accept=d["decision"] == "accept", note=d["note"]
            ),
        ):
            return _saved(request, child, f"The request from {row.requester} was decided.")
    return _page(
        request,
        form,
        "Requests to be involved",
        child,
        nothing_to_do="" if rows else "No requests are waiting for a decision.",
    )


# --- episodes and placements ---------------------------------------------------------------


def _add_page(request, child, form, title, save, message, field_map=None):
    alert = _alert_for(request, child)
    saved = request.method == "POST" and form.is_valid()
    if saved and _attempt(form, lambda: save(form.cleaned_data), field_map):
        return _saved(request, child, message, alert)
    return _page(request, form, title, child, intro=_alert_intro(alert))


def _blank_none(data: dict, names) -> dict:
    return {n: ("" if data[n] is None else data[n]) for n in names}


@login_required
def episode_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:episode")
    names = ["kind", "legal_status", "cp_category", "primary_need", "notes"]
    return _add_page(
        request,
        child,
        f.EpisodeForm(posted(request)),
        "Start a plan or episode",
        lambda d: episode_services.record_episode(
            actor=request.user,
            child=child,
            start_date=d["start_date"],
            **_blank_none(d, names),
        ),
        "The plan or episode was recorded.",
    )


@login_required
def episode_end(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:episode")
    rows = list(Episode.objects.filter(child=child, end_date__isnull=True))
    return _end_page(
        request,
        child,
        title="End a plan or episode",
        rows=rows,
        label=str,
        form_class=f.EndEpisodeForm,
        save=lambda r, d: episode_services.end_episode(
            actor=request.user, episode=r, end_date=d["end_date"], reason_ended=d["reason_ended"]
        ),
        empty="No open plans or episodes are recorded.",
    )


def _current_placement(child):
    return (
        Placement.objects.filter(child=child, end_date__isnull=True).order_by("-start_date").first()
    )


@login_required
def placement_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:placement")
    current = _current_placement(child)
    form = f.PlacementForm(
        posted(request), initial={"version": current.version if current else None}
    )
    names = [
        "placement_type",
        "provider_type",
        "provider_name",
        "postcode",
        "area",
        "urn",
        "intended_until_18",
    ]

    def save(d):
        fields = _blank_none(d, names) | {"start_date": d["start_date"]}
        if current is None:
            return episode_services.record_placement(actor=request.user, child=child, **fields)
        return episode_services.move_placement(
            actor=request.user,
            current=current,
            reason_changed=d["reason_changed"],
            expected_version=d["version"],
            **fields,
        )

    intro = (
        f"The current placement ({current}) ends on the day the new one starts." if current else ""
    )
    saved = request.method == "POST" and form.is_valid()
    if saved and (placement := _attempt(form, lambda: save(form.cleaned_data))):
        from safeguard.care.services import has_chronic_condition

        if has_chronic_condition(child, placement.start_date) and roles.may_write(
            request.user.role, "record:care"
        ):
            # Recommendation 9: a placement for a child with a long-term condition needs
            # the plan that tells the carer how to manage it.
            messages.warning(
                request,
                "The placement was recorded. This child has a long-term condition: record "
                "the placement plan, the health information given to the carer and their "
                "training.",
            )
            return redirect("recording:placement-plan", child.pk)
        return _saved(request, child, "The placement was recorded.")
    return _page(request, form, "Record a placement or move", child, intro=intro)


@login_required
def placement_end(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:placement")
    current = _current_placement(child)
    rows = [current] if current else []
    return _end_page(
        request,
        child,
        title="End the placement",
        rows=rows,
        label=str,
        form_class=f.EndPlacementForm,
        save=lambda r, d: episode_services.end_placement(
            actor=request.user,
            placement=r,
            end_date=d["end_date"],
            reason_changed=d["reason_changed"],
            expected_version=d.get("version"),
        ),
        empty="There is no current placement.",
    )


# --- health ---------------------------------------------------------------------------------


@login_required
def condition_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:health")
    return _add_page(
        request,
        child,
        f.ConditionForm(posted(request)),
        "Record a condition",
        lambda d: health_services.record_condition(
            actor=request.user,
            child=child,
            diagnosed_on=d["diagnosed_on"],
            chronic=d["chronic"],
            **_blank_none(d, ["name", "snomed_code", "notes"]),
        ),
        "The condition was recorded.",
    )


@login_required
def medicine_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:medicine")
    conditions = list(Condition.objects.filter(child=child))
    form = f.MedicineForm(posted(request), conditions=conditions)

    def save(d):
        condition = next((c for c in conditions if str(c.pk) == d["condition"]), None)
        return health_services.record_medicine(
            actor=request.user,
            child=child,
            condition=condition,
            start_date=d["start_date"],
            long_term=d["long_term"],
            **_blank_none(d, ["name", "dose", "prescriber_name"]),
        )

    return _add_page(request, child, form, "Record a medicine", save, "The medicine was recorded.")


@login_required
def medicine_end(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:medicine")
    rows = list(Medicine.objects.filter(child=child, end_date__isnull=True))
    return _end_page(
        request,
        child,
        title="Stop a medicine",
        rows=rows,
        label=str,
        form_class=f.EndForm,
        save=lambda r, d: health_services.end_medicine(
            actor=request.user, medicine=r, end_date=d["end_date"]
        ),
        empty="No current medicines are recorded.",
    )


@login_required
def health_assessment(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:health")
    alert = _alert_for(request, child)
    initial = {"kind": (alert.prefill or {}).get("kind")} if alert else {}
    return _add_page(
        request,
        child,
        f.HealthAssessmentForm(posted(request), initial=initial),
        "Record a health assessment",
        lambda d: health_services.record_health_assessment(
            actor=request.user,
            child=child,
            kind=d["kind"],
            date=d["date"],
            by_medical_practitioner=d["by_medical_practitioner"],
            refused=bool(d["refused"]),
            health_plan_updated_on=d["health_plan_updated_on"],
            **_blank_none(d, ["assessor_name", "outcome", "refusal_reason", "recommendations"]),
        ),
        "The health assessment was recorded.",
    )


@login_required
def referral_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:referral")
    return _add_page(
        request,
        child,
        f.ReferralForm(posted(request)),
        "Record a referral to another service",
        lambda d: children_services.record_referral(
            actor=request.user,
            child=child,
            referred_by=request.user,
            from_agency=request.user.agency,
            date=d["date"],
            outcome_date=d["outcome_date"],
            **_blank_none(d, ["service", "reason", "outcome", "outcome_note"]),
        ),
        "The referral was recorded.",
    )
