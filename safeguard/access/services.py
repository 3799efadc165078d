"""Writes to access grants: break-glass and naming people on restricted records."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper
from django.http import Http404
from django.utils import timezone

from safeguard.children.models import Child
from safeguard.core.validators import normalise_nhs_number

from . import audit, roles
from .models import BREAK_GLASS_HOURS, AuditAction, BreakGlassAccess, RestrictedAccess

MIN_REASON_LENGTH = 20


def break_glass(request, *, child_id: int, reason: str) -> BreakGlassAccess:
    """Grant the signed-in professional emergency access to a child for a few hours.

    Source: NHS Care Identity Service "emergency access" (legitimate-relationship
    override, reason required, alerted to the privacy officer); Caldicott Principle 7 (the
    duty to share can be as important as the duty to protect). Never for restricted
    records: those are for named people only, and a refusal must not say the record is
    restricted, so it is a plain 404.
    """
    user = request.user
    if not roles.has_capability(user.role, "break_glass"):
        raise PermissionDenied("Your role cannot use emergency access")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": "Enter the reason you need emergency access "
                f"(at least {MIN_REASON_LENGTH} characters)"
            }
        )
    now = timezone.now()
    with transaction.atomic():
        child = Child.objects.filter(pk=child_id, restricted=False).first()
        if child is None:
            raise Http404("No child found")
        grant = BreakGlassAccess.objects.create(
            child=child,
            user=user,
            reason=reason,
            granted_at=now,
            expires_at=now + dt.timedelta(hours=BREAK_GLASS_HOURS),
        )
        audit.record_write(
            user,
            child,
            AuditAction.BREAK_GLASS,
            BreakGlassAccess,
            grant.pk,
            None,
            audit.snapshot(grant),
            reason=reason,
        )
    return grant


def find_for_emergency(request, identifier: str):
    """The one unrestricted child with this exact NHS number or local ID, or None.

    Exact match only (no partial or name search), so it finds a record the professional
    already knows how to identify and cannot be used to browse. The lookup is audited.
    """
    text = (identifier or "").strip()
    digits = "".join(ch for ch in text if not ch.isspace())
    query = Q(local_id__iexact=text)
    if digits.isdigit() and len(digits) == 10:
        query |= Q(nhs_number=digits)
    matches = list(Child.objects.filter(query, restricted=False)[:2])
    if len(matches) != 1:
        return None
    child = matches[0]
    audit.record_read(request, child, area="", action=AuditAction.LOOKUP)
    return child


CONTRIBUTE_BASIS = "contribute"


def find_for_contribution(
    request,
    *,
    nhs_number: str = "",
    given_name: str = "",
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
) -> list[Child]:
    """Children matching exactly, for contribute-without-seeing: by a valid NHS number, or
    by given name + family name + date of birth + postcode together (compared without
    case, and the postcode without spaces). At most two are returned: the caller needs only
    to know whether exactly one matched.

    Never partial, never a restricted record (it is "no match", as for emergency access),
    so this cannot be used to browse or to confirm a sensitive record exists. Every
    matched record is audited as a search with basis "contribute", before the caller
    shows anything.
    """
    if not roles.may_contribute(request.user.role):
        raise PermissionDenied("Your role cannot add information for a child you do not work with")
    if nhs_number:
        query = Q(nhs_number=normalise_nhs_number(nhs_number))
    else:
        if not (given_name and family_name and date_of_birth and postcode):
            raise ValueError("a name match needs given name, family name, date of birth, postcode")
        compact = "".join(postcode.split()).upper()
        query = Q(
            given_name__iexact=" ".join(given_name.split()),
            family_name__iexact=" ".join(family_name.split()),
            date_of_birth=date_of_birth,
            postcode_compact=compact,
        )
    matches = list(
        Child.objects.annotate(postcode_compact=Replace(Upper("postcode"), Value(" "), Value("")))
        .filter(query, restricted=False)
        .order_by("pk")[:2]
    )
    audit.record_reads(
        request,
        matches,
        area="",
        action=AuditAction.SEARCH_RESULT,
        basis=CONTRIBUTE_BASIS,
        reason="" if len(matches) == 1 else "several matched: none confirmed",
    )
    return matches


def name_on_restricted_record(
    *, actor, child: Child, user, reason: str, expires_at=None
) -> RestrictedAccess:
    """Name a professional on a restricted record (made by a manager or the system)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this person needs the restricted record"})
    if not child.restricted:
        # Naming gives nothing on an ordinary record (involvement decides), so it is a mistake.
        raise ValidationError(
            {"child": f"{child.local_id} is not a restricted record: nobody needs naming on it"}
        )
    with transaction.atomic():
        if RestrictedAccess.objects.active().filter(child=child, user=user).exists():
            raise ValidationError(
                {"user": f"{user.username} is already named on {child.local_id}'s record"}
            )
        grant = RestrictedAccess.objects.create(
            child=child, user=user, granted_by=actor, reason=reason, expires_at=expires_at
        )
        audit.record_write(
            actor,
            child,
            AuditAction.RESTRICTED_GRANT,
            RestrictedAccess,
            grant.pk,
            None,
            audit.snapshot(grant),
            reason=reason,
        )
    return grant


def break_glass_for_review(manager):
    """Break-glass grants by members of the manager's team, newest first."""
    if not roles.has_capability(manager.role, "review_access") or not manager.team_id:
        return BreakGlassAccess.objects.none()
    return BreakGlassAccess.objects.filter(user__team_id=manager.team_id).select_related(
        "user", "child"
    )


def mark_break_glass_reviewed(manager, *, grant_id: int) -> BreakGlassAccess:
    """Record that the manager checked an emergency access by a member of their team."""
    with transaction.atomic():
        grant = (
            break_glass_for_review(manager).select_for_update(of=("self",)).filter(pk=grant_id)
        ).first()
        if grant is None:
            raise Http404("No such emergency access in your team")
        if grant.reviewed_at is None:
            before = audit.snapshot(grant)
            grant.reviewed_by = manager
            grant.reviewed_at = timezone.now()
            grant.save(update_fields=["reviewed_by", "reviewed_at"])
            audit.record_write(
                manager,
                grant.child,
                AuditAction.UPDATE,
                BreakGlassAccess,
                grant.pk,
                before,
                audit.snapshot(grant),
            )
    return grant
