"""The one place that decides who may see which children, and which parts of their record.

Every view, export, API endpoint, admin page and command that returns children goes
through these functions; nothing filters children by hand. Each takes the request (not just
the user) so that the audit layer can record who looked, from where and why.

The rule (docs/access.md):
  1. the professional's role allows the area (safeguard.access.roles.MATRIX), and
  2. for an ordinary record, a relationship with the child today:
       - a current involvement (children.Involvement), or
       - for a team-scoped role (team manager), a member of their team currently involved,
       - or an unexpired break-glass grant (never for the export area);
     for a restricted record, being named on a current RestrictedAccess grant (an
     involvement, team scope or break-glass is not enough), and
  3. when a second factor is required (SAFEGUARD_REQUIRE_OTP), the session is verified.

Built as one SQL query with EXISTS subqueries, so lists, search, exports and counts cost
the same as an unfiltered query plus a semi-join, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from safeguard.children.models import Child, Involvement

from . import audit, roles
from .models import AuditAction, BreakGlassAccess, RestrictedAccess

AREAS = tuple(roles.AREAS)


def _check_area(area: str) -> None:
    if area not in roles.AREAS:
        raise ValueError(f"unknown area {area!r} (areas: {', '.join(roles.AREAS)})")


def session_verified(request) -> bool:
    """Signed in, active, and past the second factor when one is required."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(settings, "SAFEGUARD_REQUIRE_OTP", True):
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())
    return True


def _relationship_exists(user, role: str, *, area: str, today: dt.date, now) -> dict:
    """EXISTS expressions, one per basis of access, over the outer Child row."""
    current = Involvement.objects.current(today).filter(child=OuterRef("pk"))
    bases = {"involvement": Exists(current.filter(professional=user))}
    if roles.scope_for(role) == "team" and user.team_id:
        bases["team"] = Exists(current.filter(professional__team_id=user.team_id))
    if roles.has_capability(role, "break_glass") and area not in roles.BREAK_GLASS_EXCLUDED_AREAS:
        bases["break-glass"] = Exists(
            BreakGlassAccess.objects.active(now).filter(child=OuterRef("pk"), user=user)
        )
    return bases


def _restricted_grant(user, now):
    return Exists(RestrictedAccess.objects.active(now).filter(child=OuterRef("pk"), user=user))


def visible_children_for_user(user, *, area: str = "summary", now=None) -> QuerySet[Child]:
    """The access rule for a user, without the session checks (for commands and tests)."""
    _check_area(area)
    if user is None or not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    role = user.role
    if area not in roles.areas_for(role) or roles.scope_for(role) == "none":
        return Child.objects.none()
    now = now or timezone.now()
    today = timezone.localdate(now)
    relationship = Q()
    for expression in _relationship_exists(user, role, area=area, today=today, now=now).values():
        relationship |= Q(expression)
    return Child.objects.filter(
        (Q(restricted=False) & relationship)
        | (Q(restricted=True) & Q(_restricted_grant(user, now)))
    )


def visible_children(request, *, area: str = "summary") -> QuerySet[Child]:
    """Children the signed-in professional may see in `area`."""
    _check_area(area)
    if not session_verified(request):
        return Child.objects.none()
    return visible_children_for_user(request.user, area=area)


def countable_children(request) -> QuerySet[Child]:
    """Every child, for counting only (the `aggregates` capability): callers aggregate it
    in SQL and never list, name or open a row. Empty for anyone else."""
    if not session_verified(request) or not roles.has_capability(request.user.role, "aggregates"):
        return Child.objects.none()
    return Child.objects.all()


def allowed_areas(request, child: Child) -> frozenset[str]:
    """The areas of this child's record the professional may see (for showing sections).

    One query: an EXISTS per area the role has.
    """
    if not session_verified(request):
        return frozenset()
    user = request.user
    candidates = sorted(roles.areas_for(user.role))
    if not candidates:
        return frozenset()
    flags = {
        f"may_{area}": Exists(visible_children_for_user(user, area=area).filter(pk=OuterRef("pk")))
        for area in candidates
    }
    row = Child.objects.filter(pk=child.pk).annotate(**flags).values(*flags).first() or {}
    return frozenset(area for area in candidates if row.get(f"may_{area}"))


# Chronology entries whose category belongs to an area narrower than the chronology: a
# police officer reads the chronology but not health detail (docs/access.md).
TIMELINE_CATEGORY_AREAS = {"health": "health", "medicines": "medicines"}


def filter_timeline(entries, areas) -> list:
    """Drop timeline entries in categories the professional's areas do not include.

    Dropped, not redacted: a placeholder would still say what kind of thing happened and
    when (and a type filter in the URL could ask for it by name).
    """
    return [e for e in entries if TIMELINE_CATEGORY_AREAS.get(e.category, "chronology") in areas]


def access_basis(user, child: Child, *, area: str) -> str:
    """Why the user may see the child: restricted-grant, involvement, team or break-glass."""
    now = timezone.now()
    if child.restricted:
        return "restricted-grant"
    bases = _relationship_exists(user, user.role, area=area, today=timezone.localdate(now), now=now)
    flags = Child.objects.filter(pk=child.pk).annotate(
        **{f"b_{i}": e for i, e in enumerate(bases.values())}
    )
    row = flags.values(*[f"b_{i}" for i in range(len(bases))]).first() or {}
    for i, name in enumerate(bases):
        if row.get(f"b_{i}"):
            return name
    return ""


def _basis_flags(user, area: str) -> dict:
    now = timezone.now()
    bases = _relationship_exists(user, user.role, area=area, today=timezone.localdate(now), now=now)
    return {f"_basis_{name.replace('-', '_')}": (name, e) for name, e in bases.items()}


def _basis_from(restricted: bool, flags: dict, values: dict) -> str:
    if restricted:
        return "restricted-grant"
    return next((name for key, (name, _) in flags.items() if values.get(key)), "")


def with_bases(user, children: QuerySet, *, area: str) -> QuerySet:
    """The queryset annotated so that `basis_of(child)` needs no further query."""
    if user is None or not user.is_authenticated:
        return children
    flags = _basis_flags(user, area)
    annotated = children.annotate(**{key: e for key, (_, e) in flags.items()})
    annotated._basis_flags = flags
    return annotated


def basis_of(child, flags: dict) -> str:
    return _basis_from(child.restricted, flags, {k: getattr(child, k, False) for k in flags})


def access_bases(user, child_ids, *, area: str) -> dict[int, str]:
    """access_basis for many children in one query: {child id: basis} ("" if none)."""
    ids = list(child_ids)
    if not ids or user is None or not user.is_authenticated:
        return dict.fromkeys(ids, "")
    flags = _basis_flags(user, area)
    rows = (
        Child.objects.filter(pk__in=ids)
        .annotate(**{key: e for key, (_, e) in flags.items()})
        .values("pk", "restricted", *flags)
    )
    result = dict.fromkeys(ids, "")
    for row in rows:
        result[row["pk"]] = _basis_from(row["restricted"], flags, row)
    return result


def open_child(request, child_id: int, *, area: str) -> Child:
    """The child, if the professional may see that area of the record; 404 otherwise.

    A 404 rather than 403 so that a refusal does not confirm the child exists. The read is
    written to the audit trail before the child is returned; if that fails the read is
    refused (audit.AuditUnavailable, served as a 503).
    """
    _check_area(area)
    try:
        child = visible_children(request, area=area).get(pk=child_id)
    except (Child.DoesNotExist, ValueError, TypeError):
        raise Http404("No child found") from None
    action = AuditAction.EXPORT if area == "export" else AuditAction.VIEW
    audit.record_read(
        request,
        child,
        area=area,
        action=action,
        basis=access_basis(request.user, child, area=area),
    )
    return child


def open_child_for_write(request, child_id: int, *, what: str) -> Child:
    """The child, if the professional's role may write `what` (roles.WRITES) and they may
    see the child's identity (the same relationship as reading: involvement, team scope,
    a named restricted grant or break-glass); 404 otherwise, as for reads.

    The read of the child's identity (the form shows their name) is audited; the write
    itself is audited by the service that makes it. Contribute-without-seeing, for a child
    the professional is not involved with, is a separate path (recording.contribute).
    """
    if not session_verified(request) or not roles.may_write(request.user.role, what):
        raise Http404("No child found")
    return open_child(request, child_id, area="identity")
