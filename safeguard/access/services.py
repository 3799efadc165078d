"""Writes to access grants: break-glass and naming people on restricted records."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper
from django.http import Http404
from django.utils import timezone

from safeguard.children.models import Child
from safeguard.core.changes import child_record_changed
from safeguard.core.validators import normalise_nhs_number

from . import audit, roles
from .models import BREAK_GLASS_HOURS, AuditAction, BreakGlassAccess, RestrictedAccess

MIN_REASON_LENGTH = 20
# A reason is words someone can read: at least this many words (separated by spaces, each
# with two or more letters), not all the same, and no longer than MAX_REASON_LENGTH once
# normalised.
MIN_REASON_WORDS = 4
MIN_DISTINCT_WORDS = 3
MAX_REASON_LENGTH = 2000

_SPACES = re.compile(r"\s+")


def reason_words(reason: str) -> list[str]:
    return [w for w in reason.split(" ") if sum(ch.isalpha() for ch in w) >= 2]


def normalise_reason(text: str) -> str:
    """NFC, with invisible format and control characters removed and spaces collapsed.

    Zero-width spaces and joiners, bidirectional controls and stray combining marks are
    removed, so a reason cannot look longer than what a reviewer reads.
    """
    text = unicodedata.normalize("NFC", text or "")
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "\n\t":
            kept.append(" ")
        elif category in ("Cf", "Cc", "Cs", "Co", "Cn") or (
            category in ("Mn", "Me") and (not kept or not kept[-1].isalnum())
        ):
            continue
        else:
            kept.append(ch)
    return _SPACES.sub(" ", "".join(kept)).strip()


def check_reason(text: str) -> str:
    """The normalised reason, or ValidationError({"reason": ...}) saying what is missing."""
    reason = normalise_reason(text)
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": "Enter the reason you need emergency access "
                f"(at least {MIN_REASON_LENGTH} characters)"
            }
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": f"The reason must be {MAX_REASON_LENGTH} characters or fewer"}
        )
    words = reason_words(reason)
    if len(words) < MIN_REASON_WORDS or len({w.casefold() for w in words}) < MIN_DISTINCT_WORDS:
        raise ValidationError(
            {
                "reason": "Say in words why you need emergency access "
                f"(at least {MIN_REASON_WORDS} words)"
            }
        )
    return reason


class NoReviewer(Exception):
    pass


def reviewer_for(user):
    """Who reviews the user's emergency access: an active manager of their team; else the
    first active service-level reviewer (SAFEGUARD_EMERGENCY_REVIEWERS); else the
    safeguarding lead (SAFEGUARD_SAFEGUARDING_LEAD). Only people who can open the review
    page count, and never the user themselves."""
    User = get_user_model()
    reviewers = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if user.team_id:
        for manager in reviewers.filter(team_id=user.team_id).order_by("pk"):
            if roles.has_capability(manager.role, "review_access"):
                return manager
    names = list(getattr(settings, "SAFEGUARD_EMERGENCY_REVIEWERS", []))
    lead = getattr(settings, "SAFEGUARD_SAFEGUARDING_LEAD", "")
    if lead:
        names.append(lead)
    by_name = {u.username: u for u in reviewers.filter(username__in=names)}
    for name in names:
        candidate = by_name.get(name)
        if candidate is not None and roles.has_capability(candidate.role, "review_access"):
            return candidate
    raise NoReviewer


# A successful lookup lets the professional open that one record's emergency-access form
# for a short while; the form is refused otherwise, so it cannot be used to browse ids.
LOOKUP_SALT = "safeguard.access.emergency-lookup"
LOOKUP_MAX_AGE = 15 * 60
LOOKUP_SESSION_KEY = "emergency_lookups"


def lookup_token(user, child_id: int) -> str:
    return signing.dumps({"u": user.pk, "c": int(child_id)}, salt=LOOKUP_SALT, compress=True)


def lookup_token_valid(token: str, user, child_id: int) -> bool:
    try:
        data = signing.loads(token or "", salt=LOOKUP_SALT, max_age=LOOKUP_MAX_AGE)
    except signing.BadSignature:
        return False
    return data == {"u": user.pk, "c": int(child_id)}


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
    now = timezone.now()
    with transaction.atomic():
        child = Child.objects.filter(pk=child_id, restricted=False).first()
        if child is None:
            raise Http404("No child found")
        reason = check_reason(reason)
        try:
            reviewer = reviewer_for(user)
        except NoReviewer:
            # Unreviewed emergency access is what this guards against: refuse, and say who
            # can fix it.
            raise ValidationError(
                {
                    "reason": "Emergency access cannot be given because nobody is set up to "
                    "review it (you have no team manager, and no service-level reviewer is "
                    "set): ask your administrator"
                }
            ) from None
        grant = BreakGlassAccess.objects.create(
            child=child,
            user=user,
            reason=reason,
            granted_at=now,
            expires_at=now + dt.timedelta(hours=BREAK_GLASS_HOURS),
            reviewer=reviewer,
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
    """Break-glass grants the manager reviews (members of their team, or assigned to them
    as reviewer), newest first. Never their own."""
    if not roles.has_capability(manager.role, "review_access"):
        return BreakGlassAccess.objects.none()
    mine = Q(reviewer=manager)
    if manager.team_id:
        mine |= Q(user__team_id=manager.team_id)
    return (
        BreakGlassAccess.objects.filter(mine)
        .exclude(user=manager)
        .select_related("user", "child", "reviewed_by")
    )


def overdue_for_review(manager, now=None):
    """Unreviewed grants granted more than SAFEGUARD_EMERGENCY_REVIEW_HOURS ago."""
    now = now or timezone.now()
    hours = getattr(settings, "SAFEGUARD_EMERGENCY_REVIEW_HOURS", 72)
    return break_glass_for_review(manager).filter(
        reviewed_at__isnull=True, granted_at__lt=now - dt.timedelta(hours=hours)
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
            # The unreviewed-access alert (EMERGENCY-ACCESS-UNREVIEWED) clears on commit.
            child_record_changed(grant.child_id)
    return grant
