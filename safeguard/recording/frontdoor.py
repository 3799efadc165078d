"""Pages that write the front door and help-at-home records (safeguard/frontdoor): contacts
and decisions, assessments, the household and checks on its adults, injuries and CP
medicals, a worker's absence and cover, case closure. Same pattern as records.py: the role
may write that kind of record and may see the child; the service does every rule."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from safeguard.access import roles
from safeguard.access.policy import allowed_areas, open_child_for_write
from safeguard.accounts.models import User
from safeguard.children.models import Involvement, InvolvementRole
from safeguard.core.forms import error_summary, posted
from safeguard.frontdoor import access as front_door_access
from safeguard.frontdoor import selectors
from safeguard.frontdoor import services as fd
from safeguard.frontdoor.models import (
    Assessment,
    AssessmentOutcome,
    Contact,
    ContactDecision,
    HouseholdMember,
    Injury,
    WorkerAbsence,
)
from safeguard.meetings.models import MeetingKind

from . import frontdoor_forms as f
from .records import _add_page, _alert_for, _alert_intro, _attempt, _page, _saved


def _prefilled(alert, key):
    return str((alert.prefill or {}).get(key, "")) if alert else ""


def _which_page(
    request,
    child,
    *,
    title,
    rows,
    label,
    form_class,
    save,
    empty,
    prefill_key,
    which_label="Which one",
    initial=None,
    intro="",
    done=None,
):
    """Choose one of the child's `rows` (pre-selected from the alert) and save fields on it.
    `done(saved, alert)` may answer with where to go next (else back to the summary)."""
    alert = _alert_for(request, child)
    choices = [(str(r.pk), label(r)) for r in rows]
    start = dict(initial or {})
    pre = _prefilled(alert, prefill_key)
    if pre and any(pre == c for c, _ in choices):
        start["which"] = pre
    elif len(choices) == 1:
        start["which"] = choices[0][0]
    form = form_class(posted(request), choices=choices, which_label=which_label, initial=start)
    if request.method == "POST" and form.is_valid():
        row = next(r for r in rows if str(r.pk) == form.cleaned_data["which"])
        saved = _attempt(form, lambda: save(row, form.cleaned_data))
        if saved:
            return (done and done(saved, alert)) or _saved(
                request, child, f"{label(row)}: saved.", alert
            )
    return _page(
        request,
        form,
        title,
        child,
        nothing_to_do=empty if not rows else "",
        intro=_alert_intro(alert) or intro,
    )


# --- contacts -------------------------------------------------------------------------------


@login_required
def contact_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:contact")
    return _add_page(
        request,
        child,
        f.ContactForm(posted(request), initial={"received_on": timezone.localdate()}),
        "Record a contact or referral",
        lambda d: fd.record_contact(
            actor=request.user,
            child=child,
            recorded_by=request.user,
            received_on=d["received_on"],
            referrer_agency=d["referrer_agency"],
            **{
                k: d[k] or ""
                for k in ("kind", "source", "referrer_name", "referrer_relationship", "summary")
            },
        ),
        "The contact was recorded. It needs a decision within 1 working day.",
    )


def _contact_label(c: Contact) -> str:
    who = (
        c.referrer_agency.name
        if c.referrer_agency
        else (c.get_referrer_relationship_display() or "member of the public")
    )
    decided = f" (decided: {c.get_decision_display()})" if c.decision else " (no decision yet)"
    return f"{c.get_kind_display()} received {c.received_on:%-d %B %Y} from {who}{decided}"


def back_to_front_door(request, child, message: str):
    """After the front door decided or allocated for a child whose record does not open for
    the user (on the front door's list only): back to the list, not to the summary."""
    if "identity" in allowed_areas(request, child):
        return None
    messages.success(request, message)
    return redirect("frontdoor:queue")


@login_required
def contact_decision(request, child_id: int):
    # A page the front door uses (access/rules.py front_door=True): a child on its list
    # opens for a front-door member even if nobody is involved.
    child = front_door_access.open_child_for_write(request, child_id, what="record:contact")
    rows = list(
        Contact.objects.filter(child=child)
        .select_related("referrer_agency")
        .order_by("-received_on", "-pk")
    )
    return _which_page(
        request,
        child,
        title="Decide a contact or referral",
        rows=rows,
        label=_contact_label,
        form_class=f.DecisionForm,
        prefill_key="contact",
        which_label="Which contact",
        initial={"decided_on": timezone.localdate()},
        save=lambda c, d: fd.decide_contact(
            actor=request.user,
            contact=c,
            decision=d["decision"],
            decision_reason=d["decision_reason"],
            decided_on=d["decided_on"],
            judged_malicious=d["judged_malicious"],
            referrer_spoken_to=d["referrer_spoken_to"],
        ),
        empty="No contacts are recorded for this child.",
        done=lambda contact, alert: (
            _to_strategy_discussion(request, child, contact)
            or back_to_front_door(request, child, f"{_contact_label(contact)}: saved.")
        ),
    )


def _to_strategy_discussion(request, child, record):
    """After a contact decided, or an assessment completed, with "strategy discussion":
    straight on to convening it from the concern that raised, for a role that may schedule
    meetings; otherwise back to the summary saying who convenes it."""
    strategy = (
        record.decision == ContactDecision.STRATEGY
        if isinstance(record, Contact)
        else record.outcome == AssessmentOutcome.STRATEGY
    )
    if not strategy or not record.concern_id:
        return None
    if "identity" not in allowed_areas(request, child):
        # On the front door's list only: nobody is allocated who could convene it yet.
        messages.success(
            request,
            "The decision was recorded and a concern of significant harm raised. The child "
            "has no allocated social worker you work with: allocate one to convene the "
            "strategy discussion (the list below keeps it in view until one is held).",
        )
        return redirect("frontdoor:queue")
    if roles.may_write(request.user.role, "record:meeting"):
        messages.success(
            request,
            "Saved, and a concern of significant harm raised. Convene the strategy discussion.",
        )
        query = urlencode({"kind": MeetingKind.STRATEGY_DISCUSSION, "concern": record.concern_id})
        return redirect(reverse("meetings:schedule", args=[child.pk]) + "?" + query)
    messages.success(
        request,
        "Saved, and a concern of significant harm raised: the child's "
        "social worker or team manager convenes the strategy discussion.",
    )
    return redirect("children:summary", child.pk)


# --- assessments ----------------------------------------------------------------------------


@login_required
def assessment(request, child_id: int):
    """The assessment page: the child's assessments (open ones stay open whoever the worker)
    and starting a new one."""
    child = open_child_for_write(request, child_id, what="record:assessment")
    contacts = [(str(c.pk), _contact_label(c)) for c in Contact.objects.filter(child=child)]
    form = f.AssessmentStartForm(
        posted(request), contacts=contacts, initial={"started_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        contact = Contact.objects.filter(child=child, pk=form.cleaned_data["contact"] or 0).first()
        if _attempt(
            form,
            lambda: fd.record_assessment(
                actor=request.user,
                child=child,
                worker=request.user,
                contact=contact,
                started_on=form.cleaned_data["started_on"],
            ),
        ):
            return _saved(request, child, "The assessment was started.")
    return render(
        request,
        "recording/frontdoor_assessments.html",
        {
            "child": child,
            "form": form,
            "errors": error_summary(form),
            "assessments": selectors.assessments(child),
            "title": "Assessments",
        },
    )


@login_required
def assessment_update(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:assessment")
    rows = list(
        Assessment.objects.filter(child=child)
        .select_related("worker")
        .order_by("-started_on", "-pk")
    )

    def save(a, d):
        seen_alone = {"yes": True, "no": False}.get(d["seen_alone"])
        return fd.update_assessment(
            actor=request.user,
            assessment=a,
            child_seen_on=d["child_seen_on"],
            seen_alone=seen_alone,
            not_seen_alone_reason=d["not_seen_alone_reason"],
            completed_on=d["completed_on"],
            factors=d["factors"],
            outcome=d["outcome"],
        )

    alert = _alert_for(request, child)
    chosen = next((a for a in rows if str(a.pk) == _prefilled(alert, "assessment")), None)
    chosen = chosen or (rows[0] if len(rows) == 1 else None)
    initial = {}
    if chosen is not None:
        initial = {
            "child_seen_on": chosen.child_seen_on,
            "seen_alone": {True: "yes", False: "no"}.get(chosen.seen_alone, ""),
            "not_seen_alone_reason": chosen.not_seen_alone_reason,
            "completed_on": chosen.completed_on,
            "factors": chosen.factors,
            "outcome": chosen.outcome,
        }
    return _which_page(
        request,
        child,
        title="Update an assessment",
        rows=rows,
        label=lambda a: (
            f"{a} ({'completed ' + f'{a.completed_on:%-d %B %Y}' if a.completed_on else 'open'})"
        ),
        form_class=f.AssessmentProgressForm,
        save=save,
        prefill_key="assessment",
        which_label="Which assessment",
        initial=initial,
        empty="No assessments are recorded for this child.",
        # An outcome of "strategy discussion" raised a concern: on to convening it, as
        # after the front door's own decision.
        done=lambda a, alert: _to_strategy_discussion(request, child, a),
    )


# --- the household and checks on adults -----------------------------------------------------


def _people_choices(child):
    return [
        (str(r.person_id), f"{r.person} ({r.get_relationship_display()})")
        for r in child.relationships.select_related("person").order_by("person__given_name")
    ]


@login_required
def household_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:household")
    form = f.HouseholdForm(posted(request))
    form.fields["person"].choices = _people_choices(child)
    return _add_page(
        request,
        child,
        form,
        "Someone came to live with the child",
        lambda d: fd.add_household_member(
            actor=request.user,
            child=child,
            person=child.relationships.get(person_id=d["person"]).person,
            relationship=d["relationship"],
            adult=d["adult"],
            joined_on=d["joined_on"],
        ),
        "The household was updated. Request checks on a new adult.",
    )


@login_required
def household_left(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:household")
    rows = list(
        HouseholdMember.objects.filter(child=child, left_on__isnull=True).select_related("person")
    )
    return _which_page(
        request,
        child,
        title="Someone left the household",
        rows=rows,
        label=lambda m: f"{m.person} (since {m.joined_on:%-d %B %Y})",
        form_class=f.HouseholdLeftForm,
        prefill_key="household_member",
        which_label="Who left",
        save=lambda m, d: fd.household_member_left(
            actor=request.user, member=m, left_on=d["left_on"]
        ),
        empty="Nobody is recorded as living with the child.",
    )


@login_required
def adult_check(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:household")
    alert = _alert_for(request, child)
    initial = {"requested_on": timezone.localdate()}
    member = HouseholdMember.objects.filter(
        child=child, pk=_prefilled(alert, "household_member") or 0
    ).first()
    if member is not None:
        initial["person"] = str(member.person_id)
    form = f.AdultCheckForm(posted(request), initial=initial)
    form.fields["person"].choices = _people_choices(child)
    return _add_page(
        request,
        child,
        form,
        "Request or record a check on an adult",
        lambda d: fd.request_adult_check(
            actor=request.user,
            child=child,
            person=child.relationships.get(person_id=d["person"]).person,
            kind=d["kind"],
            agency=d["agency"],
            requested_on=d["requested_on"],
            result_on=d["result_on"],
            result=d["result"] or "",
            risk_to_children=d["risk_to_children"],
        ),
        "The check was recorded.",
    )


# --- injuries -------------------------------------------------------------------------------


@login_required
def injury_add(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:injury")
    return _add_page(
        request,
        child,
        f.InjuryForm(posted(request)),
        "Record an injury",
        lambda d: fd.record_injury(
            actor=request.user,
            child=child,
            agency=request.user.agency,
            noticed_on=d["noticed_on"],
            kind=d["kind"],
            body_site=d["body_site"],
            explanation=d["explanation"] or "",
            child_mobile=d["child_mobile"],
        ),
        "The injury was recorded.",
    )


@login_required
def injury_medical(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:injury")
    rows = list(Injury.objects.filter(child=child).order_by("-noticed_on", "-pk"))
    return _which_page(
        request,
        child,
        title="Record a child protection medical",
        rows=rows,
        label=str,
        form_class=f.MedicalForm,
        prefill_key="injury",
        which_label="Which injury",
        save=lambda i, d: fd.record_medical(
            actor=request.user,
            injury=i,
            medical_requested_on=d["medical_requested_on"],
            medical_held_on=d["medical_held_on"],
            medical_findings=d["medical_findings"],
            findings_shared_with=d["findings_shared_with"],
        ),
        empty="No injuries are recorded for this child.",
    )


# --- closure and absence --------------------------------------------------------------------


@login_required
def case_closure(request, child_id: int):
    child = open_child_for_write(request, child_id, what="record:closure")
    today = timezone.localdate()
    open_now = fd.open_items(child, today)
    intro = (
        "Open now, which the closure will record: " + "; ".join(i["label"] for i in open_now)
        if open_now
        else "Nothing is open on the record (assessments, concerns, actions)."
    )
    alert = _alert_for(request, child)
    form = f.ClosureForm(posted(request), initial={"closed_on": today})
    saved = request.method == "POST" and form.is_valid()
    if saved and _attempt(
        form,
        lambda: fd.close_case(
            actor=request.user,
            child=child,
            closed_on=form.cleaned_data["closed_on"],
            reason=form.cleaned_data["reason"],
        ),
    ):
        return _saved(request, child, "The case was closed.", alert)
    return _page(request, form, "Close the case", child, intro=_alert_intro(alert) or intro)


@login_required
def absence(request, child_id: int):
    """A child's allocated worker away, and who covers (an open absence of that worker with
    nobody covering gets the cover; otherwise a new absence is recorded)."""
    child = open_child_for_write(request, child_id, what="record:absence")
    today = timezone.localdate()
    workers = User.objects.filter(
        pk__in=Involvement.objects.current(today)
        .filter(child=child, role=InvolvementRole.ALLOCATED_SOCIAL_WORKER)
        .values("professional_id")
    )
    colleagues = User.objects.filter(is_active=True, agency=request.user.agency).order_by(
        "first_name", "last_name"
    )
    form = f.AbsenceForm(
        posted(request), workers=workers, colleagues=colleagues, initial={"start_date": today}
    )
    alert = _alert_for(request, child)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def save():
            current = (
                WorkerAbsence.objects.filter(
                    professional=d["professional"], start_date__lte=d["start_date"]
                )
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=d["start_date"]))
                .first()
            )
            if current is not None:
                return fd.end_absence(
                    actor=request.user,
                    absence=current,
                    end_date=d["end_date"],
                    covered_by=d["covered_by"],
                )
            return fd.record_absence(
                actor=request.user,
                professional=d["professional"],
                kind=d["kind"],
                start_date=d["start_date"],
                end_date=d["end_date"],
                covered_by=d["covered_by"],
            )

        if _attempt(form, save):
            return _saved(request, child, "The absence and cover were recorded.", alert)
    return _page(
        request,
        form,
        "A worker away, and who covers",
        child,
        intro=_alert_intro(alert),
        nothing_to_do="" if workers.exists() else "The child has no allocated social worker.",
    )
