"""Pages for the second factor, break-glass, and managers' access reviews."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.core.forms import posted

from . import audit, policy, roles, services
from .forms import BreakGlassForm, EmergencyLookupForm, TokenForm
from .models import AuditEntry

# Audit bases for what managers see while reviewing (not an access to the record itself).
TEAM_REVIEW_BASIS = "team-review"
EMERGENCY_REVIEW_BASIS = "emergency-review"

# The child summary page (branch web); used after break-glass if it exists.
CHILD_SUMMARY_URL_NAME = "children:summary"


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL) if _reversible(settings.LOGIN_REDIRECT_URL) else "/"


def _reversible(name: str, **kwargs) -> bool:
    try:
        reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return False
    return True


def _error_list(form) -> list[tuple[str, str]]:
    """(field id, message) pairs for the GOV.UK error summary."""
    return [
        (f"id_{name}", message) for name, messages in form.errors.items() for message in messages
    ]


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """Second step of sign-in: the code from the authenticator app."""
    if request.user.is_verified():
        return redirect(_safe_next(request))
    devices = list(devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect("access:otp-set-up")
    form = TokenForm(posted(request))
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        for device in devices:
            if device.verify_token(token):
                otp_login(request, device)
                request.session.cycle_key()
                return redirect(_safe_next(request))
        form.add_error("token", "The security code is not right, or it has expired")
    return render(
        request,
        "access/otp_verify.html",
        {"form": form, "errors": _error_list(form), "next": request.GET.get("next", "")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_set_up(request):
    """Enrol an authenticator app. Only for a user with no confirmed device yet: once one
    is confirmed, adding another needs an administrator (so a stolen password cannot
    enrol the thief's phone)."""
    if any(True for _ in devices_for_user(request.user, confirmed=True)):
        return redirect("access:otp-verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = TokenForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session.cycle_key()
            return redirect(_safe_next(request))
        form.add_error("token", "The security code is not right, or it has expired")
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "access/otp_set_up.html",
        {
            "form": form,
            "errors": _error_list(form),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "qr_data_uri": qr.svg_data_uri(scale=4, dark="#0b0c0c"),
            "next": request.GET.get("next", ""),
        },
    )


def _lookup_allows(request, child_id: int) -> bool:
    """Did this professional find this child by the exact-identifier lookup just now?"""
    tokens = request.session.get(services.LOOKUP_SESSION_KEY, {})
    return services.lookup_token_valid(tokens.get(str(child_id), ""), request.user, child_id)


def _remember_lookup(request, child_id: int) -> None:
    tokens = dict(request.session.get(services.LOOKUP_SESSION_KEY, {}))
    tokens[str(child_id)] = services.lookup_token(request.user, child_id)
    # A handful at most: the newest few lookups.
    request.session[services.LOOKUP_SESSION_KEY] = dict(list(tokens.items())[-5:])


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request, child_id: int):
    """Emergency access to a record without involvement, with a reason.

    Only after the professional found this record by its exact NHS number or local ID
    (a signed, short-lived token in their session, bound to them and this child): without
    it the page offers the lookup, so the form cannot be used to walk through child ids.
    """
    if not roles.has_capability(request.user.role, "break_glass"):
        raise PermissionDenied("Your role cannot use emergency access")
    if not policy.session_verified(request):
        raise PermissionDenied("Sign in with your security code first")
    if policy.visible_children(request, area="summary").filter(pk=child_id).exists():
        return _after_break_glass(request, child_id, grant=None)
    if not _lookup_allows(request, child_id):
        return render(
            request,
            "access/break_glass_find.html",
            {
                "form": EmergencyLookupForm(),
                "errors": [],
                "action": reverse("access:break-glass-find"),
                "look_up_first": True,
            },
        )
    form = BreakGlassForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass(
                request, child_id=child_id, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("reason", exc.messages):
                form.add_error("reason", message)
        else:
            request.session.get(services.LOOKUP_SESSION_KEY, {}).pop(str(child_id), None)
            request.session.modified = True
            return _after_break_glass(request, child_id, grant=grant)
    return render(
        request,
        "access/break_glass.html",
        {
            "form": form,
            "errors": _error_list(form),
            "child_id": child_id,
            "hours": services.BREAK_GLASS_HOURS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def break_glass_find(request):
    """Find a record you are not involved with by its exact NHS number or local ID, to
    open it in an emergency. Shows no name; a restricted record is "not found" like a
    missing one; the lookup itself is audited."""
    if not roles.has_capability(request.user.role, "break_glass"):
        raise PermissionDenied("Your role cannot use emergency access")
    if not policy.session_verified(request):
        raise PermissionDenied("Sign in with your security code first")
    form = EmergencyLookupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        child = services.find_for_emergency(request, form.cleaned_data["identifier"])
        if child is not None:
            _remember_lookup(request, child.pk)
            return redirect("access:break-glass", child_id=child.pk)
        form.add_error(
            "identifier",
            "No record you can open in an emergency has that NHS number or ID: check it, or "
            "ask the child's social work team",
        )
    return render(
        request, "access/break_glass_find.html", {"form": form, "errors": _error_list(form)}
    )


def _after_break_glass(request, child_id, *, grant):
    if _reversible(CHILD_SUMMARY_URL_NAME, child_id=child_id):
        return redirect(CHILD_SUMMARY_URL_NAME, child_id=child_id)
    return render(
        request, "access/break_glass_granted.html", {"grant": grant, "child_id": child_id}
    )


def _require_review(request):
    if not roles.has_capability(request.user.role, "review_access"):
        raise PermissionDenied("Only team managers can review access")


@login_required
def child_audit(request, child_id: int):
    """Who has looked at this record: for managers who can see the child."""
    _require_review(request)
    child = policy.open_child(request, child_id, area="summary")
    entries = (
        AuditEntry.objects.filter(child=child)
        .select_related("actor", "actor__agency")
        .order_by("-id")[:500]
    )
    return render(request, "access/child_audit.html", {"child": child, "entries": entries})


@login_required
def user_activity(request, user_id: int):
    """What one professional has looked at and changed: for their team manager."""
    _require_review(request)
    manager = request.user
    subject = get_user_model().objects.filter(pk=user_id).first()
    in_team = subject is not None and (
        subject.pk == manager.pk or (manager.team_id and subject.team_id == manager.team_id)
    )
    if not in_team:
        subject = None
    if subject is None:
        raise Http404("No such person in your team")
    entries = list(
        AuditEntry.objects.filter(actor=subject).select_related("child").order_by("-id")[:500]
    )
    # Names only for children the manager may see themselves; otherwise the local ID.
    shown = {e.child_id: e.child for e in entries if e.child_id}
    visible = set(
        policy.visible_children(request, area="identity")
        .filter(pk__in=shown)
        .values_list("pk", flat=True)
    )
    # The page names children (or gives their local IDs): audit each one shown, with why the
    # manager could see it (their own access, or their review of a team member's activity).
    bases = policy.access_bases(manager, visible, area="identity")
    audit.audit_search_results(
        request,
        shown.values(),
        area="identity",
        basis={pk: bases.get(pk) or TEAM_REVIEW_BASIS for pk in shown},
    )
    return render(
        request,
        "access/user_activity.html",
        {"subject": subject, "entries": entries, "visible_child_ids": visible},
    )


@login_required
def break_glass_review(request):
    """Emergency accesses by the manager's team: the flag break-glass raises."""
    _require_review(request)
    grants = list(services.break_glass_for_review(request.user)[:200])
    overdue = list(services.overdue_for_review(request.user)[:200])
    # Local IDs and reasons are about the child: audited as read for the review.
    audit.audit_search_results(
        request,
        {g.child_id: g.child for g in grants + overdue}.values(),
        area="identity",
        basis=EMERGENCY_REVIEW_BASIS,
    )
    return render(
        request,
        "access/break_glass_review.html",
        {
            "grants": grants,
            "overdue": overdue,
            "review_hours": settings.SAFEGUARD_EMERGENCY_REVIEW_HOURS,
        },
    )


@login_required
def break_glass_review_child(request, child_id: int):
    """From an unreviewed-access alert to the review page, at that child's grants."""
    _require_review(request)
    grant = (
        services.break_glass_for_review(request.user)
        .filter(child_id=child_id, reviewed_at__isnull=True)
        .order_by("granted_at")
        .first()
    )
    anchor = f"#grant-{grant.pk}" if grant is not None else ""
    return redirect(f"{reverse('access:break-glass-review')}{anchor}")


@login_required
def break_glass_reviewed(request, grant_id: int):
    """The manager records that they have checked an emergency access (POST)."""
    _require_review(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.mark_break_glass_reviewed(request.user, grant_id=grant_id)
    return redirect("access:break-glass-review")
