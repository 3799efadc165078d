"""Pages that write the looked-after care record (issue 13): placement plan, host authority
told, appointments, transition plan, capacity, IRO disputes, education and the PEP,
pathway plan, the death workflow, and FHIR prescribing/dispensing messages.

Each page opens the child for writing (the role may write that kind of record and may see
the child; 404 otherwise), lists what is recorded, parses a GOV.UK form and calls one
service; a ValidationError comes back on the form and nothing is saved. Pages with a
second form (escalate a dispute, mark a notification done) post it with `form=second`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from safeguard.access import roles
from safeguard.access.audit import audit_context
from safeguard.access.policy import open_child_for_write, session_verified, visible_children
from safeguard.care import services as care_services
from safeguard.care.models import Death
from safeguard.core.forms import error_summary, posted
from safeguard.episodes import services as episode_services
from safeguard.episodes.models import Placement
from safeguard.health import services as health_services
from safeguard.recording import fhir

from . import care_forms as f
from .records import _alert_for, _alert_intro, _attempt, _saved


def _forms(request, first_class, second_class=None, *, first_kwargs=None, second_kwargs=None):
    submitted = request.method == "POST"
    second_posted = submitted and request.POST.get("form") == "second"
    first = first_class(
        request.POST if submitted and not second_posted else None, **(first_kwargs or {})
    )
    second = None
    if second_class is not None:
        second = second_class(
            request.POST if second_posted else None, prefix="second", **(second_kwargs or {})
        )
    return first, second, (second if second_posted else first if submitted else None)


def _render(
    request,
    child,
    title,
    form,
    *,
    existing_title="",
    existing=(),
    second=None,
    second_title="",
    intro="",
    **extra,
):
    errors = error_summary(form) + (error_summary(second) if second is not None else [])
    context = {
        "child": child,
        "title": title,
        "form": form,
        "errors": errors,
        "existing_title": existing_title,
        "existing": list(existing),
        "second_form": second,
        "second_title": second_title,
        "intro": intro,
        **extra,
    }
    return render(request, "recording/care_form.html", context)


def _save(request, child, form, save, message, alert=None):
    if form is not None and form.is_valid() and _attempt(form, lambda: save(form.cleaned_data)):
        return _saved(request, child, message, alert)
    return None


def _d(value):
    return f"{value:%-d %B %Y}" if value else "not yet"


# --- placement plan ---------------------------------------------------------------------


@login_required
def placement_plan(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:care")
    alert = _alert_for(request, child)
    placements = list(child.placements.order_by("-start_date"))
    choices = [
        (str(p.pk), f"{p.provider_name or p.get_placement_type_display()} from {_d(p.start_date)}")
        for p in placements
    ]
    plans = list(child.placement_plans.select_related("placement").order_by("-requested_on"))
    plan_choices = [
        (
            str(p.pk),
            f"Requested {_d(p.requested_on)}"
            f"{' for ' + str(p.placement.provider_name) if p.placement else ''}",
        )
        for p in plans
    ]
    initial = {}
    if alert and (alert.prefill or {}).get("placement"):
        initial["which"] = str(alert.prefill["placement"])
    form, second, submitted = _forms(
        request,
        f.PlacementPlanForm,
        f.PlanSharedForm,
        first_kwargs={"choices": choices, "initial": initial},
        second_kwargs={"choices": plan_choices},
    )

    def save_plan(d):
        placement = next((p for p in placements if str(p.pk) == d["which"]), None)
        fields = {
            k: ("" if d[k] is None and k not in _DATE_FIELDS else d[k])
            for k in f.PLACEMENT_PLAN_FIELDS
        }
        return care_services.record_placement_plan(
            actor=request.user, child=child, placement=placement, **fields
        )

    def save_shared(d):
        plan = next(p for p in plans if str(p.pk) == d["which"])
        return care_services.record_health_information_shared(
            actor=request.user, plan=plan, shared_on=d["shared_on"], trained_on=d["trained_on"]
        )

    if submitted is form and (
        done := _save(request, child, form, save_plan, "The placement plan was recorded.", alert)
    ):
        return done
    if submitted is second and (
        done := _save(request, child, second, save_shared, "The placement plan was updated.", alert)
    ):
        return done
    existing = [
        f"Requested {_d(p.requested_on)}"
        f"{' – ' + (p.placement.provider_name or 'placement') if p.placement else ' – not matched'}"
        f": health information shared {_d(p.health_information_shared_on)}, carers trained "
        f"{_d(p.carers_trained_on)}"
        for p in plans
    ]
    intro = _alert_intro(alert) or (
        "If the child has a long-term condition, the plan must say how to manage it, and "
        "record when the carer was given the health information and trained."
    )
    return _render(
        request,
        child,
        "Placement request and plan",
        form,
        existing_title="Placement plans",
        existing=existing,
        intro=intro,
        form_title="New placement request or plan",
        second=second if plans else None,
        second_title="Health information shared or carers trained",
    )


_DATE_FIELDS = {"requested_on", "health_information_shared_on", "carers_trained_on"}


@login_required
def host_notified(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:placement")
    alert = _alert_for(request, child)
    rows = list(Placement.objects.filter(child=child, out_of_area=True).order_by("-start_date"))
    choices = [
        (
            str(p.pk),
            f"{p.provider_name or 'Placement'} ({p.area or 'out of area'}) from {_d(p.start_date)}",
        )
        for p in rows
    ]
    form, _, submitted = _forms(request, f.HostNotifiedForm, first_kwargs={"choices": choices})

    def save(d):
        placement = next(p for p in rows if str(p.pk) == d["which"])
        return episode_services.record_host_authority_notified(
            actor=request.user, placement=placement, notified_on=d["notified_on"]
        )

    if submitted and (
        done := _save(
            request, child, form, save, "The host authority notification was recorded.", alert
        )
    ):
        return done
    existing = [
        f"{label}: host authority told {_d(p.host_authority_notified_on)}"
        for p, (_, label) in zip(rows, choices, strict=True)
    ]
    return _render(
        request,
        child,
        "Host authority told of an out-of-area placement",
        form,
        existing_title="Out-of-area placements",
        existing=existing,
        intro=_alert_intro(alert),
        nothing_to_do="" if rows else "No out-of-area placement is recorded.",
    )


# --- health ---------------------------------------------------------------------------


@login_required
def appointments(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:health")
    alert = _alert_for(request, child)
    conditions = list(child.conditions.order_by("name", "pk"))
    initial = {}
    prefill = (alert.prefill or {}) if alert else {}
    for key in ("condition", "service", "clinic"):
        if prefill.get(key):
            initial[key] = str(prefill[key])
    form, _, submitted = _forms(
        request,
        f.AppointmentForm,
        first_kwargs={
            "conditions": [
                (str(c.pk), f"{c.name}{' (long-term)' if c.chronic else ''}") for c in conditions
            ],
            "initial": initial,
        },
    )

    def save(d):
        return health_services.record_appointment(
            actor=request.user,
            child=child,
            date=d["date"],
            service=d["service"],
            status=d["status"],
            clinic=d["clinic"] or "",
            condition=next((c for c in conditions if str(c.pk) == d["condition"]), None),
            notes=d["notes"] or "",
        )

    if submitted and (
        done := _save(request, child, form, save, "The appointment was recorded.", alert)
    ):
        return done
    existing = [
        f"{_d(a.date)}: {a.get_service_display()} {a.clinic}"
        f"{' for ' + a.condition.name if a.condition else ''} – {a.get_status_display()}"
        for a in child.appointments.select_related("condition").order_by("-date")
    ]
    return _render(
        request,
        child,
        "Health appointments",
        form,
        existing_title="Appointments",
        existing=existing,
        intro=_alert_intro(alert),
    )


@login_required
def health_recommendations(request, child_id: int):
    """What the child's health assessments recommend, who is to do it by when, and the
    follow-up (resolves LAC-HEALTH-RECOMMENDATION-OVERDUE: the alert pre-selects its
    recommendation)."""
    from safeguard.children.models import Involvement
    from safeguard.meetings.models import Milestone, MilestoneStatus

    child = open_child_for_write(request, child_id, what="record:health")
    alert = _alert_for(request, child)
    assessments = list(child.health_assessments.order_by("-date", "-pk"))
    recommendations = list(
        child.health_recommendations.select_related("assessment", "owner", "milestone").order_by(
            "due_on", "pk"
        )
    )
    open_ones = [r for r in recommendations if r.followed_up_on is None]
    involved = {
        i.professional_id: i.professional
        for i in Involvement.objects.current(timezone.localdate())
        .filter(child=child)
        .select_related("professional")
        .order_by("start_date", "pk")
    }
    owners = [
        (str(pk), f"{u.get_full_name() or u.username} ({u.get_role_display()})")
        for pk, u in involved.items()
    ]
    milestones = list(
        Milestone.objects.filter(child=child, status=MilestoneStatus.OPEN).order_by("due_on", "pk")
    )
    initial = {}
    if alert and (alert.prefill or {}).get("recommendation"):
        initial["which"] = str(alert.prefill["recommendation"])
    form, second, submitted = _forms(
        request,
        f.RecommendationForm,
        f.RecommendationFollowUpForm,
        first_kwargs={
            "choices": [
                (str(a.pk), f"{a.get_kind_display()} on {_d(a.date)}") for a in assessments
            ],
            "owners": owners,
            "milestones": [(str(m.pk), str(m)) for m in milestones],
        },
        second_kwargs={
            "choices": [
                (str(r.pk), f"{r.action[:60]} – {r.who}, due {_d(r.due_on)}") for r in open_ones
            ],
            "initial": initial,
        },
    )

    def save(d):
        assessment = next(a for a in assessments if str(a.pk) == d["which"])
        return care_services.record_health_recommendation(
            actor=request.user,
            assessment=assessment,
            action=d["action"],
            owner=involved.get(int(d["owner"])) if d["owner"] else None,
            owner_name=d["owner_name"] or "",
            due_on=d["due_on"],
            milestone=next((m for m in milestones if str(m.pk) == d["milestone"]), None),
        )

    def follow_up(d):
        recommendation = next(r for r in open_ones if str(r.pk) == d["which"])
        return care_services.record_recommendation_follow_up(
            actor=request.user,
            recommendation=recommendation,
            followed_up_on=d["followed_up_on"],
            outcome=d["outcome"],
            not_done_reason=d["not_done_reason"] or "",
            notes=d["notes"] or "",
        )

    if submitted is form and (
        done := _save(request, child, form, save, "The recommendation was recorded.", alert)
    ):
        return done
    if submitted is second and (
        done := _save(request, child, second, follow_up, "The follow-up was recorded.", alert)
    ):
        return done
    existing = [
        f"{r.action} – {r.who}, due {_d(r.due_on)} (from the {r.assessment}"
        f"{'; milestone: ' + r.milestone.description[:60] if r.milestone else ''}): "
        + (
            f"{r.get_outcome_display().lower()} on {_d(r.followed_up_on)}"
            + (f" – {r.not_done_reason}" if r.not_done_reason else "")
            if r.followed_up_on
            else "not yet followed up"
        )
        for r in recommendations
    ]
    return _render(
        request,
        child,
        "Health assessment recommendations",
        form,
        existing_title="Recommendations",
        existing=existing,
        form_title="A recommendation of a health assessment" if assessments else "",
        nothing_to_do="" if assessments else "No health assessment is recorded.",
        second=second if open_ones else None,
        second_title="Record the follow-up of a recommendation",
        second_button="Save the follow-up",
        intro=_alert_intro(alert)
        or "Each action the health assessment recommends, with who is to do it and by when. "
        "The health plan's actions are followed up at each review of the care plan.",
    )


@login_required
def transition_plan(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:health")
    alert = _alert_for(request, child)
    form, _, submitted = _forms(request, f.TransitionPlanForm)

    def save(d):
        return health_services.record_transition_plan(
            actor=request.user,
            child=child,
            date=d["date"],
            named_worker=d["named_worker"] or "",
            plan=d["plan"] or "",
        )

    if submitted and (
        done := _save(request, child, form, save, "The transition plan was recorded.", alert)
    ):
        return done
    existing = [f"{_d(t.date)}: {t.plan}" for t in child.transition_plans.order_by("-date")]
    return _render(
        request,
        child,
        "Transition to adult health services",
        form,
        existing_title="Transition plans",
        existing=existing,
        intro=_alert_intro(alert),
    )


# --- capacity -------------------------------------------------------------------------


@login_required
def capacity(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:care")
    alert = _alert_for(request, child)
    initial = {"decision_kind": (alert.prefill or {}).get("decision_kind")} if alert else {}
    form, _, submitted = _forms(request, f.CapacityForm, first_kwargs={"initial": initial})

    def save(d):
        text = {k: d[k] or "" for k in ("decision", "assessor_name", "best_interests_decision")}
        flags = {
            k: bool(d[k])
            for k in ("impairment", "understands", "retains", "uses_or_weighs", "communicates")
        }
        return care_services.record_capacity_assessment(
            actor=request.user,
            child=child,
            assessor=request.user,
            date=d["date"],
            decision_kind=d["decision_kind"],
            outcome=d["outcome"],
            **text,
            **flags,
        )

    if submitted and (
        done := _save(request, child, form, save, "The capacity assessment was recorded.", alert)
    ):
        return done
    existing = [
        f"{_d(c.date)}: {c.decision} – {c.get_outcome_display()}"
        for c in child.capacity_assessments.order_by("-date")
    ]
    return _render(
        request,
        child,
        "Mental capacity assessment",
        form,
        existing_title="Capacity assessments",
        existing=existing,
        intro=_alert_intro(alert)
        or "Capacity is about one decision at one time (Mental Capacity Act 2005, from 16).",
    )


# --- IRO disputes ---------------------------------------------------------------------


@login_required
def iro_disputes(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:iro_dispute")
    alert = _alert_for(request, child)
    disputes = list(child.iro_disputes.order_by("-raised_on"))
    open_ones = [d for d in disputes if d.resolved_on is None]
    form, second, submitted = _forms(
        request,
        f.DisputeForm,
        f.DisputeUpdateForm,
        second_kwargs={
            "choices": [(str(d.pk), f"{d.issue[:60]} ({d.get_stage_display()})") for d in open_ones]
        },
    )

    def raise_one(d):
        return care_services.raise_dispute(
            actor=request.user,
            child=child,
            issue=d["issue"],
            raised_on=d["raised_on"],
            raised_by=request.user,
        )

    def update(d):
        dispute = next(x for x in open_ones if str(x.pk) == d["which"])
        if d["action"] == "resolved":
            return care_services.resolve_dispute(
                actor=request.user, dispute=dispute, on=d["on"], outcome=d["outcome"] or ""
            )
        return care_services.escalate_dispute(
            actor=request.user, dispute=dispute, stage=d["action"], on=d["on"]
        )

    if submitted is form and (
        done := _save(request, child, form, raise_one, "The dispute was raised.", alert)
    ):
        return done
    if submitted is second and (
        done := _save(request, child, second, update, "The dispute was updated.", alert)
    ):
        return done
    existing = [
        f"Raised {_d(d.raised_on)}: {d.issue} – "
        + (
            f"resolved {_d(d.resolved_on)} at {d.get_resolved_stage_display()}: {d.outcome}"
            if d.resolved_on
            else f"{d.get_stage_display()} since {_d(d.stage_since)}"
        )
        for d in disputes
    ]
    return _render(
        request,
        child,
        "IRO disputes",
        form,
        existing_title="Disputes",
        existing=existing,
        form_title="Raise a dispute (informal stage)",
        second=second if open_ones else None,
        second_title="Escalate or resolve a dispute",
        intro=_alert_intro(alert),
    )


# --- education ------------------------------------------------------------------------


@login_required
def education(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:education")
    alert = _alert_for(request, child)
    form, second, submitted = _forms(request, f.EducationSettingForm, f.PepForm)

    def save_setting(d):
        current = child.education_settings.filter(end_date=None).order_by("-start_date").first()
        fields = {
            k: d[k] for k in ("setting_type", "start_date", "hours_per_week", "attendance_percent")
        }
        fields.update({k: d[k] or "" for k in ("name", "urn", "virtual_school_head")})
        if current is not None:
            care_services.end_education_setting(
                actor=request.user, setting=current, end_date=d["start_date"]
            )
        return care_services.record_education_setting(
            actor=request.user, child=child, part_time=bool(d["part_time"]), **fields
        )

    def save_pep(d):
        return care_services.record_pep(
            actor=request.user, child=child, kind=d["kind"], date=d["date"], notes=d["notes"] or ""
        )

    if submitted is form and (
        done := _save(
            request, child, form, save_setting, "The school or setting was recorded.", alert
        )
    ):
        return done
    if submitted is second and (
        done := _save(request, child, second, save_pep, "The PEP was recorded.", alert)
    ):
        return done
    existing = [
        f"{s.get_setting_type_display()} {s.name} from {_d(s.start_date)}"
        f"{' to ' + _d(s.end_date) if s.end_date else ''}"
        f"{' (part time)' if s.part_time else ''}"
        for s in child.education_settings.order_by("-start_date")
    ] + [f"{p.get_kind_display()} {_d(p.date)}" for p in child.peps.order_by("-date")]
    return _render(
        request,
        child,
        "Education and the personal education plan",
        form,
        existing_title="Education",
        existing=existing,
        form_title="School or setting (ends the current one)",
        second=second,
        second_title="PEP or termly review",
        intro=_alert_intro(alert),
    )


# --- leaving care -----------------------------------------------------------------------


@login_required
def pathway(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:care")
    alert = _alert_for(request, child)
    form, homeless, submitted = _forms(request, f.LeavingCareForm, f.HomelessForm)

    def save(d):
        return care_services.record_leaving_care(
            actor=request.user,
            child=child,
            kind=d["kind"],
            date=d["date"],
            **{k: d[k] or "" for k in ("personal_adviser_name", "accommodation", "notes")},
        )

    def save_homeless(d):
        return care_services.record_homeless_assessment(
            actor=request.user,
            child=child,
            presented_on=d["presented_on"],
            decided_on=d["decided_on"],
            decision=d["decision"],
            reasons=d["reasons"],
        )

    if submitted is homeless and submitted is not None:
        message = "The homeless assessment was saved."
        if done := _save(request, child, homeless, save_homeless, message, alert):
            return done
    elif submitted and (done := _save(request, child, form, save, "The record was saved.", alert)):
        return done
    existing = [
        f"{r.get_kind_display()} {_d(r.date)}"
        f"{' – adviser ' + r.personal_adviser_name if r.personal_adviser_name else ''}"
        for r in child.leaving_care_records.order_by("-date")
    ]
    existing += [
        f"Homeless at 16 or 17: presented {_d(h.presented_on)}, decided {_d(h.decided_on)} – "
        f"{h.get_decision_display()}"
        for h in child.homeless_assessments.order_by("-presented_on")
    ]
    return _render(
        request,
        child,
        "Needs assessment and pathway plan",
        form,
        existing_title="Leaving care",
        existing=existing,
        second=homeless,
        second_title="A homeless 16- or 17-year-old assessed for accommodation under s20",
        second_button="Save the homeless assessment",
        intro=_alert_intro(alert),
    )


# --- death ----------------------------------------------------------------------------


@login_required
def death(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:death")
    alert = _alert_for(request, child)
    record = Death.objects.filter(child=child).first()
    if record is None:
        form, _, submitted = _forms(request, f.DeathForm)

        def save(d):
            return care_services.record_death(actor=request.user, child=child, **d)

        if submitted and form.is_valid() and _attempt(form, lambda: save(form.cleaned_data)):
            messages.success(request, "The death was recorded and the notifications listed.")
            return redirect("recording:death", child.pk)
        return _render(
            request,
            child,
            "Record the death of a looked-after child",
            form,
            intro="Recording the death lists everyone who must be told, each with a "
            "due date, and closes the record to ordinary editing.",
        )
    tasks = list(record.notifications.order_by("due_date", "id"))
    pending = [t for t in tasks if t.done_on is None]
    form, _, submitted = _forms(
        request,
        f.NotificationDoneForm,
        first_kwargs={
            "choices": [(str(t.pk), t.recipient_name) for t in pending],
            "initial": {"which": str((alert.prefill or {}).get("notification", ""))}
            if alert
            else {},
        },
    )

    def done_one(d):
        task = next(t for t in pending if str(t.pk) == d["which"])
        return care_services.record_notification_done(
            actor=request.user, notification=task, done_on=d["done_on"], note=d["note"] or ""
        )

    if submitted and form.is_valid() and _attempt(form, lambda: done_one(form.cleaned_data)):
        messages.success(request, "The notification was recorded.")
        return redirect("recording:death", child.pk)
    return render(
        request,
        "recording/death_tasks.html",
        {
            "child": child,
            "death": record,
            "tasks": tasks,
            "form": form,
            "errors": error_summary(form),
            "title": "Notifications after the death",
            "intro": _alert_intro(alert),
        },
    )


# --- FHIR messages ------------------------------------------------------------------------


@login_required
def fhir_message(request):
    """A pharmacist, GP or health practitioner sends a prescribing or dispensing message.
    The child must be one they work with; the page says what was stored and never shows
    the child's record."""
    if not session_verified(request) or not roles.has_capability(
        request.user.role, "send_medicines_messages"
    ):
        raise PermissionDenied
    form = f.FhirForm(posted(request))
    stored = []
    if request.method == "POST" and form.is_valid():
        children = visible_children(request, area="medicines")
        try:
            with audit_context(request=request, via="fhir-page"):
                events = fhir.import_message(
                    form.cleaned_data["message"],
                    actor=request.user,
                    source_agency=request.user.agency,
                    child_filter=children,
                )
        except fhir.FhirRejected as exc:
            form.add_error("message", f"The message was rejected, nothing was stored: {exc.reason}")
        else:
            stored = [
                e.get_event_type_display()
                if hasattr(e, "get_event_type_display")
                else e.event_type.replace("_", " ")
                for e in events
            ]
            messages.success(request, "Stored: " + ", ".join(stored) + ".")
            return redirect("recording:fhir-message")
    return render(
        request,
        "recording/record_form.html",
        {
            "form": form,
            "title": "Send a prescribing or dispensing message",
            "errors": error_summary(form),
            "button": "Send",
            "intro": "Paste one FHIR R4 MedicationRequest or MedicationDispense (JSON). The "
            "child is matched by the NHS number on its subject.",
        },
    )
